"""Learning-rate schedulers against closed forms written from their definitions (the formulas of
PyTorch's documentation), so the schedules are checked where torch is absent too; the exact
sequences, state_dicts and warnings are compared with torch in test_lr_scheduler.py."""
import math

import numpy as np
import pytest

from dygrad import optim
from dygrad.optim import lr_scheduler as L
from optim_helpers import dy_param

BASES = (0.1, 0.05)  # two param groups, each scheduled from its own base lr


def _cos(start, end, pct):
    return end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)


def _warm_restarts(T_0, T_mult, eta_min):
    def lr(b, k):
        t, T = k, T_0
        while t >= T:
            t -= T
            T *= T_mult
        return eta_min + (b - eta_min) * (1 + math.cos(math.pi * t / T)) / 2
    return lr


def _onecycle(max_lr, total, pct_start=0.3, div=25.0, final_div=1e4):
    def lr(b, k):
        initial = max_lr / div
        end1 = pct_start * total - 1
        if k <= end1:
            return _cos(initial, max_lr, k / end1)
        return _cos(max_lr, initial / final_div, (k - end1) / (total - 1 - end1))
    return lr


def _triangular(base, top, up):
    def lr(b, k):
        cycle = math.floor(1 + k / (2 * up))
        x = 1 + k / (2 * up) - cycle
        scale = x / 0.5 if x <= 0.5 else (x - 1) / (0.5 - 1)
        return base + (top - base) * scale
    return lr


# name: (make scheduler, steps, lr(base lr, epoch k) after k calls to step())
CASES = {
    "step": (lambda o: L.StepLR(o, step_size=7, gamma=0.3), 40,
             lambda b, k: b * 0.3 ** (k // 7)),
    "multistep": (lambda o: L.MultiStepLR(o, [5, 12, 12, 30], gamma=0.5), 40,
                  lambda b, k: b * 0.5 ** sum(m <= k for m in [5, 12, 12, 30])),
    "exponential": (lambda o: L.ExponentialLR(o, gamma=0.93), 40, lambda b, k: b * 0.93 ** k),
    "constant": (lambda o: L.ConstantLR(o, factor=0.5, total_iters=8), 20,
                 lambda b, k: b * (0.5 if k < 8 else 1.0)),
    "linear": (lambda o: L.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=20), 30,
               lambda b, k: b * (0.1 + 0.8 * min(k, 20) / 20)),
    "polynomial": (lambda o: L.PolynomialLR(o, total_iters=20, power=2.0), 30,
                   lambda b, k: b * (1 - min(k, 20) / 20) ** 2),
    "lambda": (lambda o: L.LambdaLR(o, lambda e: 1 / (1 + e)), 20, lambda b, k: b / (1 + k)),
    "multiplicative": (lambda o: L.MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 0.99), 20,
                       lambda b, k: b * math.prod(0.9 if e % 2 else 0.99
                                                  for e in range(1, k + 1))),
    "cosine": (lambda o: L.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 10,
               lambda b, k: 0.001 + (b - 0.001) * (1 + math.cos(math.pi * k / 10)) / 2),
    "warm_restarts": (lambda o: L.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=1e-4),
                      40, _warm_restarts(5, 2, 1e-4)),
    "warm_restarts_1": (lambda o: L.CosineAnnealingWarmRestarts(o, T_0=6), 30,
                        _warm_restarts(6, 1, 0.0)),
    "onecycle": (lambda o: L.OneCycleLR(o, max_lr=0.2, total_steps=50), 49, _onecycle(0.2, 50)),
    "cyclic": (lambda o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4), 30,
               _triangular(0.01, 0.1, 4)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_schedule_matches_its_closed_form(case):
    make, steps, ref = CASES[case]
    params = [dy_param(np.ones(2, np.float32)), dy_param(np.ones(3, np.float32))]
    opt = optim.SGD([{"params": [params[0]], "lr": BASES[0]},
                     {"params": [params[1]], "lr": BASES[1]}], momentum=0.9)
    sched = make(opt)
    for k in range(steps + 1):
        got = [g["lr"] for g in opt.param_groups]
        want = [ref(b, k) for b in BASES]
        if case in ("onecycle", "cyclic"):  # these start from their own base, not the group's
            want = [ref(None, k)] * 2
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-15, err_msg=f"epoch {k}")
        assert sched.get_last_lr() == got
        opt.step()
        sched.step()


def test_reduce_on_plateau_follows_its_rule():
    p = dy_param(np.ones(2, np.float32))
    opt = optim.SGD([p], lr=1.0)
    sched = L.ReduceLROnPlateau(opt, factor=0.5, patience=2, min_lr=0.1)
    metrics = [1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]
    lr, best, bad, seen = 1.0, math.inf, 0, []
    for m in metrics:
        if m < best * (1 - 1e-4):  # mode "min", relative threshold 1e-4
            best, bad = m, 0
        else:
            bad += 1
        if bad > 2:
            lr, bad = max(lr * 0.5, 0.1), 0
        sched.step(m)
        seen.append((opt.param_groups[0]["lr"], lr))
    assert [a for a, _ in seen] == [b for _, b in seen]
    assert sorted({a for a, _ in seen}) == [0.1, 0.125, 0.25, 0.5, 1.0]  # halvings stop at min_lr
