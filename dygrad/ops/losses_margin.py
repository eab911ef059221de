"""Distance and margin losses, composed from differentiable tensor ops (their gradients, including
the kink conventions, come out as PyTorch's)."""
from collections.abc import Callable

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from ._reduce_util import scalar_type_name
from . import _bw
from . import elementwise as _ew
from ._layer_util import (attach, check_reduction, not_differentiable, npv,
                          reduce_loss, reduction_of)
from .losses_pair import (_PairLoss, _finish_pair, _pair_arrays, _saved_pair, _pair_checks,
                          _weighted, broadcast_pair)
from .distance import pairwise_distance
from ..amp._state import STATE as _AC, cast as _autocast

__all__ = ["l1_loss", "smooth_l1_loss", "huber_loss", "hinge_embedding_loss", "margin_ranking_loss",
           "cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
           "multi_margin_loss"]


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
            reduce: bool | None = None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Mean absolute error |input - target|, reduced by `reduction`.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.l1_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 0.0, 0.0]))
        tensor(1.6667)
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, target = _autocast('l1_loss', input, target)
    _pair_checks("l1_loss", input, target)
    reduction = check_reduction(reduction_of(size_average, reduce, reduction))
    input, target = broadcast_pair(input, target)
    elem = (input - target).abs()
    if weight is not None:
        return _weighted(elem, weight, input, reduction, True)
    return reduce_loss(elem, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5 * d ** 2 / beta where |d| < beta, |d| - 0.5 * beta elsewhere (d = input - target).

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.smooth_l1_loss(torch.tensor([0.5, 3.0]), torch.zeros(2), reduction='none')
        tensor([0.1250, 2.5000])
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, target = _autocast('smooth_l1_loss', input, target)
    _pair_checks("smooth_l1_loss", input, target, float_only=True)
    reduction = check_reduction(reduction_of(size_average, reduce, reduction))
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    input, target = broadcast_pair(input, target)
    if beta == 0:
        return reduce_loss((input - target).abs(), reduction)
    xd, td = _pair_arrays(input, target, "smooth_l1_loss")
    ad = np.abs(xd - td)
    elem = np.where(ad < beta, (0.5 / beta) * ad * ad, ad - 0.5 * beta).astype(xd.dtype)
    return _finish_pair(elem, reduction, SmoothL1LossBackward0, input, target,
                        _saved_pair(input, target, xd, td), (beta,))


class SmoothL1LossBackward0(_PairLoss):
    """PyTorch's piecewise gradient: +-1 beyond beta, d / beta inside, so an infinite
    difference gets +-1 (a where() of the two branches would give 0 * inf = nan)."""
    __slots__ = ("extra",)

    def backward(self, g, x, t):
        beta, = self.extra
        d = x - t
        dv = npv(d)
        gx = _bw.where(dv < -beta, -1.0, _bw.where(dv > beta, 1.0, d / beta)) * self._s(g)
        nf = self.next_functions
        return (gx if nf[0][0] is not None else None, -gx if nf[1][0] is not None else None)


class HuberLossBackward0(_PairLoss):
    """PyTorch's piecewise gradient: +-delta beyond delta, d inside."""
    __slots__ = ("extra",)

    def backward(self, g, x, t):
        delta, = self.extra
        d = x - t
        dv = npv(d)
        gx = _bw.where(dv <= -delta, -delta, _bw.where(dv >= delta, delta, d)) * self._s(g)
        nf = self.next_functions
        return (gx if nf[0][0] is not None else None, -gx if nf[1][0] is not None else None)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """0.5 * d ** 2 where |d| < delta, delta * (|d| - 0.5 * delta) elsewhere (d = input - target).

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.huber_loss(torch.tensor([0.5, 3.0]), torch.zeros(2), reduction='none', delta=2.0)
        tensor([0.1250, 4.0000])
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, target = _autocast('huber_loss', input, target)
    _pair_checks("huber_loss", input, target, float_only=True)
    check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    x, t = broadcast_pair(input, target)
    if weight is not None:
        d = x - t
        ad = d.abs()
        small = _wrap(ad._data <= delta)
        elem = _ew.where(small, d * d * 0.5, (ad - 0.5 * delta) * delta)
        out = _weighted(elem, weight, x, reduction, False)
    else:
        xd, td = _pair_arrays(x, t, "huber_loss")
        ad = np.abs(xd - td)
        elem = np.where(ad < delta, 0.5 * ad * ad, delta * (ad - 0.5 * delta)).astype(xd.dtype)
        out = _finish_pair(elem, reduction, HuberLossBackward0, x, t, _saved_pair(x, t, xd, td),
                           (delta,))
    if input._data.dtype != target._data.dtype:
        return _mixed_dtype_result(out, input, target)
    return out


class HuberLossMixedDtypeBackward0(Node):
    """PyTorch's huber_loss writes its result in the input's dtype and its backward then fails
    on operands of two dtypes; this node keeps that (the forward value is still given)."""
    __slots__ = ("msg",)

    def backward(self, g, *saved):
        raise RuntimeError(self.msg)


def _mixed_dtype_result(out, input, target):
    arr = out._data.astype(input._data.dtype)
    if not (STATE.enabled and (input._rg or target._rg)):
        return _wrap(arr)
    node = HuberLossMixedDtypeBackward0((input._grad_node(), target._grad_node()))
    a, b = (target, input) if input._rg else (input, target)
    node.msg = (f"Found dtype {scalar_type_name(a._data.dtype)} but expected "
                f"{scalar_type_name(b._data.dtype)}")
    return attach(arr, node)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """x where target is 1, max(0, margin - x) where target is -1.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x, t = torch.tensor([0.3, 0.4]), torch.tensor([1.0, -1.0])
        >>> F.hinge_embedding_loss(x, t, reduction='none')
        tensor([0.3000, 0.6000])
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, = _autocast('hinge_embedding_loss', input)
    reduction = check_reduction(reduction_of(size_average, reduce, reduction))
    td = target._data
    margin_part = _ew.where(_wrap(td != 1), (margin - input).clamp(min=0), 0.0)
    self_part = _ew.where(_wrap(td != -1), input, 0.0)
    return reduce_loss(margin_part + self_part, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """max(0, -target * (input1 - input2) + margin): target 1 asks input1 to rank higher, -1 lower.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x1, x2 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
        >>> F.margin_ranking_loss(x1, x2, torch.tensor([1.0, 1.0]))
        tensor(0.5000)
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input1, input2 = _autocast('margin_ranking_loss', input1, input2)
    reduction = check_reduction(reduction_of(size_average, reduce, reduction))
    if not (input1.dim() == input2.dim() == target.dim()):
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return reduce_loss((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for target -1, per row.

    Example::

        >>> import dygrad.nn.functional as F
        >>> a = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
        >>> b, t = torch.ones(2, 2), torch.tensor([1.0, -1.0])
        >>> F.cosine_embedding_loss(a, b, t, reduction='none')
        tensor([0.2929, 1.0000])
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input1, input2 = _autocast('cosine_embedding_loss', input1, input2)
    reduction = check_reduction(reduction_of(size_average, reduce, reduction))
    tdim = target.dim()
    if input1.dim() != input2.dim():
        raise RuntimeError(f"cosine_embedding_loss: inputs must have the same number of dims, got "
                           f"{input1.dim()} and {input2.dim()}")
    if input1.dim() != tdim + 1:
        raise RuntimeError(f"{tdim + 1}D target tensor expects {tdim + 2}D input tensors, but "
                           f"found inputs with sizes {list(input1.shape)} and {list(input2.shape)}.")
    dim = tdim
    eps = 1e-12
    prod = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + eps
    mag2 = (input2 * input2).sum(dim) + eps
    cos = prod / (mag1 * mag2).sqrt()
    td = target._data
    pos = _ew.where(_wrap(td == 1), 1 - cos, 0.0)
    neg = _ew.where(_wrap(td == -1), (cos - margin).clamp(min=0), 0.0)
    return reduce_loss(pos + neg, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """max(d(a, p) - d(a, n) + margin, 0) with the p-norm pairwise distance d; swap=True also uses
    d(p, n).

    Example::

        >>> import dygrad.nn.functional as F
        >>> a, p, n = torch.zeros(1, 2), torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 3.0]])
        >>> F.triplet_margin_loss(a, p, n, margin=3.0, eps=0.0)
        tensor(1.)
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        anchor, positive, negative = _autocast('triplet_margin_loss', anchor, positive, negative)
    reduction = check_reduction(reduction_of(size_average, reduce, reduction))
    a, pdim, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == pdim == n):
        raise RuntimeError(
            f"The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {a}D, positive {pdim}D, and negative {n}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = _ew.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return reduce_loss((d_pos - d_neg + margin).clamp(min=0), reduction)


def triplet_margin_with_distance_loss(
        anchor: Tensor, positive: Tensor, negative: Tensor, *,
        distance_function: Callable[[Tensor, Tensor], Tensor] | None = None, margin: float = 1.0,
        swap: bool = False, reduction: str = "mean") -> Tensor:
    """Triplet margin loss with any distance function (default: pairwise_distance): max(d(a, p) -
    d(a, n) + margin, 0).

    Example::

        >>> import dygrad.nn.functional as F
        >>> a, p, n = torch.zeros(1, 2), torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 3.0]])
        >>> l1 = lambda x, y: (x - y).abs().sum(-1)
        >>> F.triplet_margin_with_distance_loss(a, p, n, distance_function=l1, margin=3.0)
        tensor(1.)
    """
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, "
                         f"got {margin} instead")
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = _ew.minimum(d_neg, dist(positive, negative))
    return reduce_loss((d_pos - d_neg + margin).clamp(min=0), check_reduction(reduction))


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average: bool | None = None,
                      reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: sum_{j != y} max(0, margin - x[y] + x[j])^p / C per sample.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.multi_margin_loss(torch.tensor([[0.1, 0.8, 0.4]]), torch.tensor([1]))
        tensor(0.3000)
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, weight = _autocast('multi_margin_loss', input, weight)
    reduction = check_reduction(reduction_of(size_average, reduce, reduction))
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    not_differentiable("multi_margin_loss", "weight", weight)
    if target._data.dtype != np.int64 and target._data.size:  # (PyTorch skips an empty batch)
        raise RuntimeError(f"expected scalar type Long but found "
                           f"{scalar_type_name(target._data.dtype)}")
    x = input if input.dim() == 2 else input.reshape(1, -1)
    t = target._data.reshape(-1).astype(np.int64)
    C = x.shape[1]
    if weight is not None:
        if weight._data.ndim > 1 or weight._data.size != C:
            raise RuntimeError(f"inconsistent weight size, expected {C} but got "
                               f"{list(weight._data.shape)}")
        if weight._data.dtype != input._data.dtype:
            raise RuntimeError(f"expected scalar type {scalar_type_name(input._data.dtype)} but "
                               f"found {scalar_type_name(weight._data.dtype)}")
    if ((t < 0) | (t >= C)).any():
        raise RuntimeError(f"multi_margin_loss: target out of range (expected values in [0, {C}))")
    xy = x.gather(1, _wrap(t[:, None]))
    z = x - xy + margin
    # PyTorch adds the terms with z > 0 over the classes j != y only: a NaN term and the
    # target's own column (NaN when x[y] is infinite) count as nothing
    keep = z._data > 0
    keep[np.arange(t.size), t] = False
    m = _ew.where(_wrap(keep), z, 0.0)
    if p == 2:
        m = m * m
    if weight is not None:
        m = m * _wrap(weight._data[t][:, None])
    loss = m.sum(1) / C
    if input.dim() < 2 and reduction == "none":
        loss = loss.reshape(())
    return reduce_loss(loss, reduction)
