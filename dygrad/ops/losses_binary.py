"""Probabilistic losses: binary cross entropy (fused, with PyTorch's clamps), KL divergence,
soft-margin, Poisson and Gaussian negative log likelihoods."""
import math
import warnings

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import no_grad
from . import _bw
from . import elementwise as _ew
from ._reduce_util import scalar_type_name
from ._layer_util import (check_reduction, check_tensor, not_differentiable, reduction_of, npv,
                          reduce_loss)
from .losses_pair import _PairLoss, _finish_pair, _pair_arrays, _saved_pair
from .activations_smooth import logsigmoid
from ..amp._state import STATE as _AC, cast as _autocast

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "soft_margin_loss",
           "multilabel_soft_margin_loss", "poisson_nll_loss", "gaussian_nll_loss"]

_BCE_EPS = 1e-12


def _clamp_min(v, m):
    # v may be a NumPy scalar (arithmetic on 0-dim arrays gives one), so test for a Tensor
    return v.clamp(min=m) if isinstance(v, Tensor) else np.maximum(v, m)


def _softplus_neg(x):
    """log(1 + exp(-x)), stable, for arrays (or the NumPy scalars 0-dim arithmetic gives) or
    Tensors."""
    if not isinstance(x, Tensor):
        return np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))
    return (-x).clamp(min=0) + (-x.abs()).exp().log1p()


def _weighted_scale(node, g, w):
    """The incoming gradient after the reduction's scale and the per-element weight w (or None)."""
    s = node._s(g)
    return s if w is None else s * w


class BinaryCrossEntropyBackward0(_PairLoss):
    __slots__ = ("extra",)

    def backward(self, g, x, t):
        w, = self.extra
        s = _weighted_scale(self, g, w)
        nf = self.next_functions
        gx = gt = None
        if nf[0][0] is not None:
            gx = (x - t) / _clamp_min((1 - x) * x, _BCE_EPS) * s
        if nf[1][0] is not None:
            lx = _bw.log(x) if not isinstance(x, np.ndarray) else np.log(x)
            l1x = _bw.log(1 - x) if not isinstance(x, np.ndarray) else np.log1p(-x)
            gt = (l1x - lx) * s
        return gx, gt


