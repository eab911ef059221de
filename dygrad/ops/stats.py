"""Order statistics: quantile/nanquantile, nanmedian, mode, kthvalue, msort.

Quantiles are built from differentiable pieces (sort, gather, lerp), so their gradient follows
the interpolation weights as in PyTorch; the others route the gradient to the chosen index.
"""
import numpy as np

from .._tensor import Tensor, _wrap
from . import return_types
from ._registry import op
from ._reduce_util import named_nodes, one_dim
from .sort_ops import (sort, _k_in_range, _pick_result, _median, _scalar_pick, MedianBackward0,
                       MedianBackward1, SortBackward0)
from ..amp._state import STATE as _AC, cast as _autocast

_I64 = np.dtype(np.int64)
_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _q_array(q, x):
    if isinstance(q, Tensor):
        if q._data.dtype != x._data.dtype:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        if q.dim() > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
        return q._data.astype(np.float64), q.dim() == 0
    if isinstance(q, (list, tuple)):
        return np.asarray(q, np.float64), False
    return np.asarray(float(q), np.float64), True


def _quantile(x, q, dim, keepdim, interpolation, ignore_nan, op):
    d = x._data
    if d.dtype.kind not in "fV":
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype")
    if d.size == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    if interpolation not in _MODES:
        raise RuntimeError(f"{op}() interpolation must be one of linear, lower, higher, midpoint or "
                           f"nearest, but got {interpolation}")
    qs, scalar_q = _q_array(q, x)
    if ((qs < 0) | (qs > 1)).any():
        raise RuntimeError(f"{op}() q must be in the range [0, 1] but got {qs.reshape(-1)[((qs < 0) | (qs > 1)).reshape(-1)][0]}")
    ndim = d.ndim
    if dim is None:
        src, ax = x.reshape(-1), 0
    else:
        ax = one_dim(dim, d.shape, op)
        src = x if ndim else x.reshape(1)
    xs = sort(src, ax).values.movedim(ax, -1)  # NaN sorts last
    sd = xs._data
    n = sd.shape[-1]
    nan = np.isnan(sd)
    k = (n - nan.sum(-1, keepdims=True)) if ignore_nan else np.full(sd.shape[:-1] + (1,), n)
    pos = qs.reshape(-1) * (k - 1).astype(np.float64)  # (..., nq)
    lo, hi = np.floor(pos), np.ceil(pos)
    w = pos - lo
    if interpolation == "lower":
        hi, w = lo, w * 0
    elif interpolation == "higher":
        lo, w = hi, w * 0
    elif interpolation == "nearest":
        lo = hi = np.round(pos)
        w = w * 0
    elif interpolation == "midpoint":
        w = np.where(hi > lo, 0.5, 0.0)
    # a slice with NaN (quantile) or only NaN (nanquantile) picks a NaN, so its result is NaN
    # and its gradient goes to that element, as in PyTorch
    bad = (k == 0) if ignore_nan else nan.any(-1, keepdims=True)
    if bad.any():
        pick = 0 if ignore_nan else n - 1
        lo, hi, w = np.where(bad, pick, lo), np.where(bad, pick, hi), np.where(bad, 0.0, w)
    lo = np.clip(lo, 0, n - 1).astype(_I64)
    hi = np.clip(hi, 0, n - 1).astype(_I64)
    vlo, vhi = xs.gather(-1, _wrap(lo)), xs.gather(-1, _wrap(hi))
    out = vlo + (vhi - vlo) * _wrap(w.astype(sd.dtype))
    out = out.movedim(-1, 0)  # (nq, reduced...)
    if keepdim:
        if dim is None:
            out = out.reshape((out.shape[0],) + (1,) * ndim)
        elif ndim:
            out = out.unsqueeze(ax + 1)
    return out.squeeze(0) if scalar_q else out


@op(out_dtype="same", out=True,
    summary='The q-th quantiles over dim (of all elements by default), interpolated as asked.',
    example='torch.tensor([1.0, 2.0, 4.0, 7.0]), 0.5')
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, = _autocast('quantile', input)
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


@op(out_dtype="same", out=True, summary='quantile() ignoring NaN values.',
    example="torch.tensor([1.0, float('nan'), 4.0, 7.0]), 0.5")
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, = _autocast('nanquantile', input)
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


def _nan_order(d, dim):
    """Stable ascending order along dim, NaN last; and the count of non-NaN per slice."""
    order = np.argsort(d, axis=dim, kind="stable")
    if d.dtype.kind in "fV":
        nn = d.shape[dim] - np.isnan(d).sum(axis=dim, keepdims=True)
    else:  # an array too, so that take_along_axis sees the slice's dims
        nn = np.full(order.take([0], axis=dim).shape, d.shape[dim])
    return order, nn


# PyTorch's names for the nodes nanmedian shares with median, and mode and kthvalue with sort
NanmedianBackward0, = named_nodes(MedianBackward0, __name__, "NanmedianBackward0")
NanmedianBackward1, = named_nodes(MedianBackward1, __name__, "NanmedianBackward1")
ModeBackward0, KthvalueBackward0 = named_nodes(SortBackward0, __name__, "ModeBackward0",
                                               "KthvalueBackward0")


