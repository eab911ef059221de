"""Adagrad: per-coordinate step sizes from the running sum of squared gradients."""
import numpy as np

from .._tensor import _wrap
from ._updates import addcdiv_, bump_step, new_step, num, with_weight_decay
from .optimizer import Optimizer, _check_fused, checked_defaults

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """torch.optim.Adagrad: per-coordinate steps lr / sqrt(sum of squared gradients); its state
    exists from construction on.

    Example::

        >>> opt = Adagrad(model.parameters(), lr=1e-2, lr_decay=0)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        super().__init__(params, checked_defaults(
            "lr lr_decay weight_decay initial_accumulator_value eps", lr=lr, lr_decay=lr_decay,
            eps=eps, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, foreach=foreach,
            maximize=maximize, differentiable=differentiable, fused=fused))
        _check_fused(fused, differentiable, foreach)
        # Unlike the other optimizers, Adagrad creates its state up front (so a state_dict taken
        # before the first step already lists every parameter).
        for group in self.param_groups:
            for p in group["params"]:
                self.init_state(p, self.state[p], group)

    def init_state(self, p, state, group):
        state["step"] = new_step(float32=bool(group["fused"]))
        # torch takes the accumulator's start from the optimizer's defaults, not the group's
        state["sum"] = _wrap(np.full_like(p._data, self.defaults["initial_accumulator_value"]))

    def share_memory(self):
        """Moves the accumulators (state "sum") into memory shared between processes."""
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"].share_memory_()

    def update(self, p, g, state, group):
        d = p._data
        t, std = self._scratch(p, d, 2)
        step = bump_step(state)
        g = with_weight_decay(g, d, group["weight_decay"], t)
        clr = num(group["lr"]) / (1 + (step - 1) * group["lr_decay"])
        acc = state["sum"]._data
        np.multiply(g, g, out=std)
        np.add(acc, std, out=acc)
        np.sqrt(acc, out=std)
        np.add(std, group["eps"], out=std)
        addcdiv_(d, g, std, -clr, t)
