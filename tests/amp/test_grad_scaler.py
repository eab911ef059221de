"""torch.amp.GradScaler: scale trajectory and skipped steps identical to PyTorch's on a scripted
sequence with injected infs/nans, state_dict round trip, unscale_ with clip_grad_norm_, errors,
and the CUDA spellings that disable themselves on a CPU-only machine."""
import warnings

import numpy as np
import pytest

import dygrad

# 1 = inf injected into a gradient, 2 = nan, 0 = clean step
SCRIPT = [0, 0, 1, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 1, 0]


def _trajectory(L, clip=False):
    scaler = L.amp.GradScaler("cpu", init_scale=2.0 ** 4, growth_factor=3.0, backoff_factor=0.25,
                              growth_interval=3)
    L.manual_seed(0)
    model = L.nn.Linear(3, 2)
    with L.no_grad():
        model.weight.copy_(L.tensor([[0.5, -1.0, 0.25], [1.5, 0.0, -0.5]]))
        model.bias.zero_()
    opt = L.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = L.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
    out = []
    for bad in SCRIPT:
        opt.zero_grad()
        loss = model(x).pow(2).mean()
        scaler.scale(loss).backward()
        if bad:
            model.weight.grad[0, 1] = float("inf") if bad == 1 else float("nan")
        if clip:
            scaler.unscale_(opt)
            L.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        stepped_before = model.weight.detach().clone()
        scaler.step(opt)
        scaler.update()
        out.append((scaler.get_scale(), scaler._get_growth_tracker(),
                    bool((model.weight.detach() != stepped_before).any())))
    return out, model.weight.detach().numpy().copy(), scaler.state_dict()


def test_trajectory_without_torch():
    traj, _, sd = _trajectory(dygrad)
    stepped = [s for _, _, s in traj]
    assert stepped == [b == 0 for b in SCRIPT]
    assert traj[2][0] == 4.0 and traj[1][0] == 16.0  # backoff 0.25 after the first inf
    assert sd["scale"] == traj[-1][0] and set(sd) == {"scale", "growth_factor", "backoff_factor",
                                                     "growth_interval", "_growth_tracker"}


@pytest.mark.parametrize("clip", [False, True])
def test_trajectory_matches_torch(clip):
    torch = pytest.importorskip("torch")
    t_traj, t_w, t_sd = _trajectory(torch, clip)
    d_traj, d_w, d_sd = _trajectory(dygrad, clip)
    assert d_traj == t_traj
    assert d_sd == t_sd
    np.testing.assert_allclose(d_w, t_w, rtol=1e-5, atol=1e-6)


def test_state_dict_round_trip_and_errors():
    s = dygrad.amp.GradScaler("cpu", init_scale=8.0)
    assert s.get_scale() == 8.0 and s.is_enabled()
    s2 = dygrad.amp.GradScaler("cpu")
    s2.load_state_dict({**s.state_dict(), "_growth_tracker": 5})
    assert s2.get_scale() == 8.0 and s2._get_growth_tracker() == 5
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        s2.load_state_dict({})
    p = dygrad.nn.Parameter(dygrad.ones(2))
    opt = dygrad.optim.SGD([p], lr=0.1)
    s.scale(p.sum()).backward()
    s.unscale_(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) has already been called on this optimizer"):
        s.unscale_(opt)
    assert p.grad.tolist() == [1.0, 1.0]
    s.step(opt)
    with pytest.raises(RuntimeError, match=r"step\(\) has already been called since the last update"):
        s.step(opt)
    s.update()
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        s.step(opt, closure=lambda: 0)
    s.update(2.0)
    assert s.get_scale() == 2.0


def test_cuda_scalers_disable_themselves_and_training_proceeds():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        scalers = [dygrad.cuda.amp.GradScaler(), dygrad.amp.GradScaler("cuda"),
                   dygrad.cuda.amp.GradScaler(enabled=False)]
    cats = [x.category for x in w]
    assert cats == [FutureWarning, UserWarning, UserWarning, FutureWarning]
    for s in scalers:
        assert not s.is_enabled() and s.get_scale() == 1.0 and s.state_dict() == {}
        p = dygrad.nn.Parameter(dygrad.ones(2))
        opt = dygrad.optim.SGD([p], lr=0.5)
        loss = (p * p).sum()
        assert s.scale(loss) is loss
        s.scale(loss).backward()
        s.step(opt)
        s.update()
        assert p.tolist() == [0.0, 0.0]


def test_no_gradients_means_no_inf_check():
    s = dygrad.amp.GradScaler("cpu")
    p = dygrad.nn.Parameter(dygrad.ones(2))
    opt = dygrad.optim.SGD([p], lr=0.1)
    s.scale(p.sum())  # no backward: no parameter has a gradient
    with pytest.raises(AssertionError, match="No inf checks were recorded for this optimizer."):
        s.step(opt)
    with pytest.raises(AssertionError, match="No inf checks were recorded prior to update."):
        s.update()
