"""Rprop (resilient backpropagation): per-coordinate step sizes that grow while the gradient
keeps its sign and shrink when it flips; only the gradient's sign moves the parameter."""
from collections.abc import Iterable

import numpy as np

from .._tensor import Tensor, _wrap
from ._updates import bump_step, num, start_state
from .optimizer import Optimizer, capturable_error, checked_defaults

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """torch.optim.Rprop: p -= sign(grad) * step_size, with step_size *= etas[1] where the
    gradient kept its sign, *= etas[0] where it flipped (that coordinate then skips a step),
    clamped to step_sizes = (min, max). Full-batch training is what it is meant for.

    Example::

        >>> opt = Rprop(model.parameters(), lr=0.01, etas=(0.5, 1.2), step_sizes=(1e-6, 50))
    """

    def __init__(self, params: Iterable, lr: float | Tensor = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        super().__init__(params, checked_defaults(
            "lr etas", lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
            maximize=maximize, differentiable=differentiable, capturable=capturable))

    _capturable_error = capturable_error()

    def init_state(self, p: Tensor, state: dict, group: dict) -> None:
        start_state(state, p._data, "prev")
        state["step_size"] = _wrap(np.full_like(p._data, num(group["lr"])))

    def update(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        d = p._data
        factor, t = self._scratch(p, d, 2)
        bump_step(state)
        etaminus, etaplus = group["etas"]
        step_min, step_max = group["step_sizes"]
        prev = state["prev"]._data
        step_size = state["step_size"]._data
        # factor = etaplus / etaminus / 1 where grad * prev is > 0 / < 0 / == 0 (NaN stays NaN)
        np.multiply(g, prev, out=factor)
        np.sign(factor, out=factor)
        flipped = factor < 0
        factor[factor > 0] = etaplus
        factor[flipped] = etaminus
        factor[factor == 0] = 1
        np.multiply(step_size, factor, out=step_size)
        np.clip(step_size, step_min, step_max, out=step_size)
        # where the sign flipped the gradient counts as 0: no move now, no flip test next step
        np.copyto(prev, g)
        prev[flipped] = 0
        np.sign(prev, out=t)
        np.multiply(t, step_size, out=t)
        np.subtract(d, t, out=d)
