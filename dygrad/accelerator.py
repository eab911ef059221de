"""torch.accelerator: the current accelerator, which on dygrad is none (CPU only).

Queries answer "none"; calls that need a device raise like PyTorch does without one."""

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "current_device_idx", "set_device_index", "set_device_idx", "device_index",
           "synchronize", "empty_cache", "memory_allocated", "max_memory_allocated",
           "memory_stats", "reset_peak_memory_stats", "current_stream"]


def _none(what):
    raise RuntimeError(f"torch.accelerator.{what}: Cannot access accelerator device when none is "
                       "available (dygrad runs on the CPU). Guard accelerator code with "
                       "`if torch.accelerator.is_available():`.")


def is_available():
    return False


def current_accelerator(check_available=False):
    return None


def device_count():
    return 0


def current_device_index():
    _none("current_device_index()")


current_device_idx = current_device_index


def set_device_index(device, /):
    _none("set_device_index()")


set_device_idx = set_device_index


class device_index:
    """Context manager selecting an accelerator index; None means "no change"."""

    def __init__(self, device, /):
        self.idx = device

    def __enter__(self):
        if self.idx is not None:
            _none("device_index()")
        return self

    def __exit__(self, *exc):
        return False


def synchronize(device=None, /):
    _none("synchronize()")


def current_stream(device=None, /):
    _none("current_stream()")


def empty_cache():
    _none("empty_cache()")


def memory_allocated(device_index=None, /):
    _none("memory_allocated()")


def max_memory_allocated(device_index=None, /):
    _none("max_memory_allocated()")


def memory_stats(device_index=None, /):
    _none("memory_stats()")


def reset_peak_memory_stats(device_index=None, /):
    _none("reset_peak_memory_stats()")
