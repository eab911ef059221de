"""Stochastic gradient descent, optionally with (Nesterov) momentum and L2 weight decay."""
import numpy as np

from .._tensor import Tensor, _wrap
from ._updates import num, with_weight_decay
from .optimizer import Optimizer, _check_fused

__all__ = ["SGD"]


class SGD(Optimizer):
    """torch.optim.SGD: p -= lr * (momentum buffer or gradient).

    Example::

        >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    """

    # `dygrad train` starts from these instead of the constructor's (tuned on MNIST, LeNet-5)
    _train_defaults = {"lr": 0.05, "momentum": 0.9}

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr, "momentum": momentum, "dampening": dampening,
            "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
            "foreach": foreach, "differentiable": differentiable, "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        _check_fused(fused, differentiable, foreach)

    # no init_state: torch creates the momentum buffer from the first gradient (in update), and
    # keeps no state at all without momentum
    def _keeps_state(self, group):
        return group["momentum"] != 0

    def update(self, p, g, state, group):
        d = p._data
        momentum = group["momentum"]
        wd = num(group["weight_decay"])
        if momentum == 0 and wd == 0:  # plain SGD, the most common case: p -= lr * grad
            t = self._scratch(p, d, 1)[0]
            np.multiply(g, num(group["lr"]), out=t)
            np.subtract(d, t, out=d)
            return
        dampening = group["dampening"]
        nesterov = group["nesterov"]
        bufs = self._scratch(p, d, 2 if momentum != 0 and (nesterov or dampening != 0) else 1)
        t = bufs[0]
        if wd != 0:
            g = with_weight_decay(g, d, wd, t)
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = _wrap(g.copy())
                b = buf._data
            else:
                b = buf._data
                np.multiply(b, momentum, out=b)
                if dampening == 0:
                    np.add(b, g, out=b)
                else:
                    np.multiply(g, 1 - dampening, out=bufs[1])
                    np.add(b, bufs[1], out=b)
            if nesterov:
                t2 = bufs[1]
                np.multiply(b, momentum, out=t2)
                g = np.add(g, t2, out=t2)
            else:
                g = b
        # p -= lr * g (t may hold g itself: elementwise in place is fine)
        np.multiply(g, num(group["lr"]), out=t)
        np.subtract(d, t, out=d)
