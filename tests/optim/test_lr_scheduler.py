"""Every scheduler's lr (and momentum) sequence against torch's, exactly, plus state_dict/errors."""
import math

import numpy as np
import pytest

import dygrad
from dygrad import optim
from optim_helpers import dy_param, torch_param

torch = None


def _torch():
    """torch for the parity tests (they skip without it); the other tests here run without it."""
    global torch
    torch = pytest.importorskip("torch")
    return torch


def _optimizer(mod, fw, kind):
    """Two param groups (different lrs); 'sgd' has momentum, 'adam' has betas."""
    _torch()
    a, b = np.ones(2, np.float32), np.ones(3, np.float32)
    make = (lambda x: torch_param(torch, x)) if fw is torch else dy_param
    groups = [{"params": [make(a)]}, {"params": [make(b)], "lr": 0.05}]
    if kind == "sgd":
        return mod.SGD(groups, lr=0.1, momentum=0.9)
    if kind == "adam":
        return mod.Adam(groups, lr=0.1)
    return mod.Adagrad(groups, lr=0.1)


def _snapshot(opt, sched):
    groups = [(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups]
    return list(sched.get_last_lr()), groups


def _run_both(make, steps, kind="sgd", metrics=None):
    """Builds the scheduler in both frameworks and steps them alike; returns both histories."""
    _torch()
    out = []
    for fw, mod in ((torch, torch.optim), (dygrad, optim)):
        opt = _optimizer(mod, fw, kind)
        sched = make(mod.lr_scheduler, opt)
        hist = [_snapshot(opt, sched)]
        for k in range(steps):
            opt.step()
            if metrics is None:
                sched.step()
            else:
                sched.step(metrics[k])
            hist.append(_snapshot(opt, sched))
        out.append((hist, sched, opt))
    return out


CASES = {
    "lambda": (lambda L, o: L.LambdaLR(o, lambda e: 0.95 ** e), 40, "sgd"),
    "lambda_per_group": (lambda L, o: L.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9 ** e]),
                         30, "sgd"),
    "multiplicative": (lambda L, o: L.MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 0.99),
                       40, "sgd"),
    "step": (lambda L, o: L.StepLR(o, step_size=7, gamma=0.3), 50, "sgd"),
    "multistep": (lambda L, o: L.MultiStepLR(o, [5, 12, 12, 30], gamma=0.5), 40, "sgd"),
    "constant": (lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=8), 30, "sgd"),
    "linear": (lambda L, o: L.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=20),
               40, "sgd"),
    "exponential": (lambda L, o: L.ExponentialLR(o, gamma=0.93), 50, "sgd"),
    "polynomial": (lambda L, o: L.PolynomialLR(o, total_iters=20, power=2.0), 30, "sgd"),
    "cosine": (lambda L, o: L.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 60, "sgd"),
    "cosine_odd": (lambda L, o: L.CosineAnnealingLR(o, T_max=7), 60, "adam"),
    "warm_restarts": (lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2,
                                                                 eta_min=1e-4), 60, "sgd"),
    "warm_restarts_1": (lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=6), 40, "sgd"),
    "cyclic": (lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4), 40, "sgd"),
    "cyclic2": (lambda L, o: L.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3,
                                        step_size_down=6, mode="triangular2",
                                        base_momentum=0.7, max_momentum=[0.95, 0.9]),
                50, "sgd"),
    "cyclic_exp": (lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=5, mode="exp_range",
                                           gamma=0.97), 50, "adam"),
    "cyclic_custom": (lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=5,
                                              scale_fn=lambda x: 1 / (1 + 0.1 * x),
                                              scale_mode="iterations", cycle_momentum=False),
                      50, "adagrad"),
    "onecycle": (lambda L, o: L.OneCycleLR(o, max_lr=[0.1, 0.2], total_steps=50), 49, "sgd"),
    "onecycle_linear": (lambda L, o: L.OneCycleLR(o, max_lr=0.1, epochs=5, steps_per_epoch=10,
                                                  anneal_strategy="linear", pct_start=0.25),
                        50, "adam"),
    "onecycle_three": (lambda L, o: L.OneCycleLR(o, max_lr=0.3, total_steps=40, three_phase=True,
                                                 div_factor=10.0, final_div_factor=100.0),
                       40, "sgd"),
    "onecycle_no_momentum": (lambda L, o: L.OneCycleLR(o, 0.1, total_steps=30,
                                                       cycle_momentum=False), 30, "adagrad"),
    "sequential": (lambda L, o: L.SequentialLR(o, [L.LinearLR(o, 0.1, total_iters=5),
                                                   L.ExponentialLR(o, 0.9)], milestones=[5]),
                   30, "sgd"),
    "sequential3": (lambda L, o: L.SequentialLR(o, [L.ConstantLR(o, 0.3, total_iters=4),
                                                    L.CosineAnnealingLR(o, T_max=8),
                                                    L.StepLR(o, 3, 0.5)], milestones=[4, 20]),
                    45, "adam"),
    "chained": (lambda L, o: L.ChainedScheduler([L.ConstantLR(o, 0.5, total_iters=4),
                                                 L.ExponentialLR(o, 0.9)]), 30, "sgd"),
    "chained_cosine": (lambda L, o: L.ChainedScheduler([L.LinearLR(o, 0.2, total_iters=6),
                                                        L.CosineAnnealingLR(o, T_max=12)],
                                                       optimizer=o), 40, "sgd"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_sequence_matches_torch(case):
    make, steps, kind = CASES[case]
    (thist, tsched, _), (dhist, dsched, _) = _run_both(make, steps, kind)
    assert dhist == thist
    if case not in ("sequential", "sequential3", "chained", "chained_cosine"):
        assert dsched.last_epoch == tsched.last_epoch


STATE_CASES = ["step", "lambda", "cosine", "cyclic2", "onecycle", "warm_restarts", "sequential",
               "chained", "multistep"]


@pytest.mark.parametrize("case", STATE_CASES)
def test_state_dict_matches_torch(case):
    make, steps, kind = CASES[case]
    (_, tsched, _), (_, dsched, _) = _run_both(make, min(steps, 12), kind)
    tsd, dsd = tsched.state_dict(), dsched.state_dict()
    assert list(dsd) == list(tsd)
    assert dsd == tsd


@pytest.mark.parametrize("case", STATE_CASES)
def test_state_dict_round_trip_resumes_the_schedule(case):
    make, steps, kind = CASES[case]
    opt = _optimizer(optim, dygrad, kind)
    sched = make(optim.lr_scheduler, opt)
    full = []
    for k in range(steps):
        opt.step()
        sched.step()
        full.append(sched.get_last_lr())
        if k == 9:
            opt_sd, sched_sd = opt.state_dict(), sched.state_dict()
    opt2 = _optimizer(optim, dygrad, kind)
    sched2 = make(optim.lr_scheduler, opt2)
    opt2.load_state_dict(opt_sd)
    sched2.load_state_dict(sched_sd)
    resumed = []
    for _ in range(10, steps):
        opt2.step()
        sched2.step()
        resumed.append(sched2.get_last_lr())
    assert resumed == full[10:]


PLATEAU = {
    "min_rel": (dict(patience=2), [1.0, 0.9, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8, 0.45]),
    "min_abs_cooldown": (dict(patience=1, threshold=0.05, threshold_mode="abs", cooldown=2,
                              factor=0.5), [1.0, 0.99, 0.98, 0.97, 0.9, 0.89, 0.88, 0.87, 0.5,
                                            0.49, 0.48, 0.47]),
    "max_rel_min_lr": (dict(mode="max", patience=0, factor=0.2, min_lr=[0.01, 0.004]),
                       [1.0, 1.0, 0.9, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7, 0.6]),
    "min_ties_zero_threshold": (dict(patience=1, threshold=0.0), [1.0, 1.0, 1.0, 0.5, 0.5, 0.5,
                                                                   0.7, 0.5, 0.4, 0.4]),
    "max_abs_eps": (dict(mode="max", threshold_mode="abs", threshold=0.1, patience=1,
                         factor=0.9, eps=0.004), [0.1, 0.15, 0.19, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3,
                                                  0.3, 0.3, 0.3, 0.3]),
}


@pytest.mark.parametrize("case", list(PLATEAU))
@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_reduce_on_plateau_matches_torch(case, kind):
    kwargs, metrics = PLATEAU[case]
    metrics = metrics * 4
    (thist, tsched, _), (dhist, dsched, _) = _run_both(
        lambda L, o: L.ReduceLROnPlateau(o, **kwargs), len(metrics), kind, metrics)
    assert dhist == thist
    assert dsched.state_dict() == tsched.state_dict()


def test_reduce_on_plateau_accepts_tensor_metrics_and_reloads():
    opt = _optimizer(optim, dygrad, "sgd")
    sched = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(dygrad.tensor(1.0))
    sched.step(dygrad.tensor(2.0))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.005])
    other = optim.lr_scheduler.ReduceLROnPlateau(_optimizer(optim, dygrad, "sgd"), mode="max")
    other.load_state_dict(sched.state_dict())
    assert other.mode == "min" and other.mode_worse == math.inf and other.best == 1.0


