"""Whole-slice index ops along one dim (index_select, index_add, index_fill, index_copy) and
flat-index ops (take, put), each with its gradient."""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, _inplace
from ..autograd.node import Node
from . import _bw
from ._flat import flat_put, flat_take
from ._record import record1
from ._registry import op
from ._util import checked_scalar, wrap_dim
from .scatter import _NAMES, _dt, _index, _nd1, _record, _shape1
from ..amp._state import STATE as _AC, cast as _autocast


def _index_vector(x, dim, index, op, int64_only=False, msg=None, vector_msg=None, err=RuntimeError,
                  vector_err=IndexError):
    idx = _index(index, op, int64_only, msg, err)
    if idx.ndim > 1:
        raise vector_err(vector_msg or f"{op}(): Index is supposed to be a vector")
    x1 = _nd1(x._data)
    dim = wrap_dim(dim, x1.ndim, op)
    return x1, idx.reshape(-1), dim


def _bounds(idx, n, dim, err=IndexError, low=None):
    low = -n if low is None else low
    if idx.size and (idx.min() < low or idx.max() >= n):
        bad = idx[(idx < low) | (idx >= n)].flat[0]
        raise err(f"index {bad} is out of bounds for dimension {dim} with size {n}")


# The nodes below read arrays that share the index tensor's memory: each saves that tensor, so
# changing it in place before backward raises (as PyTorch) instead of moving the gradient. Their
# backward takes the saved tensor as an argument it does not need (it holds the array already).
class IndexSelectBackward0(Node):
    __slots__ = ("shape", "dim", "idx")

    def backward(self, g, *_):
        if isinstance(g, Tensor):
            return index_add(_wrap(np.zeros(self.shape, g._data.dtype)), self.dim, _wrap(self.idx), g)
        s1 = _shape1(self.shape)
        z = np.zeros(s1, g.dtype)
        g1 = np.reshape(g, s1[:self.dim] + (self.idx.size,) + s1[self.dim + 1:])
        np.add.at(z, (slice(None),) * self.dim + (self.idx,), g1)
        return z.reshape(self.shape)


@op(out=True, out_dtype="same", backward=IndexSelectBackward0,
    summary="The slices of input at index (a vector) along dim.",
    example="torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), 1, torch.tensor([2, 0])")
def index_select(input, dim, index):
    x1, idx, dim = _index_vector(input, dim, index, "index_select",
                                 msg="index_select(): Expected dtype int32 or int64 for index")
    if input._data.ndim == 0 and idx.size != 1:
        raise RuntimeError(
            f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
    n = x1.shape[dim]
    if idx.size and not n and x1.ndim > 1:
        raise RuntimeError("index_select(): self indexing axis dim should be positive")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    out = np.take(x1, idx, axis=dim)
    t, node = _record(out.reshape(()) if input._data.ndim == 0 else out, IndexSelectBackward0, input)
    if node is not None:
        node.shape, node.dim, node.idx = input._data.shape, dim, idx
        node.save(index)
    return t


class IndexAddBackward0(Node):
    __slots__ = ("dim", "idx", "alpha")

    def backward(self, g, *_):
        gs = None
        if self.next_functions[1][0] is not None:
            gs = index_select(g, self.dim, _wrap(self.idx)) if isinstance(g, Tensor) else \
                np.take(_nd1(g), self.idx, axis=self.dim)
            if self.alpha != 1:
                gs = gs * self.alpha
        return g, gs


def _check_source(x1, s1, dim, idx, op):
    if s1.ndim != x1.ndim or any(a != b for k, (a, b) in enumerate(zip(x1.shape, s1.shape)) if k != dim):
        raise RuntimeError(
            f"source tensor shape must match self tensor shape, excluding the specified dimension. "
            f"Got self.shape = {list(x1.shape)} source.shape = {list(s1.shape)}")
    if s1.shape[dim] != idx.size:
        raise RuntimeError(f"{op}(): Number of indices ({idx.size}) should be equal to "
                           f"source.size(dim): ({s1.shape[dim]}), for dim: {dim}")


@op(out=True, out_dtype="same", inplace=True, inplace_function=False,
    backward=IndexAddBackward0,
    summary="input with alpha * source's slices added at index (a vector) along dim.",
    example="torch.zeros(3, 2), 0, torch.tensor([0, 2, 0]), torch.ones(3, 2)")
def index_add(input, dim, index, source, *, alpha=1):
    idx = index._data if isinstance(index, Tensor) else np.empty(0)
    x1, idx, dim = _index_vector(
        input, dim, index, "index_add",
        msg=f"index_add_(): Expected dtype int32/int64 for index but got: {_NAMES.get(idx.dtype)}",
        vector_msg=f"index_add_(): Index is supposed to be a vector, but got dim: {idx.ndim} with "
                   f"type: {_NAMES.get(idx.dtype)} and size: {list(idx.shape)}")
    s1 = _nd1(source._data)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_add_(): self ({_NAMES[input._data.dtype]}) and source "
                           f"({_NAMES[source._data.dtype]}) must have the same scalar type")
    if (input._data.ndim == 0) != (source._data.ndim == 0):  # a 0-d self takes only a 0-d source
        raise RuntimeError(
            f"source tensor shape must match self tensor shape, excluding the specified dimension. "
            f"Got self.shape = {list(input._data.shape)} source.shape = {list(source._data.shape)}")
    _check_source(x1, s1, dim, idx, "index_add_")
    out = x1.copy()
    if alpha != 1:  # alpha in the tensor's dtype, checked (PyTorch: 0.5 -> 0 for integers)
        alpha = _dtype.checked_value(x1.dtype, alpha)
    if input._data.ndim <= 1:  # PyTorch's 0-d/1-d kernel checks every index, with this message
        if idx.size and (idx.min() < 0 or idx.max() >= x1.shape[0]):
            raise IndexError("index out of range in self")
    if x1.size:  # its n-d kernel checks no index when self is empty
        _bounds(idx, x1.shape[dim], dim, RuntimeError, low=0)
        np.add.at(out, (slice(None),) * dim + (idx,), s1 * alpha if alpha != 1 else s1)
    t, node = _record(out.reshape(input._data.shape), IndexAddBackward0, input, source)
    if node is not None:
        node.dim, node.idx, node.alpha = dim, idx, alpha
        if node.next_functions[1][0] is not None:  # self's gradient needs no index (PyTorch's check)
            node.save(index)
    return t


