"""torchvision.transforms.v2 names: the same transforms (ToImage / ToDtype are the v2 idiom)."""
from . import functional
from ._geometry import CenterCrop, Pad, RandomCrop, RandomHorizontalFlip, RandomVerticalFlip, Resize
from ._misc import (Compose, ConvertImageDtype, Lambda, Normalize, PILToTensor, ToDtype, ToImage,
                    ToTensor)
from .functional import InterpolationMode

__all__ = ["CenterCrop", "Compose", "ConvertImageDtype", "InterpolationMode", "Lambda", "Normalize",
           "PILToTensor", "Pad", "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "Resize",
           "ToDtype", "ToImage", "ToTensor", "functional"]
