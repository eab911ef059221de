"""Geometric transforms: flips, crops, padding and resizing.

Random choices come from dygrad's global generator (dygrad.rand / dygrad.randint), so
dygrad.manual_seed makes an augmentation pipeline reproducible.
"""
import numbers

import dygrad

from . import functional as F
from ._misc import Transform
from .functional import InterpolationMode

__all__ = ["RandomHorizontalFlip", "RandomVerticalFlip", "CenterCrop", "RandomCrop", "Pad", "Resize"]


def _check_pad_args(padding, fill, padding_mode):
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} "
                         "element tuple")


class _RandomFlip(Transform):
    def __init__(self, p=0.5):
        self.p = p

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomHorizontalFlip(_RandomFlip):
    """Mirrors left-right with probability p."""

    def forward(self, img):
        if dygrad.rand(1).item() < self.p:
            return F.hflip(img)
        return img


class RandomVerticalFlip(_RandomFlip):
    """Flips top-bottom with probability p."""

    def forward(self, img):
        if dygrad.rand(1).item() < self.p:
            return F.vflip(img)
        return img


class CenterCrop(Transform):
    """Crops the central size (int or (h, w)) window, zero-padding images that are smaller."""

    def __init__(self, size):
        self.size = F._pair(size, "size")

    def forward(self, img):
        return F.center_crop(img, self.size)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size})"


class RandomCrop(Transform):
    """Crops a random size window, after optional padding (see Pad for the padding arguments).

    pad_if_needed pads an image smaller than size on both sides by the shortfall.
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = tuple(F._pair(size, "size"))
        if padding is not None:
            _check_pad_args(padding, fill, padding_mode)
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def get_params(img, output_size):
        """(top, left, height, width) of a uniformly random output_size window of img."""
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        i = dygrad.randint(0, h - th + 1, size=(1,)).item()
        j = dygrad.randint(0, w - tw + 1, size=(1,)).item()
        return i, j, th, tw

    def forward(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        i, j, h, w = self.get_params(img, self.size)
        return F.crop(img, i, j, h, w)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class Pad(Transform):
    """Pads by padding (int, (left/right, top/bottom) or (left, top, right, bottom)).

    padding_mode: constant (with fill), edge, reflect (mirror without the edge pixel) or
    symmetric (mirror including it).
    """

    def __init__(self, padding, fill=0, padding_mode="constant"):
        _check_pad_args(padding, fill, padding_mode)
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def forward(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self):
        return (f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, "
                f"padding_mode={self.padding_mode})")


class Resize(Transform):
    """Resizes to size: (h, w), or an int that the smaller edge is matched to (aspect kept).

    interpolation: InterpolationMode NEAREST, NEAREST_EXACT, BILINEAR (default) or BICUBIC.
    antialias (default True) low-pass filters when downscaling with bilinear/bicubic.
    """

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        interpolation = F._check_resize_args(size, interpolation, max_size)
        self.size = size
        self.max_size = max_size
        self.interpolation = interpolation
        self.antialias = antialias

    def forward(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")
