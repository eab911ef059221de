"""Tensor creation from data and filled tensors, with PyTorch's inference, checks and errors.

Ranges live in _ranges.py and random sampling in ops/sampling.py; this module re-exports them so
that `dygrad._creation` is the one place the package imports creation functions from.
"""
import warnings

import numpy as np

from ._layout import preserve_order
from . import _dtype
from ._convert import (_BOOL, _CTYPE, _F32, _F64, _I64, _int_like, _warn_once, cast, check_shape,
                       checked, finish, from_data, from_ndarray, np_dtype, number, shape_arg,
                       type_name)
from ._tensor import Tensor, _wrap
from .device import check_device
from ._ranges import arange, range, linspace, logspace, tril_indices, triu_indices  # noqa: F401
from .ops.sampling import (rand, randn, randint, randperm, normal,  # noqa: F401
                        rand_like, randn_like, randint_like)

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "frombuffer", "scalar_tensor", "zeros",
           "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like", "eye",
           "empty_strided", "arange", "range", "linspace", "logspace", "tril_indices",
           "triu_indices", "rand", "randn", "randint",
           "randperm", "normal", "rand_like", "randn_like",
           "randint_like"]


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data`, with PyTorch's dtype inference and checks."""
    check_device(device, "tensor()")
    npdt = None if dtype is None else np_dtype(dtype)
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
            "or sourceTensor.detach().clone().requires_grad_(True), rather than "
            "torch.tensor(sourceTensor).", UserWarning, stacklevel=2)
        arr = data._data.copy() if npdt is None or npdt == data._data.dtype else cast(data._data, npdt)
    elif isinstance(data, np.ndarray):
        arr = from_ndarray(data, npdt)
    else:
        arr = from_data(data, npdt)
    return finish(arr, requires_grad)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    check_device(device, "scalar_tensor()")
    v = number("scalar_tensor", s, "s", 1)
    return finish(checked(np.asarray(v, dtype=_F64 if not isinstance(v, bool) else _BOOL),
                          np_dtype(dtype), ctype=True), requires_grad)


def from_numpy(ndarray):
    """A tensor sharing memory with `ndarray` (writes show through both ways)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type_name(ndarray)})")
    if ndarray.dtype.byteorder == ">" or (ndarray.dtype.byteorder == "<" and np.little_endian is False):
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    _dtype.from_numpy_dtype(ndarray.dtype)
    if not ndarray.flags.writeable:
        _warn_once("readonly",
                   "The given NumPy array is not writable, and PyTorch does not support non-writable "
                   "tensors. This means writing to this tensor will result in undefined behavior. "
                   "You may want to copy the array to protect its data or make it writable before "
                   "converting it to a tensor. This type of warning will be suppressed for the rest "
                   "of this program.")
    return _wrap(ndarray)


def as_tensor(data, dtype=None, device=None):
    """Shares memory with a Tensor or ndarray of the requested dtype; converts otherwise (a
    Tensor converts through .to(dtype), so autograd tracks it)."""
    check_device(device, "as_tensor()")
    if isinstance(data, Tensor):
        if dtype is None or np_dtype(dtype) == data._data.dtype:
            return data
        return data.to(_dtype.as_dtype(dtype))
    if isinstance(data, np.ndarray) and (dtype is None or np_dtype(dtype) == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None):
    """torch.asarray: shares memory unless a copy is needed or copy=True; copy=False forbids
    copying. requires_grad=None keeps a tensor's own flag."""
    check_device(device, "asarray()")
    npdt = None if dtype is None else np_dtype(dtype)
    if isinstance(obj, Tensor):
        if requires_grad is None and obj._rg:
            _warn_once("asarray_rg",
                       "torch.asarray: unspecified requires_grad now defaults to obj.requires_grad "
                       "instead of False. Pass requires_grad=False explicitly to get the old "
                       "behavior and silence this warning.")
        same = npdt is None or npdt == obj._data.dtype
        if not same and copy is False:
            raise ValueError(f"can't alias tensor with dtype '{obj.dtype}' into dtype "
                             f"'{_dtype.from_numpy_dtype(npdt)}'.")
        t = obj if same else obj.to(_dtype.from_numpy_dtype(npdt))
        if copy:
            t = t.clone()
        if requires_grad is not None and not requires_grad and t._rg:
            t = t.detach()
        elif requires_grad and not t._rg:
            t = t.detach().requires_grad_(True) if t is obj else t.requires_grad_(True)
        return t
    if isinstance(obj, np.ndarray):
        src = _dtype.from_numpy_dtype(obj.dtype).np
        if npdt is not None and npdt != src and copy is False:
            raise ValueError(f"can't alias NumPy array with dtype '{src}' into dtype '{npdt}'.")
        if copy or (npdt is not None and npdt != src):
            return finish(from_ndarray(obj, npdt), bool(requires_grad))
        t = from_numpy(obj)
        return finish(obj, True) if requires_grad else t
    if _is_buffer(obj):  # bytes-like objects are reinterpreted in place, as by frombuffer
        t = frombuffer(obj, dtype=dtype if dtype is not None else _dtype._default[0])
        t = t.clone() if copy else t
        return t.requires_grad_(True) if requires_grad else t
    if copy is False:
        raise ValueError(f"can't alias a {type_name(obj)} into a tensor without copying; pass "
                         "copy=None or copy=True")
    return tensor(obj, dtype=dtype, requires_grad=bool(requires_grad))


def _is_buffer(obj):
    if isinstance(obj, (list, tuple, np.generic)):
        return False
    try:
        memoryview(obj)
    except TypeError:
        return False
    return True


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-d tensor over an object exposing the buffer protocol, sharing its memory."""
    npdt = np_dtype(dtype)
    mv = memoryview(buffer)
    if mv.readonly:
        _warn_once("readonly_buffer",
                   "The given buffer is not writable, and PyTorch does not support non-writable "
                   "tensors. This means you can write to the underlying (supposedly non-writable) "
                   "buffer using the tensor. You may want to copy the buffer to protect its data or "
                   "make it writable before converting it to a tensor. This type of warning will be "
                   "suppressed for the rest of this program.")
    n = mv.nbytes
    if n == 0 or count == 0:
        raise ValueError(f"both buffer length ({n}) and count ({count}) must not be 0")
    if not 0 <= offset < n:
        raise ValueError(f"both buffer length ({n}) and offset ({offset}) must be greater than 0 "
                         "and offset must be smaller than the buffer length")
    if count == 0 or count < -1:
        raise ValueError(f"expected 'count' to be -1 or a positive number, got {count}")
    if count == -1 and (n - offset) % npdt.itemsize:
        raise ValueError(f"buffer length ({n - offset} bytes) after offset ({offset} bytes) must be "
                         f"a multiple of element size ({npdt.itemsize})")
    if count > 0 and n - offset < count * npdt.itemsize:
        raise ValueError(f"requested buffer length ({count} * {npdt.itemsize} bytes) after offset "
                         f"({offset} bytes) must not be greater than actual buffer length ({n} bytes)")
    arr = np.frombuffer(buffer, dtype=npdt, count=count, offset=offset)
    if mv.readonly:
        arr = arr.view()
        arr.flags.writeable = False
    return finish(arr, requires_grad)


# -- filled tensors ------------------------------------------------------------------------------
def _filled(op, args, size, fill, dtype, requires_grad, device, out):
    check_device(device, f"{op}()")
    if not args and size is None:
        raise TypeError(f'{op}() missing 1 required positional arguments: "size"')
    shape = shape_arg(op, args, size)
    check_shape(shape, op)
    if dtype is None and out is not None:
        dtype = out.dtype
    return finish(fill(shape, dtype=np_dtype(dtype)), requires_grad, out, op)


def zeros(*sizes, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    return _filled("zeros", sizes, size, np.zeros, dtype, requires_grad, device, out)


def ones(*sizes, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    return _filled("ones", sizes, size, np.ones, dtype, requires_grad, device, out)


def empty(*sizes, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    # zero-filled: uninitialised memory would make runs irreproducible for no real gain
    return _filled("empty", sizes, size, np.zeros, dtype, requires_grad, device, out)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """A zero-filled tensor with the given strides (in elements), viewing a buffer just large
    enough, like PyTorch's (overlapping strides share elements)."""
    check_device(device, "empty_strided()")
    shape = shape_arg("empty_strided", (size,))
    strides = shape_arg("empty_strided", (stride,))
    if len(shape) != len(strides):
        raise RuntimeError(f"dimensionality of sizes ({len(shape)}) must match dimensionality of "
                           f"strides ({len(strides)})")
    check_shape(shape)
    npdt = np_dtype(dtype)
    n = 0 if 0 in shape else 1 + sum((s - 1) * st for s, st in zip(shape, strides))
    buf = np.zeros(n, dtype=npdt)
    arr = np.lib.stride_tricks.as_strided(buf, shape, tuple(st * npdt.itemsize for st in strides))
    return finish(arr, requires_grad)


_F32_MAX = float(np.finfo(np.float32).max)


def _fill_array(op, shape, value, npdt):
    t = type(value)
    # fast paths for the common fills; the general path below applies PyTorch's checks
    if t is float and (npdt == _F64 or (npdt == _F32 and not abs(value) > _F32_MAX)):
        return np.full(shape, value, npdt)
    if t is bool or (t is int and npdt == _I64 and -(1 << 63) <= value < (1 << 63)):
        return np.full(shape, value, npdt)
    nat_dt = _BOOL if isinstance(value, bool) else _I64 if isinstance(value, int) else _F64
    try:
        nat = np.array(value, dtype=nat_dt)
    except OverflowError:
        if npdt.kind in "fV":
            nat = np.array(float(value))
        else:
            raise RuntimeError(f"value cannot be converted to type {_CTYPE[npdt.name]} without "
                               "overflow") from None
    return np.full(shape, checked(nat, npdt, ctype=True), dtype=npdt)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, names=None):
    """Filled with fill_value; without dtype it follows the value: bool -> bool, int -> int64,
    float -> the default dtype."""
    check_device(device, "full()")
    if _int_like(size) is not None or not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type_name(size)}")
    shape = shape_arg("full", (size,))
    value = number("full", fill_value)
    check_shape(shape)
    if dtype is None and out is not None:
        dtype = out.dtype
    elif dtype is None:
        npdt = _dtype.scalar_np_dtype(value)
        # an int in [2**63, 2**64) is an unsigned scalar, but tensors made from it are int64
        # (so the checked conversion refuses it, as PyTorch does)
        dtype = _dtype.int64 if npdt.kind == "u" else _dtype.from_numpy_dtype(npdt)
    return finish(_fill_array("full", shape, value, np_dtype(dtype)), requires_grad, out, "full")


def _like_dt(op, input, dtype, device):
    check_device(device, op + "()")
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type_name(input)}")
    return input._data.dtype if dtype is None else np_dtype(dtype)


def _filled_like(op, np_like, input, dtype, device, requires_grad, memory_format):
    """np_like's array (np.zeros_like, np.ones_like) in input's shape, dtype and layout unless
    given others."""
    npdt = _like_dt(op, input, dtype, device)
    return finish(np_like(input._data, npdt, preserve_order(input._data, memory_format)),
                  requires_grad)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return _filled_like("zeros_like", np.zeros_like, input, dtype, device, requires_grad,
                        memory_format)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return _filled_like("ones_like", np.ones_like, input, dtype, device, requires_grad,
                        memory_format)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    # zero-filled: uninitialised memory would make results differ from run to run
    return _filled_like("empty_like", np.zeros_like, input, dtype, device, requires_grad,
                        memory_format)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """Filled with fill_value in input's dtype (converted with PyTorch's range checks)."""
    npdt = _like_dt("full_like", input, dtype, device)
    value = number("full_like", fill_value)
    arr = _fill_array("full_like", input._data.shape, value, npdt)
    if preserve_order(input._data, memory_format) == "K":
        arr = _in_layout_of(input._data, arr)
    return finish(arr, requires_grad)


def _in_layout_of(like, arr):
    out = np.empty_like(like, arr.dtype, "K")
    out[...] = arr
    return out


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
        pin_memory=False):
    check_device(device, "eye()")
    for name, v, pos in (("n", n, 1), ("m", m, 2)):
        if v is not None and _int_like(v) is None:
            raise TypeError(f"eye(): argument '{name}' (position {pos}) must be int, not {type_name(v)}")
        if v is not None and int(v) < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {int(v)}")
    n = int(n)
    m = n if m is None else int(m)
    if dtype is None and out is not None:
        dtype = out.dtype
    return finish(np.eye(n, m, dtype=np_dtype(dtype)), requires_grad, out, "eye")
