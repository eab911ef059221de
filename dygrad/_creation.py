"""Tensor creation from data and filled tensors, with PyTorch's inference, checks and errors.

Ranges live in _ranges.py and random sampling in _sampling.py; this module re-exports them so
that `dygrad._creation` is the one place the package imports creation functions from.
"""
import builtins
import warnings

import numpy as np

from . import _dtype
from ._tensor import Tensor, _wrap
from .device import check_device
from ._ranges import arange, range, linspace, logspace, tril_indices, triu_indices, cartesian_prod, combinations  # noqa: F401,E501
from ._sampling import (rand, randn, randint, randperm, normal, bernoulli, multinomial, poisson,  # noqa: F401
                        rand_like, randn_like, randint_like)

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "frombuffer", "scalar_tensor", "zeros",
           "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like", "eye",
           "empty_strided", "arange", "range", "linspace", "logspace", "tril_indices",
           "triu_indices", "cartesian_prod", "combinations", "rand", "randn", "randint",
           "randperm", "normal", "bernoulli", "multinomial", "poisson", "rand_like", "randn_like",
           "randint_like"]

_F16, _F32, _F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
_I64, _BOOL = np.dtype(np.int64), np.dtype(np.bool_)
_PLAIN = {float, int, bool}
_warned = set()  # PyTorch gives some warnings once per process


def _warn_once(key, msg):
    if key not in _warned:
        _warned.add(key)
        warnings.warn(msg, UserWarning, stacklevel=3)


def type_name(x):
    """Type name as PyTorch's argument errors print it (builtins bare, others module-qualified)."""
    if isinstance(x, Tensor):
        return "Tensor"
    t = type(x)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__.split('.')[0]}.{t.__name__}"


# -- shared helpers ---------------------------------------------------------------------------
def np_dtype(dtype):
    """NumPy dtype for a dtype argument (None -> the default float dtype)."""
    if dtype is None:
        return _dtype._default[0].np
    if type(dtype) is _dtype.dtype:
        return dtype.np
    return _dtype.to_numpy_dtype(dtype)


def _int_like(a):
    if isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_)):
        return int(a)
    if isinstance(a, Tensor):
        a = a._data
    if isinstance(a, np.ndarray) and a.ndim == 0 and a.dtype.kind in "iu":
        return int(a)
    return None


def shape_arg(op, args, size=None):
    """The size of f(2, 3), f((2, 3)), f([2, 3]), f(torch.Size(...)) or f(size=(2, 3))."""
    if size is not None:
        if args:
            raise TypeError(f"{op}() got multiple values for argument 'size'")
        args = (size,)
    if len(args) == 1 and _int_like(args[0]) is None:
        seq = args[0]
        if not isinstance(seq, (tuple, list)):
            raise TypeError(f"{op}(): argument 'size' (position 1) must be tuple of ints, not "
                            f"{type_name(seq)}")
        args = seq
    shape = []
    for i, a in enumerate(args):
        v = _int_like(a)
        if v is None:
            raise TypeError(f"{op}(): argument 'size' (position 1) must be tuple of ints, but found "
                            f"element of type {type_name(a)} at pos {i}")
        shape.append(v)
    return tuple(shape)


def check_shape(shape, op=None):
    for s in shape:
        if s < 0:
            if op == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")


def finish(arr, requires_grad, out=None, op="op"):
    """Wraps a fresh array; applies requires_grad (floating only) and out=."""
    if out is not None:
        return write_out(out, arr, op)
    t = _wrap(arr)
    if requires_grad:
        if arr.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._rg = True
    return t


def write_out(out, arr, op):
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type_name(out)}")
    if out._rg:
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    d = out._data
    if d.shape != arr.shape:
        if d.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(d.shape)}, which does not match the required output shape "
                f"{list(arr.shape)}. This behavior is deprecated, and in a future PyTorch release "
                "outputs will not be resized unless they have zero elements. You can explicitly "
                "reuse an out tensor t by resizing it, inplace, to zero elements with "
                "t.resize_(0).", UserWarning, stacklevel=3)
        out._data = arr.astype(d.dtype, copy=False)
    else:
        np.copyto(d, arr, casting="unsafe")
    out._vc[0] += 1
    return out


def cast(arr, npdt):
    """astype with PyTorch's rounding: double -> half goes through float, as c10::Half does."""
    if npdt == _F16 and arr.dtype == _F64:
        return arr.astype(_F32).astype(_F16)
    return arr.astype(npdt)


# Range checks of PyTorch's checked scalar conversion, used by tensor(), full() and friends.
_CTYPE = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
          "int64": "int64_t", "float32": "float", "float16": "c10::Half", "float64": "double",
          "bool": "bool"}


