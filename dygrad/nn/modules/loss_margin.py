"""Margin, ranking and embedding losses (hinge, soft margin, cosine embedding, triplet).

loss.py re-exports them: `torch.nn.modules.loss` is PyTorch's path for every loss.
"""
from typing import Callable, Optional

from .. import functional as F
from ..._tensor import Tensor
from ._loss_base import _Loss, _WeightedLoss

__all__ = ["HingeEmbeddingLoss", "MultiLabelSoftMarginLoss", "SoftMarginLoss",
           "CosineEmbeddingLoss", "MarginRankingLoss", "MultiMarginLoss", "TripletMarginLoss",
           "TripletMarginWithDistanceLoss"]


def _positive_margin(loss: str, margin: float) -> float:
    """The triplet losses' check (PyTorch's error): a margin must be greater than 0."""
    if margin <= 0:
        raise ValueError(f"{loss}: expected margin to be greater than 0, got {margin} instead")
    return margin


class HingeEmbeddingLoss(_Loss):
    """x where target is 1 and max(0, margin - x) where target is -1, for distances x.


    Example::

        >>> m = torch.nn.HingeEmbeddingLoss(margin=1.0)
        >>> m(torch.tensor([0.3, 0.2]), torch.tensor([1.0, -1.0]))
        tensor(0.5500)
    """

    __constants__ = ["margin", "reduction"]

    def __init__(self, margin: float = 1.0, size_average: Optional[bool] = None,
                 reduce: Optional[bool] = None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced hinge embedding loss."""
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Multi-label one-versus-all loss: the binary cross entropy of sigmoid(input) against
    0/1 targets, averaged over the C classes of each sample.

    Input and target (N, C).

    Example::

        >>> target = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
        >>> torch.nn.MultiLabelSoftMarginLoss()(torch.zeros(2, 3), target)
        tensor(0.6931)
    """

    __constants__ = ["reduction"]

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced multi-label soft margin loss."""
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                             reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss log(1 + exp(-target * input)) for targets in {-1, 1}.

    Example::

        >>> torch.nn.SoftMarginLoss()(torch.tensor([0.0, 2.0]), torch.tensor([1.0, -1.0]))
        tensor(1.4100)
    """

    __constants__ = ["reduction"]

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced soft margin loss."""
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class _PairMarginLoss(_Loss):
    """A loss of two inputs and a +-1 target with a `margin`, computed by its functional form
    `_fn(input1, input2, target, margin=, reduction=)`."""

    __constants__ = ["margin", "reduction"]

    def __init__(self, margin: float = 0.0, size_average: Optional[bool] = None,
                 reduce: Optional[bool] = None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced loss of the pair (input1, input2) under `target`."""
        return type(self)._fn(input1, input2, target, margin=self.margin,
                              reduction=self.reduction)


class CosineEmbeddingLoss(_PairMarginLoss):
    """1 - cos(x1, x2) where target is 1 and max(0, cos(x1, x2) - margin) where it is -1,
    for the rows of (N, D) inputs.

    Example::

        >>> x1, x2 = torch.tensor([[1.0, 0.0], [1.0, 0.0]]), torch.tensor([[0.0, 1.0], [1.0, 1.0]])
        >>> torch.nn.CosineEmbeddingLoss()(x1, x2, torch.tensor([1, -1]))
        tensor(0.8536)
    """

    _fn = staticmethod(F.cosine_embedding_loss)


class MarginRankingLoss(_PairMarginLoss):
    """max(0, -target * (x1 - x2) + margin): asks x1 to rank above x2 where target is 1 and
    below it where target is -1.

    Example::

        >>> m = torch.nn.MarginRankingLoss(margin=0.5)
        >>> m(torch.tensor([1.0, 1.0]), torch.tensor([0.0, 0.0]), torch.tensor([1.0, -1.0]))
        tensor(0.7500)
    """

    _fn = staticmethod(F.margin_ranking_loss)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss: sum over the wrong classes i of max(0, margin - x[y] + x[i]) ** p,
    divided by C.

    Input (N, C) or (C,), target (N,) or () of class indices.

    Example::

        >>> torch.nn.MultiMarginLoss()(torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([3]))
        tensor(0.3250)
    """

    __constants__ = ["p", "margin", "reduction"]

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Optional[Tensor] = None,
                 size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                 reduction: str = "mean"):
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got "
                             f"{weight.dim()}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced multi-class margin loss."""
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """max(d(a, p) - d(a, n) + margin, 0) with the p-norm distance d: asks each anchor to be
    nearer its positive than its negative by `margin`.

    Inputs (N, D) or (D,).

    Example::

        >>> a, p, n = torch.zeros(1, 2), torch.tensor([[3.0, 4.0]]), torch.tensor([[1.0, 0.0]])
        >>> torch.nn.TripletMarginLoss(margin=1.0, eps=0.0)(a, p, n)
        tensor(5.)
    """

    __constants__ = ["margin", "p", "eps", "swap", "reduction"]

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                 reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = _positive_margin("TripletMarginLoss", margin)
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """Returns the reduced triplet margin loss."""
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                     eps=self.eps, swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet margin loss max(d(a, p) - d(a, n) + margin, 0) with any distance function d
    (pairwise Euclidean distance by default).

    Example::

        >>> l1 = lambda x, y: (x - y).abs().sum(-1)
        >>> m = torch.nn.TripletMarginWithDistanceLoss(distance_function=l1)
        >>> m(torch.zeros(1, 2), torch.tensor([[3.0, 4.0]]), torch.tensor([[1.0, 0.0]]))
        tensor(7.)
    """

    __constants__ = ["margin", "swap", "reduction"]

    def __init__(self, *, distance_function: Optional[Callable[[Tensor, Tensor], Tensor]] = None,
                 margin: float = 1.0, swap: bool = False, reduction: str = "mean"):
        super().__init__(size_average=None, reduce=None, reduction=reduction)
        self.distance_function = distance_function
        self.margin = _positive_margin("TripletMarginWithDistanceLoss", margin)
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """Returns the reduced triplet margin loss under `distance_function`."""
        return F.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)
