"""dygrad.utils: helpers outside the core, as torch.utils."""
from . import data, hooks
from .._lazy import lazy as _make_lazy

__all__ = ["data", "hooks"]


# torch.utils.tensorboard and torch.utils.checkpoint work as attributes too, imported on first
# use: tensorboard loads the tensorboard package (and protobuf), which most programs never need
__getattr__, __dir__ = _make_lazy(__name__, ("tensorboard", "checkpoint"))