class IndexFillBackward0(Node):
    __slots__ = ("mask", "vdtype")

    def backward(self, g, *_):
        nf = self.next_functions
        m = _bw.const(self.mask.astype(_dt(g)), g)
        gx = g * (1 - m) if nf[0][0] is not None else None
        gv = None
        if len(nf) > 1 and nf[1][0] is not None:
            gv = _bw.sum(g * m)
            if self.vdtype is not None:
                gv = _bw.cast(gv, self.vdtype)
        return gx, gv


def _slice_mask(x1, dim, idx, shape):
    m = np.zeros(x1.shape, bool)
    m[(slice(None),) * dim + (idx,)] = True
    return m.reshape(shape)


@op(inplace="dygrad.ops.index_ops:index_fill_", inplace_function=False,
    backward=IndexFillBackward0,
    summary="input with its slices at index (a vector) along dim set to value.",
    example="torch.zeros(2, 3), 1, torch.tensor([0, 2]), -1.0")
def index_fill(input, dim, index, value):
    x1, idx, dim = _index_vector(input, dim, index, "index_fill", int64_only=True,
                                 msg="index_fill_(): Expected dtype int64 for index.", err=IndexError,
                                 vector_msg="Index has to be a vector/scalar", vector_err=RuntimeError)
    vt = isinstance(value, Tensor)
    if vt and value._data.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor "
                           f"with {value._data.ndim} dimension(s).")
    if x1.size or 0 not in x1.shape[:dim] + x1.shape[dim + 1:]:  # no check when slices are empty
        # (an index into an empty dim: PyTorch fails in a RuntimeError)
        _bounds(idx, x1.shape[dim], dim, IndexError if x1.shape[dim] else RuntimeError)
    else:
        idx = idx[:0]
    out = x1.copy()
    out[(slice(None),) * dim + (idx,)] = checked_scalar(value._data[()] if vt else value, out.dtype)
    t, node = _record(out.reshape(input._data.shape), IndexFillBackward0, input, value)
    if node is not None:
        node.mask = _slice_mask(x1, dim, idx, input._data.shape)
        node.vdtype = value._data.dtype if vt and value._data.dtype != out.dtype else None
        node.save(index)
    return t


def index_fill_(input, dim, index, value):
    # a fill: PyTorch lets it write into self-overlapping memory (an expanded tensor)
    return _inplace(input, index_fill(input, dim, index, value), True)


class IndexCopyBackward0(Node):
    __slots__ = ("mask", "dim", "idx")

    def backward(self, g, *_):
        nf = self.next_functions
        gx = gs = None
        if nf[0][0] is not None:
            gx = g * _bw.const(~self.mask, g) if isinstance(g, Tensor) else np.where(self.mask, 0, g).astype(g.dtype)
        if nf[1][0] is not None:
            gs = index_select(g, self.dim, _wrap(self.idx)) if isinstance(g, Tensor) else \
                np.take(_nd1(g), self.idx, axis=self.dim)
        return gx, gs


@op(out=True, out_dtype="same", inplace=True, inplace_function=False,
    backward=IndexCopyBackward0,
    summary="input with its slices at index (a vector) along dim replaced by source's.",
    example="torch.zeros(3, 2), 0, torch.tensor([2, 0]), torch.tensor([[1.0, 2.0], [3.0, 4.0]])")
