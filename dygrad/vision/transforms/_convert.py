"""Conversions between image representations and dtypes, and per-channel normalisation."""
import numpy as np

from ... import _dtype
from ..._tensor import Tensor, _wrap
from ._image import _tracks_grad

__all__ = ["to_tensor", "to_image", "pil_to_tensor", "convert_image_dtype", "to_dtype", "normalize"]


def _as_dygrad_dtype(dtype):
    return dtype if type(dtype) is _dtype.dtype else _dtype.as_dtype(dtype)


def _chw(a):
    """An H x W (x C) array as a contiguous C x H x W one (H x W gains one channel)."""
    a = a[:, :, None] if a.ndim == 2 else a
    return np.ascontiguousarray(a.transpose(2, 0, 1))


def to_tensor(pic):
    """H x W (x C) ndarray -> C x H x W Tensor; uint8 is scaled to [0, 1] in the default float dtype.

    Other dtypes keep their values and dtype (as torchvision's ToTensor does for non-byte arrays).
    """
    if not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if pic.ndim not in (2, 3):
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    arr = _chw(pic)
    if arr.dtype == np.uint8:
        ft = _dtype.get_default_dtype().np
        return _wrap(np.divide(arr, ft.type(255), dtype=ft))
    _dtype.from_numpy_dtype(arr.dtype)  # raises a clear TypeError for unsupported dtypes
    return _wrap(arr)


def to_image(img):
    """ndarray H x W (x C) -> C x H x W Tensor, values and dtype unchanged; Tensors pass through
    (a 2-D Tensor gains a leading channel axis)."""
    if isinstance(img, Tensor):
        if img._data.ndim < 2:
            raise ValueError(f"to_image: a Tensor image needs at least 2 dimensions, got {img._data.ndim}")
        return img.unsqueeze(0) if img._data.ndim == 2 else img
    if not isinstance(img, np.ndarray):
        raise TypeError(f"to_image: expected a NumPy array or a Tensor, got {type(img)}")
    if img.ndim not in (2, 3):
        raise ValueError(f"to_image: a NumPy image must be H x W or H x W x C, got shape {img.shape}")
    arr = _chw(img)
    _dtype.from_numpy_dtype(arr.dtype)
    return _wrap(arr)


def pil_to_tensor(pic):
    """torchvision's pil_to_tensor for decoded images: like to_image, NumPy input only."""
    if not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    return to_image(pic)


def _max_value(npdt):
    return np.iinfo(npdt).max if npdt.kind in "iu" else 1


def _float_to_int_check(src, dst, verb):
    if (src == np.float32 and dst in (np.int32, np.int64)) or (src == np.float64 and dst == np.int64):
        raise RuntimeError(f"The {verb} from {_dtype.from_numpy_dtype(src)} to "
                           f"{_dtype.from_numpy_dtype(dst)} cannot be performed safely.")


def _float_to_int(a, dst):
    # x * (max + 1 - eps), truncated, spreads [0, 1] evenly over the integers (x * max would
    # reach max only at exactly 1.0); the product is taken in the source float dtype
    return np.multiply(a, a.dtype.type(float(_max_value(dst)) + 1.0 - 1e-3)).astype(dst)


def _convert(image, dtype, name):
    """(data, target numpy dtype, rewrap) for the dtype conversions; float->float Tensors keep grad
    by going through Tensor.to, everything else is computed on the array."""
    if not isinstance(image, (Tensor, np.ndarray)):
        raise TypeError(f"{name}: expected a Tensor or NumPy image, got {type(image)}")
    dst = _as_dygrad_dtype(dtype).np
    if isinstance(image, Tensor):
        return image._data, dst, _wrap
    return image, dst, lambda arr: arr


