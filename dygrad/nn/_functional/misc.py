"""Softmax family, dropout family, one_hot, pad, normalize and distance functions."""
import warnings

import numpy as np

from ... import random as _random
from ..._tensor import _wrap, _inplace
from ...autograd.grad_mode import STATE
from ...autograd.node import Node
from ...ops import nn_ops as _nn
from ._util import attach, check_tensor

__all__ = ["softmax", "log_softmax", "softmin", "glu", "gumbel_softmax", "dropout", "dropout1d",
           "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout", "one_hot", "pad",
           "normalize", "cosine_similarity", "pairwise_distance"]


# -- softmax family ------------------------------------------------------------------------------
def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmax", input.dim(), _stacklevel)
    return _nn.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim(), _stacklevel)
    return _nn.log_softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmin", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return _nn.softmax(-input, dim)


def glu(input, dim=-1):
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    n = input.shape[dim]
    if n % 2:
        d = dim if dim >= 0 else dim + input.dim()
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"glu: expected a floating-point input, got {input.dtype}")
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    u = _random._uniform(logits._data.shape, 0.0, 1.0)
    gumbels = -np.log(-np.log1p(-u))  # -log(Exponential(1))
    y = _nn.softmax((logits + _wrap(gumbels.astype(logits._data.dtype))) / tau, dim)
    if not hard:
        return y
    idx = y._data.argmax(axis=dim)
    hot = np.zeros_like(y._data)
    np.put_along_axis(hot, np.expand_dims(idx, dim), 1, axis=dim)
    return _wrap(hot) - y.detach() + y  # straight-through estimator


# -- dropout family --------------------------------------------------------------------------------
def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _apply_mask(input, noise, inplace, bias=None):
    if inplace and not (STATE.enabled and input._rg):
        d = input._data
        d *= noise
        if bias is not None:
            d += bias
        input._vc[0] += 1
        return input
    # (in place inside a graph: the product is taken of a copy, which the node keeps)
    out = (input.clone() if inplace else input) * _wrap(noise)
    if bias is not None:
        out = out + _wrap(bias)
    return _inplace(input, out) if inplace else out


def _keep_mask(shape, p, npdt):
    if p == 1.0:
        return np.zeros(shape, npdt)
    keep = (_random._uniform(shape, 0.0, 1.0) < 1.0 - p).astype(npdt)
    keep /= npdt.type(1.0 - p)
    return keep


