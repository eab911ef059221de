"""interpolate / upsample: nearest, linear (1-3 D) and area resampling with PyTorch's size rules,
composed from index_select and adaptive pooling so the gradients come from those ops."""
import math
import numbers

import numpy as np

from .._tensor import Tensor, _wrap
from .pool_adaptive import adaptive_avg_pool1d, adaptive_avg_pool2d


_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"


def _out_size(in_size, size, scale_factor, nd, recompute):
    """Output sizes and the scales the index maps use (None: from the sizes), with PyTorch's
    rules: exactly one of size / scale_factor, one value or one per spatial dim, ints for sizes,
    and every output size at least 1 (checked by the caller)."""
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if recompute:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        size = (size,) * nd if isinstance(size, numbers.Integral) else tuple(size)
        if not all(isinstance(v, numbers.Integral) for v in size):
            raise TypeError(f"expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                            f"Tuple[int, int, int], but got size with types "
                            f"{[type(v) for v in size]}")
        if len(size) != nd:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got "
                             f"input with spatial dimensions of {list(in_size)} and output size of {size}.")
        return tuple(int(v) for v in size), [None] * nd
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    sf = (scale_factor,) * nd if isinstance(scale_factor, numbers.Real) else tuple(scale_factor)
    if len(sf) != nd:
        raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but "
                         f"got input with spatial dimensions of {list(in_size)} and scale_factor of "
                         f"shape {sf}.")
    sf = [float(f) for f in sf]
    if not all(math.isfinite(f) for f in sf):
        raise RuntimeError(f"interpolate: scale_factor must be finite, got {sf}")
    out = tuple(int(math.floor(s * f)) for s, f in zip(in_size, sf))
    return out, ([None] * nd if recompute else sf)


def _check_sizes(in_size, out):
    if min(in_size) <= 0 or min(out) <= 0:
        names = "DHW"[3 - len(out):] if len(out) <= 3 else [str(i) for i in range(len(out))]
        fmt = lambda v: ", ".join(f"{n}: {x}" for n, x in zip(names, v))  # noqa: E731
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({fmt(in_size)}) output ({fmt(out)})")


def _area(input, out):
    """Area interpolation is an adaptive average; its boxes are products of per-axis ranges, so
    a 3-D one is a 2-D one over (H, W) followed by one over (D, kept)."""
    nd = len(out)
    if nd == 1:
        return adaptive_avg_pool1d(input, out[0])
    if nd == 2:
        return adaptive_avg_pool2d(input, out)
    n, c, d, h, w = input.shape
    if 0 in out:
        return adaptive_avg_pool2d(input.reshape(n, c * d, h, w), (0, 0)).reshape(n, c, *out)
    y = adaptive_avg_pool2d(input.reshape(n, c * d, h, w), out[1:])
    y = adaptive_avg_pool2d(y.reshape(n, c, d, out[1] * out[2]), (out[0], None))
    return y.reshape(n, c, *out)


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


