"""RAdam: Adam whose adaptive step is switched on (and rectified) once its variance is tractable."""
import numpy as np

from ._updates import (bump_step, decay_, ema_sq_, lerp_, new_step, num, with_weight_decay,
                       zeros_state)
from .optimizer import Optimizer, _check_betas, _check_lr, _no_capturable_on_cpu

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """torch.optim.RAdam: Adam whose adaptive step is rectified, and used only once the variance
    of its estimate is tractable (plain momentum SGD before).

    Example::

        >>> opt = RAdam(model.parameters(), lr=1e-3)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "maximize": maximize, "foreach": foreach, "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay, "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def init_state(self, p, state, group):
        state["step"] = new_step()
        state["exp_avg"] = zeros_state(p._data)
        state["exp_avg_sq"] = zeros_state(p._data)

    def update(self, p, g, state, group):
        if group["capturable"]:
            _no_capturable_on_cpu()
        d = p._data
        t, upd = self._scratch(p, d, 2)
        step = bump_step(state)
        lr = num(group["lr"])
        beta1, beta2 = group["betas"]
        wd = group["weight_decay"]
        if wd != 0 and group["decoupled_weight_decay"]:
            decay_(d, lr, wd)
            wd = 0
        g = with_weight_decay(g, d, wd, t)
        exp_avg = state["exp_avg"]._data
        exp_avg_sq = state["exp_avg_sq"]._data
        lerp_(exp_avg, g, 1 - beta1, upd)
        ema_sq_(exp_avg_sq, g, beta2, upd)

        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        # length of the approximated simple moving average, and its limit
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2

        # update = exp_avg / bias_correction1 * lr [* adaptive_lr * rect]
        np.divide(exp_avg, bias_correction1, out=upd)
        np.multiply(upd, lr, out=upd)
        if rho_t > 5.0:
            np.sqrt(exp_avg_sq, out=t)
            np.add(t, group["eps"], out=t)
            np.divide(bias_correction2 ** 0.5, t, out=t)
            np.multiply(upd, t, out=upd)
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            np.multiply(upd, rect, out=upd)
        np.subtract(d, upd, out=d)