@op(out_dtype="same", out=True, backward=(NanmedianBackward0, NanmedianBackward1),
    summary='median() ignoring NaN values; with dim, (values, indices) along dim.',
    example="torch.tensor([[3.0, float('nan'), 2.0], [0.0, 5.0, 4.0]]), 1")
def nanmedian(input, dim=None, keepdim=False):
    return _median(input, dim, keepdim, "nanmedian", _nan_median_idx, return_types.nanmedian,
                   (NanmedianBackward0, NanmedianBackward1))


def _nan_median_idx(d, dim):
    """Index (keepdims) of the lower median of the non-NaN values along dim (an all-NaN
    slice gives its first NaN)."""
    order, nn = _nan_order(d, dim)
    return np.take_along_axis(order, np.maximum(nn - 1, 0) // 2, dim)


def _along_last(d, dim):
    return np.moveaxis(d, dim, -1)


@op(out_dtype="same", out=True, backward=ModeBackward0,
    summary='Most frequent value along dim (the smallest among ties) and an index of it.',
    example='torch.tensor([1.0, 2.0, 2.0, 3.0])')
def mode(input, dim=-1, keepdim=False):
    """Most frequent value of each slice (the smallest among equally frequent ones) and the
    index of its last occurrence."""
    d = input._data
    dim = one_dim(dim, d.shape, "mode")
    if d.ndim == 0:
        return _scalar_pick(input, ModeBackward0, return_types.mode)
    if d.shape[dim] == 0:
        raise IndexError(f"mode(): Expected reduction dim {dim} to have non-zero size.")
    m = _along_last(d, dim)
    rows = m.reshape(-1, m.shape[-1])
    n = rows.shape[1]
    order = np.argsort(rows, axis=1, kind="stable")
    s = np.take_along_axis(rows, order, 1)
    starts = np.ones(s.shape, bool)
    starts[:, 1:] = s[:, 1:] != s[:, :-1]  # NaN != NaN: every NaN is a run of its own
    pos = np.arange(n)
    first = np.maximum.accumulate(np.where(starts, pos, 0), axis=1)
    ends = np.ones(s.shape, bool)
    ends[:, :-1] = starts[:, 1:]
    last = np.flip(np.minimum.accumulate(np.flip(np.where(ends, pos, n), 1), axis=1), 1)
    best = np.argmax(last - first, axis=1)  # the first (smallest) of the most frequent runs
    run = first[np.arange(len(rows)), best][:, None]
    same = first == run
    idx = np.where(same, order, -1).max(axis=1)
    if d.dtype.kind in "fV" and n <= 16:
        for r in np.flatnonzero(np.isnan(rows).any(1)):
            idx[r] = _mode_with_nan(rows[r])
    idx = idx.reshape(m.shape[:-1] + (1,))
    idx = np.moveaxis(idx, -1, dim)
    return _pick_result(input, idx, dim, keepdim, ModeBackward0, return_types.mode)


def _mode_with_nan(row):
    """PyTorch sorts a slice with `<` (std::sort: insertion sort up to 16 elements), under which
    NaN compares neither way and so stays where that sort leaves it; then it takes the first
    longest run of `==` values (NaN never equal) and the original index of the run's last
    element. Replayed here for the slices with NaN, which a stable argsort orders otherwise."""
    el = list(range(len(row)))
    for i in range(1, len(el)):
        k = el[i]
        if row[k] < row[el[0]]:
            el[1:i + 1] = el[:i]
            el[0] = k
            continue
        j = i
        while row[k] < row[el[j - 1]]:
            el[j] = el[j - 1]
            j -= 1
        el[j] = k
    best, freq, run = el[0], 0, 0
    for i, k in enumerate(el):
        run += 1
        if i == len(el) - 1 or row[k] != row[el[i + 1]]:
            if run > freq:
                best, freq = k, run
            run = 0
    return best


@op(out_dtype="same", out=True, backward=KthvalueBackward0,
    summary='The k-th smallest element along dim and its index (values, indices).',
    example='torch.tensor([3.0, 1.0, 2.0]), 2')
def kthvalue(input, k, dim=-1, keepdim=False):
    d = input._data
    if d.dtype.kind == "b":
        raise NotImplementedError("kthvalue: not implemented for torch.bool tensors")
    dim = one_dim(dim, d.shape, "kthvalue")
    k = _k_in_range(d, k, dim, 1, "kthvalue(): selected number k out of range for dimension "
                    "{dim} (k={k}, size {n})")
    if d.ndim == 0:
        return _scalar_pick(input, KthvalueBackward0, return_types.kthvalue)
    order = np.argsort(d, axis=dim, kind="stable")
    return _pick_result(input, np.take(order, [k - 1], axis=dim), dim, keepdim, KthvalueBackward0,
                        return_types.kthvalue)


@op(out_dtype="same", out=True, summary='Sorts along the first dim (sort(input, 0).values).',
    example='torch.tensor([[3.0, 1.0], [2.0, 0.0]])')
def msort(input):
    return sort(input, 0).values
