"""Mask-driven ops (masked_fill, masked_select, masked_scatter) and nonzero / unique."""
import numpy as np

from .._tensor import Tensor, _wrap, _inplace
from ..autograd.grad_mode import STATE
from ..autograd.node import Node, sum_to
from . import _bw
from ._flat import flat_put, flat_take
from .bucketing import _NotDifferentiable
from ._record import record1
from ._registry import op
from ._util import checked_scalar, record_float as _record
from .join import broadcast_shape
from .scatter import _NAMES

# PyTorch names the dtype of a bad mask by its C++ type in masked_fill's message
_CNAMES = {np.dtype(k): v for k, v in (
    (np.float32, "float"), (np.float64, "double"), (np.float16, "c10::Half"), (np.int64, "long int"),
    (np.int32, "int"), (np.int16, "short int"), (np.int8, "signed char"), (np.uint8, "unsigned char"))}


def _mask(mask, msg):
    if not isinstance(mask, Tensor):
        raise TypeError(f"mask must be a Tensor, not {type(mask).__name__}")
    m = mask._data
    if m.dtype.kind != "b":
        raise RuntimeError(msg(m.dtype))
    return m


# The nodes below read the mask's array (broadcast, sharing its memory): each saves the mask
# tensor, so changing it in place before backward raises (as PyTorch) instead of moving the
# gradient. masked_fill's backward reads the mask only through its saved tensor (so that a
# replay of dygrad.jit can call it with the replay's mask); the others keep it and take the saved
# mask as an argument they do not need.
class MaskedFillBackward0(Node):
    __slots__ = ("oshape", "shape", "vdtype")

    def backward(self, g, mask):
        nf = self.next_functions
        gx = gv = None
        m = np.broadcast_to(mask._data if isinstance(mask, Tensor) else mask, self.oshape)
        if nf[0][0] is not None:
            gx = sum_to(_bw.where(m, 0, g), self.shape)
        if nf[1][0] is not None:
            # the selected elements' sum, as PyTorch adds them (not a sum with zeros elsewhere,
            # whose float32 rounding differs)
            gv = _bw.sum(_bw.where(m, g, 0)) if isinstance(g, Tensor) else \
                np.asarray(np.broadcast_to(g, m.shape)[m].sum(), g.dtype)
            if self.vdtype is not None:
                gv = _bw.cast(gv, self.vdtype)
        return gx, gv


@op(inplace="dygrad.ops.masked:masked_fill_", inplace_function=False,
    backward=MaskedFillBackward0,
    summary="input with value where mask (broadcast to input) is True.",
    example="torch.tensor([1.0, 2.0, 3.0]), torch.tensor([True, False, True]), 0.0")
def masked_fill(input, mask, value):
    return _masked_fill(input, mask, value, False)


def masked_fill_(input, mask, value):
    # a fill: PyTorch lets it write into self-overlapping memory (an expanded tensor)
    return _inplace(input, _masked_fill(input, mask, value, True), True)


def _masked_fill(x, mask, value, inplace):
    m = _mask(mask, lambda dt: f"masked_fill_ only supports boolean masks, but got mask with dtype "
                               f"{_CNAMES.get(dt, dt)}")
    vt = isinstance(value, Tensor)
    if vt and value._data.ndim:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                           f"with {value._data.ndim} dimension(s).")
    d = x._data
    if vt and value._rg and d.dtype.kind not in "fV" and STATE.enabled and not inplace:
        # PyTorch refuses to record history on an integer/bool result (masked_fill_ into such a
        # tensor does record it, a PyTorch quirk the fuzzer does not generate)
        raise RuntimeError(f"Autograd not support dtype: {_NAMES.get(d.dtype, d.dtype)}")
    shape = broadcast_shape(m.shape, d.shape)
    v = checked_scalar(value._data[()] if vt else value, d.dtype)
    out = np.array(np.broadcast_to(d, shape))
    np.copyto(out, v, casting="unsafe", where=np.broadcast_to(m, shape))
    # a capture replays the fill (_fill_where) with the mask and a tensor value as operands
    t, node = _record(out, MaskedFillBackward0, x, value, _fill_where,
                      (x, mask, value if vt else v, shape))
    if node is not None:
        node.oshape, node.shape = shape, d.shape
        node.vdtype = value._data.dtype if vt and value._data.dtype != d.dtype else None
        node.save(mask)
    return t


def _fill_where(d, m, value, shape):
    """d broadcast to shape, with value (a checked scalar, or a 0-d array checked here) where m
    (broadcast) is True: masked_fill's replay kernel (the eager op computes it inline)."""
    if type(value) is np.ndarray:
        value = checked_scalar(value[()], d.dtype)
    out = np.array(np.broadcast_to(d, shape))
    np.copyto(out, value, casting="unsafe", where=np.broadcast_to(m, shape))
    return out


class MaskedSelectBackward0(Node):
    __slots__ = ("mask", "shape")

    def backward(self, g, *_):
        m = self.mask
        if isinstance(g, Tensor):
            return sum_to(flat_put(g, m.shape, np.flatnonzero(m)), self.shape)
        out = np.zeros(m.shape, g.dtype)
        out[m] = g
        return sum_to(out, self.shape)


