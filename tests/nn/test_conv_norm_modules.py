"""Conv, pooling and normalisation modules: repr, state_dict keys, init and parity with PyTorch."""
import numpy as np
import pytest

import dygrad
from dygrad.nn.modules import conv as C, pooling as P, batchnorm as BN, normalization as NM

rng = np.random.default_rng(5)


def _load_from_torch(dmod, tmod):
    sd = {k: dygrad.tensor(v.detach().numpy()) for k, v in tmod.state_dict().items()}
    dmod.load_state_dict(sd)


MODULES = [
    ("Conv2d", (3, 4, 3), dict(), (2, 3, 8, 8)),
    ("Conv2d", (3, 6, (3, 2)), dict(stride=2, padding=1, dilation=1, groups=3, bias=False), (1, 3, 9, 7)),
    ("Conv2d", (2, 4, 3), dict(padding="same", padding_mode="reflect"), (2, 2, 6, 6)),
    ("Conv2d", (2, 4, 3), dict(padding=1, padding_mode="circular"), (1, 2, 5, 5)),
    ("Conv1d", (3, 5, 3), dict(stride=2, padding=1), (2, 3, 11)),
    ("ConvTranspose2d", (4, 2, 3), dict(stride=2, padding=1, output_padding=1), (2, 4, 5, 5)),
    ("MaxPool2d", (2,), dict(), (2, 3, 8, 8)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True), (1, 2, 9, 9)),
    ("MaxPool1d", (2,), dict(), (2, 3, 8)),
    ("AvgPool2d", (3,), dict(stride=1, padding=1, count_include_pad=False), (2, 2, 6, 6)),
    ("AvgPool1d", (2,), dict(), (2, 3, 8)),
    ("AdaptiveAvgPool2d", ((1, 1),), dict(), (2, 3, 7, 7)),
    ("AdaptiveMaxPool2d", (3,), dict(), (2, 3, 7, 8)),
    ("BatchNorm1d", (4,), dict(), (5, 4)),
    ("BatchNorm1d", (4,), dict(momentum=None), (5, 4, 3)),
    ("BatchNorm2d", (3,), dict(affine=False), (4, 3, 5, 5)),
    ("LayerNorm", ((5,),), dict(), (3, 4, 5)),
    ("LayerNorm", ((4, 5),), dict(elementwise_affine=False), (3, 4, 5)),
    ("GroupNorm", (2, 4), dict(), (3, 4, 5, 5)),
    ("InstanceNorm2d", (3,), dict(affine=True), (2, 3, 4, 4)),
]


def _module(lib, name):
    for mod in (C, P, BN, NM):
        if hasattr(mod, name):
            return getattr(mod, name) if lib is None else getattr(lib.nn, name)
    raise AttributeError(name)


@pytest.mark.parametrize("name,args,kwargs,shape", MODULES)
@pytest.mark.parametrize("train", [True, False])
def test_module_parity(name, args, kwargs, shape, train):
    torch = pytest.importorskip("torch")
    tmod = getattr(torch.nn, name)(*args, **kwargs)
    dmod = _module(None, name)(*args, **kwargs)
    assert repr(dmod) == repr(tmod)
    assert list(dmod.state_dict().keys()) == list(tmod.state_dict().keys())
    for (kd, vd), (kt, vt) in zip(dmod.state_dict().items(), tmod.state_dict().items()):
        assert tuple(vd.shape) == tuple(vt.shape) and str(vd.dtype) == str(vt.dtype), kd
    _load_from_torch(dmod, tmod)
    dmod.train(train)
    tmod.train(train)
    X = rng.standard_normal(shape).astype(np.float32)
    xd = dygrad.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    for _ in range(2):  # twice: running statistics are updated and then used
        od, ot = dmod(xd), tmod(xt)
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=1e-5)
    G = rng.standard_normal(tuple(ot.shape)).astype(np.float32)
    od.backward(dygrad.tensor(G))
    ot.backward(torch.tensor(G))
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-3, atol=1e-4)
    tp = dict(tmod.named_parameters())
    for n, p in dmod.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[n].grad.numpy(), rtol=1e-3, atol=1e-3, err_msg=n)
    tb = dict(tmod.named_buffers())
    for n, b in dmod.named_buffers():
        np.testing.assert_allclose(b.numpy(), tb[n].numpy(), rtol=1e-5, atol=1e-6, err_msg=n)


def test_conv_default_init_matches_torch_distribution():
    torch = pytest.importorskip("torch")
    d = C.Conv2d(16, 32, 3)
    t = torch.nn.Conv2d(16, 32, 3)
    bound_w = float(t.weight.detach().abs().max())
    fan_in = 16 * 9
    assert abs(d.weight.detach().numpy()).max() <= 1 / np.sqrt(fan_in) + 1e-6
    assert abs(d.weight.detach().numpy()).max() > 0.9 / np.sqrt(fan_in)
    assert bound_w <= 1 / np.sqrt(fan_in) + 1e-6
    assert abs(d.bias.detach().numpy()).max() <= 1 / np.sqrt(fan_in)
    np.testing.assert_allclose(d.weight.detach().numpy().std(), t.weight.detach().numpy().std(), rtol=0.15)


def test_batchnorm_unbiased_running_var_and_counter():
    bn = BN.BatchNorm1d(2)
    x = dygrad.tensor([[1.0, 2.0], [3.0, 6.0]])
    bn(x)
    np.testing.assert_allclose(bn.running_mean.numpy(), [0.2, 0.4], rtol=1e-6)
    # unbiased variance: [2, 8] -> 0.9 + 0.1 * var
    np.testing.assert_allclose(bn.running_var.numpy(), [0.9 + 0.2, 0.9 + 0.8], rtol=1e-6)
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    bn(x)
    assert bn.num_batches_tracked.item() == 1


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="expected 4D input"):
        BN.BatchNorm2d(3)(dygrad.ones(2, 3))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        BN.BatchNorm1d(3)(dygrad.ones(1, 3))


def test_maxpool_return_indices_module():
    m = P.MaxPool2d(2, return_indices=True)
    out, idx = m(dygrad.arange(16.0).reshape(1, 1, 4, 4))
    assert idx.tolist() == [[[[5, 7], [13, 15]]]]
