"""Rearrangements that copy: repeat, tile, flip, roll, tril/triu, diag, and sum_to_size."""
import numpy as np

from .._tensor import Tensor
from ..autograd.node import Node, sum_to
from . import _bw
from ._util import dim_list, wrap_dim, size_args, record


class RepeatBackward0(Node):
    __slots__ = ("shape", "reps", "in_shape")

    def backward(self, g):
        # view the result as (r0, s0, r1, s1, ...) and sum over the repeat axes
        inter = []
        for r, s in zip(self.reps, self.shape):
            inter += [r, s]
        g = _bw.sum(_bw.reshape(g, tuple(inter)), axis=tuple(range(0, len(inter), 2)))
        return _bw.reshape(g, self.in_shape) if len(self.shape) != len(self.in_shape) else g


def repeat(x, *sizes):
    reps = size_args(sizes)
    d = x._data
    if len(reps) < d.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    padded = (1,) * (len(reps) - d.ndim) + d.shape
    if min(reps, default=0) < 0:
        shape = [s * r for s, r in zip(padded, reps)]
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {shape}")
    t, node = record(np.tile(d, reps) if reps else d.copy(), RepeatBackward0, (x,))
    if node is not None:
        node.shape, node.reps, node.in_shape = padded, reps, d.shape
    return t


def tile(x, dims):
    dims = size_args((dims,))
    nd = x._data.ndim
    if len(dims) < nd:
        dims = (1,) * (nd - len(dims)) + dims
    return repeat(x, dims)


class FlipBackward0(Node):
    __slots__ = ("dims",)

    def backward(self, g):
        return flip(g, self.dims) if isinstance(g, Tensor) else np.flip(g, self.dims)


def flip(x, *dims):
    if len(dims) == 1 and not isinstance(dims[0], (int, np.integer)):
        dims = dims[0]
    dims = dim_list(dims, x._data.ndim, "flip") if x._data.ndim else ()
    # PyTorch's flip writes into empty_like(x): the result keeps x's dimension order (a flip of
    # a transposed tensor is not contiguous), which NumPy's 'K' order reproduces; PyTorch leaves
    # broadcast (stride-0) dimensions in place, hence 'C' for those
    d = x._data
    t, node = record(np.flip(d, dims).copy(order="C" if 0 in d.strides else "K"), FlipBackward0, (x,))
    if node is not None:
        node.dims = dims
    return t


def fliplr(x):
    if x._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(x, (1,))


def flipud(x):
    if x._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(x, (0,))


class RollBackward0(Node):
    __slots__ = ("shifts", "dims")

    def backward(self, g):
        back = tuple(-s for s in self.shifts)
        if self.dims is None:
            back = back[0]
        if isinstance(g, Tensor):
            return roll(g, back, self.dims)
        return np.roll(g, back, self.dims)


def roll(x, shifts, dims=None):
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(int(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
    else:
        dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
        if not shifts:
            raise RuntimeError("`shifts` required")
        if len(shifts) != len(dims):
            raise RuntimeError(
                f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
        if not x._data.ndim:
            raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
        if x._data.size == 0:  # PyTorch returns an empty input before looking at dims
            dims = None
            shifts = shifts[:1]
        else:
            dims = tuple(wrap_dim(int(d), x._data.ndim, "roll") for d in dims)
    t, node = record(np.roll(x._data, shifts[0] if dims is None else shifts, dims), RollBackward0, (x,))
    if node is not None:
        node.shifts, node.dims = shifts, dims
    return t


class TrilBackward0(Node):
    __slots__ = ("k",)

    def backward(self, g):
        return tril(g, self.k) if isinstance(g, Tensor) else np.tril(g, self.k)


class TriuBackward0(Node):
    __slots__ = ("k",)

    def backward(self, g):
        return triu(g, self.k) if isinstance(g, Tensor) else np.triu(g, self.k)


def _tri(x, k, npfn, node_cls, op):
    if x._data.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions")
    t, node = record(npfn(x._data, int(k)), node_cls, (x,))
    if node is not None:
        node.k = int(k)
    return t


def tril(x, diagonal=0):
    return _tri(x, diagonal, np.tril, TrilBackward0, "tril")


def triu(x, diagonal=0):
    return _tri(x, diagonal, np.triu, TriuBackward0, "triu")


def diag(x, diagonal=0):
    from .slicing import diagonal as _diagonal
    d = x._data
    k = int(diagonal)
    if d.ndim == 2:
        from .elementwise import clone
        return clone(_diagonal(x, k))
    if d.ndim != 1:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {d.ndim}D")
    from .bucketing import diag_embed  # a vector's diag matrix is its diag_embed, as PyTorch
    return diag_embed(x, k, 0, 1)


def sum_to_size(x, *size):
    size = size_args(size)
    shape = x._data.shape
    lead = len(shape) - len(size)
    if lead < 0 or any(s != 1 and s != shape[lead + i] for i, s in enumerate(size)):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    if size == shape:
        return x
    return sum_to(x, size)

