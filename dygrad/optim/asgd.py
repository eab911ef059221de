"""ASGD: SGD with a decaying step size eta and a running average `ax` of the parameters (Polyak
averaging), which starts to average once the step count passes t0."""
from collections.abc import Iterable

import numpy as np

from .._tensor import Tensor, _wrap
from ._updates import (bump_step, new_step, num, scalar_dtype, sub_scaled_, with_weight_decay,
                       zeros_state)
from .optimizer import Optimizer, capturable_error, checked_defaults

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """torch.optim.ASGD: p = p * (1 - lambd * eta) - eta * grad; after each step
    eta = lr / (1 + lambd * lr * step) ** alpha and mu = 1 / max(1, step - t0); the state 'ax'
    is the average of the parameter over the steps since t0 (a copy of it before that).

    Example::

        >>> opt = ASGD(model.parameters(), lr=0.01, t0=100)
    """

    def __init__(self, params: Iterable, lr: float | Tensor = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        super().__init__(params, checked_defaults(
            "lr weight_decay", lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
            foreach=foreach, maximize=maximize, differentiable=differentiable,
            capturable=capturable))

    _capturable_error = capturable_error("params, mus, etas, and state_steps")

    def init_state(self, p: Tensor, state: dict, group: dict) -> None:
        state["step"] = new_step()
        state["eta"] = _wrap(np.array(num(group["lr"]), scalar_dtype()))
        state["mu"] = _wrap(np.ones((), scalar_dtype()))
        state["ax"] = zeros_state(p._data)

    def update(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        d = p._data
        (t,) = self._scratch(p, d, 1)
        step = bump_step(state)
        lambd = group["lambd"]
        lr = num(group["lr"])
        g = with_weight_decay(g, d, group["weight_decay"], t)
        eta = state["eta"]._data
        eta_value = float(eta)
        np.multiply(d, 1 - lambd * eta_value, out=d)
        sub_scaled_(d, g, eta_value, t)
        ax = state["ax"]._data
        mu = state["mu"]._data
        if float(mu) != 1:
            np.subtract(d, ax, out=t)
            np.multiply(t, mu.astype(d.dtype), out=t)
            np.add(ax, t, out=ax)
        else:
            np.copyto(ax, d)
        # eta and mu keep their dtype: the new values are rounded to it, as torch's copy_ does
        eta[...] = lr / ((1 + lambd * lr * step) ** group["alpha"])
        mu[...] = 1 / max(1, step - group["t0"])
