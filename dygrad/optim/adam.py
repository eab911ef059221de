"""Adam (and the base of AdamW): bias-corrected first and second moment estimates."""
import numpy as np

from .._tensor import Tensor, _wrap
from .optimizer import (Optimizer, _addcdiv_, _check_betas, _check_fused, _check_lr, _ema_sq_,
                        _lerp_, _new_step, _no_capturable_on_cpu, _num, _step_state)

__all__ = ["Adam"]


def _check_tensor_betas(betas, foreach, capturable):
    if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
            or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
        raise ValueError("betas must be either both floats or both Tensors")
    for i, beta in enumerate(betas):
        if isinstance(beta, Tensor):
            if not capturable and foreach:
                raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False "
                                 "and foreach=True")
            if beta.numel() != 1:
                raise ValueError(f"Tensor betas[{i}] must be 1-element")


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        if isinstance(lr, Tensor) and foreach and not capturable:
            raise ValueError("lr as a Tensor is not supported for capturable=False and "
                             "foreach=True")
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_tensor_betas(betas, foreach, capturable)
        betas = tuple(b.squeeze() if isinstance(b, Tensor) and b.dim() else b for b in betas)
        defaults = {
            "lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
            "capturable": capturable, "differentiable": differentiable, "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)
        _check_fused(fused, differentiable, foreach)

    def _update(self, p, g, states, group):
        if group["capturable"]:
            _no_capturable_on_cpu()
        d = p._data
        state = states[p]
        if len(state) == 0:
            step = _new_step()
            if group["fused"]:
                step = _wrap(np.zeros((), np.float32))
            state["step"] = step
            state["exp_avg"] = _wrap(np.zeros_like(d))
            state["exp_avg_sq"] = _wrap(np.zeros_like(d))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = _wrap(np.zeros_like(d))
        t, t2 = self._scratch(p, d, 2)
        step = _step_state(state)
        lr = _num(group["lr"])
        beta1, beta2 = group["betas"]
        beta1, beta2 = _num(beta1), _num(beta2)
        wd = group["weight_decay"]
        if wd != 0 and group["decoupled_weight_decay"]:
            np.multiply(d, 1 - lr * wd, out=d)
            wd = 0
        g = self._effective_grad(g, d, t, group["maximize"], wd)

        m = state["exp_avg"]._data
        v = state["exp_avg_sq"]._data
        _lerp_(m, g, 1 - beta1, t2)
        _ema_sq_(v, g, beta2, t2)

        step_size = lr / (1 - beta1 ** step)
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        if group["amsgrad"]:
            vmax = state["max_exp_avg_sq"]._data
            np.maximum(vmax, v, out=vmax)
            v = vmax
        # denom = sqrt(v) / sqrt(bias_correction2) + eps; param += -step_size * m / denom
        np.sqrt(v, out=t)
        np.divide(t, bias_correction2_sqrt, out=t)
        np.add(t, group["eps"], out=t)
        _addcdiv_(d, m, t, -step_size, t2)
