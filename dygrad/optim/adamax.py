"""Adamax: Adam with the second moment replaced by an exponentially weighted infinity norm."""
import numpy as np

from .._tensor import _wrap
from .optimizer import (Optimizer, _addcdiv_, _check_betas, _check_lr, _lerp_, _new_step,
                        _no_capturable_on_cpu, _num, _step_state)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _update(self, p, g, states, group):
        if group["capturable"]:
            _no_capturable_on_cpu()
        d = p._data
        state = states[p]
        if len(state) == 0:
            state["step"] = _new_step()
            state["exp_avg"] = _wrap(np.zeros_like(d))
            state["exp_inf"] = _wrap(np.zeros_like(d))
        t, t2 = self._scratch(p, d, 2)
        step = _step_state(state)
        beta1, beta2 = group["betas"]
        g = self._effective_grad(g, d, t, group["maximize"], group["weight_decay"])
        exp_avg = state["exp_avg"]._data
        exp_inf = state["exp_inf"]._data
        _lerp_(exp_avg, g, 1 - beta1, t2)
        # exp_inf = max(exp_inf * beta2, |grad| + eps)
        np.multiply(exp_inf, beta2, out=exp_inf)
        np.abs(g, out=t2)
        np.add(t2, group["eps"], out=t2)
        np.maximum(exp_inf, t2, out=exp_inf)
        clr = _num(group["lr"]) / (1 - beta1 ** step)
        _addcdiv_(d, exp_avg, exp_inf, -clr, t2)
