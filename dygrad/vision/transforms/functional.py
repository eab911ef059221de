"""Functional image ops behind the transforms (torchvision.transforms.functional), on NumPy
images (H x W or H x W x C) and dygrad Tensors (..., C, H, W).

Ops keep the input's kind and dtype. Tensors that require grad go through Tensor ops (indexing,
arithmetic), so gradients flow through crops, flips, padding and resizing as in torchvision.
"""
import enum
import numbers

import numpy as np

from ..._tensor import Tensor, _wrap
from . import _resize
from ._convert import convert_image_dtype, normalize, pil_to_tensor, to_dtype, to_image, to_tensor
from ._image import (_back, _check_image, _planes, _tracks_grad, get_dimensions, get_image_num_channels,
                     get_image_size)

__all__ = ["InterpolationMode", "get_dimensions", "get_image_size", "get_image_num_channels",
           "to_tensor", "pil_to_tensor", "to_image", "convert_image_dtype", "to_dtype", "normalize",
           "hflip", "vflip", "crop", "center_crop", "pad", "resize"]


class InterpolationMode(enum.Enum):
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    # PIL-only filters: named so code that mentions them imports, rejected by resize
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PAD_MODES = ("constant", "edge", "reflect", "symmetric")


def hflip(img):
    _check_image(img, "hflip")
    if isinstance(img, Tensor):
        return img.flip(-1)
    return np.ascontiguousarray(img[:, ::-1])


def vflip(img):
    _check_image(img, "vflip")
    if isinstance(img, Tensor):
        return img.flip(-2)
    return np.ascontiguousarray(img[::-1])


def _parse_padding(padding):
    """int or 1/2/4-sequence -> (left, top, right, bottom)."""
    if isinstance(padding, bool) or not isinstance(padding, (int, np.integer, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if isinstance(padding, (int, np.integer)):
        padding = int(padding)
        return padding, padding, padding, padding
    if len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} "
                         "element tuple")
    if not all(isinstance(p, (int, np.integer)) for p in padding):
        raise TypeError("Got inappropriate padding arg")
    p = [int(x) for x in padding]
    if len(p) == 1:
        return p[0], p[0], p[0], p[0]
    if len(p) == 2:
        return p[0], p[1], p[0], p[1]
    return tuple(p)


