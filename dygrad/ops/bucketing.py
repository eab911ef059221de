"""Searching and counting: searchsorted, bucketize, histc, bincount; heaviside and diag_embed.

searchsorted runs PyTorch's binary search itself (vectorised over all values) rather than
np.searchsorted, so NaNs land where PyTorch puts them. histc bins with PyTorch's arithmetic in
the input's dtype.
"""
import numpy as np

from .. import _dtype
from .._convert import not_implemented, type_name
from .._tensor import Tensor, _wrap
from ..autograd.node import Node
from ._util import wrap_dim
from ._record import record, record1
from ._registry import op

__all__ = ["searchsorted", "bucketize", "histc", "bincount", "heaviside", "diag_embed"]



class _NotDifferentiable(Node):
    """PyTorch's "NotImplemented" grad_fn: the result requires grad, backward refuses."""

    __slots__ = ("_op",)

    def name(self):
        return "torch::autograd::NotImplemented"

    def backward(self, g, *saved):
        raise RuntimeError(f"the derivative for '{self._op}' is not implemented.")


_NotDifferentiable.__name__ = _NotDifferentiable.__qualname__ = "NotImplemented"


def _no_grad_result(arr, op, inputs):
    t, node = record(arr, _NotDifferentiable, inputs, float_out=True)
    if node is not None:
        node._op = op
    return t


def _binary_search(bd, vals, right):
    """First index i (per row) with bd[i] > val (right) or bd[i] >= val (left), written as
    PyTorch's loop: comparisons with NaN are false, so NaN values go to the end."""
    n = bd.shape[-1]
    if n == 0 or vals.size == 0:
        return np.zeros(vals.shape, np.int64)
    lo = np.zeros(vals.shape, np.int64)
    hi = np.full(vals.shape, n, np.int64)
    rows = bd.reshape(-1, n)
    flat_vals = vals.reshape(rows.shape[0], -1) if bd.ndim > 1 else vals.reshape(1, -1)
    lo = lo.reshape(flat_vals.shape)
    hi = hi.reshape(flat_vals.shape)
    while True:
        active = lo < hi
        if not active.any():
            break
        mid = lo + ((hi - lo) >> 1)
        mv = np.take_along_axis(rows, np.minimum(mid, n - 1), axis=1)
        go_right = ~(mv > flat_vals) if right else ~(mv >= flat_vals)
        lo = np.where(active & go_right, mid + 1, lo)
        hi = np.where(active & ~go_right, mid, hi)
    return lo.reshape(vals.shape)


@op(out_dtype="same", method=False, out=True, summary="Indices where values would be inserted into the innermost "
    "dim of sorted_sequence to keep it sorted.",
    example="torch.tensor([1.0, 3.0, 5.0]), torch.tensor([3.0, 6.0])")
