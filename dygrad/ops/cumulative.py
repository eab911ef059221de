"""cummax/cummin, logcumsumexp, diff and the trapezoid rule.

cummax/cummin follow PyTorch: a tie moves the index to the later element, and once a NaN is
seen the values stay NaN with the index of the latest NaN. Their gradient is scattered (added)
to the returned indices.
"""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ..autograd.node import Node
from . import return_types
from ._registry import op
from ._reduce_util import one_dim, finish, flip

_I64 = np.dtype(np.int64)


class CummaxBackward0(Node):
    """The gradient added at each running extremum's index. (The returned indices, saved, only
    guard `idx`: they share its memory, so changing them in place must raise, as in PyTorch.)"""
    __slots__ = ("idx", "dim")

    def backward(self, g, _indices):
        if not np.ndim(self.idx):  # a 0-d input: the identity
            return g
        if isinstance(g, Tensor):
            zeros = _wrap(np.zeros(g._data.shape, g._data.dtype))
            return zeros.scatter_add(self.dim, _wrap(self.idx), g)
        out = np.zeros(g.shape, g.dtype)
        _scatter_add_along(out, self.idx, g, self.dim)
        return out


class CumminBackward0(CummaxBackward0):
    __slots__ = ()


def _scatter_add_along(out, idx, vals, dim):
    ix = list(np.indices(idx.shape, sparse=True))
    ix[dim] = idx
    np.add.at(out, tuple(ix), vals)


def _cumext(x, dim, acc, node_cls, result_cls, op):
    d = x._data
    dim = one_dim(dim, d.shape, op)
    if d.ndim == 0:
        vals, idx, dim = d.copy(), np.zeros((), _I64), 0
    else:
        vals = acc.accumulate(d, axis=dim)
        pos = np.arange(d.shape[dim]).reshape((-1,) + (1,) * (d.ndim - dim - 1))
        hit = d == vals
        if d.dtype.kind in "fV":
            hit |= np.isnan(d)
        idx = np.maximum.accumulate(np.where(hit, pos, -1), axis=dim).astype(_I64, copy=False)
    t, node = finish(vals, x, node_cls)
    indices = _wrap(idx)
    if node is not None:
        node.idx, node.dim = idx, dim
        node.save(indices)
    return result_cls(t, indices)


@op(out_dtype="same", out=True, backward=CummaxBackward0,
    summary='Running maximum along dim and the index where it was reached (values, indices).',
    example='torch.tensor([1.0, 3.0, 2.0]), 0')
def cummax(input, dim):
    return _cumext(input, dim, np.maximum, CummaxBackward0, return_types.cummax, "cummax")


@op(out_dtype="same", out=True, backward=CumminBackward0,
    summary='Running minimum along dim and the index where it was reached (values, indices).',
    example='torch.tensor([1.0, 3.0, 2.0]), 0')
def cummin(input, dim):
    return _cumext(input, dim, np.minimum, CumminBackward0, return_types.cummin, "cummin")


class LogcumsumexpBackward0(Node):
    __slots__ = ("dim",)

    def backward(self, g, x, out):
        dim = self.dim
        if isinstance(g, Tensor):  # double backward: the direct formula, recorded
            return x.exp() * flip(flip(g * (-out).exp(), dim).cumsum(dim), dim)
        # sum_{k >= i} g_k exp(x_i - out_k), in log space for each sign of g
        with np.errstate(divide="ignore"):
            res = np.zeros_like(x)
            for sign in (1, -1):
                lg = np.where(sign * g > 0, np.log(np.abs(g)), -np.inf) - out
                r = np.flip(np.logaddexp.accumulate(np.flip(lg, dim), axis=dim), dim)
                res += sign * np.exp(x + r)
        return res


@op(out_dtype="same", out=True, backward=LogcumsumexpBackward0,
    summary='log(cumsum(exp(input))) along dim, computed without overflow.',
    example='torch.tensor([0.0, 1.0, 2.0]), 0')
def logcumsumexp(input, dim):
    d = input._data
    dim = one_dim(dim, d.shape, "logcumsumexp")
    if d.dtype.kind not in "fV":
        raise NotImplementedError(f"logcumsumexp: not implemented for {input.dtype} tensors")
    if d.ndim == 0:
        # one element is its own logcumsumexp; PyTorch's gradient is g even at nan and inf
        return input.clone()
    t, node = finish(np.logaddexp.accumulate(d, axis=dim), input, LogcumsumexpBackward0)
    if node is not None:
        node.dim = dim
        node.save(input)
        node.save_output(t)
    return t


@op(out=True, summary='n-th forward difference along dim (prepend/append are joined first).',
    example='torch.tensor([1.0, 3.0, 7.0])')
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """n-th forward difference along dim (logical xor for bool tensors)."""
    if input.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    parts = [p for p in (prepend, input, append) if p is not None]
    if len(parts) > 1:
        parts = [p if isinstance(p, Tensor) else _scalar_like(p, input, dim) for p in parts]
        x = _cat(parts, dim)
    else:
        x = input
    for _ in range(int(n)):
        m = x.shape[dim]
        if m == 0:
            break
        hi, lo = x.narrow(dim, 1, m - 1), x.narrow(dim, 0, m - 1)
        x = (hi != lo) if x._data.dtype.kind == "b" else hi - lo
    return x


def _cat(parts, dim):
    from .shape import cat
    return cat(parts, dim)


def _scalar_like(v, like, dim):
    shape = list(like.shape)
    shape[dim] = 1
    return _wrap(np.full(shape, v, dtype=_dtype.result_np_dtype((like, v))))


def _pairs(t, dim):
    m = t.shape[dim]
    return t.narrow(dim, 1, m - 1), t.narrow(dim, 0, m - 1)


def _trap_terms(y, x, dx, dim):
    hi, lo = _pairs(y, dim)
    if x is None:
        return (hi + lo) * (1.0 if dx is None else dx) / 2
    if x.dim() == 1:
        shape = [1] * y.dim()
        shape[dim] = x.shape[0]
        x = x.reshape(shape)
    xh, xl = _pairs(x, dim)
    return (xh - xl) * (hi + lo) / 2


@op(method=False, tensor_first=None,
    summary='Integral of y along dim by the trapezoidal rule (sample points x, or spacing dx).',
    example='torch.tensor([1.0, 3.0, 7.0])')
def trapezoid(y, x=None, *, dx=None, dim=-1):
    if y.shape[dim] == 0:
        return y.sum(dim) * 0.0
    return _trap_terms(y, x, dx, dim).sum(dim)


@op(method=False, tensor_first=None, summary='Alias of trapezoid().',
    example='torch.tensor([1.0, 3.0, 7.0])')
def trapz(y, x=None, *, dx=None, dim=-1):
    return trapezoid(y, x, dx=dx, dim=dim)


@op(method=False, tensor_first=None, summary='Running trapezoidal integral of y along dim.',
    example='torch.tensor([1.0, 3.0, 7.0])')
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    if y.shape[dim] == 0:
        return y * 0.0
    return _trap_terms(y, x, dx, dim).cumsum(dim)