@op(out=True, out_dtype="same", backward=MaskedSelectBackward0,
    summary="1-D tensor of input's elements where mask (broadcast with input) is True.",
    example="torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[True, False], [False, True]])")
def masked_select(input, mask):
    m = _mask(mask, lambda dt: "masked_select: expected BoolTensor for mask")
    d = input._data
    shape = broadcast_shape(m.shape, d.shape)
    mb = np.broadcast_to(m, shape)
    t, node = _record(np.broadcast_to(d, shape)[mb], MaskedSelectBackward0, input)
    if node is not None:
        node.mask, node.shape = mb, d.shape
        node.save(mask)
    return t


class MaskedScatterBackward0(Node):
    __slots__ = ("mask", "shape", "sshape", "count")

    def backward(self, g, *_):
        nf = self.next_functions
        m = self.mask
        gx = gs = None
        if nf[0][0] is not None:
            gx = sum_to(_bw.where(m, 0, g), self.shape)
        if nf[1][0] is not None:
            n = int(np.prod(self.sshape))
            sel = flat_take(g, np.flatnonzero(m))
            gs = _bw.reshape(flat_put(sel, (n,), np.arange(self.count)), self.sshape)
        return gx, gs


@op(inplace=True, inplace_function=False, backward=MaskedScatterBackward0,
    summary="input with source's leading elements written, in order, where mask is True.",
    example="torch.zeros(4), torch.tensor([True, False, True, True]), torch.tensor([1.0, 2.0, 3.0, 4.0])")
def masked_scatter(input, mask, source):
    m = _mask(mask, lambda dt: f"masked_scatter_ only supports boolean masks, but got mask with "
                               f"dtype {_NAMES.get(dt, dt)}")
    d, s = input._data, source._data
    if s.dtype != d.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{_NAMES[d.dtype]} and {_NAMES[s.dtype]}")
    shape = broadcast_shape(m.shape, d.shape)
    mb = np.broadcast_to(m, shape)
    count = int(np.count_nonzero(mb))
    if s.size < count:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    out = np.array(np.broadcast_to(d, shape))
    out[mb] = s.reshape(-1)[:count]
    t, node = _record(out, MaskedScatterBackward0, input, source)
    if node is not None:
        node.mask, node.shape, node.sshape, node.count = mb, d.shape, s.shape, count
        node.save(mask)
    return t


@op(out=True, out_dtype="same",
    summary="Indices of the nonzero elements: one row each (as_tuple=True: one tensor per dim).",
    example="torch.tensor([[1.0, 0.0], [0.0, 2.0]])")
def nonzero(input, *, as_tuple=False) -> "Tensor | tuple[Tensor, ...]":
    d = input._data
    if as_tuple:
        return tuple(_wrap(i.astype(np.int64, copy=False)) for i in np.nonzero(d.reshape(-1) if d.ndim == 0 else d))
    return _wrap(np.argwhere(d).astype(np.int64, copy=False))


@op(summary="Indices of the nonzero elements, one row each (nonzero(input)).",
    example="torch.tensor([[1.0, 0.0], [0.0, 2.0]])")
def argwhere(input):
    return nonzero(input)


class _UniqueBackward(_NotDifferentiable):
    __slots__ = ()

    def backward(self, g, *saved):
        raise NotImplementedError(f"the derivative for '{self._op}' is not implemented.")


def unique_values(arr, x, op):
    """unique's values, as PyTorch's: they require grad when x does, and backward refuses."""
    t, node = record1(arr, _UniqueBackward, x)
    if node is not None:
        node._op = op
    return t


def unique_dim(d, dim, op):
    """unique()'s and unique_consecutive()'s dim, wrapped, with their shared refusals: a 0-d
    input, or an empty dimension other than dim."""
    if d.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    from ._util import wrap_dim
    dim = wrap_dim(dim, d.ndim, op)
    if 0 in d.shape[:dim] + d.shape[dim + 1:]:
        raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique "
                           "cannot be applied")
    return dim


@op(summary="The distinct elements (or slices along dim), sorted; optionally the inverse indices "
            "and counts.",
    example="torch.tensor([3.0, 1.0, 3.0, 2.0])")
def unique(input, sorted=True, return_inverse=False, return_counts=False,
           dim=None) -> "Tensor | tuple[Tensor, ...]":
    d = input._data
    if dim is None:
        res = np.unique(d.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False)
        inv = res[1].reshape(d.shape)
    else:
        dim = unique_dim(d, dim, "unique")
        res = np.unique(d, return_inverse=True, return_counts=True, axis=dim)
        inv = res[1].reshape(-1)
    out = [unique_values(res[0], input, "_unique2" if dim is None else "unique_dim")]
    if return_inverse:
        out.append(_wrap(inv.astype(np.int64, copy=False)))
    if return_counts:
        out.append(_wrap(res[2].astype(np.int64, copy=False)))
    return out[0] if len(out) == 1 else tuple(out)


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


@_rule("onnx", "masked_fill")
def _onnx_masked_fill(g, c):
    x, mask = c["input"], c["mask"]
    m = g.value(mask)
    if mask._data.dtype != np.bool_:
        m = g.op("Cast", [m], to=9)
    return g.op("Where", [m, g.cast(c["value"], x), g.value(x)])
