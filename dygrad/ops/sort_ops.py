"""sort, argsort, topk and median, with gradients routed through the selected indices.

Sorting is always stable (ties keep their input order, also when descending) and NaN sorts as
the largest value, as in PyTorch.
"""
import numpy as np

from .._tensor import _wrap
from ..autograd.node import Node
from . import _bw, return_types
from ._registry import op
from ._reduce_util import one_dim, finish, scatter_along

_I64 = np.dtype(np.int64)


def _argsort(d, dim, descending):
    if not descending:
        return np.argsort(d, axis=dim, kind="stable")
    # a stable descending order: sort the reversed array, then reverse the result back
    n = d.shape[dim]
    rev = np.argsort(np.flip(d, dim), axis=dim, kind="stable")
    return (n - 1) - np.flip(rev, dim)


class SortBackward0(Node):
    """Values picked at `idx` along dim: the gradient is scattered back there. (The returned
    indices, saved, only guard `idx`: they may share its memory.)"""
    __slots__ = ("idx", "dim", "shape", "kshape")

    def backward(self, g, _indices):
        if not len(self.shape):
            return g
        if self.kshape is not None:  # the reduced dim was dropped from the output
            g = _bw.reshape(g, self.kshape)
        return scatter_along(g, self.idx, self.dim, self.shape)


class TopkBackward0(SortBackward0):
    __slots__ = ()


class MedianBackward1(SortBackward0):
    __slots__ = ()


def _picked(x, vals, idx, dim, node_cls, result_cls, indices, squeeze=False):
    """result_cls(values, indices): `vals`, picked from x at `idx` (dim kept) along dim and
    recorded with node_cls, and the int64 `indices` the op returns. The node saves the indices
    Tensor, so that changing it in place before backward raises, as in PyTorch, instead of
    changing the gradient (it may share idx's memory)."""
    kshape = None
    if squeeze:
        kshape = vals.shape
        vals = vals.reshape(kshape[:dim] + kshape[dim + 1:])
    t, node = finish(vals, x, node_cls)
    ind = _wrap(indices)
    if node is not None:
        node.idx, node.dim, node.shape, node.kshape = idx, dim, x._data.shape, kshape
        node.save(ind)
    return result_cls(t, ind)


def _scalar_pick(x, node_cls, result_cls):
    """A 0-d input's (values, indices) for sort, topk, median, mode, kthvalue...: itself, index 0."""
    return _picked(x, x._data.copy(), None, 0, node_cls, result_cls, np.zeros((), _I64))


def _k_in_range(d, k, dim, lo, message):
    """int(k), checked to lie in [lo, size of dim] (a 0-d input's size counts as 1) for topk
    (lo 0) and kthvalue (lo 1); `message` is formatted with k, dim, n (the size) and shape."""
    n = d.shape[dim] if d.ndim else 1
    k = int(k)
    if not lo <= k <= n:
        raise RuntimeError(message.format(k=k, dim=dim, n=n, shape=list(d.shape)))
    return k


def _pick_result(x, idx, dim, keepdim, node_cls, result_cls):
    """(values, indices) of median/mode/kthvalue from the picked indices `idx` (dim kept): the
    values gathered with the gradient node, `dim` squeezed from both unless keepdim."""
    vals = np.take_along_axis(x._data, idx, dim)
    indices = (idx if keepdim else idx.squeeze(dim)).astype(_I64, copy=False)
    return _picked(x, vals, idx, dim, node_cls, result_cls, indices, squeeze=not keepdim)


@op(out_dtype="same", out=True, backward=SortBackward0,
    summary='Sorted values along dim and their original indices (values, indices).',
    example='torch.tensor([3.0, 1.0, 2.0])')
def sort(input, dim=-1, descending=False, *, stable=False):
    d = input._data
    dim = one_dim(dim, d.shape, "sort")
    if d.ndim == 0:
        return _scalar_pick(input, SortBackward0, return_types.sort)
    idx = _argsort(d, dim, descending)
    vals = np.take_along_axis(d, idx, dim)
    return _picked(input, vals, idx, dim, SortBackward0, return_types.sort, idx.astype(_I64, copy=False))


@op(summary='Indices that sort the input along dim.', example='torch.tensor([3.0, 1.0, 2.0])')
def argsort(input, dim=-1, descending=False, *, stable=False):
    d = input._data
    dim = one_dim(dim, d.shape, "argsort")
    if d.ndim == 0:
        return _wrap(np.zeros((), _I64))
    return _wrap(_argsort(d, dim, descending).astype(_I64, copy=False))