@pytest.mark.parametrize("make", [
    lambda L, o: L.StepLR(o, 4, 0.5), lambda L, o: L.MultiStepLR(o, [3, 6, 6], 0.5),
    lambda L, o: L.ExponentialLR(o, 0.9), lambda L, o: L.CosineAnnealingLR(o, 6, 0.01),
    lambda L, o: L.LinearLR(o, 0.2, 0.8, 5), lambda L, o: L.ConstantLR(o, 0.5, 4),
    lambda L, o: L.PolynomialLR(o, 6, 1.5), lambda L, o: L.LambdaLR(o, lambda e: 1 / (1 + e)),
])
def test_closed_form_with_epoch_argument(make):
    _torch()
    seqs = []
    for fw, mod in ((torch, torch.optim), (dygrad, optim)):
        opt = _optimizer(mod, fw, "sgd")
        sched = make(mod.lr_scheduler, opt)
        seq = []
        for epoch in (3, 7, 1, 12, 5):
            opt.step()
            with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step"):
                sched.step(epoch)
            seq.append(sched.get_last_lr())
        seqs.append(seq)
    assert seqs[1] == seqs[0]


def test_warm_restarts_with_fractional_epochs():
    _torch()
    seqs = []
    for fw, mod in ((torch, torch.optim), (dygrad, optim)):
        opt = _optimizer(mod, fw, "sgd")
        sched = mod.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
        seq = []
        for epoch in range(12):
            for i in range(4):
                opt.step()
                sched.step(epoch + i / 4)
                seq.append((sched.get_last_lr(), sched.T_cur, sched.T_i, sched.last_epoch))
        seqs.append(seq)
    assert seqs[1] == seqs[0]


