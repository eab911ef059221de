"""Rearrangements that copy: repeat, tile, flip, roll, tril/triu, diag, and sum_to_size."""
import numpy as np

from .._tensor import Tensor, _inplace
from ..autograd.node import Node, sum_to
from . import _bw
from ._util import dim_list, wrap_dim, size_args, record, int_arg, int_tuple
from ._registry import op


class RepeatBackward0(Node):
    __slots__ = ("shape", "reps", "in_shape")

    def backward(self, g):
        # view the result as (r0, s0, r1, s1, ...) and sum over the repeat axes
        inter = []
        for r, s in zip(self.reps, self.shape):
            inter += [r, s]
        g = _bw.sum(_bw.reshape(g, tuple(inter)), axis=tuple(range(0, len(inter), 2)))
        return _bw.reshape(g, self.in_shape) if len(self.shape) != len(self.in_shape) else g


# torch has no torch.repeat function: only the method, with PyTorch's varargs sizes
@op(function=False, namespaces=(), backward=RepeatBackward0,
    summary="Repeats the tensor along each dim (sizes: one count per dim, leading new dims allowed).",
    example="torch.tensor([1.0, 2.0]), 2, 2")
def repeat(input, *repeats):
    reps = size_args(repeats)
    d = input._data
    if len(reps) < d.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    padded = (1,) * (len(reps) - d.ndim) + d.shape
    if min(reps, default=0) < 0:
        shape = [s * r for s, r in zip(padded, reps)]
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {shape}")
    t, node = record(_tile(d, reps), RepeatBackward0, (input,), replay=_tile, args=(input, reps),
                     name="repeat")
    if node is not None:
        node.shape, node.reps, node.in_shape = padded, reps, d.shape
    return t


def _tile(d, reps):
    """repeat's array (its replay kernel too)."""
    return np.tile(d, reps) if reps else d.copy()


# x.tile(2, 2) and x.tile((2, 2)) beside torch.tile(input, dims): the function's sequence
# arrives as the varargs' items (function_params)
@op(function_params={"dims": "dims"},
    summary="Repeats the tensor along each dim (dims: counts, ones prepended to fit the input).",
    example="torch.tensor([1.0, 2.0]), (2,)")
def tile(input, *dims):
    dims = size_args(dims)
    nd = input._data.ndim
    if len(dims) < nd:
        dims = (1,) * (nd - len(dims)) + dims
    return repeat(input, dims)


class FlipBackward0(Node):
    __slots__ = ("dims",)

    def backward(self, g):
        return flip(g, self.dims) if isinstance(g, Tensor) else np.flip(g, self.dims)


# x.flip(0, 1) and x.flip((0, 1)) beside torch.flip(input, dims) (function_params, as tile)
@op(function_params={"dims": "dims"}, backward=FlipBackward0,
    summary="Reverses the order of elements along the given dims (a copy).",
    example="torch.tensor([[1.0, 2.0], [3.0, 4.0]]), (0,)")
def flip(input, *dims):
    dims = int_tuple(dims[0] if len(dims) == 1 and not isinstance(dims[0], (int, np.integer))
                     else dims, "flip", "dims", 1)
    d = input._data
    dims = dim_list(dims, d.ndim, "flip") if d.ndim else ()
    # PyTorch's flip writes into empty_like(input): the result keeps the input's dimension order
    # (a flip of a transposed tensor is not contiguous), which NumPy's 'K' order reproduces;
    # PyTorch leaves broadcast (stride-0) dimensions in place, hence 'C' for those
    res = np.flip(d, dims).copy(order="C" if 0 in d.strides else "K")
    t, node = record(res, FlipBackward0, (input,))
    if node is not None:
        node.dims = dims
    return t


def _flip_one(name, dim, what):
    """fliplr/flipud: flip of one dim, for an input that has it."""
    def flip_one(input):
        if input._data.ndim <= dim:
            raise RuntimeError(f"Input must be >= {dim + 1}-d.")
        return flip(input, (dim,))
    flip_one.__name__ = flip_one.__qualname__ = name
    return op(summary=f"Reverses dim {dim} ({what}) of an input of at least {dim + 1} dim"
                      f"{'s' if dim else ''}.",
              example="torch.tensor([[1.0, 2.0], [3.0, 4.0]])")(flip_one)


