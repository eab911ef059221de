"""RMSprop: divides the gradient by its running root-mean-square (optionally centered)."""
import numpy as np

from ._updates import addcdiv_, bump_step, ema_sq_, lerp_, num, start_state, with_weight_decay
from .optimizer import Optimizer, capturable_error, checked_defaults

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """torch.optim.RMSprop: divides the gradient by the root of its running mean square.

    Example::

        >>> opt = RMSprop(model.parameters(), lr=1e-3, alpha=0.99, momentum=0.9)
    """

    # `dygrad train` starts from this lr instead of the constructor's 1e-2
    _train_defaults = {"lr": 1e-3}

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        super().__init__(params, checked_defaults(
            "lr eps momentum weight_decay alpha", lr=lr, momentum=momentum, alpha=alpha, eps=eps,
            centered=centered, weight_decay=weight_decay, capturable=capturable,
            foreach=foreach, maximize=maximize, differentiable=differentiable))

    _capturable_error = capturable_error()

    def init_state(self, p, state, group):
        start_state(state, p._data, "square_avg",
                    *(("momentum_buffer",) if group["momentum"] > 0 else ()),
                    *(("grad_avg",) if group["centered"] else ()))

    def update(self, p, g, state, group):
        d = p._data
        momentum = group["momentum"]
        centered = group["centered"]
        t, avg = self._scratch(p, d, 2)
        bump_step(state)
        alpha = group["alpha"]
        lr = num(group["lr"])
        g = with_weight_decay(g, d, group["weight_decay"], t)

        square_avg = state["square_avg"]._data
        ema_sq_(square_avg, g, alpha, avg)
        if centered:
            grad_avg = state["grad_avg"]._data
            lerp_(grad_avg, g, 1 - alpha, avg)
            np.multiply(grad_avg, grad_avg, out=avg)
            np.subtract(square_avg, avg, out=avg)
            np.sqrt(avg, out=avg)
        else:
            np.sqrt(square_avg, out=avg)
        np.add(avg, group["eps"], out=avg)

        if momentum > 0:
            buf = state["momentum_buffer"]._data
            np.multiply(buf, momentum, out=buf)
            np.divide(g, avg, out=t)
            np.add(buf, t, out=buf)
            np.multiply(buf, lr, out=t)
            np.subtract(d, t, out=d)
        else:
            addcdiv_(d, g, avg, -lr, t)
