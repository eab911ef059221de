"""Elementwise (input, target) losses: the shared fused node, operand dtype/shape handling, and
mse_loss."""
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node, sum_to
from . import _bw
from ._layer_util import attach, check_reduction, check_tensor, reduce_loss, reduction_of
from ..amp._state import STATE as _AC, cast as _autocast


def _pair_checks(op, input, target, float_only=False):
    """The checks every elementwise (input, target) loss makes first, in PyTorch's order: both
    Tensors, a warning where their shapes differ (broadcasting is rarely meant), and for the
    piecewise losses (float_only) a refusal of two integer operands."""
    check_tensor(input, "input", op)
    check_tensor(target, "target", op)
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)
    if float_only and input._data.dtype.kind not in "fV" and target._data.dtype.kind not in "fV":
        raise NotImplementedError(f"{op}: not implemented for integer inputs (got {input.dtype} "
                                  f"and {target.dtype})")


def _fit(g, shape):
    """A gradient summed down (or, where a reduced loss's gradient only involves the smaller
    operand, broadcast up) to an operand's shape."""
    gs = tuple(g.shape)
    if gs != shape:
        full = np.broadcast_shapes(gs, shape)
        if full != gs:
            g = _bw.expand(g, full)
            g = g.copy() if isinstance(g, np.ndarray) and full == shape else g
    return sum_to(g, shape)


def broadcast_pair(input, target):
    """PyTorch's mse/l1/smooth_l1/huber losses broadcast both operands first, so a 0-dim
    operand promotes like a dimensioned one (float32 (3,) against float64 () is float64)."""
    if input._data.shape == target._data.shape:
        return input, target
    from .join import broadcast_tensors
    return broadcast_tensors(input, target)


class _PairLoss(Node):
    """Elementwise loss of (input, target) reduced; gradients reduced back to each shape."""
    __slots__ = ("red", "n", "shapes", "dtypes")

    def _apply(self, grads, create_graph):
        gx, gt = self.backward(grads[0], *self._vals(create_graph))
        if gx is not None:
            gx = _bw.cast(_fit(gx, self.shapes[0]), self.dtypes[0])
        if gt is not None:
            gt = _bw.cast(_fit(gt, self.shapes[1]), self.dtypes[1])
        return gx, gt

    def _s(self, g):
        return g / self.n if self.red == "mean" else g


class MseLossBackward0(_PairLoss):
    __slots__ = ()

    def backward(self, g, x, t):
        d = (x - t) * (2 * self._s(g))
        nf = self.next_functions
        return (d if nf[0][0] is not None else None, -d if nf[1][0] is not None else None)


def _pair_arrays(input, target, op):
    xd, td = input._data, target._data
    npdt = xd.dtype if xd.dtype == td.dtype else _dtype.result_np_dtype((input, target))
    if npdt.kind not in "fV":  # PyTorch has no integer kernel for these losses
        if op == "kl_div":
            raise RuntimeError("kl_div: Integral inputs not supported.")
        raise NotImplementedError(f"{op}: not implemented for integer inputs (got {input.dtype} "
                                  f"and {target.dtype})")
    if xd.dtype != td.dtype:
        xd, td = xd.astype(npdt, copy=False), td.astype(npdt, copy=False)
    try:
        np.broadcast_shapes(xd.shape, td.shape)
    except ValueError:
        raise RuntimeError(f"{op}: The size of input {list(xd.shape)} and target {list(td.shape)} "
                           "cannot be broadcast together") from None
    return xd, td


def _saved_pair(input, target, xd, td):
    """What a pair loss saves: the operands themselves, or their arrays after a dtype cast."""
    return (input, target) if xd is input._data and td is target._data else (_wrap(xd), _wrap(td))


def _weighted(elem, weight, input, reduction, mean_by_weight):
    """An elementwise loss times a same-shape `weight`, reduced; "mean" divides by the weights'
    sum where `mean_by_weight` (l1/mse, as PyTorch) and by the element count otherwise (huber)."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    elem = elem * weight
    if reduction == "mean":
        return elem.sum() / weight.sum() if mean_by_weight else elem.mean()
    return reduce_loss(elem, reduction)


def _finish_pair(elem, reduction, node_cls, input, target, save, extra=None):
    n = elem.size
    out = elem if reduction == "none" else (elem.sum() if reduction == "sum" else elem.mean())
    out = np.asarray(out, dtype=elem.dtype)
    if STATE.enabled and (input._rg or target._rg):
        node = node_cls((input._grad_node(), target._grad_node()))
        node.red, node.n, node.shapes = reduction, n, (input._data.shape, target._data.shape)
        node.dtypes = (input._data.dtype, target._data.dtype)
        if extra is not None:
            node.extra = extra
        node.save(*save)
        return attach(out, node)
    return _wrap(out)


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
             reduce: bool | None = None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Mean squared error (input - target) ** 2, reduced by `reduction`.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.mse_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 0.0, 0.0]))
        tensor(4.3333)
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, target = _autocast('mse_loss', input, target)
    _pair_checks("mse_loss", input, target)
    reduction = check_reduction(reduction_of(size_average, reduce, reduction))
    if weight is not None:
        return _weighted((input - target) ** 2, weight, input, reduction, True)
    input, target = broadcast_pair(input, target)
    xd, td = _pair_arrays(input, target, "mse_loss")
    d = xd - td
    return _finish_pair(d * d, reduction, MseLossBackward0, input, target,
                        _saved_pair(input, target, xd, td))
