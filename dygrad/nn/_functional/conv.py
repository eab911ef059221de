"""Functional convolution, pooling, normalisation and resampling (torch.nn.functional names)."""
import math

import numpy as np

from ..._tensor import _wrap
from ...ops import conv as _conv
from ...ops import norm as _norm
from ...ops import pool as _pool

__all__ = ["conv1d", "conv2d", "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool1d",
           "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "lp_pool1d", "lp_pool2d", "batch_norm", "layer_norm", "group_norm",
           "instance_norm", "interpolate", "upsample", "local_response_norm"]

conv1d = _conv.conv1d
conv2d = _conv.conv2d
conv_transpose2d = _conv.conv_transpose2d
max_pool2d = _pool.max_pool2d
max_pool1d = _pool.max_pool1d
avg_pool2d = _pool.avg_pool2d
avg_pool1d = _pool.avg_pool1d
adaptive_avg_pool2d = _pool.adaptive_avg_pool2d
adaptive_avg_pool1d = _pool.adaptive_avg_pool1d
adaptive_max_pool2d = _pool.adaptive_max_pool2d
adaptive_max_pool1d = _pool.adaptive_max_pool1d
lp_pool2d = _pool.lp_pool2d
lp_pool1d = _pool.lp_pool1d
group_norm = _norm.group_norm


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-05):
    return _norm.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    return _norm.layer_norm(input, normalized_shape, weight, bias, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-05):
    return _norm.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                               momentum, eps)


def local_response_norm(input, size, alpha=0.0001, beta=0.75, k=1.0):
    sq = (input * input).unsqueeze(1)
    from ...ops.pad import pad_constant
    if input.dim() == 3:
        sq = pad_constant(sq, (0, 0, size // 2, (size - 1) // 2))
        div = _pool.avg_pool2d(sq, (size, 1), stride=1).squeeze(1)
    else:
        shp = input.shape
        sq = sq.reshape(shp[0], 1, shp[1], shp[2], -1)
        sq = pad_constant(sq, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        s = sq.shape
        div = _pool.avg_pool2d(sq.reshape(s[0], 1, s[2], -1), (size, 1), stride=1)
        div = div.reshape(shp[0], 1, shp[1], shp[2], -1).squeeze(1).reshape(shp)
    return input / (div * alpha + k) ** beta


def _out_size(in_size, size, scale_factor, nd):
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        size = (size,) * nd if isinstance(size, int) else tuple(size)
        if len(size) != nd:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got "
                             f"input with spatial dimensions of {list(in_size)} and output size of {list(size)}.")
        return size, [None] * nd
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    sf = (scale_factor,) * nd if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
    return tuple(int(math.floor(s * f)) for s, f in zip(in_size, sf)), list(sf)


def _src_index(out_n, in_n, scale, align_corners, mode):
    """Source coordinates PyTorch samples for each output index along one axis."""
    dst = np.arange(out_n, dtype=np.float64)
    if mode == "nearest":
        r = (1.0 / scale) if scale else in_n / out_n
        return np.minimum(np.floor(dst * r).astype(np.int64), in_n - 1)
    if mode == "nearest-exact":
        r = (1.0 / scale) if scale else in_n / out_n
        return np.minimum(np.floor((dst + 0.5) * r).astype(np.int64), in_n - 1)
    if align_corners:
        r = (in_n - 1) / (out_n - 1) if out_n > 1 else 0.0
        return dst * r
    r = (1.0 / scale) if scale else in_n / out_n
    return np.maximum((dst + 0.5) * r - 0.5, 0.0)


def _linear_axis(x, axis, out_n, scale, align_corners):
    in_n = x.shape[axis]
    src = _src_index(out_n, in_n, scale, align_corners, "linear")
    i0 = np.minimum(np.floor(src).astype(np.int64), in_n - 1)
    i1 = np.minimum(i0 + 1, in_n - 1)
    lam = (src - i0).astype(x._data.dtype)
    shape = [1] * x.dim()
    shape[axis] = out_n
    lam_t = _wrap(lam.reshape(shape))
    a = x.index_select(axis, _wrap(i0))
    b = x.index_select(axis, _wrap(i1))
    return a * (1 - lam_t) + b * lam_t


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    nd = input.dim() - 2
    if nd < 1:
        raise ValueError(f"interpolate: expected at least 3-D input (N, C, ...), got {list(input.shape)}")
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    in_size = tuple(input.shape[2:])
    out, scales = _out_size(in_size, size, scale_factor, nd)
    if recompute_scale_factor:
        scales = [None] * nd
    if mode in ("nearest", "nearest-exact"):
        x = input
        for i in range(nd):
            idx = _src_index(out[i], in_size[i], scales[i], False, mode)
            x = x.index_select(2 + i, _wrap(idx))
        return x
    if mode in ("linear", "bilinear", "trilinear"):
        expected = {"linear": 1, "bilinear": 2, "trilinear": 3}[mode]
        if nd != expected:
            raise NotImplementedError(
                f"Got {input.dim()}D input, but {mode} mode needs {expected + 2}D input")
        x = input
        for i in range(nd):
            x = _linear_axis(x, 2 + i, out[i], scales[i], bool(align_corners))
        return x
    if mode == "area":
        if nd == 2:
            return adaptive_avg_pool2d(input, out)
        return adaptive_avg_pool1d(input, out[0])
    raise NotImplementedError(f"interpolate: mode '{mode}' is not supported (nearest, nearest-exact, "
                              "linear, bilinear, trilinear, area are)")


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


