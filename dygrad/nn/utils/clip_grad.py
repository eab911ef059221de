"""Gradient clipping (torch.nn.utils.clip_grad_norm_ and friends); gradients change in place."""
import warnings

import numpy as np

from ..._tensor import Tensor, _wrap
from ...autograd.grad_mode import STATE

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_"]


def _as_list(tensors):
    if isinstance(tensors, Tensor):
        return [tensors]
    return list(tensors)


def _vector_norm(arr, p):
    a = np.abs(arr.reshape(-1))
    if p == float("inf"):
        return a.max() if a.size else arr.dtype.type(0)
    if p == float("-inf"):
        return a.min() if a.size else arr.dtype.type(float("inf"))
    if p == 0:
        return arr.dtype.type(np.count_nonzero(a))
    if p == 1:
        return a.sum(dtype=arr.dtype)
    if p == 2:
        return np.sqrt(np.dot(a, a)) if a.dtype.kind in "fV" else np.sqrt((a * a).sum())
    return (a ** p).sum(dtype=arr.dtype) ** (1.0 / p)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of all given tensors' values taken together (as if concatenated)."""
    tensors = [t for t in _as_list(tensors) if t is not None]
    norm_type = float(norm_type)
    if not tensors:
        return _wrap(np.asarray(0.0, np.float32))
    npdt = np.result_type(*[t._data.dtype for t in tensors])
    norms = np.array([_vector_norm(t._data, norm_type) for t in tensors], dtype=npdt)
    total = np.asarray(_vector_norm(norms, norm_type), dtype=npdt)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`")
    return _wrap(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scales the gradients by max_norm / (total_norm + 1e-6) when that factor is below 1."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    tn = total_norm._data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    coef = np.minimum(float(max_norm) / (tn + 1e-6), 1.0)
    for g in grads:
        d = g._data
        np.multiply(d, coef.astype(d.dtype), out=d)
        g._vc[0] += 1


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Clips the gradients' total norm to max_norm; returns the norm before clipping."""
    params = _as_list(parameters)
    trace = STATE.trace
    if trace is not None:  # a captured step: an update the replay repeats on the new gradients
        return trace.effect(lambda: clip_grad_norm_(params, max_norm, norm_type,
                                                    error_if_nonfinite),
                            [p.grad for p in params if p.grad is not None], "clip_grad_norm_")
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamps every gradient element into [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    trace = STATE.trace
    if trace is not None:  # a captured step: an update the replay repeats on the new gradients
        params = _as_list(parameters)
        return trace.effect(lambda: clip_grad_value_(params, clip_value),
                            [p.grad for p in params if p.grad is not None], "clip_grad_value_")
    for p in _as_list(parameters):
        g = p.grad
        if g is not None:
            np.clip(g._data, -clip_value, clip_value, out=g._data)
            g._vc[0] += 1
