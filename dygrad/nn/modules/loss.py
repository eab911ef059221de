"""Loss modules: hold the options (reduction, weights as buffers) and call nn.functional.

The regression, likelihood and cross-entropy losses live here; the margin, ranking and embedding
losses live in loss_margin.py and are re-exported here.
"""
from typing import Optional

from .. import functional as F
from ..._tensor import Tensor
from ._loss_base import _Loss, _WeightedLoss  # noqa: F401  (imported from here by user code)
from .loss_margin import (  # noqa: F401  (PyTorch's class path for these too)
    HingeEmbeddingLoss, MultiLabelSoftMarginLoss, SoftMarginLoss, CosineEmbeddingLoss,
    MarginRankingLoss, MultiMarginLoss, TripletMarginLoss, TripletMarginWithDistanceLoss)

__all__ = ["L1Loss", "NLLLoss", "NLLLoss2d", "PoissonNLLLoss", "GaussianNLLLoss", "KLDivLoss",
           "MSELoss", "BCELoss", "BCEWithLogitsLoss", "HingeEmbeddingLoss",
           "MultiLabelSoftMarginLoss", "SmoothL1Loss", "HuberLoss", "SoftMarginLoss",
           "CrossEntropyLoss", "CosineEmbeddingLoss", "MarginRankingLoss", "MultiMarginLoss",
           "TripletMarginLoss", "TripletMarginWithDistanceLoss"]


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
    times the class weight; 'mean' divides the sum by the total weight of the non-ignored targets.

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

