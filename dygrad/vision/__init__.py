"""dygrad.vision: torchvision-style datasets, transforms, models, ops and utils (`from
dygrad.vision import datasets, transforms, models, utils`). Images are NumPy arrays (H x W or
H x W x C) or dygrad Tensors (..., C, H, W)."""
from . import datasets, transforms

__all__ = ["datasets", "transforms"]
from . import models, ops, utils  # noqa: F401,E402
