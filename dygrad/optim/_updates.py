"""The in-place building blocks of optimizer updates, on NumPy arrays, shared by every algorithm.

Each helper mirrors one PyTorch tensor operation of the reference algorithms (lerp_, mul_ then
addcmul_, addcdiv_, ...) in the same order of rounding, so that dygrad's parameters match
PyTorch's to the last bit or nearly. They write into the arrays they are given (`out=`) and take
a work array `t` shaped like the parameter (from `Optimizer._scratch`) instead of allocating: an
optimizer step allocates nothing once its state and scratch arrays exist.
"""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap

__all__ = ["num", "scalar_dtype", "new_step", "bump_step", "zeros_state", "start_state", "with_weight_decay",
           "decayed_grad", "decay_", "lerp_", "ema_sq_", "moments_", "addcdiv_", "sub_scaled_"]


def num(x):
    """A hyperparameter as a Python number (torch accepts 1-element tensors for lr and betas)."""
    return x.item() if isinstance(x, Tensor) else x


def scalar_dtype():
    """dtype of 'step'-like scalar state: float64 only when that is the default dtype."""
    return np.float64 if _dtype.get_default_dtype().np == np.float64 else np.float32


def new_step(float32=False):
    """A fresh 0-dim 'step' tensor (float32 for fused/capturable groups, as in torch)."""
    return _wrap(np.zeros((), np.float32 if float32 else scalar_dtype()))


def bump_step(state):
    """Increments the 0-dim 'step' tensor in place and returns its value as a Python float."""
    s = state["step"]._data
    s += 1
    return float(s)


def zeros_state(d):
    """A state tensor of zeros shaped and typed like the parameter array d."""
    return _wrap(np.zeros_like(d))


def start_state(state, d, *zero_keys, float32=False):
    """Fills a fresh state dict: 'step' (a 0-dim 0, see new_step) first, as PyTorch orders the
    keys, then a tensor of zeros like the parameter array d under each of zero_keys."""
    state["step"] = new_step(float32)
    for key in zero_keys:
        state[key] = zeros_state(d)


def with_weight_decay(g, d, weight_decay, t):
    """The L2-decayed gradient g + weight_decay * d (torch's grad.add(param, alpha=wd)), written
    into t; g itself when weight_decay is 0. g may be t only when weight_decay is 0."""
    if weight_decay == 0:
        return g
    np.multiply(d, weight_decay, out=t)
    return np.add(g, t, out=t)


def decayed_grad(g, d, group, lr, t):
    """The group's weight decay, for the algorithms with a `decoupled_weight_decay` option
    (Adam, RAdam, NAdam): decoupled, d *= 1 - lr * wd and g as is; else L2, g + wd * d in t."""
    wd = group["weight_decay"]
    if wd != 0 and group["decoupled_weight_decay"]:
        decay_(d, lr, wd)
        return g
    return with_weight_decay(g, d, wd, t)


def decay_(d, lr, weight_decay):
    """Decoupled weight decay: d *= 1 - lr * weight_decay (AdamW's param.mul_)."""
    np.multiply(d, 1 - lr * weight_decay, out=d)


def lerp_(a, b, weight, t):
    """a <- lerp(a, b, weight) in place, with torch's two-sided formula; t is work space."""
    w = a.dtype.type(weight)
    np.subtract(b, a, out=t)
    if abs(w) < 0.5:
        np.multiply(t, w, out=t)
        np.add(a, t, out=a)
    else:
        np.multiply(t, 1 - w, out=t)
        np.subtract(b, t, out=a)


def ema_sq_(v, g, beta, t):
    """v <- v * beta + (1 - beta) * g * g in place (torch's mul_ then addcmul_)."""
    np.multiply(v, beta, out=v)
    np.multiply(g, 1 - beta, out=t)
    np.multiply(t, g, out=t)
    np.add(v, t, out=v)


def moments_(m, v, g, beta1, beta2, t):
    """Adam's moment estimates in place: m <- lerp(m, g, 1 - beta1), v <- v * beta2 +
    (1 - beta2) * g * g; t is work space."""
    lerp_(m, g, 1 - beta1, t)
    ema_sq_(v, g, beta2, t)


def addcdiv_(d, a, b, value, t):
    """d <- d + value * a / b in place; t is work space (it may be a, not b)."""
    np.multiply(a, value, out=t)
    np.divide(t, b, out=t)
    np.add(d, t, out=d)


def sub_scaled_(d, a, scale, t):
    """d <- d - scale * a in place (torch's param.add_(a, alpha=-scale)); t may be a."""
    np.multiply(a, scale, out=t)
    np.subtract(d, t, out=d)
