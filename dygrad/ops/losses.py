"""The hot losses as single fused nodes: cross_entropy and nll_loss (mse_loss and the shared
elementwise-loss machinery are in losses_pair, binary cross entropy in losses_binary).
Reductions and weighted means follow PyTorch exactly: a weighted 'mean' divides by the summed
weights of the non-ignored targets.

Each backward has a NumPy fast path and a Tensor path (create_graph=True) built from operators.
"""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node, sum_to
from . import _bw
from . import nn_ops as _nn
from ._layer_util import (attach, check_reduction, check_tensor, not_differentiable, reduction_of,
                          npv)
from ._record import record1
from ._reduce_util import scalar_type_name
from ..amp._state import STATE as _AC, cast as _autocast

__all__ = ["cross_entropy", "nll_loss"]


def _np_log_softmax(d, axis):
    s = d - d.max(axis=axis, keepdims=True)
    e = np.exp(s)
    tot = e.sum(axis=axis, keepdims=True)
    return s - np.log(tot), e / tot


def _scale(g, reduction, denom, cdim):
    """Upstream gradient as a per-sample factor broadcastable over the class dim."""
    if reduction == "none":
        return _bw.reshape(g, tuple(g.shape[:cdim]) + (1,) + tuple(g.shape[cdim:]))
    return g / denom if reduction == "mean" else g


# -- class-index losses ----------------------------------------------------------------------------
def _index_targets(xd, td, w, ignore_index, op):
    """Validates class-index targets (arrays); returns (cdim, targets with ignored ones set to 0,
    validity mask or None, per-sample weights or None when all are 1)."""
    if td.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"{op}: expected target dtype to be Long or Byte, but got "
                           f"{scalar_type_name(td.dtype)}")
    if xd.ndim == 0:
        raise ValueError(f"{op}: expected 1 or more dimensions (got 0)")
    if xd.ndim == 1:
        if td.ndim != 0:
            raise RuntimeError(f"{op}: 0D target tensor expected when input is 1D (unbatched), "
                               f"got target of shape {list(td.shape)}")
    elif xd.ndim == 2:
        if td.ndim != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if td.shape[0] != xd.shape[0]:
            raise ValueError(f"Expected input batch_size ({xd.shape[0]}) to match target "
                             f"batch_size ({td.shape[0]}).")
    elif td.shape != xd.shape[:1] + xd.shape[2:]:
        raise RuntimeError(f"Expected target size {list(xd.shape[:1] + xd.shape[2:])}, got "
                           f"{list(td.shape)}")
    cdim = 0 if xd.ndim == 1 else 1
    C = xd.shape[cdim]
    if w is not None:
        if w.ndim != 1 or w.shape[0] != C:
            raise RuntimeError(f"weight tensor should be defined either for all {C} classes or no "
                               f"classes but got weight tensor of shape: {list(w.shape)}")
        if w.dtype != xd.dtype:
            raise RuntimeError(f"expected scalar type {scalar_type_name(xd.dtype)} but found "
                               f"{scalar_type_name(w.dtype)}")
    t = td if td.dtype == np.int64 else td.astype(np.int64)
    lo, hi = (int(t.min()), int(t.max())) if t.size else (0, 0)
    valid = None  # None: every target counts (the common case, kept free of masks)
    if lo <= ignore_index <= hi:
        valid = t != ignore_index
        if valid.all():
            valid = None
    if lo < 0 or hi >= C:
        bad = (t < 0) | (t >= C)
        if valid is not None:
            bad &= valid
        if bad.any():
            raise IndexError(f"Target {int(t[bad].flat[0])} is out of bounds.")
    if valid is not None:
        t = np.where(valid, t, 0)
    if w is not None:
        wt = w[t] if valid is None else np.where(valid, w[t], 0).astype(xd.dtype)
    else:
        wt = None if valid is None else valid.astype(xd.dtype)
    return cdim, t, valid, wt


def _class_key(t, cdim):
    """Index picking, for every sample (and position), the entry of its target class."""
    if cdim == 1 and t.ndim == 1:
        return np.arange(t.shape[0]), t
    grids = np.indices(t.shape, sparse=True)
    return tuple(grids[:cdim]) + (t,) + tuple(grids[cdim:])


