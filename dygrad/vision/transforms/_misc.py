"""Composition, conversion and normalisation transforms."""
from . import _convert
from . import functional as F

__all__ = ["Transform", "Compose", "Lambda", "ToTensor", "PILToTensor", "ToImage", "ToDtype",
           "ConvertImageDtype", "Normalize"]


class Transform:
    """Base of the transforms: calling one runs `forward` (as an nn.Module would)."""

    def forward(self, img):
        raise NotImplementedError(f"{type(self).__name__} must define forward")

    def __call__(self, img):
        return self.forward(img)

    def __repr__(self):
        return f"{type(self).__name__}()"


class Compose:
    """Applies the transforms in order."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        return type(self).__name__ + "(" + "".join(f"\n    {t}" for t in self.transforms) + "\n)"


class Lambda(Transform):
    """Wraps a user function as a transform."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def forward(self, img):
        return self.lambd(img)


class ToTensor(Transform):
    """H x W (x C) uint8 ndarray -> float C x H x W Tensor in [0, 1]; other dtypes keep values."""

    def forward(self, pic):
        return F.to_tensor(pic)


class PILToTensor(Transform):
    """Decoded image ndarray H x W (x C) -> C x H x W Tensor of the same dtype, unscaled."""

    def forward(self, pic):
        return F.pil_to_tensor(pic)


class ToImage(Transform):
    """ndarray H x W (x C) -> C x H x W Tensor of the same dtype; Tensors pass through."""

    def forward(self, img):
        return F.to_image(img)


class ToDtype(Transform):
    """Casts to dtype; with scale=True also maps value ranges (torchvision v2's ToDtype)."""

    def __init__(self, dtype, scale=False):
        self.dtype = dtype
        self.scale = scale

    def forward(self, img):
        return F.to_dtype(img, self.dtype, scale=self.scale)

    def __repr__(self):
        return f"{type(self).__name__}(scale={self.scale})"


class ConvertImageDtype(Transform):
    """Converts to dtype, rescaling values between the dtypes' ranges (torchvision v1)."""

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, image):
        return F.convert_image_dtype(image, self.dtype)


class Normalize(Transform):
    """(x - mean) / std per channel on a float image."""

    def __init__(self, mean, std, inplace=False):
        self.mean = mean
        self.std = std
        self.inplace = inplace
        self._params = {}  # (dtype, channels_first, id(mean), id(std)) -> (mean, std, arrays)

    def forward(self, tensor):
        d, channels_first = _convert._check_normalize_input(tensor)
        # keyed by the mean/std objects' ids so assigning new values is picked up; the entry
        # holds those objects, so their ids can't be reused while it exists
        key = (d.dtype, channels_first, id(self.mean), id(self.std))
        entry = self._params.get(key)
        if entry is None:
            entry = self._params[key] = (self.mean, self.std,
                                         _convert._normalize_params(self.mean, self.std, d.dtype, channels_first))
        params = entry[2]
        return F.normalize(tensor, self.mean, self.std, self.inplace, _params=params)

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"