def test_scheduler_before_optimizer_step_warns_like_torch():
    _torch()
    messages = []
    for fw, mod in ((torch, torch.optim), (dygrad, optim)):
        opt = _optimizer(mod, fw, "sgd")
        sched = mod.lr_scheduler.StepLR(opt, 2)
        with pytest.warns(UserWarning) as rec:
            sched.step()
        messages.append([str(w.message) for w in rec])
    assert messages[1] == messages[0]
    assert "Detected call of `lr_scheduler.step()` before `optimizer.step()`" in messages[1][0]


def test_get_lr_outside_step_warns():
    opt = _optimizer(optim, dygrad, "sgd")
    sched = optim.lr_scheduler.ExponentialLR(opt, 0.5)
    with pytest.warns(UserWarning, match=r"please use `get_last_lr\(\)`"):
        sched.get_lr()


def test_initial_lr_and_resuming_with_last_epoch():
    _torch()
    for fw, mod in ((torch, torch.optim), (dygrad, optim)):
        opt = _optimizer(mod, fw, "sgd")
        with pytest.raises(KeyError, match="param 'initial_lr' is not specified in "
                                           r"param_groups\[0\]"):
            mod.lr_scheduler.StepLR(opt, 3, last_epoch=4)
    hists = []
    for fw, mod in ((torch, torch.optim), (dygrad, optim)):
        opt = _optimizer(mod, fw, "sgd")
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"] * 2
        sched = mod.lr_scheduler.CosineAnnealingLR(opt, T_max=10, last_epoch=4)
        hist = [sched.get_last_lr()]
        for _ in range(20):
            opt.step()
            sched.step()
            hist.append(sched.get_last_lr())
        hists.append(hist)
        assert [list(g) for g in opt.param_groups][0][-1] == "initial_lr"
    assert hists[1] == hists[0]