def dropout(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    check_tensor(input, "input", "dropout")
    if not training or p == 0.0:
        return input
    d = input._data
    return _apply_mask(input, _keep_mask(d.shape, p, d.dtype), inplace)


def _feature_shape(shape):
    return tuple(shape[:2]) + (1,) * (len(shape) - 2)


def _feature_dropout(input, p, training, inplace, batched):
    _check_p(p)
    if not training or p == 0.0:
        return input
    x = input if batched else input.unsqueeze(0)
    d = x._data
    noise = _keep_mask(_feature_shape(d.shape), p, d.dtype)
    if not batched:
        noise = noise[0]
    return _apply_mask(input, noise, inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    nd = input.dim()
    if nd not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that dropout1d "
            "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
            "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, nd == 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    nd = input.dim()
    if nd not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and will result "
            "in an error in a future release. To retain the behavior and silence this warning, "
            "please use dropout instead. Note that dropout2d exists to provide channel-wise "
            "dropout on inputs with 2 spatial dimensions, a channel dimension, and an optional "
            "batch dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if nd == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
            "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
            "dim. This behavior will change in a future release to interpret the input as one "
            "without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
            "dropout behavior, please switch to using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, True)


def dropout3d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    nd = input.dim()
    if nd not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {nd}-D input to dropout3d, which is deprecated and will result "
            "in an error in a future release. To retain the behavior and silence this warning, "
            "please use dropout instead. Note that dropout3d exists to provide channel-wise "
            "dropout on inputs with 3 spatial dimensions, a channel dimension, and an optional "
            "batch dimension (i.e. 4D or 5D inputs).", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, nd == 5)


_SELU_NEG_SAT = 1.7580993408473766  # SELU's scale * alpha: where SELU saturates for x -> -inf


def _alpha_noise(shape, p, npdt):
    """Mask and offset keeping zero mean and unit variance (alpha dropout)."""
    keep = (_random._uniform(shape, 0.0, 1.0) < 1.0 - p).astype(np.float64)
    a = 1.0 / np.sqrt((_SELU_NEG_SAT ** 2 * p + 1) * (1 - p))
    b = (keep - 1) * (_SELU_NEG_SAT * a) + _SELU_NEG_SAT * a * p
    return (keep * a).astype(npdt), b.astype(npdt)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    if not training or p == 0.0:
        return input
    d = input._data
    if p == 1.0:
        return _apply_mask(input, np.zeros(d.shape, d.dtype), inplace)
    noise, bias = _alpha_noise(d.shape, p, d.dtype)
    return _apply_mask(input, noise, inplace, bias)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    if not training or p == 0.0:
        return input
    d = input._data
    if p == 1.0:
        return _apply_mask(input, np.zeros(d.shape, d.dtype), inplace)
    noise, bias = _alpha_noise(_feature_shape(d.shape), p, d.dtype)
    return _apply_mask(input, noise, inplace, bias)


# -- one_hot ----------------------------------------------------------------------------------------
def one_hot(tensor, num_classes=-1):
    check_tensor(tensor, "tensor", "one_hot")
    d = tensor._data
    if d.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if d.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(d.max()) + 1
    if d.size:
        if d.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if d.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(d.shape + (num_classes,), np.int64)
    np.put_along_axis(out, d[..., None], 1, axis=-1)
    return _wrap(out)


# -- pad --------------------------------------------------------------------------------------------
class ConstantPadNdBackward0(Node):
    __slots__ = ("crop",)

    def backward(self, g):
        return g[self.crop]


def _constant_pad(x, pads, value):
    nd = x.dim()
    pairs = [(0, 0)] * nd
    for i in range(len(pads) // 2):
        pairs[nd - 1 - i] = (pads[2 * i], pads[2 * i + 1])
    if any(a < 0 or b < 0 for a, b in pairs):
        # negative padding crops: a differentiable slice first, then pad what is left
        crop = []
        for (a, b), n in zip(pairs, x.shape):
            start, stop = max(-a, 0), n - max(-b, 0)
            if stop < start:
                raise RuntimeError("narrow(): length must be non-negative.")
            crop.append(slice(start, stop))
        x = x[tuple(crop)]
        pairs = [(max(a, 0), max(b, 0)) for a, b in pairs]
    d = x._data
    out = np.pad(d, pairs, mode="constant", constant_values=value)
    if STATE.enabled and x._rg:
        node = ConstantPadNdBackward0((x._grad_node(),))
        node.crop = tuple(slice(a, a + n) for (a, _), n in zip(pairs, d.shape))
        return attach(out, node)
    return _wrap(out)


def _index_map(n, before, after, mode, dim, shape):
    """Source index of every output position along one padded dim."""
    if mode == "reflect":
        if before >= n or after >= n:
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input dimension, "
                f"but got: padding ({before}, {after}) at dimension {dim} of input {list(shape)}")
    if mode == "circular" and (before > n or after > n):
        raise RuntimeError("Padding value causes wrapping around more than once.")
    pos = np.arange(-before, n + after)
    if mode == "reflect":
        period = 2 * (n - 1) if n > 1 else 1
        pos = np.abs(pos) % period
        pos = np.where(pos >= n, period - pos, pos)
    elif mode == "replicate":
        pos = np.clip(pos, 0, n - 1)
    else:
        pos = pos % n
    return pos


_NONCONST_HELP = ("Supported combinations for non-constant padding:\n"
                  "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                  "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                  "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def pad(input, pad, mode="constant", value=None):
    """Pads the last len(pad) // 2 dims; pad = (left, right, top, bottom, front, back)."""
    check_tensor(input, "input", "pad")
    pads = [int(p) for p in pad]
    nd = input.dim()
    if len(pads) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pads) // 2 > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pads)} and input of dimension {nd}")
    if mode == "constant":
        return _constant_pad(input, pads, 0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    k = len(pads) // 2
    if k not in (1, 2, 3) or nd not in (k + 1, k + 2):
        raise NotImplementedError(f"Padding size {len(pads)} is not supported for {nd}D input "
                                  f"tensor.\n{_NONCONST_HELP}")
    x = input
    sizes = [input.shape[nd - 1 - i] for i in range(k)]
    outs = [n + pads[2 * i] + pads[2 * i + 1] for i, n in enumerate(sizes)]
    if mode != "circular" and (max(outs) <= 0 or min(outs) < 0):  # some may come out empty
        raise RuntimeError(f"pad: input of size {list(input.shape)} is too small for padding "
                           f"{pads}: calculated output sizes {outs[::-1]}")
    if mode == "circular" and any(p < 0 for p in pads):
        # circular padding wraps the cropped input; reflect and replicate map output positions
        # onto the original one (a negative pad just starts or ends the map inside it)
        crop = [(max(-pads[2 * i], 0), max(-pads[2 * i + 1], 0)) for i in range(k)]
        for i, (a, b) in enumerate(crop):
            if sizes[i] - a - b < 0 or (sizes[i] - a - b == 0 and outs[i] > 0):
                raise RuntimeError(f"pad: negative circular padding {pads[2 * i:2 * i + 2]} leaves "
                                   f"nothing of dimension {nd - 1 - i} (size {sizes[i]}) to wrap")
        x = _constant_pad(x, [-a for pair in crop for a in pair], 0.0)
        pads = [max(p, 0) for p in pads]
    shape = x.shape
    maps = []
    for i in range(k):
        dim = nd - 1 - i
        maps.append(_index_map(shape[dim], pads[2 * i], pads[2 * i + 1], mode, dim, shape))
    maps.reverse()  # now in dim order
    key = (slice(None),) * (nd - k) + np.ix_(*maps)
    return x[key]


# -- norms and distances ----------------------------------------------------------------------------
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps)
    result = input / denom
    if out is not None:
        return out.copy_(result)
    return result


def _clamped_value(n, eps):
    # value clamped at eps, gradient of the unclamped norm (PyTorch clamps it without history)
    nd = n.detach()
    return n + (nd.clamp_min(eps) - nd)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    check_tensor(x1, "x1", "cosine_similarity")
    check_tensor(x2, "x2", "cosine_similarity")
    if x1._data.shape != x2._data.shape:
        x1, x2 = x1.broadcast_to(np.broadcast_shapes(x1._data.shape, x2._data.shape)), \
            x2.broadcast_to(np.broadcast_shapes(x1._data.shape, x2._data.shape))
    n1 = _clamped_value(x1.norm(2, dim, keepdim=True), eps)
    n2 = _clamped_value(x2.norm(2, dim, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    check_tensor(x1, "x1", "pairwise_distance")
    check_tensor(x2, "x2", "pairwise_distance")
    last = max(x1.dim(), x2.dim()) - 1
    return (x1 - x2 + eps).norm(p, last, keepdim=keepdim)
