"""dygrad.vision.ops: the building blocks torchvision's models are made of (`torchvision.ops`)."""
from .misc import Conv2dNormActivation, ConvNormActivation, SqueezeExcitation

__all__ = ["Conv2dNormActivation", "ConvNormActivation", "SqueezeExcitation"]
