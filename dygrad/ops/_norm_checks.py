"""Argument checks of the normalisation ops (batch/instance/layer/group norm), with PyTorch's
error classes and messages. They run before any arithmetic so bad arguments never reach NumPy
(where a mismatched weight would broadcast silently or fail with a raw NumPy error)."""
import numbers

from .._tensor import Size
from ._reduce_util import scalar_type_name


def float_input(x, kernel):
    if x._data.dtype.kind not in "fV":
        raise NotImplementedError(
            f'"{kernel}" not implemented for \'{scalar_type_name(x._data.dtype)}\'')


def same_dtype(x, *params):
    """PyTorch's CPU norm kernels take parameters of the input's dtype only (no promotion), or
    float32 parameters beside a bfloat16/float16 input (the mixed kernels autocast relies on:
    float32 LayerNorm weights under a bfloat16 region)."""
    dt = x._data.dtype
    if dt.itemsize == 2 and dt.kind in "fV":
        for p in params:
            if p is not None and p._data.dtype != dt and p._data.dtype.name != "float32":
                raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
        return
    for p in params:
        if p is not None and p._data.dtype != dt:
            if dt.name == "float32":
                raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def more_than_one(size, what="value per channel", shown=None):
    """`size` is [batch, channels, *spatial]; one value per channel cannot be normalised."""
    if size[0] != 1:
        return  # (0 or several samples; a size is never negative)
    prod = 1
    for s in size[2:]:
        prod *= s
    if prod == 1:
        shown = shown if shown is not None else Size(size)
        raise ValueError(f"Expected more than 1 {what} when training, got input size {shown!r}")


def spatial_more_than_one(shape):
    prod = 1
    for s in shape[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size {Size(shape)!r}")


def batch_norm_args(x, running_mean, running_var, weight, bias, training, momentum, eps):
    shape = x._data.shape
    if training:
        if not shape:
            raise IndexError("batch_norm: expected an input with a batch dim, got a 0-dim tensor")
        more_than_one(shape)
    if type(momentum) is not float and not isinstance(momentum, numbers.Real):
        raise TypeError(f"batch_norm(): argument 'momentum' (position 7) must be float, not "
                        f"{type(momentum).__name__}")
    if not training:
        for name, t in (("running_mean", running_mean), ("running_var", running_var)):
            if t is None:
                raise RuntimeError(f"{name} must be defined in evaluation mode")
    if training and eps <= 0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if len(shape) < 2:
        cls = IndexError if training else RuntimeError
        raise cls(f"batch_norm: expected an input with a channel dim (2D or more), got input of "
                  f"size {list(shape)}")
    c = shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t._data.size != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t._data.size} "
                               f"(input of size {list(shape)})")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    float_input(x, "batch_norm")
    same_dtype(x, weight, bias, running_mean, running_var)


def normalized_shape_arg(normalized_shape):
    if type(normalized_shape) is tuple and normalized_shape and \
            all(type(s) is int for s in normalized_shape):
        return normalized_shape  # the common case, without ABC isinstance checks
    if isinstance(normalized_shape, numbers.Integral) and not isinstance(normalized_shape, bool):
        return (int(normalized_shape),)
    if not isinstance(normalized_shape, (tuple, list)) or \
            not all(isinstance(s, numbers.Integral) for s in normalized_shape):
        raise TypeError("layer_norm(): argument 'normalized_shape' (position 2) must be tuple of "
                        f"ints, not {type(normalized_shape).__name__}")
    ns = tuple(int(s) for s in normalized_shape)
    if not ns:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    return ns


def layer_norm_args(x, ns, weight, bias):
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t._data.shape != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got "
                               f"{name} of shape {list(t._data.shape)} and normalized_shape = "
                               f"{list(ns)}")
    shape = x._data.shape
    if shape[len(shape) - len(ns):] != ns or len(shape) < len(ns):
        raise RuntimeError(
            f"Given normalized_shape={list(ns)}, expected input with shape "
            f"[*, {', '.join(map(str, ns))}], but got input of size {list(shape)}")
    float_input(x, "LayerNormKernelImpl")
    same_dtype(x, weight, bias)


def group_norm_args(x, num_groups, weight, bias):
    shape = x._data.shape
    if len(shape) < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {len(shape)}")
    size = [shape[0] * shape[1] // num_groups, num_groups] + list(shape[2:])
    more_than_one(size, shown=size)
    if num_groups <= 0:
        raise RuntimeError(f"Expected num groups to be greater than 0, got {num_groups}")
    c = shape[1]
    if c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {list(shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t._data.ndim != 1 or t._data.size != c):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in "
                f"input, but got {name} of shape {list(t._data.shape)} and input of shape "
                f"{list(shape)}")
    float_input(x, "GroupNormKernelImpl")
    same_dtype(x, weight, bias)
