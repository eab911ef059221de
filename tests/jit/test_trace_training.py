"""Whole training steps under dygrad.jit: cross_entropy and optimizer.step() replay exactly."""
import warnings

import numpy as np
import pytest

import dygrad
from dygrad import nn
from dygrad.jit import TracerWarning
from dygrad.jit._traced import TracedFunction

F = nn.functional


def _model(seed):
    dygrad.manual_seed(seed)
    return nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 5))


def _batches(n, seed, ignore=False):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x = rng.standard_normal((8, 12)).astype(np.float32)
        y = rng.integers(0, 5, 8)
        if ignore:
            y[rng.random(8) < 0.3] = -100
        out.append((x, y))
    return out


def _pair(make_opt, loss_fn, scheduler=False):
    """The same step, eager and traced, on two copies of one model; x/y are filled per call."""
    runs = []
    for traced in (False, True):
        model = _model(0)
        opt = make_opt(model.parameters())
        sched = dygrad.optim.lr_scheduler.StepLR(opt, 2, 0.5) if scheduler else None
        x = dygrad.zeros(8, 12)
        y = dygrad.zeros(8, dtype=dygrad.int64)

        def step(model=model, opt=opt, x=x, y=y):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            return loss
        runs.append((model, opt, sched, x, y, TracedFunction(step) if traced else step))
    return runs


OPTIMIZERS = {
    "sgd_momentum": lambda p: dygrad.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3),
    "adam": lambda p: dygrad.optim.Adam(p, lr=1e-2),
    "adamw_amsgrad": lambda p: dygrad.optim.AdamW(p, lr=1e-2, amsgrad=True),
    "rmsprop": lambda p: dygrad.optim.RMSprop(p, lr=1e-2),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_traced_training_step_matches_eager_bit_for_bit(name):
    runs = _pair(OPTIMIZERS[name], F.cross_entropy, scheduler=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TracerWarning)
        for xb, yb in _batches(6, 1):
            losses = []
            for model, opt, sched, x, y, step in runs:
                x.copy_(dygrad.from_numpy(xb))
                y.copy_(dygrad.from_numpy(yb))
                losses.append(step().item())
                sched.step()  # the replayed opt.step() reads the learning rate afresh
            assert losses[0] == losses[1]
    (m0, o0, *_), (m1, o1, *_, traced) = runs
    assert not traced.reasons and "step" in traced.code
    for p0, p1 in zip(m0.parameters(), m1.parameters()):
        np.testing.assert_array_equal(p1.detach().numpy(), p0.detach().numpy())
        np.testing.assert_array_equal(p1.grad.numpy(), p0.grad.numpy())
    s0, s1 = o0.state_dict()["state"], o1.state_dict()["state"]
    for k in s0:
        for key, v in s0[k].items():
            np.testing.assert_array_equal(np.asarray(s1[k][key]), np.asarray(v))


def test_cross_entropy_with_ignored_targets_replays_each_batch_mask():
    runs = _pair(OPTIMIZERS["adam"], lambda out, y: F.cross_entropy(out, y, ignore_index=-100))
    with warnings.catch_warnings():
        warnings.simplefilter("error", TracerWarning)
        for xb, yb in _batches(5, 2, ignore=True):
            got = []
            for *_, x, y, step in runs:
                x.copy_(dygrad.from_numpy(xb))
                y.copy_(dygrad.from_numpy(yb))
                got.append(step().item())
            assert got[0] == got[1]
    for p0, p1 in zip(runs[0][0].parameters(), runs[1][0].parameters()):
        np.testing.assert_array_equal(p1.detach().numpy(), p0.detach().numpy())


def test_replayed_cross_entropy_still_checks_targets():
    runs = _pair(OPTIMIZERS["adam"], F.cross_entropy)
    *_, x, y, traced = runs[1]
    traced()
    traced()  # replaying
    y.copy_(dygrad.tensor([0, 1, 2, 9, 0, 1, 2, 3]))
    with pytest.raises(IndexError, match="Target 9 is out of bounds"):
        traced()


def test_class_weights_replay_and_closures_run_eagerly_with_a_reason():
    model = _model(0)
    opt = dygrad.optim.SGD(model.parameters(), lr=0.1)
    x, y = dygrad.randn(8, 12), dygrad.randint(0, 5, (8,))
    w = dygrad.rand(5)

    def weighted():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y, weight=w)
        loss.backward()
        opt.step()
        return loss

    def with_closure():
        def closure():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            return loss
        return opt.step(closure)

    traced = TracedFunction(weighted)  # class weights replay by calling cross_entropy again
    for _ in range(3):
        traced()
    assert traced.reasons == []
    for fn, reason in ((with_closure, "closure"),):
        traced = TracedFunction(fn)
        with pytest.warns(TracerWarning, match=reason):
            traced()
        before = [p.detach().numpy().copy() for p in model.parameters()]
        traced()  # eager: still trains
        assert any(not np.array_equal(b, p.detach().numpy())
                   for b, p in zip(before, model.parameters()))


def test_scheduler_step_inside_a_traced_step_replays():
    lrs = []
    for traced in (False, True):
        model = _model(0)
        opt = dygrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        sched = dygrad.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=10)
        x, y = dygrad.randn(8, 12), dygrad.randint(0, 5, (8,))

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            sched.step()
            return loss

        fn = TracedFunction(step) if traced else step
        with warnings.catch_warnings():
            warnings.simplefilter("error", TracerWarning)
            lrs.append([(fn().item(), sched.get_last_lr()[0]) for _ in range(6)])
        if traced:
            assert "OneCycleLR.step" in fn.code
    assert lrs[0] == lrs[1]


def test_scheduler_step_with_a_tensor_metric_runs_eagerly():
    model = _model(0)
    opt = dygrad.optim.SGD(model.parameters(), lr=0.1)
    sched = dygrad.optim.lr_scheduler.ReduceLROnPlateau(opt)
    x, y = dygrad.randn(8, 12), dygrad.randint(0, 5, (8,))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        sched.step(loss.detach())
        return loss

    traced = TracedFunction(step)
    with pytest.warns(TracerWarning, match="ReduceLROnPlateau.step\\(\\) with an argument"):
        traced()
