"""Shared pieces of the reduction ops: dim handling, result recording, and a few private
differentiable helpers (flip, shift, gather/scatter along a dim) that backward code uses on
either NumPy arrays or Tensors, so gradients of reductions are themselves differentiable.
"""
import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ._record import record, record1
from ..autograd.node import Node
from . import _bw
from ._util import wrap_dim
from .rearrange import flip as _flip_op


def _wrap1(d, shape, op):
    try:
        return wrap_dim(d, len(shape), op)
    except IndexError as e:
        raise IndexError(f"{e} (input of shape {list(shape)})") from None


def rdims(dim, shape, op):
    """Reduced dims (sorted tuple) of a reduction over an input of `shape`; None and () mean all
    dims. Bad dims raise PyTorch's errors, naming the op and the shape."""
    ndim = len(shape)
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        seen = set()
        for d in dim:
            w = _wrap1(d, shape, op)
            if w in seen:
                raise RuntimeError(f"{op}: dim {w} appears multiple times in the list of dims")
            seen.add(w)
        return tuple(sorted(seen)) if ndim else ()
    w = _wrap1(dim, shape, op)
    return (w,) if ndim else ()


def one_dim(dim, shape, op):
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    w = _wrap1(dim, shape, op)
    return w if shape else 0


def kept_shape(shape, dims):
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


def out_shape(shape, dims, keepdim):
    if keepdim:
        return kept_shape(shape, dims)
    return tuple(n for i, n in enumerate(shape) if i not in dims)


def expand_back(g, shape, dims, keepdim):
    """Broadcasts a reduced gradient back over the reduced dims."""
    if not keepdim and dims:
        g = _bw.reshape(g, kept_shape(shape, dims))
    return _bw.expand(g, shape)


def dtype_name(npdt):
    return str(_dtype.from_numpy_dtype(npdt)).replace("torch.", "")


def require_float(d, op):
    if d.dtype.kind not in "fV":
        raise RuntimeError(
            f"{op}(): expected a floating point input, but got {dtype_name(d.dtype)} "
            f"(shape {list(d.shape)})")


def acc_dtype(d):
    """float16 and bfloat16 reductions accumulate in float32 (as PyTorch's CPU kernels do)."""
    return np.float32 if lowp(d.dtype) else d.dtype


def lowp(dt):
    """float16 or bfloat16 (ml_dtypes' kind 'V'): math that PyTorch accumulates in float32."""
    return dt.itemsize == 2 and dt.kind in "fV"


def named_nodes(base, module, *names):
    """Subclasses of the node `base`, one per name: where PyTorch gives ops that differentiate
    alike nodes of their own names (amax's and full max's), each op records its own."""
    return tuple(type(name, (base,), {"__slots__": (), "__module__": module}) for name in names)


def finish(out, x, node_cls, replay=None, args=None, name=None):
    """Records `out`, a reduction of x (see ops/_record.py); returns (tensor, node or None). An
    integer result gets no node."""
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if out.dtype.kind in "fV":
        return record1(out, node_cls, x, replay, args, name)
    return record(out, node_cls, (x,), float_out=True, replay=replay, args=args, name=name)


def _tracked(out, x, node_cls, **attrs):
    """`out` computed from the Tensor x, wrapped with a node_cls recorded (given `attrs`) where
    grad is needed: the differentiable form of the helpers below, which take arrays too (the
    first-order backward) and Tensors (a backward that is itself recorded)."""
    t, node = finish(out, x, node_cls)
    if node is not None:
        for name, value in attrs.items():
            setattr(node, name, value)
    return t


def _index(ndim, dim, sl):
    return (slice(None),) * dim + (sl,)


# ---------------------------------------------------------------------------------------------
# private differentiable helpers
def flip(x, dim):
    """x reversed along dim (an ndarray, or a Tensor through the recorded flip op)."""
    if not isinstance(x, Tensor):
        return np.flip(x, dim)
    return _flip_op(x, (dim,))


class ShiftBackward0(Node):
    __slots__ = ("dim", "reverse")

    def backward(self, g):
        return shift(g, self.dim, not self.reverse, 0)


def shift(x, dim, reverse, fill):
    """y[i] = x[i-1] (y[0] = fill); with reverse, y[i] = x[i+1] (y[-1] = fill)."""
    d = x._data if isinstance(x, Tensor) else x
    out = np.empty_like(d)
    n = d.shape[dim]
    if n:
        if reverse:
            out[_index(d.ndim, dim, slice(0, n - 1))] = d[_index(d.ndim, dim, slice(1, n))]
            out[_index(d.ndim, dim, slice(n - 1, n))] = fill
        else:
            out[_index(d.ndim, dim, slice(1, n))] = d[_index(d.ndim, dim, slice(0, n - 1))]
            out[_index(d.ndim, dim, slice(0, 1))] = fill
    if not isinstance(x, Tensor):
        return out
    return _tracked(out, x, ShiftBackward0, dim=dim, reverse=reverse)


class GatherAlongBackward(Node):
    __slots__ = ("idx", "dim", "shape")

    def backward(self, g):
        return scatter_along(g, self.idx, self.dim, self.shape)


def gather_along(x, idx, dim):
    """x values at `idx` (NumPy int array) along dim."""
    if not isinstance(x, Tensor):
        return np.take_along_axis(x, idx, dim)
    return _tracked(np.take_along_axis(x._data, idx, dim), x, GatherAlongBackward, idx=idx,
                    dim=dim, shape=x._data.shape)


class ScatterAlongBackward(Node):
    __slots__ = ("idx", "dim")

    def backward(self, g):
        return gather_along(g, self.idx, self.dim)


def scatter_along(g, idx, dim, shape):
    """Zeros of `shape` with g written at `idx` along dim (indices distinct within a slice)."""
    d = g._data if isinstance(g, Tensor) else g
    out = np.zeros(shape, d.dtype)
    np.put_along_axis(out, idx, d, dim)
    if not isinstance(g, Tensor):
        return out
    return _tracked(out, g, ScatterAlongBackward, idx=idx, dim=dim)


def select(x, dim, i):
    if isinstance(x, Tensor):
        return x.select(dim, i)
    return np.take(x, i, axis=dim)


def stack(xs, dim):
    if isinstance(xs[0], Tensor):
        from .shape import stack as _stack
        return _stack(xs, dim)
    return np.stack(xs, axis=dim)


_SCALAR_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
                 "int64": "Long", "float16": "Half", "float32": "Float", "float64": "Double"}


def scalar_type_name(npdt):
    """PyTorch's ScalarType name of a NumPy dtype ("Long" for int64), as in its messages."""
    return _SCALAR_NAMES.get(np.dtype(npdt).name, str(npdt))