fliplr = _flip_one("fliplr", 1, "left/right")
flipud = _flip_one("flipud", 0, "up/down")


class RollBackward0(Node):
    __slots__ = ("shifts", "dims")

    def backward(self, g):
        back = tuple(-s for s in self.shifts)
        if self.dims is None:
            back = back[0]
        if isinstance(g, Tensor):
            return roll(g, back, self.dims)
        return np.roll(g, back, self.dims)


@op(backward=RollBackward0,
    summary="Shifts elements circularly along dims (of the flattened input without dims).",
    example="torch.tensor([1.0, 2.0, 3.0, 4.0]), 1")
def roll(input, shifts, dims=None):
    shifts = int_tuple(shifts, "roll", "shifts", 2)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if dims is not None:
        dims = int_tuple(dims, "roll", "dims", 3) or None  # empty dims: the flattened roll, as PyTorch
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
    else:
        if len(shifts) != len(dims):
            raise RuntimeError(
                f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
        if not input._data.ndim:
            raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
        if input._data.size == 0:  # PyTorch returns an empty input before looking at dims
            dims = None
            shifts = shifts[:1]
        else:
            dims = tuple(wrap_dim(d, input._data.ndim, "roll") for d in dims)
    res = np.roll(input._data, shifts[0] if dims is None else shifts, dims)
    t, node = record(res, RollBackward0, (input,))
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
    k = int_arg(k, op, "diagonal", 2)
    if x._data.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions")
    t, node = record(npfn(x._data, k), node_cls, (x,))
    if node is not None:
        node.k = k
    return t


def _declare_tri(name, npfn, node_cls, which):
    """tril/triu: one triangle of the last two dims."""
    def tri(input, diagonal=0):
        return _tri(input, diagonal, npfn, node_cls, name)
    tri.__name__ = tri.__qualname__ = name
    return op(inplace=f"dygrad.ops.rearrange:{name}_", inplace_function=False, out=True,
              out_dtype="same", backward=node_cls,
              summary=f"The {which} of the last two dims; zeros elsewhere.",
              example="torch.tensor([[1.0, 2.0], [3.0, 4.0]])")(tri)


tril = _declare_tri("tril", np.tril, TrilBackward0, "lower triangle (on and below diagonal)")
triu = _declare_tri("triu", np.triu, TriuBackward0, "upper triangle (on and above diagonal)")


# PyTorch's tril_/triu_ write into self-overlapping (expanded) memory too, hence overlap_ok
def tril_(input, diagonal=0):
    return _inplace(input, tril(input, diagonal), True)


def triu_(input, diagonal=0):
    return _inplace(input, triu(input, diagonal), True)


@op(out=True, out_dtype="same",
    summary="A 1-D input's diagonal matrix, or a 2-D input's diagonal (offset diagonal).",
    example="torch.tensor([1.0, 2.0])")
def diag(input, diagonal=0):
    from .slicing import diagonal as _diagonal
    d = input._data
    k = int_arg(diagonal, "diag", "diagonal", 2)
    if d.ndim == 2:
        from .elementwise import clone
        return clone(_diagonal(input, k))
    if d.ndim != 1:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {d.ndim}D")
    from .bucketing import diag_embed  # a vector's diag matrix is its diag_embed, as PyTorch
    return diag_embed(input, k, 0, 1)


@op(function=False, namespaces=(), summary="Sums to the given size (a size the input is expandable to).",
    example="torch.tensor([[1.0, 2.0], [3.0, 4.0]]), 1, 2")
def sum_to_size(input, *size):
    size = size_args(size)
    shape = input._data.shape
    lead = len(shape) - len(size)
    if lead < 0 or any(s != 1 and s != shape[lead + i] for i, s in enumerate(size)):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    if size == shape:
        return input
    return sum_to(input, size)

