"""Fused normalisation ops: batch_norm, layer_norm, group_norm, ... (forward in NumPy; the graph
nodes and their backward formulas are in _norm_nodes.py).

Running statistics follow PyTorch: running_var is updated with the unbiased batch variance
(n / (n - 1)) while the output is normalised with the biased one. With create_graph the backward
is rebuilt from differentiable tensor ops so double backward works.
"""
import math

import numpy as np

from .._tensor import Tensor, _wrap
from ._record import attach
from . import _buffers
from . import _norm_checks as _checks
from . import _norm_nonfinite as _nonfinite
from ._norm_nodes import (NativeBatchNormBackward0, NativeBatchNormEvalBackward,
                          NativeLayerNormBackward0, _affine_edges, _affine_shape, _channel_dot,
                          _empty_affine)
from ._layer_util import check_tensor
from .pad import pad_constant
from .pool import avg_pool2d


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalizes each channel (dim 1) to zero mean and unit variance, over the batch when training
    (updating running_mean/var in place) else with the running statistics; then weight * x +
    bias.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([[1.0, 10.0], [3.0, 30.0]])
        >>> F.batch_norm(x, torch.zeros(2), torch.ones(2), training=True)
        tensor([[-1.0000, -1.0000],
                [ 1.0000,  1.0000]])
        >>> F.batch_norm(x, torch.zeros(2), torch.ones(2))  # eval: (x - 0) / sqrt(1 + eps)
        tensor([[ 1.0000, 10.0000],
                [ 3.0000, 29.9998]])
    """
    x = input
    xd = x._data
    _checks.batch_norm_args(x, running_mean, running_var, weight, bias, training, momentum, eps)
    c = xd.shape[1]
    axes = (0,) + tuple(range(2, xd.ndim))
    bshape = _affine_shape(xd.ndim, 1)
    n = xd.shape[0] * math.prod(xd.shape[2:])  # values per channel (c may be 0)
    if training and n == 0:
        # nothing to normalise (PyTorch returns the empty input through the affine map and
        # leaves the running statistics alone)
        return _empty_affine(x, weight, bias, bshape)
    if training:
        # xc lives in pooled scratch: it is private to this op and its backward node
        mean = xd.mean(axis=axes, keepdims=True)
        xc = _buffers.take(xd.shape, xd.dtype)
        np.subtract(xd, mean, out=xc)
        var = _channel_dot(xc, xc).reshape(bshape) / n
        invstd = (1.0 / np.sqrt(var + eps)).astype(xd.dtype, copy=False)
        # out = xc * (w * invstd) + b: xhat itself is never needed
        scale = invstd if weight is None else invstd * weight._data.reshape(bshape)
        out = np.multiply(xc, scale.astype(xd.dtype, copy=False))
        if bias is not None:
            out += bias._data.reshape(bshape)
        out = _nonfinite.fused_if_nonfinite(out, xd, mean, scale, bias, bshape)
        if running_mean is not None:
            rm = running_mean._data
            rm *= 1 - momentum
            rm += momentum * mean.reshape(-1).astype(rm.dtype, copy=False)
            running_mean._vc[0] += 1
        if running_var is not None:
            rv = running_var._data
            rv *= 1 - momentum
            rv += momentum * (var.reshape(-1) * (n / (n - 1))).astype(rv.dtype, copy=False)
            running_var._vc[0] += 1
    else:
        mean = running_mean._data.reshape(bshape)
        invstd = 1.0 / np.sqrt(running_var._data.reshape(bshape) + eps)
        xhat = ((xd - mean) * invstd).astype(xd.dtype, copy=False)
        if weight is not None:
            out = np.multiply(xhat, weight._data.reshape(bshape))
            if bias is not None:
                out += bias._data.reshape(bshape)
        elif bias is not None:
            out = np.add(xhat, bias._data.reshape(bshape))
        else:
            out = xhat.copy()
        out = _nonfinite.fused_if_nonfinite(out, xd, mean, invstd if weight is None
                                  else invstd * weight._data.reshape(bshape), bias, bshape)
    nfs = _affine_edges(x, weight, bias)
    if nfs is not None:
        saved = (x,) if weight is None else (x, weight)
        if training:
            node = NativeBatchNormBackward0(nfs)
            node.invstd = invstd
            node.eps = eps
            node.xc = xc
            node.xhat = None
        else:
            node = NativeBatchNormEvalBackward(nfs)
            sc = invstd if weight is None else invstd * weight._data.reshape(bshape)
            node.scale = sc.astype(xd.dtype, copy=False)
            node.invstd_b = invstd.astype(xd.dtype, copy=False)
            node.xhat = xhat
        node.save(*saved)
        node.axes = axes
        node.sum_axes = axes
        node.bshape = bshape
        node.wshape = (c,)
        node.has_w = weight is not None
        node.has_b = bias is not None
        t = attach(out, node)
        return t
    if training:
        _buffers.give(xc)
    return _wrap(out)


def layer_norm(input: Tensor, normalized_shape: int | list[int] | tuple[int, ...],
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalizes over the last len(normalized_shape) dims of each sample, then weight * x + bias.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.layer_norm(torch.tensor([[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]]), (3,))
        tensor([[-1.2247,  0.0000,  1.2247],
                [ 0.0000,  0.0000,  0.0000]])
    """
    x = input
    xd = x._data
    normalized_shape = _checks.normalized_shape_arg(normalized_shape)
    _checks.layer_norm_args(x, normalized_shape, weight, bias)
    k = len(normalized_shape)
    axes = tuple(range(xd.ndim - k, xd.ndim))
    if xd.size == 0:
        return _empty_affine(x, weight, bias, normalized_shape)
    mean = xd.mean(axis=axes, keepdims=True)
    xc = xd - mean
    var = np.mean(xc * xc, axis=axes, keepdims=True)
    invstd = (1.0 / np.sqrt(var + eps)).astype(xd.dtype, copy=False)
    xhat = xc * invstd
    out = xhat
    if weight is not None:
        out = out * weight._data
    if bias is not None:
        out = out + bias._data
    if out is xhat:
        out = xhat.copy()
    nfs = _affine_edges(x, weight, bias)
    if nfs is not None:
        saved = (x,) if weight is None else (x, weight)
        node = NativeLayerNormBackward0(nfs)
        node.save(*saved)
        node.xhat, node.invstd, node.eps = xhat, invstd, eps
        node.axes = axes
        node.sum_axes = tuple(range(xd.ndim - k))
        node.bshape = normalized_shape
        node.wshape = normalized_shape
        node.has_w = weight is not None
        node.has_b = bias is not None
        t = attach(out, node)
        return t
    return _wrap(out)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Splits the C channels of an (N, C, *) input into num_groups groups and normalizes each group
    of each sample.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([[1.0, 3.0, 10.0, 20.0]])
        >>> F.group_norm(x, 2)
        tensor([[-1.0000,  1.0000, -1.0000,  1.0000]])
    """
    x = input
    _checks.group_norm_args(x, num_groups, weight, bias)
    xd = x._data
    n = xd.shape[0]
    bshape = _affine_shape(xd.ndim, 1)
    if xd.size == 0:
        return _empty_affine(x, weight, bias, bshape)
    if weight is not None and not np.isfinite(weight._data).all():
        return _nonfinite.group_norm(x, num_groups, weight, bias, eps)
    grouped = x.reshape(n, num_groups, -1)
    normed = layer_norm(grouped, grouped._data.shape[-1:], None, None, eps).reshape(xd.shape)
    if weight is not None:
        normed = normed * weight.reshape(bshape)
    if bias is not None:
        normed = normed + bias.reshape(bshape)
    return normed


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-5) -> Tensor:
    """Batch norm of the input seen as one sample with N*C channels (PyTorch's definition):
    the per-channel arguments are repeated N times and the running statistics get the mean of
    the N per-sample updates.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([[[1.0, 3.0], [0.0, 4.0]]])
        >>> F.instance_norm(x)
        tensor([[[-1.0000,  1.0000],
                 [-1.0000,  1.0000]]])
    """
    x = input
    shape = x._data.shape
    if use_input_stats:
        _checks.spatial_more_than_one(shape)
    elif running_mean is None or running_var is None:
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    if len(shape) < 2:
        raise IndexError(f"instance_norm: expected an input with a channel dim (2D or more), "
                         f"got input of size {list(shape)}")
    b, c = shape[0], shape[1]
    dt = x._data.dtype
    stats = [None if t is None else _wrap(np.tile(t._data, b).astype(dt, copy=False))
             for t in (running_mean, running_var)]
    w = weight.repeat(b) if weight is not None else None
    bb = bias.repeat(b) if bias is not None else None
    out = batch_norm(x.reshape((1, b * c) + shape[2:]), stats[0], stats[1], w, bb,
                     use_input_stats, momentum, eps)
    if use_input_stats and b:
        for t, rep in zip((running_mean, running_var), stats):
            if t is not None:
                t._data[...] = rep._data.reshape(b, c).mean(axis=0)
                t._vc[0] += 1
    return out.reshape(shape)


def local_response_norm(input: Tensor, size: int, alpha: float = 0.0001, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Divides each element by (k + alpha * mean of squares over `size` neighbouring channels)
    ** beta; the window is an average pool over the channel axis (zero-padded), so the gradient
    comes from the pool and pad ops.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.ones(1, 3, 2)  # (N, C, L)
        >>> F.local_response_norm(x, size=2, alpha=1.0, beta=1.0)
        tensor([[[0.6667, 0.6667],
                 [0.5000, 0.5000],
                 [0.5000, 0.5000]]])
    """
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} dimensions)")
    sq = (input * input).unsqueeze(1)
    if input.dim() == 3:
        sq = pad_constant(sq, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(sq, (size, 1), stride=1).squeeze(1)
    else:
        shp = input.shape
        sq = sq.reshape(shp[0], 1, shp[1], shp[2], -1)
        sq = pad_constant(sq, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        s = sq.shape
        div = avg_pool2d(sq.reshape(s[0], 1, s[2], -1), (size, 1), stride=1)
        div = div.reshape(shp[0], 1, shp[1], shp[2], -1).squeeze(1).reshape(shp)
    return input / (div * alpha + k) ** beta


def rms_norm(input: Tensor, normalized_shape: int | list[int] | tuple[int, ...],
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """Divides by the root mean square over the last len(normalized_shape) dims (eps added inside
    the root), then scales by `weight`.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.rms_norm(torch.tensor([[3.0, 4.0], [1.0, 1.0]]), (2,))
        tensor([[0.8485, 1.1314],
                [1.0000, 1.0000]])
    """
    check_tensor(input, "input", "rms_norm")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if tuple(input.shape[input.dim() - k:]) != shape:
        raise RuntimeError(f"rms_norm: normalized_shape {list(shape)} does not match the last dims of "
                           f"the input of shape {list(input.shape)}")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps) if input._data.dtype.kind == "f" else 1.1920928955078125e-07
    dims = tuple(range(input.dim() - k, input.dim()))
    out = input * (input * input).mean(dims, keepdim=True).add(eps).rsqrt()
    return out if weight is None else out * weight
