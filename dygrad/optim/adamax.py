"""Adamax: Adam with the second moment replaced by an exponentially weighted infinity norm."""
import numpy as np

from ._updates import addcdiv_, bump_step, lerp_, num, start_state, with_weight_decay
from .optimizer import Optimizer, capturable_error, checked_defaults

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """torch.optim.Adamax: Adam with an exponentially weighted infinity norm for the second moment.

    Example::

        >>> opt = Adamax(model.parameters(), lr=2e-3)
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        super().__init__(params, checked_defaults(
            "lr eps betas weight_decay", lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
            foreach=foreach, maximize=maximize, differentiable=differentiable,
            capturable=capturable))

    _capturable_error = capturable_error()

    def init_state(self, p, state, group):
        start_state(state, p._data, "exp_avg", "exp_inf")

    def update(self, p, g, state, group):
        d = p._data
        t, t2 = self._scratch(p, d, 2)
        step = bump_step(state)
        beta1, beta2 = group["betas"]
        g = with_weight_decay(g, d, group["weight_decay"], t)
        exp_avg = state["exp_avg"]._data
        exp_inf = state["exp_inf"]._data
        lerp_(exp_avg, g, 1 - beta1, t2)
        # exp_inf = max(exp_inf * beta2, |grad| + eps)
        np.multiply(exp_inf, beta2, out=exp_inf)
        np.abs(g, out=t2)
        np.add(t2, group["eps"], out=t2)
        np.maximum(exp_inf, t2, out=exp_inf)
        clr = num(group["lr"]) / (1 - beta1 ** step)
        addcdiv_(d, exp_avg, exp_inf, -clr, t2)