def interpolate(input: Tensor, size: int | tuple[int, ...] | None = None,
                scale_factor: float | tuple[float, ...] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resizes the spatial dims of an (N, C, *) input to `size` or by `scale_factor`; mode is one
    of 'nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear', 'area' ('bicubic' and
    antialias=True raise NotImplementedError).

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([[[1.0, 2.0, 4.0]]])
        >>> F.interpolate(x, scale_factor=2)
        tensor([[[1., 1., 2., 2., 4., 4.]]])
        >>> F.interpolate(x, size=5, mode='linear', align_corners=True)
        tensor([[[1.0000, 1.5000, 2.0000, 3.0000, 4.0000]]])
    """
    nd = input.dim() - 2
    known = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area", "bicubic")
    if nd not in (1, 2, 3) or mode not in known + ("lanczos",):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.dim()}D) for the modes: {_MODES} (got {mode})")
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and nd == 2):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes "
                         "and requires a 4-D tensor as input")
    in_size = tuple(input.shape[2:])
    out, scales = _out_size(in_size, size, scale_factor, nd, recompute_scale_factor)
    need = {"linear": 1, "bilinear": 2, "bicubic": 2, "lanczos": 2, "trilinear": 3}.get(mode, nd)
    if nd != need:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {need + 2}D input")
    if mode != "area":  # area is an adaptive average: an output size of 0 gives an empty result
        _check_sizes(in_size, out)
    dt = input._data.dtype
    if dt.kind not in "fV" and not (dt == np.uint8 and mode in ("nearest", "nearest-exact")):
        # interpolation weights would be truncated to the integer dtype: refuse, as PyTorch
        # does for all but uint8 (whose rounded linear modes are not implemented here)
        from ._reduce_util import scalar_type_name
        raise NotImplementedError(f'interpolate: mode "{mode}" not implemented for '
                                  f"'{scalar_type_name(dt)}'")
    if mode in ("bicubic", "lanczos") or antialias:
        what = "antialias=True" if antialias else f"mode '{mode}'"
        raise NotImplementedError(f"interpolate: {what} is not supported (nearest, nearest-exact, "
                                  "linear, bilinear, trilinear, area are, without antialias)")
    if mode in ("nearest", "nearest-exact"):
        x = input
        for i in range(nd):
            idx = _src_index(out[i], in_size[i], scales[i], False, mode)
            x = x.index_select(2 + i, _wrap(idx))
        return x
    if mode in ("linear", "bilinear", "trilinear"):
        x = input
        for i in range(nd):
            x = _linear_axis(x, 2 + i, out[i], scales[i], bool(align_corners))
        return x
    return _area(input, out)


def upsample(input: Tensor, size: int | tuple[int, ...] | None = None,
             scale_factor: float | tuple[float, ...] | None = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Older name of `interpolate` (same arguments, without antialias).

    Example::

        >>> import dygrad.nn.functional as F
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter('ignore')  # upsample warns that it is deprecated
        ...     y = F.upsample(torch.tensor([[[1.0, 2.0]]]), scale_factor=2)
        >>> y
        tensor([[[1., 1., 2., 2.]]])
    """
    return interpolate(input, size, scale_factor, mode, align_corners)




# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_nearest_agrees(in_size, out, scales, sf, mode):
    """Whether onnxruntime's nearest indices (from the float32 scales) are the ones PyTorch
    samples (from its scale factors sf): a floor that lands one below an integer would pick
    another pixel."""
    for n, m, s, t in zip(in_size, out, scales, sf):
        dst = np.arange(m, dtype=np.float32)
        src = (dst + np.float32(0.5)) / np.float32(s) - np.float32(0.5)
        idx = np.floor(src + 0.5) if mode == "nearest-exact" else np.floor(dst / np.float32(s))
        if not np.array_equal(np.minimum(idx.astype(np.int64), n - 1),
                              _src_index(m, n, t, False, mode)):
            return False
    return True


@_rule("onnx", "interpolate")
def _onnx_interpolate(g, c):
    """Resize: nearest (asymmetric, floor), nearest-exact (half_pixel, round half up),
    linear modes (align_corners, or pytorch_half_pixel); scales when the file computes PyTorch's
    output size from them, else the sizes."""
    x, mode = c["input"], c.get("mode", "nearest")
    out = list(c.outs[0].shape[2:])
    in_size = list(x.shape[2:])
    if mode not in ("nearest", "nearest-exact", "linear", "bilinear", "trilinear") or \
            c.get("antialias"):
        return None
    _, sf = _out_size(in_size, c.get("size"), c.get("scale_factor"), len(out),
                      c.get("recompute_scale_factor"))
    f32 = [np.float32(s) for s in sf] if None not in sf else None
    if f32 is not None and [int(np.floor(n * s)) for n, s in zip(in_size, f32)] != out:
        f32 = None  # the file would compute another output size from these scales
    eff = f32 if f32 is not None else [np.float32(m) / np.float32(n) for n, m in zip(in_size, out)]
    v = g.value(x)
    if mode.startswith("nearest") and not _onnx_nearest_agrees(in_size, out, eff, sf, mode):
        # Resize would round another way: PyTorch's own source indices, gathered per axis
        for i, (n, m, t) in enumerate(zip(in_size, out, sf)):
            v = g.op("Gather", [v, g.ints(_src_index(m, n, t, False, mode))], axis=2 + i)
        return v
    if f32 is not None:
        ins = [v, "", g.const(np.asarray([1, 1] + f32, np.float32))]
    else:
        ins = [v, "", "", g.op("Concat", [g.dims(v, [0, 1]), g.ints(out)], axis=0)]
    if mode == "nearest":
        attrs = dict(mode="nearest", coordinate_transformation_mode="asymmetric",
                     nearest_mode="floor")
    elif mode == "nearest-exact":
        attrs = dict(mode="nearest", coordinate_transformation_mode="half_pixel",
                     nearest_mode="round_prefer_ceil")
    else:
        attrs = dict(mode="linear", coordinate_transformation_mode="align_corners" if
                     c.get("align_corners") else "pytorch_half_pixel")
    return g.op("Resize", ins, **attrs)
