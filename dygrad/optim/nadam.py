"""NAdam: Adam with Nesterov momentum and a warming-up momentum schedule (mu_t)."""
import numpy as np

from .._tensor import _wrap
from .optimizer import (Optimizer, _addcdiv_, _check_betas, _check_lr, _ema_sq_, _lerp_,
                        _new_step, _no_capturable_on_cpu, _num, _scalar_np_dtype, _step_state)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {
            "lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize, "foreach": foreach, "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _update(self, p, g, states, group):
        if group["capturable"]:
            _no_capturable_on_cpu()
        d = p._data
        state = states[p]
        if len(state) == 0:
            state["step"] = _new_step()
            state["mu_product"] = _wrap(np.ones((), _scalar_np_dtype()))
            state["exp_avg"] = _wrap(np.zeros_like(d))
            state["exp_avg_sq"] = _wrap(np.zeros_like(d))
        t, denom = self._scratch(p, d, 2)
        step = _step_state(state)
        lr = _num(group["lr"])
        beta1, beta2 = group["betas"]
        momentum_decay = group["momentum_decay"]
        bias_correction2 = 1 - beta2 ** step
        wd = group["weight_decay"]
        if wd != 0 and group["decoupled_weight_decay"]:
            np.multiply(d, 1 - lr * wd, out=d)
            wd = 0
        g = self._effective_grad(g, d, t, group["maximize"], wd)

        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        # mu_product is a 0-dim tensor of the scalar dtype: the product is rounded to it
        mu_product = state["mu_product"]._data
        mu_product *= mu
        mu_product = float(mu_product)
        mu_product_next = mu_product * mu_next

        exp_avg = state["exp_avg"]._data
        exp_avg_sq = state["exp_avg_sq"]._data
        _lerp_(exp_avg, g, 1 - beta1, denom)
        _ema_sq_(exp_avg_sq, g, beta2, denom)
        np.divide(exp_avg_sq, bias_correction2, out=denom)
        np.sqrt(denom, out=denom)
        np.add(denom, group["eps"], out=denom)
        _addcdiv_(d, g, denom, -lr * (1.0 - mu) / (1.0 - mu_product), t)
        _addcdiv_(d, exp_avg, denom, (-lr * mu_next) / (1.0 - mu_product_next), t)