def _bce_args(op, input, target, weight, reduction, size_message):
    """The checks both binary cross entropies make first, in PyTorch's order."""
    check_tensor(input, "input", op)
    check_tensor(target, "target", op)
    reduction = check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(size_message.format(t=target.shape, i=input.shape))
    not_differentiable(op, "weight", weight)
    return reduction


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """-(t * log(p) + (1 - t) * log(1 - p)) for probabilities p = input in [0, 1] (logs clamped at
    -100).

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.binary_cross_entropy(torch.tensor([0.8, 0.2]), torch.tensor([1.0, 0.0]))
        tensor(0.2231)
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, target, weight = _autocast('binary_cross_entropy', input, target, weight)
    reduction = _bce_args("binary_cross_entropy", input, target, weight,
                          reduction_of(size_average, reduce, reduction),
                          "Using a target size ({t}) that is different to the input size ({i}) is "
                          "deprecated. Please ensure they have the same size.")
    xd, td = _pair_arrays(input, target, "binary_cross_entropy")
    if xd.dtype.kind not in "fV":
        raise NotImplementedError("binary_cross_entropy: expected a floating-point input, got "
                           f"{input.dtype}")
    if input._data.dtype != target._data.dtype:
        raise RuntimeError(f"Found dtype {scalar_type_name(target._data.dtype)} but expected "
                           f"{scalar_type_name(input._data.dtype)}")
    if not ((xd >= 0) & (xd <= 1)).all():  # (a NaN fails both)
        raise RuntimeError("all elements of input should be between 0 and 1")
    if not ((td >= 0) & (td <= 1)).all():
        raise RuntimeError("all elements of target should be between 0 and 1")
    with np.errstate(divide="ignore"):
        lx = np.maximum(np.log(xd), -100)
        l1x = np.maximum(np.log1p(-xd), -100)
    elem = -(td * lx + (1 - td) * l1x)
    w = None
    if weight is not None:
        w = np.broadcast_to(weight._data, elem.shape).astype(elem.dtype)
        elem = elem * w
    save = _saved_pair(input, target, xd, td)
    return _finish_pair(elem, reduction, BinaryCrossEntropyBackward0, input, target, save, (w,))


class BinaryCrossEntropyWithLogitsBackward0(_PairLoss):
    __slots__ = ("extra",)

    def backward(self, g, x, t, *_):  # then the saved weights (self.extra holds their arrays)
        w, pw = self.extra
        s = _weighted_scale(self, g, w)
        nf = self.next_functions
        gx = gt = None
        if nf[0][0] is not None:
            sig = _bw.sigmoid(x)
            if pw is None:
                gx = (sig - t) * s
            else:
                lw = (pw - 1) * t + 1
                gx = (lw * sig - pw * t) * s
        if nf[1][0] is not None:
            # PyTorch's form log_sigmoid(-x) - pw * log_sigmoid(x): the same value as
            # (1 - pw) log_sigmoid(x) - x, but +inf rather than nan at x = -inf with pw < 1
            gt = -x * s if pw is None else (pw * _softplus_neg(x) - _softplus_neg(-x)) * s
        return gx, gt


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average: bool | None = None, reduce: bool | None = None,
                                     reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """binary_cross_entropy(sigmoid(input), target) computed stably from logits; pos_weight scales
    the positive term per class.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.binary_cross_entropy_with_logits(torch.tensor([2.0, -1.0]), torch.tensor([1.0, 0.0]))
        tensor(0.2201)
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, target, weight, pos_weight = _autocast('binary_cross_entropy_with_logits', input, target, weight, pos_weight)
    reduction = _bce_args("binary_cross_entropy_with_logits", input, target, weight,
                          reduction_of(size_average, reduce, reduction),
                          "Target size ({t}) must be the same as input size ({i})")
    not_differentiable("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    xd, td = _pair_arrays(input, target, "binary_cross_entropy_with_logits")
    pw = None
    if pos_weight is None:
        elem = (1 - td) * xd + _softplus_neg(xd)
    else:
        pw = pos_weight._data.astype(xd.dtype, copy=False)
        elem = (1 - td) * xd + ((pw - 1) * td + 1) * _softplus_neg(xd)
    w = None
    if weight is not None:
        w = weight._data.astype(xd.dtype, copy=False)
        elem = elem * w
    # PyTorch builds the loss in place from (1 - target): it keeps the target's dtype
    elem = np.asarray(elem, dtype=target._data.dtype if target._data.dtype.kind in "fV"
                      else xd.dtype, order="C")  # (ascontiguousarray makes 0-dim 1-dim)
    # the weights are saved too: w and pw may share their memory, so changing one in place
    # before backward raises (as PyTorch) instead of silently changing the gradient
    save = _saved_pair(input, target, xd, td) + tuple(
        [v for v in (weight, pos_weight) if v is not None])
    return _finish_pair(elem, reduction, BinaryCrossEntropyWithLogitsBackward0, input, target,
                        save, (w, pw))


class KlDivBackward0(_PairLoss):
    __slots__ = ("extra",)

    def backward(self, g, x, t):
        log_target, = self.extra
        s = self._s(g)
        nf = self.next_functions
        gx = gt = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if log_target:
                et = _bw.exp(t)
                if nf[0][0] is not None:
                    gx = -et * s
                if nf[1][0] is not None:
                    gt = et * (t - x + 1) * s
            else:
                if nf[0][0] is not None:
                    gx = -t * s
                if nf[1][0] is not None:
                    # d/dt (xlogy(t, t) - t x): xlogy's rule, so t == 0 gives nan like PyTorch
                    nz = npv(t) != 0
                    logt = _bw.where(nz, _bw.log(_bw.where(nz, t, 1.0)), 0.0)
                    gt = (logt + t / t - x) * s
        return gx, gt


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None,
           reduce: bool | None = None, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Pointwise KL divergence with `input` given as log-probabilities.

    Example::

        >>> import dygrad.nn.functional as F
        >>> logq = torch.tensor([0.5, 0.5]).log()
        >>> F.kl_div(logq, torch.tensor([0.9, 0.1]), reduction='sum')
        tensor(0.3681)
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, target = _autocast('kl_div', input, target)
    check_tensor(input, "input", "kl_div")
    check_tensor(target, "target", "kl_div")
    if size_average is not None or reduce is not None:
        reduction = reduction_of(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with the "
                      "KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if reduction != "batchmean":
        check_reduction(reduction)
    xd, td = _pair_arrays(input, target, "kl_div")
    with np.errstate(divide="ignore", invalid="ignore"):
        if log_target:
            elem = np.exp(td) * (td - xd)
        else:
            elem = np.where(td == 0, 0, td * np.log(np.where(td == 0, 1, td))) - td * xd
    elem = np.asarray(elem, dtype=xd.dtype)
    save = _saved_pair(input, target, xd, td)
    if reduction != "batchmean":
        return _finish_pair(elem, reduction, KlDivBackward0, input, target, save, (log_target,))
    out = _finish_pair(elem, "sum", KlDivBackward0, input, target, save, (log_target,))
    return out / input.shape[0] if input.dim() != 0 else out


def soft_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Two-class logistic loss log(1 + exp(-target * input)), targets in {1, -1}.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.soft_margin_loss(torch.tensor([2.0, -1.0]), torch.tensor([1.0, -1.0]))
        tensor(0.2201)
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, target = _autocast('soft_margin_loss', input, target)
    reduction = check_reduction(reduction_of(size_average, reduce, reduction))
    not_differentiable("soft_margin_loss", "target", target)
    # PyTorch computes -input * target in place in a tensor like input: the target must
    # broadcast to input's shape, and the loss keeps input's dtype
    try:
        shape = np.broadcast_shapes(input._data.shape, target._data.shape)
    except ValueError:
        raise RuntimeError(f"soft_margin_loss: the size of input {list(input._data.shape)} and "
                           f"target {list(target._data.shape)} cannot be broadcast together") \
            from None
    if shape != input._data.shape:
        raise RuntimeError(f"output with shape {list(input._data.shape)} doesn't match the "
                           f"broadcast shape {list(shape)}")
    xd, td = input._data, target._data
    if xd.dtype.kind not in "fV":
        raise NotImplementedError(f"soft_margin_loss: expected a floating-point input, got "
                                  f"{input.dtype}")
    # PyTorch's literal log(1 + exp(-y x)) (overflowing to inf as PyTorch does)
    with np.errstate(over="ignore"):
        elem = np.log1p(np.exp((-xd * td).astype(xd.dtype, copy=False)))
    return _finish_pair(elem, reduction, SoftMarginLossBackward0, input, target, (input, target))


class SoftMarginLossBackward0(_PairLoss):
    """PyTorch's gradient -y z / (1 + z) with z = exp(-y x): nan where z overflows."""
    __slots__ = ()

    def backward(self, g, x, t):
        with np.errstate(over="ignore", invalid="ignore"):
            z = _bw.exp(-t * x)
            return -t * z / (1 + z) * self._s(g), None


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average: bool | None = None, reduce: bool | None = None,
                                reduction: str = "mean") -> Tensor:
    """Multi-label one-vs-all logistic loss: binary cross-entropy on logits averaged over the C
    classes of each (N, C) sample.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x, t = torch.tensor([[2.0, -1.0, 0.0]]), torch.tensor([[1.0, 0.0, 1.0]])
        >>> F.multilabel_soft_margin_loss(x, t)
        tensor(0.3778)
    """
    reduction = check_reduction(reduction_of(size_average, reduce, reduction))
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.shape[class_dim]
    return reduce_loss(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average: bool | None = None, eps: float = 1e-8,
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: exp(input) - target * input with log_input=True, input -
    target * log(input + eps) otherwise.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.poisson_nll_loss(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
        tensor(0.8591)
    """
    reduction = reduction_of(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        # Stirling's term, kept for targets above 1; computed on every target as PyTorch does
        # (so a zero target's gradient is nan there too)
        stirling = target * target.log() - target + (target * (2 * math.pi)).log() * 0.5
        loss = loss + _ew.where(_wrap(target._data > 1), stirling, 0.0)
    return reduce_loss(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood 0.5 * (log(var) + (input - target) ** 2 / var), var clamped
    at eps.

    Example::

        >>> import dygrad.nn.functional as F
        >>> mean, var = torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.5])
        >>> F.gaussian_nll_loss(mean, torch.tensor([1.5, 2.0]), var)
        tensor(-0.1108)
    """
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = _wrap(np.full(input._data.shape, var, dtype=input._data.dtype))
    if (var._data < 0).any():
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)  # one variance per sample, shared across the last dim
        elif not (input.dim() == var.dim() and
                  sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            # PyTorch's rule: same rank, the sizes of var where they differ sum to 1 (one
            # dim of size 1 that broadcasts)
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    # clamped value, unclamped gradient (as in PyTorch: a clone clamped in place under no_grad;
    # adding (clamp(v) - v) instead would turn an infinite variance into nan)
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(loss, reduction)
