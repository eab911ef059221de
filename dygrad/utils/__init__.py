"""dygrad.utils: helpers outside the core, as torch.utils."""
import importlib

from . import data, hooks

__all__ = ["data", "hooks"]


def __getattr__(name):
    # torch.utils.tensorboard works as an attribute too; imported on first use, since it loads
    # the tensorboard package (and protobuf), which most programs never need
    if name in ("tensorboard", "checkpoint"):   # checkpoint: activation checkpointing
        return importlib.import_module("." + name, __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
