"""NAdam: Adam with Nesterov momentum and a warming-up momentum schedule (mu_t)."""
import numpy as np

from .._tensor import _wrap
from ._updates import (addcdiv_, bump_step, decayed_grad, moments_, new_step, num, scalar_dtype,
                       zeros_state)
from .optimizer import Optimizer, capturable_error, checked_defaults

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """torch.optim.NAdam: Adam with Nesterov momentum and a momentum schedule (momentum_decay).

    Example::

        >>> opt = NAdam(model.parameters(), lr=2e-3, momentum_decay=4e-3)
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        super().__init__(params, checked_defaults(
            "lr eps betas weight_decay momentum_decay", lr=lr, betas=betas, eps=eps,
            weight_decay=weight_decay, momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
            capturable=capturable, differentiable=differentiable))

    _capturable_error = capturable_error("params, mu_products and state_steps")

    def init_state(self, p, state, group):
        state["step"] = new_step()
        state["mu_product"] = _wrap(np.ones((), scalar_dtype()))
        state["exp_avg"] = zeros_state(p._data)
        state["exp_avg_sq"] = zeros_state(p._data)

    def update(self, p, g, state, group):
        d = p._data
        t, denom = self._scratch(p, d, 2)
        step = bump_step(state)
        lr = num(group["lr"])
        beta1, beta2 = group["betas"]
        momentum_decay = group["momentum_decay"]
        bias_correction2 = 1 - beta2 ** step
        g = decayed_grad(g, d, group, lr, t)

        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        # mu_product is a 0-dim tensor of the scalar dtype: the product is rounded to it
        mu_product = state["mu_product"]._data
        mu_product *= mu
        mu_product = float(mu_product)
        mu_product_next = mu_product * mu_next

        exp_avg = state["exp_avg"]._data
        exp_avg_sq = state["exp_avg_sq"]._data
        moments_(exp_avg, exp_avg_sq, g, beta1, beta2, denom)
        np.divide(exp_avg_sq, bias_correction2, out=denom)
        np.sqrt(denom, out=denom)
        np.add(denom, group["eps"], out=denom)
        addcdiv_(d, g, denom, -lr * (1.0 - mu) / (1.0 - mu_product), t)
        addcdiv_(d, exp_avg, denom, (-lr * mu_next) / (1.0 - mu_product_next), t)
