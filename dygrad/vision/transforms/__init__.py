"""torchvision.transforms for dygrad: NumPy images (H x W or H x W x C) and Tensors (..., C, H, W)."""
from . import functional
from ._geometry import CenterCrop, Pad, RandomCrop, RandomHorizontalFlip, RandomVerticalFlip, Resize
from ._misc import (Compose, ConvertImageDtype, Lambda, Normalize, PILToTensor, ToDtype, ToImage,
                    ToTensor)
from .functional import InterpolationMode

__all__ = ["CenterCrop", "Compose", "ConvertImageDtype", "InterpolationMode", "Lambda", "Normalize",
           "PILToTensor", "Pad", "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "Resize",
           "ToDtype", "ToImage", "ToTensor", "functional", "v2"]

from . import v2  # noqa: E402  (v2 re-exports the classes above)
