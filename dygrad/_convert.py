"""Argument parsing, result wrapping and data conversion shared by the creation functions, with
PyTorch's rules: size arguments, dtype inference from Python data, checked scalar conversions
(the overflow errors of torch.tensor / torch.full), `out=` handling."""
import warnings

import numpy as np

from . import _dtype
from ._tensor import Tensor, _wrap

_F16, _F32, _F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
_I64, _BOOL = np.dtype(np.int64), np.dtype(np.bool_)
_PLAIN = {float, int, bool}
_warned = set()  # PyTorch gives some warnings once per process


# dtype names as PyTorch's "not implemented for 'Long'" errors print them
TORCH_NAME = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
              "int64": "Long", "float16": "Half", "float32": "Float", "float64": "Double"}


def not_implemented(kernel, npdt):
    raise NotImplementedError(f'"{kernel}" not implemented for \'{TORCH_NAME[npdt.name]}\'')


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
        if arr.dtype.kind not in "fV":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._rg = True
    return t


def write_out(out, arr, op, rg=False, same=False):
    """Writes a result into `out` as PyTorch's out= does: into out's own memory (views of it see
    the values), in out's dtype when the result can be cast to it, resizing (with PyTorch's
    warning) only when the shapes differ. `rg`: an input requires grad, which out= refuses.
    `same`: out must have the result's dtype (PyTorch's index_select, gather, sort...)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type_name(out)}")
    from .autograd.grad_mode import STATE  # noqa: PLC0415
    if STATE.enabled and (rg or out._rg):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    d = out._data
    if same and arr.dtype != d.dtype:
        raise RuntimeError(f"{op}(): expected out tensor to have dtype {arr.dtype.name}, but got "
                           f"{d.dtype.name} instead")
    if arr.dtype != d.dtype and not _dtype.can_cast(arr.dtype, d.dtype):
        raise RuntimeError(f"result type {SCALAR_NAMES[arr.dtype.name]} can't be cast to the "
                           f"desired output type {SCALAR_NAMES[d.dtype.name]}")
    from .autograd.views import check_no_overlap, written  # noqa: PLC0415
    check_no_overlap(d)
    if d.shape != arr.shape:
        if d.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(d.shape)}, which does not match the required output shape "
                f"{list(arr.shape)}. This behavior is deprecated, and in a future PyTorch release "
                "outputs will not be resized unless they have zero elements. You can explicitly "
                "reuse an out tensor t by resizing it, inplace, to zero elements with "
                "t.resize_(0).", UserWarning, stacklevel=3)
        out._data = arr.astype(d.dtype, copy=True)
    else:
        np.copyto(d, arr, casting="unsafe")
    written(out, True)
    return out


def write_outs(outs, results, op, rg=False, same=False):
    """out=(a, b) of ops that return several tensors (max/min/sort with dim ...)."""
    if not isinstance(outs, (tuple, list)) or len(outs) != len(results):
        raise TypeError(f"{op}(): argument 'out' must be a tuple of {len(results)} Tensors")
    for o, r in zip(outs, results):
        write_out(o, r._data, op, rg, same)
    return type(results)(*outs) if hasattr(results, "_fields") else tuple(outs)


def write_out_tensor(out, result, op, same=False):
    """out= of an op given its result tensor (the generated torch.* functions call this)."""
    return write_out(out, result._data, op, result._rg, same)


def not_tensor_error(op, value):
    """PyTorch's TypeError for a function form given a non-tensor first argument (torch.sin(2))."""
    return TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type_name(value)}")


def not_overload_error(op, *args):
    """PyTorch's TypeError for torch.eq(2, t)-style calls of ops with Tensor and Number overloads
    (`2 == t` reaches the tensor's method instead)."""
    got = ", ".join(type_name(a) for a in args)
    return TypeError(f"{op}() received an invalid combination of arguments - got ({got}), but "
                     "expected one of:\n * (Tensor input, Tensor other)\n * (Tensor input, Number other)")


def cast(arr, npdt):
    """astype with PyTorch's rounding: double -> half goes through float, as c10::Half does."""
    if npdt == _F16 and arr.dtype == _F64:
        return arr.astype(_F32).astype(_F16)
    return arr.astype(npdt)


# Range checks of PyTorch's checked scalar conversion, used by tensor(), full() and friends.
# PyTorch's scalar type names, as its messages print them
SCALAR_NAMES = {"uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
                "float16": "Half", "float32": "Float", "float64": "Double", "bool": "Bool",
                "uint64": "UInt64"}
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
        if nat.dtype.kind in "fV":
            bad = ~np.isfinite(nat) | (nat < lo) | (nat > info.max)
        else:
            bad = (nat < lo) | (nat > info.max)
        if bad.any():
            name = _CTYPE[npdt.name] if ctype else npdt.name
            raise RuntimeError(f"value cannot be converted to type {name} without overflow")
        if nat.dtype.kind in "fV":
            nat = np.trunc(nat)
        return nat.astype(np.int64).astype(npdt) if k == "u" else nat.astype(npdt)
    if ctype and npdt == _F32 and nat.dtype == _F64 and nat.size:
        big = np.isfinite(nat) & (np.abs(nat) > np.finfo(np.float32).max)
        if big.any():
            raise RuntimeError("value cannot be converted to type float without overflow")
    return cast(nat, npdt)


# -- Python data -> ndarray ---------------------------------------------------------------------
def _is_seq(x):
    if isinstance(x, (list, tuple, range, np.ndarray)):
        return True
    if isinstance(x, (str, bytes, dict, Tensor, np.generic)):
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


def from_data(data, npdt):
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
    if type(data) is np.bool_ and npdt is not None and npdt.kind in "iu":
        # PyTorch reads a NumPy bool scalar through Python's integer protocol, which it lacks
        raise TypeError("'numpy.bool' object cannot be interpreted as an integer")
    found = set()
    clean = _walk(data, 0, shape, found)
    target = _infer(found) if npdt is None else npdt
    # build exactly first (Python ints as int64, anything with floats as float64), then convert
    if target.kind == "b" and npdt is not None:
        nat_dt = _F64 if found - {bool, _BOOL} else _BOOL
    elif target.kind in "fV" or any(f is float or (f is not int and f is not bool and f.kind in "fV")
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
    if target.kind == "u" and nat.dtype == _F64 and int in found:
        nat = _wrap_negative_ints(clean, nat, target)
    return checked(nat, target)


def _flat(x):
    if isinstance(x, (list, tuple)):
        for v in x:
            yield from _flat(v)
    else:
        yield x


def _wrap_negative_ints(clean, nat, target):
    """PyTorch checks each element of mixed data by its own Python type: an int element of an
    unsigned tensor may be as low as -max (and wraps), a float element may not be negative."""
    if isinstance(clean, np.ndarray):
        return nat
    is_int = np.fromiter((type(v) is int for v in _flat(clean)), bool, nat.size).reshape(nat.shape)
    top = float(np.iinfo(target).max)
    neg = is_int & (nat < 0) & (nat >= -top)
    return np.where(neg, nat + (top + 1), nat) if neg.any() else nat


def from_ndarray(a, npdt):
    if a.dtype.byteorder not in "=|" and a.dtype.itemsize > 1:
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    src = _dtype.from_numpy_dtype(a.dtype).np
    if npdt is None or npdt == src:
        return np.array(a, dtype=src, copy=True)
    return cast(a, npdt)


def number(op, v, arg="fill_value", pos=2):
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