def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """Indices where `values` would be inserted into the innermost dim of `sorted_sequence` to
    keep it sorted (left: first position; right / side='right': after equal entries)."""
    op = "torch.searchsorted()"
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"{op}: side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError(f"{op}: side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    bd = sorted_sequence._data
    if bd.ndim == 0:
        raise RuntimeError(f"{op}: boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    scalar = not isinstance(values, Tensor)
    vd = np.asarray(values) if scalar else values._data
    if bd.ndim > 1 and (vd.ndim != bd.ndim or vd.shape[:-1] != bd.shape[:-1]):
        raise RuntimeError(
            f"{op}: boundaries tensor should be 1 dimension or the first N-1 dimensions of "
            f"boundaries tensor and input value tensor must match, but we got boundaries tensor "
            f"{list(bd.shape)} and input value tensor {list(vd.shape)}")
    if sorter is not None:
        if sorter._data.dtype != np.int64:
            from ._reduce_util import scalar_type_name
            raise RuntimeError(f"{op}: sorter must be a tensor of long dtype but got dtype "
                               f"{scalar_type_name(sorter._data.dtype)}")
        if sorter._data.shape != bd.shape:
            raise RuntimeError(f"{op}: boundary and sorter must have the same size, but got "
                               f"boundary tensor {list(bd.shape)} and got sorter tensor "
                               f"{list(sorter._data.shape)}")
        sd = sorter._data
        if sd.size and (sd.min() < 0 or sd.max() >= bd.shape[-1]):
            raise RuntimeError(f"{op}: sorter index out of range")
        bd = np.take_along_axis(bd, sd, axis=-1)
    common = _dtype._promote_np(bd.dtype, _dtype.scalar_np_dtype(values) if scalar else vd.dtype)
    if common.kind == "b" and vd.size:  # (no kernel runs for no values)
        raise NotImplementedError("\"searchsorted_out_cpu\" not implemented for 'Bool'")
    idx = _binary_search(bd.astype(common, copy=False), vd.astype(common, copy=False), right)
    return _wrap(idx.astype(np.int32 if out_int32 else np.int64))


@op(out_dtype="same", method=False, out=True, summary="Bucket index of each input value among the 1-D boundaries.",
    example="torch.tensor([0.5, 3.0, 9.0]), torch.tensor([1.0, 3.0, 5.0])")
def bucketize(input, boundaries, *, out_int32=False, right=False):
    """Bucket index of each input value among 1-d `boundaries` (right=True: b[i-1] <= x < b[i])."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


@op(out_dtype="same", out=True, summary="Histogram of the values in bins equal-width bins over [min, max] (the "
    "data's range when both are 0).",
    example="torch.tensor([1.0, 2.0, 1.0, 4.0]), 4, 0, 4")
def histc(input, bins=100, min=0, max=0):
    """Histogram of input's values in `bins` equal-width bins over [min, max] (the data's range
    when both are 0); values outside are ignored. Same dtype as input."""
    d = input._data
    if d.dtype.kind not in "fV":
        not_implemented("histogram_cpu", d.dtype)
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if min > max:
        raise RuntimeError("torch.histc: max must be larger than min")
    t = d.dtype.type
    flat = d.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and flat.size:
        lo, hi = float(flat.min()), float(flat.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo:g}, {hi:g}] is not finite")
    left, right = t(lo), t(hi)
    inside = flat[(flat >= left) & (flat <= right)]
    with np.errstate(all="ignore"):  # half products can overflow, as in PyTorch
        scaled = ((inside - left) * t(bins) / (right - left)).astype(np.float64)
    pos = np.where(np.isfinite(scaled), scaled, 0).astype(np.int64)
    pos = np.clip(pos, 0, bins - 1)  # the right edge belongs to the last bin
    res = np.bincount(pos, minlength=bins).astype(d.dtype)
    return _wrap(res)  # not differentiable, and PyTorch records nothing


@op(summary="Counts of each value of a 1-D non-negative integer tensor (or the sums of weights).",
    example="torch.tensor([0, 1, 1, 3])")
def bincount(input, weights=None, minlength=0):
    """Counts of each value of a 1-d non-negative integer tensor (summed weights when given:
    float32 weights give float32, others float64)."""
    d = input._data
    if d.dtype.kind not in "iu":
        not_implemented("bincount_cpu", d.dtype)
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if d.ndim != 1 or (d.size and d.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return _wrap(np.bincount(d, minlength=minlength).astype(np.int64))
    w = weights._data
    if w.ndim != 1 or w.shape[0] != d.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out_dt = np.float32 if w.dtype == np.float32 else np.float64
    res = np.bincount(d, weights=w.astype(np.float64), minlength=minlength).astype(out_dt)
    return _no_grad_result(res, "bincount", (weights,))


@op(out_dtype="same", out=True, inplace=True, inplace_function=False,
    summary="Heaviside step: 0 where input < 0, values where input == 0, 1 where input > 0.",
    example="torch.tensor([-1.0, 0.0, 2.0]), torch.tensor([0.5])")
def heaviside(input, values):
    """0 where input < 0, `values` where input == 0, 1 where input > 0 (NaN stays NaN)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"heaviside(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside(): argument 'values' (position 2) must be Tensor, not "
                        f"{type_name(values)}")
    a, v = input._data, values._data
    if a.dtype != v.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    zero = a.dtype.type(0)
    res = np.asarray(np.where(a == zero, v, (a > zero).astype(a.dtype)), dtype=a.dtype)
    return _no_grad_result(res, "heaviside", (input, values))


class DiagEmbedBackward0(Node):
    __slots__ = ("_args",)

    def backward(self, g, *saved):
        offset, d1, d2 = self._args
        if isinstance(g, Tensor):
            return g.diagonal(offset, d1, d2)
        return np.diagonal(g, offset, d1, d2).copy()


@op(backward=DiagEmbedBackward0, summary="A tensor whose diagonals over (dim1, dim2), at offset, "
    "hold input's last dim.", example="torch.tensor([1.0, 2.0])")
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose diagonals over (dim1, dim2), at `offset`, hold input's last dim."""
    d = input._data
    nd = d.ndim + 1
    d1, d2 = wrap_dim(dim1, nd, "diag_embed"), wrap_dim(dim2, nd, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = d.shape[-1]
    m = n + abs(offset)
    shape = list(d.shape[:-1])
    for pos in sorted((d1, d2)):
        shape.insert(pos, m)
    res = np.zeros(shape, d.dtype)
    view = np.moveaxis(res, (d1, d2), (-2, -1))
    i = np.arange(n)
    if offset >= 0:
        view[..., i, i + offset] = d
    else:
        view[..., i - offset, i] = d
    t, node = record1(res, DiagEmbedBackward0, input)
    if node is not None:
        node._args = (offset, d1, d2)
    return t