def checked(nat, npdt, ctype=False):
    """Converts a float64/int64/bool array to npdt, raising where PyTorch's checked conversion
    does: out-of-range (or nan/inf) floats into integers, integers outside [min, max] (unsigned
    types also take negatives down to -max, wrapping), and, for full(), finite doubles beyond
    the float range. Integer sources into float and anything into bool never fail."""
    k = npdt.kind
    if k in "iu" and nat.dtype.kind != "b" and nat.size:
        info = np.iinfo(npdt)
        lo = -int(info.max) if k == "u" and nat.dtype.kind in "iu" else int(info.min)
        if nat.dtype.kind == "f":
            bad = ~np.isfinite(nat) | (nat < lo) | (nat > info.max)
        else:
            bad = (nat < lo) | (nat > info.max)
        if bad.any():
            name = _CTYPE[npdt.name] if ctype else npdt.name
            raise RuntimeError(f"value cannot be converted to type {name} without overflow")
        if nat.dtype.kind == "f":
            nat = np.trunc(nat)
        return nat.astype(np.int64).astype(npdt) if k == "u" else nat.astype(npdt)
    if ctype and npdt == _F32 and nat.dtype == _F64 and nat.size:
        big = np.isfinite(nat) & (np.abs(nat) > np.finfo(np.float32).max)
        if big.any():
            raise RuntimeError("value cannot be converted to type float without overflow")
    return cast(nat, npdt)


# -- tensor() ------------------------------------------------------------------------------------
def _is_seq(x):
    if isinstance(x, (list, tuple, builtins.range, np.ndarray)):
        return True
    if isinstance(x, (str, bytes, bytearray, dict, Tensor, np.generic)):
        return False
    t = type(x)
    return hasattr(t, "__len__") and hasattr(t, "__getitem__")


def _leaf(v, found):
    """One scalar element: records its dtype in `found`, returns a NumPy-friendly value."""
    t = type(v)
    if t in _PLAIN:
        found.add(t)
        return v
    if isinstance(v, np.generic):
        found.add(_dtype.from_numpy_dtype(v.dtype).np)
        return v
    if isinstance(v, Tensor):
        if v._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        if v._rg:
            _warn_once("scalar_rg", "Converting a tensor with requires_grad=True to a scalar may "
                       "lead to unexpected behavior.\nConsider using tensor.detach() first.")
        found.add(v._data.dtype)
        return v._data.reshape(())[()]
    if isinstance(v, (bool, int, float)):  # subclasses (e.g. IntEnum)
        found.add(float if isinstance(v, float) else bool if isinstance(v, bool) else int)
        return v
    if isinstance(v, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(v).__name__}'")
    if isinstance(v, complex):
        raise TypeError("tensor(): dygrad does not support complex numbers")
    if _is_seq(v):
        raise TypeError(f"tensor(): expected a number but found a {type_name(v)}: the nested "
                        "sequences have different depths")
    raise RuntimeError(f"Could not infer dtype of {type(v).__name__}")


def _walk(x, d, shape, found):
    """Checks x against `shape` from dim d; returns x, or a copy with scalars made plain."""
    if d == len(shape):
        return _leaf(x, found)
    if not _is_seq(x):
        raise TypeError(f"tensor(): expected a sequence at dim {d} but got {type_name(x)} (nested "
                        "sequences must have equal depths)")
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            raise TypeError("len() of unsized object")
        if x.shape != tuple(shape[d:]):
            n = x.shape[0]
            if n != shape[d]:
                raise ValueError(f"expected sequence of length {shape[d]} at dim {d} (got {n})")
            raise ValueError(f"expected sequence of shape {tuple(shape[d:])} at dim {d} (got "
                             f"an array of shape {x.shape})")
        found.add(_dtype.from_numpy_dtype(x.dtype).np)
        return x
    n = len(x)
    if n != shape[d]:
        raise ValueError(f"expected sequence of length {shape[d]} at dim {d} (got {n})")
    if d == len(shape) - 1:
        types = set(map(type, x))
        if types <= _PLAIN:
            found.update(types)
            return x
        return [_leaf(v, found) for v in x]
    return [_walk(v, d + 1, shape, found) for v in x]


def _infer(found):
    """PyTorch's dtype for data: promote_types over the elements, Python float -> default dtype,
    int -> int64, bool -> bool; NumPy scalars, arrays and tensors keep their own dtype."""
    res = None
    for f in found:
        npdt = _dtype._default[0].np if f is float else _I64 if f is int else _BOOL if f is bool else f
        res = npdt if res is None else _dtype._promote_np(res, npdt)
    return _dtype._default[0].np if res is None else res


