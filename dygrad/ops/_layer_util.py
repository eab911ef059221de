"""Helpers shared by the layer-level ops (activations, losses, linear, ...): attaching nodes,
argument checks, loss reductions, dtype names in PyTorch's messages."""
import warnings

import numpy as np

from .._tensor import Tensor
from ._record import attach  # noqa: F401 - re-exported: the layer ops wrap their results with it
from ..autograd.grad_mode import STATE

# PyTorch's short dtype names, used in its error messages ("double != float")
_SHORT = {"float64": "double", "float32": "float", "float16": "c10::Half", "int64": "long",
          "int32": "int", "int16": "short", "int8": "signed char", "uint8": "unsigned char",
          "bool": "bool"}


def short_name(npdt):
    """PyTorch's C type name of a dtype ("double"), as in its "double != float" messages."""
    return _SHORT[np.dtype(npdt).name]


def npv(x):
    """The NumPy value of a Tensor (double backward) or an ndarray (ordinary backward)."""
    return x._data if isinstance(x, Tensor) else x


_F16, _F32 = np.dtype(np.float16), np.dtype(np.float32)


def needs_grad(*tensors):
    if not STATE.enabled:
        return False
    for t in tensors:
        if t is not None and t._rg:
            return True
    return False


def edges(*tensors):
    return tuple(t._grad_node() if t is not None else (None, 0) for t in tensors)


def check_tensor(x, name, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


_REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def legacy_reduction(size_average, reduce, emit_warning=True):
    """Maps the deprecated size_average/reduce flags to a reduction string, as PyTorch does."""
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    if size_average and reduce:
        ret = "mean"
    elif reduce:
        ret = "sum"
    else:
        ret = "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", stacklevel=3)
    return ret


def reduce_loss(loss, reduction):
    """Applies a reduction to an elementwise loss Tensor."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def reduction_of(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        return legacy_reduction(size_average, reduce)
    return reduction


def not_differentiable(fn, arg, t):
    """PyTorch refuses some inputs that require grad (e.g. class weights); so do we."""
    if t is not None and t._rg and STATE.enabled:
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument "
                           f"'{arg}'. This input cannot have requires_grad True.")