def _pad_index(n, before, after, mode):
    """Source index along one axis for a pad; -1 marks constant fill."""
    idx = np.arange(n)
    if mode == "constant":
        return np.pad(idx, (before, after), constant_values=-1)
    return np.pad(idx, (before, after), mode=mode)


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pads (left, top, right, bottom); negative amounts crop. Modes as in torchvision."""
    _check_image(img, "pad")
    left, top, right, bottom = _parse_padding(padding)
    if fill is None:
        fill = 0
    if not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if padding_mode not in _PAD_MODES:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if min(left, top, right, bottom) < 0:
        _, h, w = get_dimensions(img)
        img = _slice(img, max(-top, 0), h - max(-bottom, 0), max(-left, 0), w - max(-right, 0))
        left, top, right, bottom = (max(p, 0) for p in (left, top, right, bottom))
    if left == top == right == bottom == 0:
        return img
    a = _planes(img)
    h, w = a.shape[-2:]
    if padding_mode in ("reflect", "symmetric"):
        limit = (h, w) if padding_mode == "symmetric" else (h - 1, w - 1)
        if max(top, bottom) > limit[0] or max(left, right) > limit[1]:
            raise ValueError(f"pad: {padding_mode} padding of (left, top, right, bottom) = "
                             f"{(left, top, right, bottom)} needs the padding to be "
                             f"{'at most' if padding_mode == 'symmetric' else 'less than'} the image "
                             f"size along each axis; the image is {h} x {w}")
    channels = a.shape[-3] if a.ndim >= 3 else 1
    fill_arr = _fill_array(fill, a.dtype, channels)
    if _tracks_grad(img):
        return _pad_differentiable(img, (left, top, right, bottom), fill_arr, padding_mode)
    widths = [(0, 0)] * (a.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode != "constant":
        return _back(img, np.pad(a, widths, mode=padding_mode))
    out = np.empty(a.shape[:-2] + (h + top + bottom, w + left + right), a.dtype)
    out[...] = fill_arr
    out[..., top:top + h, left:left + w] = a
    return _back(img, out)


def _fill_array(fill, npdt, channels):
    f = np.asarray(fill, dtype=np.float64)
    if f.ndim == 1 and f.size > 1:
        if f.size != channels:
            raise ValueError(f"pad: fill has {f.size} values but the image has {channels} channels")
        f = f.reshape(-1, 1, 1)
    elif f.ndim == 1:
        f = f.reshape(())
    if npdt.kind in "iub":
        f = np.trunc(f)  # a float fill on an integer image keeps its integer part
    return f.astype(npdt)


def _pad_differentiable(img, ltrb, fill_arr, mode):
    # gather the padded image from the source by index; fill positions are then blended in
    left, top, right, bottom = ltrb
    h, w = img._data.shape[-2:]
    ri = _pad_index(h, top, bottom, mode)
    ci = _pad_index(w, left, right, mode)
    out = img[..., np.maximum(ri, 0)[:, None], np.maximum(ci, 0)[None, :]]
    if mode != "constant":
        return out
    keep = ((ri >= 0)[:, None] & (ci >= 0)[None, :]).astype(img._data.dtype)
    return out * _wrap(keep) + _wrap(fill_arr * (1 - keep))


def _slice(img, top, bottom, left, right):
    if isinstance(img, Tensor):
        return img[..., top:bottom, left:right]
    return img[top:bottom, left:right]


def crop(img, top, left, height, width):
    """The height x width window at (top, left); parts outside the image are zero-filled."""
    _check_image(img, "crop")
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        return pad(_slice(img, max(top, 0), bottom, max(left, 0), right), ltrb, fill=0)
    return _slice(img, top, bottom, left, right)


def _pair(size, what):
    """(h, w) from a number or a 1- or 2-sequence (a 2-sequence is returned as given)."""
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, (tuple, list)) and len(size) == 1:
        return size[0], size[0]
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise ValueError(f"Please provide only two dimensions (h, w) for {what}.")
    return size


def center_crop(img, output_size):
    """The central window of output_size (int or (h, w)); zero-pads an image that is too small."""
    _check_image(img, "center_crop")
    crop_h, crop_w = _pair(output_size, "size")
    _, h, w = get_dimensions(img)
    if crop_w > w or crop_h > h:
        ltrb = [(crop_w - w) // 2 if crop_w > w else 0, (crop_h - h) // 2 if crop_h > h else 0,
                (crop_w - w + 1) // 2 if crop_w > w else 0, (crop_h - h + 1) // 2 if crop_h > h else 0]
        img = pad(img, ltrb, fill=0)
        _, h, w = get_dimensions(img)
        if crop_w == w and crop_h == h:
            return img
    top = int(round((h - crop_h) / 2.0))
    left = int(round((w - crop_w) / 2.0))
    return crop(img, top, left, crop_h, crop_w)


def _output_size(h, w, size, max_size):
    if isinstance(size, int) or len(size) == 1:
        requested = size if isinstance(size, int) else size[0]
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested "
                                 f"size for the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)
    return int(size[0]), int(size[1])


def _check_resize_args(size, interpolation, max_size):
    if isinstance(size, bool) or not isinstance(size, (int, tuple, list)):
        raise TypeError(f"Size should be int or sequence. Got {type(size)}")
    if isinstance(size, (tuple, list)) and len(size) not in (1, 2):
        raise ValueError("If size is a sequence, it should have 1 or 2 values")
    if max_size is not None and not (isinstance(size, int) or len(size) == 1):
        raise ValueError("max_size should only be passed if size specifies the length of the smaller "
                         "edge, i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    if isinstance(interpolation, str):
        interpolation = InterpolationMode(interpolation)
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError("Argument interpolation should be a InterpolationMode")
    return interpolation


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resizes to size ((h, w), or an int for the smaller edge keeping the aspect ratio).

    Tensors follow torch.nn.functional.interpolate (align_corners=False, half-pixel centres);
    integer images are resampled in float32 and rounded to nearest-even, as torchvision v1 does.
    """
    _check_image(img, "resize")
    interpolation = _check_resize_args(size, interpolation, max_size)
    antialias = bool(antialias)  # None means False, as in torchvision
    mode = interpolation.value
    if mode not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
        raise ValueError(f"resize: interpolation {mode!r} is only available for PIL images; use "
                         "nearest, nearest-exact, bilinear or bicubic")
    _, h, w = get_dimensions(img)
    oh, ow = _output_size(h, w, size, max_size)
    if (oh, ow) == (h, w):
        return img
    if oh <= 0 or ow <= 0:
        raise ValueError(f"resize: output size {(oh, ow)} must be positive (input {h} x {w})")
    if mode.startswith("nearest"):
        exact = mode == "nearest-exact"
        ri, ci = _resize.nearest_indices(h, oh, exact), _resize.nearest_indices(w, ow, exact)
        if _tracks_grad(img):
            return img[..., ri[:, None], ci[None, :]]
        return _back(img, _planes(img)[..., ri[:, None], ci[None, :]])
    a = _planes(img)
    ft = a.dtype if a.dtype.kind in "fV" else np.dtype(np.float32)
    if _tracks_grad(img):
        x, wrap = img, _wrap
    else:
        x, wrap = a.astype(ft, copy=False), _identity
    # width first, then height, skipping an axis whose size does not change
    if ow != w:
        x = _resize.apply_taps(x, *_resize.taps(w, ow, mode, antialias, ft), axis=-1, wrap=wrap)
    if oh != h:
        x = _resize.apply_taps(x, *_resize.taps(h, oh, mode, antialias, ft), axis=-2, wrap=wrap)
    if _tracks_grad(img):
        return x
    if a.dtype.kind not in "fV":
        if mode == "bicubic" and a.dtype == np.uint8:
            np.clip(x, 0, 255, out=x)
        x = np.round(x).astype(a.dtype)
    return _back(img, x)


def _identity(x):
    return x
