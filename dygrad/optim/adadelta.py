"""Adadelta: step sizes from running averages of squared gradients and squared updates."""
import numpy as np

from ._updates import bump_step, ema_sq_, new_step, num, with_weight_decay, zeros_state
from .optimizer import Optimizer, _check_lr, _no_capturable_on_cpu

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """torch.optim.Adadelta: steps from running averages of squared gradients and of squared
    updates (lr only scales them).

    Example::

        >>> opt = Adadelta(model.parameters(), lr=1.0, rho=0.9)
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
            "maximize": maximize, "capturable": capturable, "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def init_state(self, p, state, group):
        state["step"] = new_step()
        state["square_avg"] = zeros_state(p._data)
        state["acc_delta"] = zeros_state(p._data)

    def update(self, p, g, state, group):
        if group["capturable"]:
            _no_capturable_on_cpu(supports_xla=False)
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
