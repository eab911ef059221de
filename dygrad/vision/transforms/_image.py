"""Image plumbing shared by the functional ops: checking inputs, layouts, dimensions.

A NumPy image is H x W or H x W x C (as decoded from a file); a Tensor image is (..., C, H, W).
Internally both are handled as arrays whose last two axes are H and W.
"""
import numpy as np

from ..._tensor import Tensor, _wrap
from ...autograd.grad_mode import STATE

__all__ = ["get_dimensions", "get_image_size", "get_image_num_channels"]


def _check_image(img, op):
    if isinstance(img, Tensor):
        if img._data.ndim < 2:
            raise TypeError("Tensor is not a torch image.")
    elif isinstance(img, np.ndarray):
        if img.ndim not in (2, 3):
            raise ValueError(f"{op}: a NumPy image must be H x W or H x W x C, got shape {img.shape}")
    else:
        raise TypeError(f"{op}: img should be a NumPy array (H x W or H x W x C) or a Tensor "
                        f"(..., C, H, W). Got {type(img)}")


def _planes(img):
    """The image as an ndarray whose last two axes are H and W (a view, never a copy)."""
    if isinstance(img, Tensor):
        return img._data
    return img if img.ndim == 2 else img.transpose(2, 0, 1)


def _back(like, arr):
    """Inverse of _planes for a freshly computed array."""
    if isinstance(like, Tensor):
        return _wrap(arr)
    return arr if like.ndim == 2 else arr.transpose(1, 2, 0)


def _tracks_grad(img):
    return isinstance(img, Tensor) and img._rg and STATE.enabled


def get_dimensions(img):
    """[channels, height, width]."""
    _check_image(img, "get_dimensions")
    if isinstance(img, Tensor):
        s = img._data.shape
        return [1 if len(s) == 2 else s[-3], s[-2], s[-1]]
    h, w = img.shape[:2]
    return [1 if img.ndim == 2 else img.shape[2], h, w]


def get_image_size(img):
    """[width, height], as torchvision's get_image_size."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img):
    return get_dimensions(img)[0]
