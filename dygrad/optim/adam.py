"""Adam (and the base of AdamW): bias-corrected first and second moment estimates."""
import numpy as np

from .._tensor import Tensor
from ._updates import addcdiv_, bump_step, decayed_grad, moments_, num, start_state
from .optimizer import Optimizer, _check_fused, capturable_error, checked_defaults

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
    """torch.optim.Adam: steps by bias-corrected first / second moment estimates.

    Example::

        >>> opt = Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        if isinstance(lr, Tensor) and foreach and not capturable:
            raise ValueError("lr as a Tensor is not supported for capturable=False and "
                             "foreach=True")
        defaults = checked_defaults(
            "lr eps betas weight_decay", lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
            amsgrad=amsgrad, maximize=maximize, foreach=foreach, capturable=capturable,
            differentiable=differentiable, fused=fused,
            decoupled_weight_decay=decoupled_weight_decay)
        _check_tensor_betas(betas, foreach, capturable)
        defaults["betas"] = tuple(b.squeeze() if isinstance(b, Tensor) and b.dim() else b
                                  for b in betas)
        super().__init__(params, defaults)
        _check_fused(fused, differentiable, foreach)

    _capturable_error = capturable_error()

    def init_state(self, p, state, group):
        start_state(state, p._data, "exp_avg", "exp_avg_sq",
                    *(("max_exp_avg_sq",) if group["amsgrad"] else ()),
                    float32=bool(group["fused"]))

    def update(self, p, g, state, group):
        d = p._data
        t, t2 = self._scratch(p, d, 2)
        step = bump_step(state)
        lr = num(group["lr"])
        beta1, beta2 = group["betas"]
        beta1, beta2 = num(beta1), num(beta2)
        g = decayed_grad(g, d, group, lr, t)
        m = state["exp_avg"]._data
        v = state["exp_avg_sq"]._data
        moments_(m, v, g, beta1, beta2, t2)

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
        addcdiv_(d, m, t, -step_size, t2)
