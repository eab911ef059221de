"""The dropout family: dropout, dropout1d/2d/3d (whole channels), alpha_dropout and
feature_alpha_dropout; each draws its mask from the default generator and multiplies it in (a
differentiable product, or in place when no graph is recorded)."""
import warnings

import numpy as np

from .. import random as _random
from .._tensor import Tensor, _inplace
from ..autograd.grad_mode import STATE
from ._layer_util import check_tensor
from ._record import attach_outputs, record


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _apply_mask(input, noise, inplace, bias=None):
    """input * noise (+ bias); noise and bias: tensors of recorded draws (see _drawn)."""
    # (a capture takes the recorded path below, whose in-place write it can replay)
    if inplace and not (STATE.enabled and input._rg) and STATE.trace is None:
        d = input._data
        d *= noise._data
        if bias is not None:
            d += bias._data
        input._vc[0] += 1
        return input
    # (in place inside a graph: the product is taken of a copy, which the node keeps)
    out = (input.clone() if inplace else input) * noise
    if bias is not None:
        out = out + bias
    return _inplace(input, out) if inplace else out


def _keep_mask(shape, p, npdt, batched=True):
    """The scaled keep mask (1 / (1 - p) or 0) drawn from the default generator; unbatched: its
    first entry (channel dropout of an input without a batch dim)."""
    if p == 1.0:
        keep = np.zeros(shape, npdt)
    else:
        keep = (_random._uniform(shape, 0.0, 1.0) < 1.0 - p).astype(npdt)
        keep /= npdt.type(1.0 - p)
    return keep if batched else keep[0]


def _drawn(draw, *params):
    """The random array draw(*params) as a tensor. A graph capture records the draw itself: a
    replay repeats it (the same calls on the default generator, in the same order)."""
    t = record(draw(*params), None, (), replay=draw, args=params, name="dropout_mask")[0]
    if STATE.trace is not None:
        STATE.trace.keep(t)  # drawn at every replay, used or not (later draws depend on it)
    return t


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zeroes each element with probability p during training and scales the rest by 1 / (1 - p);
    the identity when training is False.

    Example::

        >>> import dygrad.nn.functional as F
        >>> _ = torch.manual_seed(0)
        >>> y = F.dropout(torch.ones(2, 4), p=0.5)
        >>> y.shape
        torch.Size([2, 4])
        >>> F.dropout(torch.ones(3), training=False)
        tensor([1., 1., 1.])
    """
    _check_p(p)
    check_tensor(input, "input", "dropout")
    if not training or p == 0.0:
        return input
    d = input._data
    return _apply_mask(input, _drawn(_keep_mask, d.shape, p, d.dtype), inplace)


def _feature_shape(shape):
    return tuple(shape[:2]) + (1,) * (len(shape) - 2)


def _feature_dropout(input, p, training, inplace, batched):
    _check_p(p)
    if not training or p == 0.0:
        return input
    d = input._data
    shape = _feature_shape(d.shape if batched else (1,) + d.shape)
    return _apply_mask(input, _drawn(_keep_mask, shape, p, d.dtype, batched), inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Channel dropout: zeroes whole channels of an (N, C, L) or (C, L) input with probability p,
    scaling the rest by 1 / (1 - p).

    Example::

        >>> import dygrad.nn.functional as F
        >>> _ = torch.manual_seed(0)
        >>> F.dropout1d(torch.ones(2, 3, 4), p=0.5).shape
        torch.Size([2, 3, 4])
    """
    _check_p(p)
    nd = input.dim()
    if nd not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that dropout1d "
            "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
            "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, nd == 3)