@op(out_dtype="same", out=True, backward=TopkBackward0,
    summary='The k largest (or smallest) elements along dim and their indices (values, indices).',
    example='torch.tensor([3.0, 1.0, 2.0]), 2')
def topk(input, k, dim=-1, largest=True, sorted=True):
    d = input._data
    dim = one_dim(dim, d.shape, "topk")  # (PyTorch checks dim before dtype)
    if d.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")
    k = _k_in_range(d, k, dim, 0, "selected index k out of range (topk of k={k} along dim {dim} "
                    "of a tensor of shape {shape})")
    if d.ndim == 0:
        return _scalar_pick(input, TopkBackward0, return_types.topk)
    idx = np.take(_argsort(d, dim, largest), np.arange(k), axis=dim)
    vals = np.take_along_axis(d, idx, dim)
    return _picked(input, vals, idx, dim, TopkBackward0, return_types.topk, idx.astype(_I64, copy=False))


class MedianBackward0(Node):
    """Full median: the gradient is split evenly among the elements equal to the median."""
    __slots__ = ("w",)

    def backward(self, g):
        return g * _bw.const(self.w, g)


def _lower_median_idx(d, dim):
    """Index (keepdims) of the lower median along dim; a slice with NaN gives its first NaN."""
    n = d.shape[dim]
    order = np.argsort(d, axis=dim, kind="stable")
    idx = np.take(order, [(n - 1) // 2], axis=dim)
    if d.dtype.kind in "fV":
        nan = np.isnan(d)
        has = nan.any(axis=dim, keepdims=True)
        if has.any():
            idx = np.where(has, np.argmax(nan, axis=dim, keepdims=True), idx)
    return idx


def _median(input, dim, keepdim, op, median_idx, result_cls,
            nodes=(MedianBackward0, MedianBackward1)):
    """median() and nanmedian(): they differ only in how median_idx(d, dim) picks the
    (keepdims) index of the median along dim, and in their nodes' names (full, along dim);
    checks, errors and gradient are shared."""
    full_node, along_node = nodes
    d = input._data
    if d.dtype.kind == "b":
        if dim is not None:  # a bad or empty dim is reported first, as PyTorch
            w = one_dim(dim, d.shape, op)
            if d.ndim and d.shape[w] == 0:
                raise IndexError(f"{op}(): Expected reduction dim {w} to have non-zero size.")
        raise NotImplementedError(f"{op}: not implemented for torch.bool tensors")
    if dim is None:
        if d.size == 0:
            if d.dtype.kind not in "fV":
                raise RuntimeError(f"{op}() of an empty tensor has no value for an integer dtype")
            t, node = finish(np.asarray(np.nan, d.dtype), input, full_node)
            if node is not None:
                node.w = np.zeros(d.shape, d.dtype)
            return t
        flat = d.reshape(-1)
        val = flat[median_idx(flat, 0)[0]]
        t, node = finish(np.asarray(val), input, full_node)
        if node is not None:
            mask = d == val
            if d.dtype.kind in "fV" and np.isnan(val):
                mask = np.isnan(d)
            node.w = (mask / mask.sum()).astype(d.dtype)
        return t
    dim = one_dim(dim, d.shape, op)
    if d.ndim == 0:
        return _scalar_pick(input, along_node, result_cls)
    if d.shape[dim] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {dim} to have non-zero size.")
    return _pick_result(input, median_idx(d, dim), dim, keepdim, along_node, result_cls)


@op(out_dtype="same", out=True, backward=(MedianBackward0, MedianBackward1),
    summary='Lower median of all elements; with dim, (values, indices) along dim.',
    example='torch.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]]), 1')
def median(input, dim=None, keepdim=False):
    return _median(input, dim, keepdim, "median", _lower_median_idx, return_types.median)


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


@_rule("onnx", "topk")
def _onnx_topk(g, c):
    """TopK: (values, indices), sorted as PyTorch returns them."""
    x = c["input"]
    if x.dim() == 0 or x._data.dtype.kind not in "fiu":
        return None
    return g.op("TopK", [g.value(x), g.ints([int(c["k"])])], outputs=2,
                axis=int(c.get("dim", -1)) % x.dim(), largest=int(bool(c.get("largest", True))),
                sorted=1)
