"""Adadelta: step sizes from running averages of squared gradients and squared updates."""
import numpy as np

from ._updates import bump_step, ema_sq_, num, start_state, with_weight_decay
from .optimizer import Optimizer, capturable_error, checked_defaults

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """torch.optim.Adadelta: steps from running averages of squared gradients and of squared
    updates (lr only scales them).

    Example::

        >>> opt = Adadelta(model.parameters(), lr=1.0, rho=0.9)
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        super().__init__(params, checked_defaults(
            "lr rho eps weight_decay", lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
            maximize=maximize, capturable=capturable, foreach=foreach,
            differentiable=differentiable))

    _capturable_error = capturable_error(xla=False)

    def init_state(self, p, state, group):
        start_state(state, p._data, "square_avg", "acc_delta")

    def update(self, p, g, state, group):
        d = p._data
        t, std, delta = self._scratch(p, d, 3)
        bump_step(state)
        rho = group["rho"]
        eps = group["eps"]
        g = with_weight_decay(g, d, group["weight_decay"], t)
        square_avg = state["square_avg"]._data
        acc_delta = state["acc_delta"]._data
        ema_sq_(square_avg, g, rho, std)
        np.add(square_avg, eps, out=std)
        np.sqrt(std, out=std)
        # delta = sqrt(acc_delta + eps) / std * grad
        np.add(acc_delta, eps, out=delta)
        np.sqrt(delta, out=delta)
        np.divide(delta, std, out=delta)
        np.multiply(delta, g, out=delta)
        ema_sq_(acc_delta, delta, rho, std)
        np.multiply(delta, num(group["lr"]), out=delta)
        np.subtract(d, delta, out=d)