def test_tensor_lr_is_updated_in_place():
    _torch()
    results = []
    for fw, mod in ((torch, torch.optim), (dygrad, optim)):
        p = torch_param(torch, np.ones(2, np.float32)) if fw is torch else dy_param(
            np.ones(2, np.float32))
        lr = fw.tensor(0.5)
        opt = mod.SGD([p], lr=lr)
        sched = mod.lr_scheduler.StepLR(opt, 1, 0.5)
        for _ in range(3):
            opt.step()
            sched.step()
        assert opt.param_groups[0]["lr"] is lr
        last = sched.get_last_lr()[0]
        assert last is not lr and isinstance(last, type(lr))
        results.append((float(lr), float(opt.param_groups[0]["initial_lr"]), float(last)))
    assert results[1] == results[0] == (0.0625, 0.5, 0.0625)


@pytest.mark.parametrize("make", [
    lambda L, o: L.ConstantLR(o, factor=1.5),
    lambda L, o: L.LinearLR(o, start_factor=0),
    lambda L, o: L.LinearLR(o, end_factor=2),
    lambda L, o: L.OneCycleLR(o, 0.1),
    lambda L, o: L.OneCycleLR(o, 0.1, total_steps=0),
    lambda L, o: L.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=0),
    lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, pct_start=1),
    lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp"),
    lambda L, o: L.OneCycleLR(o, [0.1], total_steps=10),
    lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    lambda L, o: L.CyclicLR(o, 0.1, 1.0, mode="bad"),
    lambda L, o: L.LambdaLR(o, [lambda e: 1.0]),
    lambda L, o: L.MultiplicativeLR(o, 0.5),
    lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2)], milestones=[3]),
    lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2), L.ReduceLROnPlateau(o)], milestones=[3]),
    lambda L, o: L.ChainedScheduler([]),
    lambda L, o: L.ReduceLROnPlateau(o, factor=1.0),
    lambda L, o: L.ReduceLROnPlateau(o, mode="avg"),
    lambda L, o: L.ReduceLROnPlateau(o, threshold_mode="pct"),
    lambda L, o: L.ReduceLROnPlateau(o, min_lr=[0.1]),
    lambda L, o: L.StepLR(object(), 3),
])
def test_bad_arguments_give_torch_errors(make):
    _torch()
    errors = []
    for fw, mod in ((torch, torch.optim), (dygrad, optim)):
        opt = _optimizer(mod, fw, "sgd")
        with pytest.raises(Exception) as exc:
            make(mod.lr_scheduler, opt)
        errors.append(exc.value)
    assert type(errors[1]) is type(errors[0])
    assert str(errors[1]) == str(errors[0])


def test_cycle_momentum_needs_momentum_or_betas():
    _torch()
    for fw, mod in ((torch, torch.optim), (dygrad, optim)):
        opt = _optimizer(mod, fw, "adagrad")
        for make in (lambda: mod.lr_scheduler.CyclicLR(opt, 0.01, 0.1),
                     lambda: mod.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=5)):
            with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
                make()


def test_onecycle_past_total_steps_raises():
    opt = _optimizer(optim, dygrad, "sgd")
    sched = optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    opt.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total "
                                         "steps is 3"):
        sched.step()


def test_old_base_class_name_and_custom_scheduler():
    class Halving(optim.lr_scheduler._LRScheduler):
        def get_lr(self):
            return [base * 0.5 ** self.last_epoch for base in self.base_lrs]

    opt = _optimizer(optim, dygrad, "sgd")
    sched = Halving(opt)
    assert isinstance(sched, optim.lr_scheduler.LRScheduler)
    opt.step()
    sched.step()
    assert sched.get_last_lr() == [0.05, 0.025]
