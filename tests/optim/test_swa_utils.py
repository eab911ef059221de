"""swa_utils against torch: SWALR sequences, AveragedModel (SWA/EMA), update_bn."""
import numpy as np
import pytest

import dygrad
from dygrad import optim

torch = None


def _torch():
    """torch for the parity tests (they skip without it); the other tests here run without it."""
    global torch
    torch = pytest.importorskip("torch")
    return torch
try:
    from dygrad import nn
    from dygrad.optim import swa_utils
except ImportError:  # dygrad.nn (Module, layers) not built yet
    pytest.skip("dygrad.nn is not available", allow_module_level=True)


def _copy_weights(dmodel, tmodel):
    for dp, tp in zip(dmodel.parameters(), tmodel.parameters()):
        dp._data[...] = tp.detach().numpy()


def _model(fw):
    """Two linear layers and two buffers (a float scale and an integer counter)."""

    class Net(fw.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = fw.nn.Linear(3, 4)
            self.b = fw.nn.Linear(4, 2)
            self.register_buffer("scale", fw.ones(4))
            self.register_buffer("count", fw.tensor(0))

        def forward(self, x):
            return self.b(self.a(x) * self.scale)

    return Net()


def _models(seed):
    _torch()
    torch.manual_seed(seed)
    tmodel, dmodel = _model(torch), _model(dygrad)
    _copy_weights(dmodel, tmodel)
    return tmodel, dmodel


def _perturb(tmodel, dmodel, k):
    _torch()
    pairs = list(zip(tmodel.parameters(), dmodel.parameters()))
    pairs.append((tmodel.scale, dmodel.scale))
    for i, (tp, dp) in enumerate(pairs):
        delta = np.sin(np.arange(tp.numel()) + k + i).reshape(tuple(tp.shape)).astype(np.float32)
        with torch.no_grad():
            tp.add_(torch.tensor(delta))
        dp._data += delta
    tmodel.count += 3
    dmodel.count += 3


@pytest.mark.parametrize("kind", ["swa", "ema_multi", "ema", "swa_multi", "buffers"])
def test_averaged_model_matches_torch(kind):
    _torch()
    tmodel, dmodel = _models(0)
    if kind == "swa":
        targs, dargs = {}, {}
    elif kind == "ema_multi":
        targs = {"multi_avg_fn": torch.optim.swa_utils.get_ema_multi_avg_fn(0.9)}
        dargs = {"multi_avg_fn": swa_utils.get_ema_multi_avg_fn(0.9)}
    elif kind == "ema":
        targs = {"avg_fn": torch.optim.swa_utils.get_ema_avg_fn(0.8)}
        dargs = {"avg_fn": swa_utils.get_ema_avg_fn(0.8)}
    elif kind == "swa_multi":
        targs = {"multi_avg_fn": torch.optim.swa_utils.get_swa_multi_avg_fn()}
        dargs = {"multi_avg_fn": swa_utils.get_swa_multi_avg_fn()}
    else:
        targs = dargs = {"use_buffers": True}
    tavg = torch.optim.swa_utils.AveragedModel(tmodel, **targs)
    davg = swa_utils.AveragedModel(dmodel, **dargs)
    for k in range(6):
        _perturb(tmodel, dmodel, k)
        tavg.update_parameters(tmodel)
        davg.update_parameters(dmodel)
    assert davg.n_averaged.item() == tavg.n_averaged.item() == 6
    for tp, dp in zip(tavg.parameters(), davg.parameters()):
        np.testing.assert_allclose(dp.detach().numpy(), tp.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
    for tb, db in zip(tavg.buffers(), davg.buffers()):
        assert str(db.dtype) == str(tb.dtype)
        np.testing.assert_allclose(db.numpy(), tb.numpy(), rtol=1e-6)
    x = np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3)
    tavg.eval()
    davg.eval()
    np.testing.assert_allclose(davg(dygrad.tensor(x)).detach().numpy(),
                               tavg(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_update_bn_matches_torch():
    _torch()
    if not hasattr(nn, "BatchNorm1d"):
        pytest.skip("dygrad.nn.BatchNorm1d is not available")
    torch.manual_seed(1)
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    dmodel = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    _copy_weights(dmodel, tmodel)
    data = [np.cos(np.arange(12) * (k + 1)).reshape(4, 3).astype(np.float32) for k in range(5)]
    torch.optim.swa_utils.update_bn([(torch.tensor(x), 0) for x in data], tmodel)
    swa_utils.update_bn([(dygrad.tensor(x), 0) for x in data], dmodel)
    tbn, dbn = tmodel[1], dmodel[1]
    np.testing.assert_allclose(dbn.running_mean.numpy(), tbn.running_mean.numpy(), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(dbn.running_var.numpy(), tbn.running_var.numpy(), rtol=1e-5,
                               atol=1e-6)
    assert dbn.momentum == tbn.momentum == 0.1
    assert dmodel.training


def test_update_bn_without_batchnorm_is_a_no_op():
    _, dmodel = _models(2)
    before = [p.detach().numpy().copy() for p in dmodel.parameters()]
    swa_utils.update_bn([dygrad.ones(2, 3)], dmodel)
    for b, p in zip(before, dmodel.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), b)


@pytest.mark.parametrize("kwargs", [dict(swa_lr=0.05), dict(swa_lr=[0.05, 0.01], anneal_epochs=4,
                                                           anneal_strategy="linear"),
                                    dict(swa_lr=0.02, anneal_epochs=0)])
def test_swalr_matches_torch(kwargs):
    _torch()
    hists, states = [], []
    for fw, mod in ((torch, torch.optim), (dygrad, optim)):
        a = fw.tensor(np.ones(2, np.float32), requires_grad=True)
        b = fw.tensor(np.ones(2, np.float32), requires_grad=True)
        opt = mod.SGD([{"params": [a]}, {"params": [b], "lr": 0.2}], lr=0.5)
        sched = mod.swa_utils.SWALR(opt, **kwargs)
        hist = [sched.get_last_lr()]
        for _ in range(15):
            opt.step()
            sched.step()
            hist.append(sched.get_last_lr())
        hists.append(hist)
        states.append(sched.state_dict())
    assert hists[1] == hists[0]
    assert states[1] == states[0]


def test_swalr_validation():
    p = dygrad.tensor(np.ones(2, np.float32), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
        swa_utils.SWALR(opt, 0.01, anneal_strategy="exp")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0"):
        swa_utils.SWALR(opt, 0.01, anneal_epochs=-1)
    with pytest.raises(ValueError, match=r"Invalid decay value 1.5 provided"):
        swa_utils.get_ema_avg_fn(1.5)
