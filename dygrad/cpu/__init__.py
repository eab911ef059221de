"""torch.cpu: the CPU device module (always available) and its deprecated amp spellings."""
from . import amp  # noqa: F401

__all__ = ["is_available", "device_count", "current_device", "synchronize", "amp"]


def is_available() -> bool:
    return True


def device_count() -> int:
    return 1


def current_device() -> str:
    return "cpu"


def synchronize(device=None) -> None:
    """Nothing to wait for: dygrad's CPU ops finish before they return."""
