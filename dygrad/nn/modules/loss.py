"""Loss modules: hold the options (reduction, weights as buffers) and call nn.functional."""
from typing import Callable, Optional

from .. import functional as F
from ...ops._layer_util import legacy_reduction
from ..._tensor import Tensor
from .module import Module

__all__ = ["L1Loss", "NLLLoss", "NLLLoss2d", "PoissonNLLLoss", "GaussianNLLLoss", "KLDivLoss",
           "MSELoss", "BCELoss", "BCEWithLogitsLoss", "HingeEmbeddingLoss",
           "MultiLabelSoftMarginLoss", "SmoothL1Loss", "HuberLoss", "SoftMarginLoss",
           "CrossEntropyLoss", "CosineEmbeddingLoss", "MarginRankingLoss", "MultiMarginLoss",
           "TripletMarginLoss", "TripletMarginWithDistanceLoss"]


class _Loss(Module):
    def __init__(self, size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                 reduction: str = "mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = legacy_reduction(size_average, reduce)
        else:
            self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight: Optional[Tensor] = None, size_average: Optional[bool] = None,
                 reduce: Optional[bool] = None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """Mean absolute error |input - target|, reduced by `reduction` ('mean', 'sum' or 'none').

    Example::

        >>> torch.nn.L1Loss()(torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.5, 2.0, 1.0]))
        tensor(1.1667)
    """

    __constants__ = ["reduction"]

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced absolute error."""
        return F.l1_loss(input, target, reduction=self.reduction)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices given log-probabilities: -input[n, target[n]]
    (times the class weight), averaged over the non-ignored targets by default.

    Input (N, C) or (N, C, d1, ...), target (N,) or (N, d1, ...) of class indices.

    Example::

        >>> logp = torch.log(torch.tensor([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]]))
        >>> torch.nn.NLLLoss()(logp, torch.tensor([0, 1]))
        tensor(0.4581)
    """

    __constants__ = ["ignore_index", "reduction"]

    def __init__(self, weight: Optional[Tensor] = None, size_average: Optional[bool] = None,
                 ignore_index: int = -100, reduce: Optional[bool] = None, reduction: str = "mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced negative log-likelihood."""
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


NLLLoss2d = NLLLoss


class PoissonNLLLoss(_Loss):
    """Negative log-likelihood of a Poisson target: exp(x) - target * x for log-rate inputs
    (log_input=True) or x - target * log(x + eps), reduced by `reduction` ('mean', 'sum' or 'none').

    Example::

        >>> torch.nn.PoissonNLLLoss()(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
        tensor(0.8591)
    """

    __constants__ = ["log_input", "full", "eps", "reduction"]

    def __init__(self, log_input: bool = True, full: bool = False,
                 size_average: Optional[bool] = None, eps: float = 1e-8,
                 reduce: Optional[bool] = None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced Poisson negative log-likelihood."""
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                  eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Negative log-likelihood of a Gaussian target with predicted mean `input` and variance
    `var`: (log(var) + (input - target)**2 / var) / 2 per element (var clamped to eps).

    Example::

        >>> m = torch.nn.GaussianNLLLoss()
        >>> m(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 1.0]), torch.ones(2))
        tensor(0.2500)
    """

    __constants__ = ["full", "eps", "reduction"]

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        """Returns the reduced Gaussian negative log-likelihood."""
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                   reduction=self.reduction)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence target * (log(target) - input) with `input` given as
    log-probabilities (and `target` too when log_target=True); use reduction='batchmean' for
    the mathematical KL divergence.

    Example::

        >>> logq = torch.log(torch.tensor([[0.5, 0.5]]))
        >>> torch.nn.KLDivLoss(reduction='batchmean')(logq, torch.tensor([[0.25, 0.75]]))
        tensor(0.1308)
    """

    __constants__ = ["reduction"]

    def __init__(self, size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                 reduction: str = "mean", log_target: bool = False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced pointwise KL divergence."""
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class MSELoss(_Loss):
    """Mean squared error (input - target)**2, reduced by `reduction` ('mean', 'sum' or 'none').

    Example::

        >>> x, y = torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.5, 2.0, 1.0])
        >>> torch.nn.MSELoss()(x, y)
        tensor(3.0833)
        >>> torch.nn.MSELoss(reduction='sum')(x, y)
        tensor(9.2500)
    """

    __constants__ = ["reduction"]

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced squared error."""
        return F.mse_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross entropy -(target * log(p) + (1 - target) * log(1 - p)) of probabilities p
    (log terms clamped at -100), optionally weighted.

    Example::

        >>> torch.nn.BCELoss()(torch.tensor([0.8, 0.5]), torch.tensor([1.0, 0.0]))
        tensor(0.4581)
    """

    __constants__ = ["reduction"]

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced binary cross entropy."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy of sigmoid(input), computed from the logits stably; `pos_weight`
    scales the positive term per class.

    Example::

        >>> torch.nn.BCEWithLogitsLoss()(torch.tensor([0.0, 2.0]), torch.tensor([1.0, 0.0]))
        tensor(1.4100)
    """

    def __init__(self, weight: Optional[Tensor] = None, size_average: Optional[bool] = None,
                 reduce: Optional[bool] = None, reduction: str = "mean",
                 pos_weight: Optional[Tensor] = None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced binary cross entropy of the logits."""
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


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


class SmoothL1Loss(_Loss):
    """Quadratic below `beta` and linear above: 0.5 * d**2 / beta for |d| < beta, else
    |d| - 0.5 * beta, for d = input - target.

    Example::

        >>> x, y = torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.5, 2.0, 1.0])
        >>> torch.nn.SmoothL1Loss(beta=1.0)(x, y)
        tensor(0.8750)
    """

    __constants__ = ["reduction"]

    def __init__(self, size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                 reduction: str = "mean", beta: float = 1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced smooth L1 loss."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber loss: 0.5 * d**2 for |d| <= delta, else delta * (|d| - 0.5 * delta), for
    d = input - target (SmoothL1Loss times beta).

    Example::

        >>> x, y = torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.5, 2.0, 1.0])
        >>> torch.nn.HuberLoss(delta=2.0)(x, y)
        tensor(1.3750)
    """

    __constants__ = ["reduction", "delta"]

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced Huber loss."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


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


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy of unnormalized logits against class indices (or class probabilities):
    log_softmax over dim 1 followed by NLLLoss, with optional class weights, ignore_index and
    label smoothing.

    Input (N, C) or (N, C, d1, ...), target (N, d1, ...) of indices or the input's shape.

    Example::

        >>> logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
        >>> torch.nn.CrossEntropyLoss()(logits, torch.tensor([0, 2]))
        tensor(0.6691)
        >>> probs = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])
        >>> torch.nn.CrossEntropyLoss(reduction='none')(logits, probs)
        tensor([0.2395, 1.0986])
    """

    __constants__ = ["ignore_index", "reduction", "label_smoothing"]

    def __init__(self, weight: Optional[Tensor] = None, size_average: Optional[bool] = None,
                 ignore_index: int = -100, reduce: Optional[bool] = None, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced cross entropy of `input` logits against `target`."""
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class CosineEmbeddingLoss(_Loss):
    """1 - cos(x1, x2) where target is 1 and max(0, cos(x1, x2) - margin) where it is -1,
    for the rows of (N, D) inputs.

    Example::

        >>> x1, x2 = torch.tensor([[1.0, 0.0], [1.0, 0.0]]), torch.tensor([[0.0, 1.0], [1.0, 1.0]])
        >>> torch.nn.CosineEmbeddingLoss()(x1, x2, torch.tensor([1, -1]))
        tensor(0.8536)
    """

    __constants__ = ["margin", "reduction"]

    def __init__(self, margin: float = 0.0, size_average: Optional[bool] = None,
                 reduce: Optional[bool] = None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced cosine embedding loss."""
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                       reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """max(0, -target * (x1 - x2) + margin): asks x1 to rank above x2 where target is 1 and
    below it where target is -1.

    Example::

        >>> m = torch.nn.MarginRankingLoss(margin=0.5)
        >>> m(torch.tensor([1.0, 1.0]), torch.tensor([0.0, 0.0]), torch.tensor([1.0, -1.0]))
        tensor(0.7500)
    """

    __constants__ = ["margin", "reduction"]

    def __init__(self, margin: float = 0.0, size_average: Optional[bool] = None,
                 reduce: Optional[bool] = None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """Returns the reduced margin ranking loss."""
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin,
                                     reduction=self.reduction)


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
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got "
                             f"{margin} instead")
        self.margin = margin
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
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, "
                             f"got {margin} instead")
        self.distance_function = distance_function
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """Returns the reduced triplet margin loss under `distance_function`."""
        return F.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)
