"""RAdam: Adam whose adaptive step is switched on (and rectified) once its variance is tractable."""
import numpy as np

from ._updates import bump_step, decayed_grad, moments_, num, start_state
from .optimizer import Optimizer, capturable_error, checked_defaults

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
        super().__init__(params, checked_defaults(
            "lr eps betas weight_decay", lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
            maximize=maximize, foreach=foreach, capturable=capturable,
            decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

    _capturable_error = capturable_error()

    def init_state(self, p, state, group):
        start_state(state, p._data, "exp_avg", "exp_avg_sq")

    def update(self, p, g, state, group):
        d = p._data
        t, upd = self._scratch(p, d, 2)
        step = bump_step(state)
        lr = num(group["lr"])
        beta1, beta2 = group["betas"]
        g = decayed_grad(g, d, group, lr, t)
        exp_avg = state["exp_avg"]._data
        exp_avg_sq = state["exp_avg_sq"]._data
        moments_(exp_avg, exp_avg_sq, g, beta1, beta2, upd)

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