def index_copy(input, dim, index, source):
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, source = _autocast('index_copy', input, source)
    x1, idx, dim = _index_vector(input, dim, index, "index_copy", int64_only=True,
                                 msg=f"index_copy_(): Expected a long tensor for index, but got "
                                 f"{_NAMES.get(getattr(index, '_data', np.empty(0)).dtype, '?')}",
                                 vector_msg=f"index_copy_(): Index should have dimension 1 or 0 "
                                 f"(got {getattr(index, '_data', np.empty(0)).ndim})")
    s1 = _nd1(source._data)
    if input._data.ndim and source._data.ndim and input._data.ndim != source._data.ndim:
        raise IndexError(f"index_copy_(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality "
                         f"({source._data.ndim}), destination dimensionality ({input._data.ndim})")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got "
                           f"(self) {_NAMES[input._data.dtype]} and (source) {_NAMES[source._data.dtype]}")
    if s1.ndim == x1.ndim and s1.shape[dim] != idx.size:
        raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to "
                         f"source.size(dim) ({s1.shape[dim]})")
    for k in range(x1.ndim):
        if k != dim and (s1.ndim != x1.ndim or s1.shape[k] != x1.shape[k]):
            raise RuntimeError(
                f"index_copy_(): Source/destination tensor must have same slice shapes. Destination "
                f"slice shape: {x1.shape[k]} at dimension {k} and source slice shape: "
                f"{s1.shape[k] if k < s1.ndim else None} at dimension {k}.")
    n = x1.shape[dim]
    skip = not x1.size and 0 in x1.shape[:dim] + x1.shape[dim + 1:]  # empty slices: no check
    if not skip and idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].flat[0]
        raise (IndexError if n else RuntimeError)(
            f"index_copy_(): index {bad} is out of bounds for dimension {dim} with size {n}")
    out = x1.copy()
    if not skip:
        out[(slice(None),) * dim + (idx,)] = s1
    t, node = _record(out.reshape(input._data.shape), IndexCopyBackward0, input, source)
    if node is not None:
        node.mask = _slice_mask(x1, dim, idx[:0] if skip else idx, input._data.shape)
        node.dim, node.idx = dim, idx
        node.save(index)
    return t


# ---------------------------------------------------------------------------------------------
# take / put: indices into the flattened tensor
def _flat_index(x, index, op):
    idx = _index(index, op, int64_only=True,
                 msg=f"{op}(): Expected a long tensor for index, but got "
                 f"{_NAMES.get(getattr(index, '_data', np.empty(0)).dtype, '?')}")
    n = x._data.size
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)].flat[0]
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return np.where(idx < 0, idx + n, idx)


class TakeBackward0(Node):
    __slots__ = ("shape", "idx")

    def backward(self, g, *_):
        return flat_put(g, self.shape, self.idx)


@op(out=True, out_dtype="same", backward=TakeBackward0,
    summary="The elements at index (into the flattened input), in index's shape.",
    example="torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[3, 0], [-1, 1]])")
def take(input, index):
    idx = _flat_index(input, index, "take")
    t, node = record1(input._data.reshape(-1)[idx.reshape(-1)].reshape(idx.shape), TakeBackward0,
                      input)
    if node is not None:
        node.shape, node.idx = input._data.shape, idx
        node.save(index)
    return t


class PutBackward0(Node):
    __slots__ = ("idx", "sshape", "accumulate")

    def backward(self, g, *_):
        nf = self.next_functions
        gx = gs = None
        if nf[0][0] is not None:
            if self.accumulate:
                gx = g
            else:
                keep = np.ones(tuple(g.shape), bool)
                keep.reshape(-1)[self.idx] = False
                gx = g * _bw.const(keep, g) if isinstance(g, Tensor) else np.where(keep, g, 0).astype(g.dtype)
        if nf[1][0] is not None:
            gs = _bw.reshape(flat_take(g, self.idx), self.sshape)
        return gx, gs


@op(inplace=True, inplace_function=False, backward=PutBackward0,
    summary="input with source written (or added, accumulate=True) at index into its flattened view.",
    example="torch.zeros(2, 2), torch.tensor([3, 0]), torch.tensor([1.0, 2.0])")
def put(input, index, source, accumulate=False):
    idx = _flat_index(input, index, "put_")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_NAMES[input._data.dtype]} and source.dtype = "
                           f"{_NAMES[source._data.dtype]}")
    if source._data.size != idx.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, "
                         f"but got source.numel() = {source._data.size}, index.numel() = {idx.size}")
    out = input._data.copy()
    flat = out.reshape(-1)
    if accumulate:
        np.add.at(flat, idx.reshape(-1), source._data.reshape(-1))
    else:
        flat[idx.reshape(-1)] = source._data.reshape(-1)
    t, node = _record(out, PutBackward0, input, source)
    if node is not None:
        node.idx, node.sshape, node.accumulate = idx, source._data.shape, accumulate
        node.save(index)
    return t
