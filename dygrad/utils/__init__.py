"""dygrad.utils: helpers outside the core, as torch.utils."""
from . import data

__all__ = ["data"]
