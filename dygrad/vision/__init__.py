"""dygrad.vision: torchvision-style datasets and transforms (`from dygrad.vision import datasets,
transforms`). Images are NumPy arrays (H x W or H x W x C) or dygrad Tensors (..., C, H, W)."""
from . import datasets, transforms

__all__ = ["datasets", "transforms"]
from . import models  # noqa: F401,E402