def convert_image_dtype(image, dtype=_dtype.float32):
    """torchvision v1 semantics: rescales values between the dtypes' ranges ([0, 1] for floats)."""
    a, dst, back = _convert(image, dtype, "convert_image_dtype")
    src = a.dtype
    if src == dst:
        return image
    if src.kind in "fV":
        if dst.kind in "fV":
            return image.to(_dtype.from_numpy_dtype(dst)) if isinstance(image, Tensor) else a.astype(dst)
        _float_to_int_check(src, dst, "cast")
        return back(_float_to_int(a, dst))
    in_max, out_max = _max_value(src), _max_value(dst)
    if dst.kind in "fV":
        return back(np.divide(a.astype(dst), dst.type(in_max), dtype=dst))
    if in_max > out_max:
        return back((a // ((in_max + 1) // (out_max + 1))).astype(dst))
    return back(a.astype(dst) * dst.type((out_max + 1) // (in_max + 1)))


def _value_bits(npdt):
    return npdt.itemsize * 8 - (npdt.kind == "i")


def to_dtype(image, dtype=_dtype.float32, scale=False):
    """torchvision v2 semantics: plain cast, or with scale=True a rescale between value ranges."""
    a, dst, back = _convert(image, dtype, "to_dtype")
    src = a.dtype
    if src == dst:
        return image
    if not scale or (src.kind in "fV" and dst.kind in "fV"):
        return image.to(_dtype.from_numpy_dtype(dst)) if isinstance(image, Tensor) else a.astype(dst)
    if src.kind in "fV":
        _float_to_int_check(src, dst, "conversion")
        return back(_float_to_int(a, dst))
    if dst.kind in "fV":
        # v2 multiplies by the reciprocal, which can differ from dividing in the last bit
        return back(np.multiply(a.astype(dst), dst.type(1.0 / _max_value(src)), dtype=dst))
    if src == np.bool_ or dst == np.bool_:
        raise TypeError(f"Number of value bits is only defined for integer dtypes, but got "
                        f"{_dtype.from_numpy_dtype(np.dtype(np.bool_))}.")
    shift = _value_bits(src) - _value_bits(dst)
    if shift > 0:
        return back((a >> shift).astype(dst))
    return back(a.astype(dst) << dst.type(-shift))


def _normalize_params(mean, std, npdt, channels_first):
    """mean and std as arrays of the image dtype, shaped to broadcast over its channel axis."""
    m = np.asarray(mean, dtype=npdt)
    s = np.asarray(std, dtype=npdt)
    if not s.all():
        raise ValueError(f"std evaluated to zero after conversion to {_dtype.from_numpy_dtype(npdt)}, "
                         "leading to division by zero.")
    if channels_first:
        m = m.reshape(-1, 1, 1) if m.ndim == 1 else m
        s = s.reshape(-1, 1, 1) if s.ndim == 1 else s
    return m, s


def _check_normalize_input(tensor):
    """(data, channels_first) after checking the image is float and has a channel axis."""
    if isinstance(tensor, Tensor):
        d = tensor._data
        if d.dtype.kind not in "fV":
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if d.ndim < 3:
            raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                             f"tensor.size() = {tensor.shape}.")
        return d, True
    if isinstance(tensor, np.ndarray):
        if tensor.dtype.kind not in "fV":
            raise TypeError(f"normalize: the NumPy image should be float, got {tensor.dtype}")
        if tensor.ndim not in (2, 3):
            raise ValueError(f"normalize: a NumPy image must be H x W or H x W x C, got shape {tensor.shape}")
        return tensor, False
    raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")


def normalize(tensor, mean, std, inplace=False, _params=None):
    """(x - mean) / std per channel. Tensors: float, (..., C, H, W); NumPy: float, H x W (x C)."""
    d, channels_first = _check_normalize_input(tensor)
    m, s = _params or _normalize_params(mean, std, d.dtype, channels_first)
    channels = d.shape[-3] if channels_first else (d.shape[-1] if d.ndim == 3 else 1)
    for name, v in (("mean", m), ("std", s)):
        if v.size != 1 and v.size != channels:
            raise ValueError(f"normalize: {name} has {v.size} values but the image has {channels} channels")
    if channels_first:
        if inplace:
            return tensor.sub_(_wrap(m)).div_(_wrap(s))
        if _tracks_grad(tensor):
            return (tensor - _wrap(m)) / _wrap(s)
        return _wrap((d - m) / s)
    if inplace:
        np.subtract(d, m, out=d)
        np.divide(d, s, out=d)
        return d
    return (d - m) / s