def _warn_rank(k, nd):
    """PyTorch's dropout2d/3d still run on other ranks, with this deprecation warning."""
    warnings.warn(
        f"dropout{k}d: Received a {nd}-D input to dropout{k}d, which is deprecated and will result "
        "in an error in a future release. To retain the behavior and silence this warning, "
        f"please use dropout instead. Note that dropout{k}d exists to provide channel-wise "
        f"dropout on inputs with {k} spatial dimensions, a channel dimension, and an optional "
        f"batch dimension (i.e. {k + 1}D or {k + 2}D inputs).", stacklevel=3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Channel dropout for (N, C, H, W) or (C, H, W) inputs: whole feature maps are zeroed with
    probability p.

    Example::

        >>> import dygrad.nn.functional as F
        >>> _ = torch.manual_seed(0)
        >>> F.dropout2d(torch.ones(2, 3, 4, 4), p=0.5).shape
        torch.Size([2, 3, 4, 4])
    """
    _check_p(p)
    nd = input.dim()
    if nd not in (3, 4):
        _warn_rank(2, nd)
    if nd == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
            "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
            "dim. This behavior will change in a future release to interpret the input as one "
            "without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
            "dropout behavior, please switch to using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, True)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Channel dropout for (N, C, D, H, W) or (C, D, H, W) inputs.

    Example::

        >>> import dygrad.nn.functional as F
        >>> _ = torch.manual_seed(0)
        >>> F.dropout3d(torch.ones(1, 2, 2, 2, 2), p=0.5).shape
        torch.Size([1, 2, 2, 2, 2])
    """
    _check_p(p)
    nd = input.dim()
    if nd not in (4, 5):
        _warn_rank(3, nd)
    return _feature_dropout(input, p, training, inplace, nd == 5)


_SELU_NEG_SAT = 1.7580993408473766  # SELU's scale * alpha: where SELU saturates for x -> -inf


def _alpha_noise(shape, p, npdt):
    """Mask and offset keeping zero mean and unit variance (alpha dropout)."""
    keep = (_random._uniform(shape, 0.0, 1.0) < 1.0 - p).astype(np.float64)
    a = 1.0 / np.sqrt((_SELU_NEG_SAT ** 2 * p + 1) * (1 - p))
    b = (keep - 1) * (_SELU_NEG_SAT * a) + _SELU_NEG_SAT * a * p
    return (keep * a).astype(npdt), b.astype(npdt)


def _alpha_dropout(input, p, training, inplace, feature):
    _check_p(p)
    if not training or p == 0.0:
        return input
    d = input._data
    if p == 1.0:
        return _apply_mask(input, _drawn(np.zeros, d.shape, d.dtype), inplace)
    # mask and offset come from one draw: one kernel gives both (a replay draws once, as here)
    args = (_feature_shape(d.shape) if feature else d.shape, p, d.dtype)
    noise, bias = attach_outputs(_alpha_noise(*args), None, replay=_alpha_noise, args=args,
                                 name="alpha_dropout_noise")
    if STATE.trace is not None:
        STATE.trace.keep(noise)
    return _apply_mask(input, noise, inplace, bias)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped elements take SELU's negative saturation value and an
    affine map keeps mean and variance.

    Example::

        >>> import dygrad.nn.functional as F
        >>> _ = torch.manual_seed(0)
        >>> F.alpha_dropout(torch.ones(2, 4), p=0.5, training=True).shape
        torch.Size([2, 4])
        >>> F.alpha_dropout(torch.ones(3))  # training defaults to False
        tensor([1., 1., 1.])
    """
    return _alpha_dropout(input, p, training, inplace, False)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels (dim 1 of an (N, C, ...) input).

    Example::

        >>> import dygrad.nn.functional as F
        >>> _ = torch.manual_seed(0)
        >>> F.feature_alpha_dropout(torch.ones(2, 3, 4), p=0.5, training=True).shape
        torch.Size([2, 3, 4])
    """
    return _alpha_dropout(input, p, training, inplace, True)


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_dropout(g, c):
    x, p = c["input"], c.get("p", 0.5)
    if c.get("training", c.get("train", True)) and p > 0:
        if c.name != "dropout" or x._data.dtype.kind != "f":
            return None  # channel-wise and alpha dropout in training: not lowered
        # a training-mode export: ONNX's Dropout draws its own mask (from another generator)
        return g.op("Dropout", [g.value(x), g.value(float(p), x),
                                g.const(np.asarray(True))])
    return g.op("Identity", [g.value(x)])


for _name in ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
              "feature_alpha_dropout"):
    _rule("onnx", _name)(_onnx_dropout)
