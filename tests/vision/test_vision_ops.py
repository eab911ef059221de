"""dygrad.vision.ops.misc against torchvision.ops.misc: Conv2dNormActivation and
SqueezeExcitation (state_dict keys, outputs and gradients), plus their options."""
import numpy as np
import pytest

import dygrad
from dygrad.vision.ops import Conv2dNormActivation, ConvNormActivation, SqueezeExcitation


def test_conv_norm_activation_layout_without_torch():
    block = Conv2dNormActivation(3, 8, kernel_size=5, stride=2, dilation=2)
    conv, bn, act = block
    assert conv.padding == (4, 4) and conv.bias is None and isinstance(act, dygrad.nn.ReLU)
    assert act.inplace is True and block.out_channels == 8
    plain = Conv2dNormActivation(3, 8, kernel_size=(3, 5), norm_layer=None, activation_layer=None)
    assert len(plain) == 1 and plain[0].padding == (1, 2) and plain[0].bias is not None
    with pytest.warns(UserWarning, match="Don't use ConvNormActivation directly"):
        ConvNormActivation(3, 4)


@pytest.mark.parametrize("kwargs", [
    {"kernel_size": 3, "stride": 2},
    {"kernel_size": 3, "groups": 4, "activation_layer": "Hardswish"},
    {"kernel_size": 1, "norm_layer": None, "activation_layer": "ReLU6", "inplace": None},
    {"kernel_size": 3, "dilation": 2, "bias": True},
])
def test_conv2d_norm_activation_matches_torchvision(kwargs):
    torch = pytest.importorskip("torch")
    tv_misc = pytest.importorskip("torchvision.ops.misc")
    tkw, dkw = dict(kwargs), dict(kwargs)
    if isinstance(kwargs.get("activation_layer"), str):
        tkw["activation_layer"] = getattr(torch.nn, kwargs["activation_layer"])
        dkw["activation_layer"] = getattr(dygrad.nn, kwargs["activation_layer"])
    torch.manual_seed(0)
    tv = tv_misc.Conv2dNormActivation(4, 8, **tkw)
    ours = Conv2dNormActivation(4, 8, **dkw)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tv.state_dict().items()]
    ours.load_state_dict({k: dygrad.tensor(v.numpy()) for k, v in tv.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 4, 9, 9)).astype(np.float32)
    xt, xd = torch.tensor(x, requires_grad=True), dygrad.tensor(x, requires_grad=True)
    yt, yd = tv(xt), ours(xd)
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    yt.square().sum().backward()
    yd.square().sum().backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours[0].weight.grad.numpy(), tv[0].weight.grad.numpy(), rtol=1e-4,
                               atol=1e-3)


def test_squeeze_excitation_matches_torchvision():
    torch = pytest.importorskip("torch")
    tv_misc = pytest.importorskip("torchvision.ops.misc")
    torch.manual_seed(0)
    tv = tv_misc.SqueezeExcitation(16, 4, scale_activation=torch.nn.Hardsigmoid)
    ours = SqueezeExcitation(16, 4, scale_activation=dygrad.nn.Hardsigmoid)
    assert list(ours.state_dict()) == list(tv.state_dict()) == ["fc1.weight", "fc1.bias", "fc2.weight",
                                                               "fc2.bias"]
    ours.load_state_dict({k: dygrad.tensor(v.numpy()) for k, v in tv.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((2, 16, 5, 5)).astype(np.float32)
    xt, xd = torch.tensor(x, requires_grad=True), dygrad.tensor(x, requires_grad=True)
    yt, yd = tv(xt), ours(xd)
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    yt.sum().backward()
    yd.sum().backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.fc1.weight.grad.numpy(), tv.fc1.weight.grad.numpy(), rtol=1e-4,
                               atol=1e-6)