class NllLossBackward0(Node):
    """Backward of cross_entropy (log_softmax fused in) and nll_loss with class-index targets.

    Eager nodes keep the arrays of their run (targets, mask, softmax). A node made while
    tracing (`again` set) keeps none: it saves the target and recomputes them from the saved
    input, so that a replay can run it on new values."""
    __slots__ = ("fused", "cdim", "red", "denom", "t", "valid", "wt", "w", "eps", "p", "again")

    def backward(self, g, x, target=None):
        if self.again is not None:
            _, _, t, valid, wt, p, denom = _class_forward(
                npv(x), npv(target), self.w, self.again[0], self.red, self.eps, self.fused,
                self.again[1])
        else:
            t, valid, wt, p, denom = self.t, self.valid, self.wt, self.p, self.denom
        if self.red == "mean" and denom == 0:
            # every target ignored: a zero gradient, but (fused) the softmax backward still
            # makes a row holding nan or inf nan, as PyTorch's does (p * 0)
            if not self.fused:
                return _bw.zeros_like(x)
            return (_nn.softmax(x, self.cdim) if isinstance(x, Tensor) else p) * 0
        cdim = self.cdim
        s = _scale(g, self.red, denom, cdim)
        if not self.fused:  # nll_loss: d/dx = -w[t] at the target position
            if isinstance(g, Tensor):
                return _wrap(-self._target_weights(x._data, t, valid, wt)) * s
            out = np.zeros(x.shape, x.dtype)
            if np.ndim(s) == 0:
                # only the target entries are nonzero: scale them, not the whole array (PyTorch
                # too leaves the other entries +0, whatever the upstream gradient)
                out[_class_key(t, cdim)] = (-1 if wt is None else -wt) * s
                return out
            out[_class_key(t, cdim)] = -1 if wt is None else -wt
            out *= s
            return out
        if isinstance(g, Tensor) or self.eps or self.w is not None:
            # general form: d loss_i / d x_ic = p_ic * sum_c q_ic - q_ic
            xv = npv(x)
            q = self._target_weights(xv, t, valid, wt)
            Q = q.sum(axis=cdim, keepdims=True)
            p = _nn.softmax(x, cdim) if isinstance(x, Tensor) else p
            return (p * Q - q) * s
        grad = p.copy()
        grad[_class_key(t, cdim)] -= 1
        if valid is not None:
            grad *= np.expand_dims(valid, cdim)
        grad *= s
        return grad

    def _target_weights(self, xv, t, valid, wt):
        """q: each sample's (smoothed, weighted) target distribution, zero where ignored."""
        cdim, eps = self.cdim, self.eps
        C = xv.shape[cdim]
        q = np.zeros(xv.shape, xv.dtype)
        q[_class_key(t, cdim)] = (1 - eps) if wt is None else wt * (1 - eps)
        if eps:
            wb = np.ones(C, xv.dtype) if self.w is None else self.w
            wb = wb.reshape((C,) + (1,) * (xv.ndim - cdim - 1)) * xv.dtype.type(eps / C)
            q += wb if valid is None else np.expand_dims(valid, cdim) * wb
        return q

    def _release_extra(self):
        self.p = None


def _class_forward(xd, td, w, ignore_index, reduction, eps, fused, op):
    """The loss on arrays, and what its backward needs:
    (loss, cdim, targets, validity mask, per-sample weights, softmax, denominator)."""
    cdim, t, valid, wt = _index_targets(xd, td, w, ignore_index, op)
    if fused:
        logp, p = _np_log_softmax(xd, cdim)
    else:
        if xd.dtype.kind not in "fV":
            raise NotImplementedError(f"{op}: expected a floating-point input, got "
                                      f"{_dtype.from_numpy_dtype(xd.dtype)}")
        logp, p = xd, None
    picked = logp[_class_key(t, cdim)]
    loss = -picked if wt is None else -(wt * picked)
    if valid is not None:  # an ignored row adds 0 even when its input is nan or infinite
        loss = np.where(valid, loss, 0).astype(loss.dtype, copy=False)
    if eps:
        C = xd.shape[cdim]
        wb = 1 if w is None else w.reshape((C,) + (1,) * (xd.ndim - cdim - 1))
        smooth = -(logp * wb).sum(axis=cdim)
        if valid is not None:
            smooth = np.where(valid, smooth, 0).astype(smooth.dtype, copy=False)
        loss = loss * xd.dtype.type(1 - eps) + smooth * xd.dtype.type(eps / C)
    denom = None
    if reduction == "sum":
        out = loss.sum(dtype=xd.dtype)
    elif reduction == "mean":
        denom = xd.dtype.type(t.size) if wt is None else wt.sum(dtype=xd.dtype)
        out = loss.sum(dtype=xd.dtype) / denom  # all ignored: 0 / 0 = nan, like PyTorch
    else:
        out = loss
    return np.asarray(out, dtype=xd.dtype), cdim, t, valid, wt, p, denom