def _from_data(data, npdt):
    """ndarray from Python data (scalars, nested sequences, NumPy scalars, one-element tensors)."""
    shape = []
    x = data
    while _is_seq(x):
        if isinstance(x, np.ndarray):
            shape.extend(x.shape)
            if x.ndim == 0:
                raise TypeError("len() of unsized object")
            break
        shape.append(len(x))
        if not len(x):
            break
        x = x[0]
    if isinstance(data, list) and data and isinstance(data[0], np.ndarray):
        _warn_once("ndarray_list",
                   "Creating a tensor from a list of numpy.ndarrays is extremely slow. Please "
                   "consider converting the list to a single numpy.ndarray with numpy.array() "
                   "before converting to a tensor.")
    found = set()
    clean = _walk(data, 0, shape, found)
    target = _infer(found) if npdt is None else npdt
    # build exactly first (Python ints as int64, anything with floats as float64), then convert
    if target.kind == "b" and npdt is not None:
        nat_dt = _F64 if found - {bool, _BOOL} else _BOOL
    elif target.kind == "f" or any(f is float or (f is not int and f is not bool and f.kind == "f")
                                   for f in found):
        nat_dt = _F64
    elif found <= {bool, _BOOL}:
        nat_dt = _BOOL
    else:
        nat_dt = _I64
    try:
        nat = np.array(clean, dtype=nat_dt)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None
    except TypeError as e:
        raise TypeError(f"tensor(): could not convert the data: {e}") from None
    if nat.shape != tuple(shape):
        nat = nat.reshape(shape)
    return checked(nat, target)


def _from_ndarray(a, npdt):
    if a.dtype.byteorder not in "=|" and a.dtype.itemsize > 1:
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    src = _dtype.from_numpy_dtype(a.dtype).np
    if npdt is None or npdt == src:
        return np.array(a, dtype=src, copy=True)
    return cast(a, npdt)


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
        arr = _from_ndarray(data, npdt)
    else:
        arr = _from_data(data, npdt)
    return finish(arr, requires_grad)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    check_device(device, "scalar_tensor()")
    v = _number("scalar_tensor", s, "s", 1)
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
            return finish(_from_ndarray(obj, npdt), bool(requires_grad))
        t = from_numpy(obj)
        return finish(obj, True) if requires_grad else t
    if copy is False and not isinstance(obj, (memoryview, bytearray)):
        raise ValueError(f"can't alias a {type_name(obj)} into a tensor without copying; pass "
                         "copy=None or copy=True")
    return tensor(obj, dtype=dtype, requires_grad=bool(requires_grad))


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


def _number(op, v, arg="fill_value", pos=2):
    """A Number argument: Python/NumPy scalars and 0-d tensors that don't require grad."""
    if isinstance(v, (bool, int, float)):
        return v
    if isinstance(v, np.generic) and v.dtype.kind in "iuf":
        return v.item()
    if isinstance(v, np.bool_):  # PyTorch reads a NumPy bool as a double
        return float(v)
    if isinstance(v, Tensor) and v._data.ndim == 0 and not v._rg:
        return v._data.item()
    if isinstance(v, complex):
        raise TypeError(f"{op}(): dygrad does not support complex numbers")
    raise TypeError(f"{op}(): argument '{arg}' (position {pos}) must be Number, not {type_name(v)}")


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
        if npdt.kind == "f":
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
    value = _number("full", fill_value)
    check_shape(shape)
    if dtype is None:
        dtype = out.dtype if out is not None else _dtype.from_numpy_dtype(_dtype.scalar_np_dtype(value))
    return finish(_fill_array("full", shape, value, np_dtype(dtype)), requires_grad, out, "full")


def _like_dt(op, input, dtype):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type_name(input)}")
    return input._data.dtype if dtype is None else np_dtype(dtype)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    check_device(device, "zeros_like()")
    npdt = _like_dt("zeros_like", input, dtype)
    return finish(np.zeros(input._data.shape, npdt), requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    check_device(device, "ones_like()")
    npdt = _like_dt("ones_like", input, dtype)
    return finish(np.ones(input._data.shape, npdt), requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    check_device(device, "empty_like()")
    npdt = _like_dt("empty_like", input, dtype)
    return finish(np.zeros(input._data.shape, npdt), requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """Filled with fill_value in input's dtype (converted with PyTorch's range checks)."""
    check_device(device, "full_like()")
    npdt = _like_dt("full_like", input, dtype)
    value = _number("full_like", fill_value)
    return finish(_fill_array("full_like", input._data.shape, value, npdt), requires_grad)


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