def _class_loss(x, target, weight, ignore_index, reduction, eps, fused, op):
    not_differentiable("nll_loss_forward", "weight", weight)
    w = None if weight is None else weight._data
    out, cdim, t, valid, wt, p, denom = _class_forward(x._data, target._data, w, ignore_index,
                                                       reduction, eps, fused, op)
    # under a capture, the node recomputes the forward's intermediates from its saved inputs,
    # so that a replay (which runs the kernel below, not this function) can run its backward
    replayable = STATE.trace is not None and w is None
    r, node = record1(out, NllLossBackward0, x,
                      (_class_replay, x, target, ignore_index, reduction, eps, fused, op)
                      if replayable else None, None, op)
    if node is not None:
        node.fused, node.cdim, node.red, node.w, node.eps = fused, cdim, reduction, w, eps
        if replayable:
            node.again = (ignore_index, op)
            node.t = node.valid = node.wt = node.p = node.denom = None
            node.save(x, target)
        else:
            node.again = None
            node.t, node.valid, node.wt, node.p, node.denom = t, valid, wt, p, denom
            # the target is saved although backward reads node.t (which may share its memory):
            # changing it in place before backward then raises, as in PyTorch
            node.save(x, target)
    return r


def _class_replay(x, target, ignore_index, reduction, eps, fused, op):
    def kernel(xd, td):
        return _class_forward(xd, td, None, ignore_index, reduction, eps, fused, op)[0]
    return kernel, (x, target)


# -- probability targets ------------------------------------------------------------------------------
class CrossEntropyLossBackward0(Node):
    """PyTorch computes this loss as -(log_softmax(x) * target * weight).sum(cdim), so input,
    target and weight promote to one dtype and all three are differentiable."""
    __slots__ = ("cdim", "red", "denom", "eps", "has_w", "p", "dtypes")

    def backward(self, g, x, t, w=None):
        nf = self.next_functions
        cdim, eps = self.cdim, self.eps
        nd = len(x.shape)
        C = x.shape[cdim]
        wb = None if w is None else _bw.reshape(w, (C,) + (1,) * (nd - cdim - 1))
        if not isinstance(g, Tensor):
            # arrays: compute in the result's dtype (g's), as the forward did
            x, t = _bw.cast(x, g.dtype), _bw.cast(t, g.dtype)
            wb = None if wb is None else _bw.cast(wb, g.dtype)
        s = _scale(g, self.red, self.denom, cdim)
        tq = t * (1 - eps) + eps / C if eps else t
        q = tq * wb if wb is not None else tq
        gx = gt = gw = None
        if nf[0][0] is not None:
            p = _nn.softmax(x, cdim) if isinstance(x, Tensor) else self.p
            gx = _bw.cast((p * _bw.sum(q, cdim, True) - q) * s, self.dtypes[0])
        if nf[1][0] is not None or (w is not None and nf[2][0] is not None):
            logp = _nn.log_softmax(x, cdim) if isinstance(x, Tensor) else _np_log_softmax(x, cdim)[0]
            if nf[1][0] is not None:
                wl = logp * wb if wb is not None else logp
                gt = _bw.cast(-(wl * s) * (1 - eps), self.dtypes[1])
            if w is not None and nf[2][0] is not None:
                gw = _bw.cast(sum_to(-(logp * tq * s), (1,) * cdim + (C,) + (1,) * (nd - cdim - 1)),
                              self.dtypes[2])
                gw = _bw.reshape(gw, (C,))
        return (gx, gt) if w is None else (gx, gt, gw)

    def _release_extra(self):
        self.p = None


def _prob_loss(x, target, weight, reduction, eps):
    ts = (x, target) if weight is None else (x, target, weight)
    npdt = _dtype.result_np_dtype(ts)
    xd, td = (v._data if v._data.dtype == npdt else v._data.astype(npdt) for v in (x, target))
    cdim = 0 if xd.ndim == 1 else 1
    C = xd.shape[cdim]
    wb = None
    if weight is not None:
        w = weight._data
        if w.ndim != 1 or w.shape[0] != C:
            raise RuntimeError(f"weight tensor should be defined either for all {C} classes or no "
                               f"classes but got weight tensor of shape: {list(w.shape)}")
        wb = w.astype(npdt, copy=False).reshape((C,) + (1,) * (xd.ndim - cdim - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        logp, p = _np_log_softmax(xd, cdim)
        tq = td * npdt.type(1 - eps) + npdt.type(eps / C) if eps else td
        q = tq if wb is None else tq * wb
        loss = -(q * logp).sum(axis=cdim)
        denom = None
        if reduction == "sum":
            out = loss.sum(dtype=npdt)
        elif reduction == "mean":
            denom = npdt.type(xd.size // C if C else 0)
            out = loss.sum(dtype=npdt) / denom  # an empty batch: 0 / 0 = nan, as PyTorch
        else:
            out = loss
    out = np.asarray(out, dtype=npdt)
    if STATE.enabled and any(v._rg for v in ts):
        node = CrossEntropyLossBackward0(tuple(v._grad_node() for v in ts))
        node.cdim, node.red, node.denom, node.eps, node.p = cdim, reduction, denom, eps, p
        node.dtypes = tuple(v._data.dtype for v in ts)
        node.save(*ts)
        return attach(out, node)
    return _wrap(out)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """log_softmax over dim 1 (dim 0 for unbatched input) and the negative log likelihood, fused.

    Example::

        >>> import dygrad.nn.functional as F
        >>> logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
        >>> F.cross_entropy(logits, torch.tensor([0, 2]))
        tensor(0.6691)
        >>> F.cross_entropy(logits, torch.tensor([0, 2]), reduction='none')
        tensor([0.2395, 1.0986])
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, target, weight = _autocast('cross_entropy', input, target, weight)
    check_tensor(input, "input", "cross_entropy")
    check_tensor(target, "target", "cross_entropy")
    reduction = check_reduction(reduction_of(size_average, reduce, reduction))
    if not label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    # PyTorch checks only the upper bound and smooths only when label_smoothing > 0
    label_smoothing = label_smoothing if label_smoothing > 0 else 0.0
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"log_softmax_lastdim_kernel_impl\" not implemented for "
                                  f"'{scalar_type_name(input._data.dtype)}'")
    if input._data.ndim == target._data.ndim and target._data.dtype.kind not in "fV":
        # equal ranks mean class probabilities to PyTorch (even for a 0-dim input)
        raise RuntimeError(f"cross_entropy: expected floating point type for target with class "
                           f"probabilities, got {scalar_type_name(target._data.dtype)}")
    if target._data.dtype.kind in "fV":
        if input._data.ndim == 0:
            raise IndexError("cross_entropy: dimension specified as 1 but the input has no dimensions")
        if target._data.shape != input._data.shape:
            if input._data.ndim == 2 and target._data.ndim != 1:
                raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
            raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                               f"{scalar_type_name(target._data.dtype)} (class-probability targets must "
                               f"have the input's shape {list(input._data.shape)}, got "
                               f"{list(target._data.shape)})")
        if ignore_index != -100:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _prob_loss(input, target, weight, reduction, label_smoothing)
    return _class_loss(input, target, weight, ignore_index, reduction, label_smoothing, True,
                       "cross_entropy")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             size_average: bool | None = None, ignore_index: int = -100, reduce: bool | None = None,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: -input[n, target[n]] (input holds log-probabilities, (N, C) or (N,
    C, d1, ...)), optionally weighted per class, averaged by default.

    Example::

        >>> import dygrad.nn.functional as F
        >>> logp = torch.tensor([[-0.5, -1.0], [-2.0, -0.1]])
        >>> F.nll_loss(logp, torch.tensor([0, 1]))
        tensor(0.3000)
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, target, weight = _autocast('nll_loss', input, target, weight)
    check_tensor(input, "input", "nll_loss")
    check_tensor(target, "target", "nll_loss")
    reduction = check_reduction(reduction_of(size_average, reduce, reduction))
    return _class_loss(input, target, weight, ignore_index, reduction, 0.0, False, "nll_loss")


# -- regression / binary ----------------------------------------------------------------------------
