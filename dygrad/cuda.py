"""torch.cuda as PyTorch's CPU-only builds show it: queries answer "no GPU" (is_available() is
False, device_count() is 0, memory counters are 0), seeding is a no-op, and anything that needs a
GPU raises with a message that says how to write device-agnostic code."""
from .device import raise_no_cuda

__all__ = ["is_available", "device_count", "is_initialized", "init", "current_device",
           "set_device", "get_device_name", "get_device_capability", "get_device_properties",
           "synchronize", "empty_cache", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "initial_seed", "get_rng_state", "set_rng_state", "get_rng_state_all",
           "set_rng_state_all", "memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "reset_peak_memory_stats", "memory_stats", "is_bf16_supported",
           "device", "device_of", "Stream", "Event", "stream", "current_stream", "ipc_collect"]


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def init():
    raise_no_cuda("torch.cuda.init()")


def current_device():
    raise_no_cuda("torch.cuda.current_device()")


def set_device(device):
    raise_no_cuda("torch.cuda.set_device()")


def get_device_name(device=None):
    raise_no_cuda("torch.cuda.get_device_name()")


def get_device_capability(device=None):
    raise_no_cuda("torch.cuda.get_device_capability()")


def get_device_properties(device=None):
    raise_no_cuda("torch.cuda.get_device_properties()")


def synchronize(device=None):
    raise_no_cuda("torch.cuda.synchronize()")


def empty_cache():
    return None


def ipc_collect():
    raise_no_cuda("torch.cuda.ipc_collect()")


# Seeding CUDA generators is silently skipped when CUDA is absent (PyTorch defers it), so
# scripts that seed every backend run unchanged.
def manual_seed(seed):
    return None


def manual_seed_all(seed):
    return None


def seed():
    return None


def seed_all():
    return None


def initial_seed():
    raise_no_cuda("torch.cuda.initial_seed()")


def get_rng_state(device="cuda"):
    raise_no_cuda("torch.cuda.get_rng_state()")


def set_rng_state(new_state, device="cuda"):
    raise_no_cuda("torch.cuda.set_rng_state()")


def get_rng_state_all():
    return []  # one state per GPU, and there are none


def set_rng_state_all(new_states):
    return None


def memory_allocated(device=None):
    return 0


def max_memory_allocated(device=None):
    return 0


def memory_reserved(device=None):
    return 0


def max_memory_reserved(device=None):
    return 0


def reset_peak_memory_stats(device=None):
    return None


def memory_stats(device=None):
    from collections import OrderedDict
    return OrderedDict()


def is_bf16_supported(including_emulation=True):
    return False


class device:
    """torch.cuda.device(idx): constructing it is allowed (device-agnostic code builds it with
    None or -1 to mean "no change"); entering it with a real index needs a GPU."""

    def __init__(self, device):
        from .device import device as _device
        self.idx = -1 if device is None else (device.index if isinstance(device, _device) else device)

    def __enter__(self):
        if self.idx is not None and self.idx != -1:
            raise_no_cuda("torch.cuda.device()")
        return self

    def __exit__(self, *exc):
        return False


class device_of(device):
    def __init__(self, obj):
        super().__init__(-1)


class Stream:
    def __init__(self, *args, **kwargs):
        raise_no_cuda("torch.cuda.Stream()")


class Event:
    def __init__(self, *args, **kwargs):
        raise_no_cuda("torch.cuda.Event()")


def stream(stream):
    raise_no_cuda("torch.cuda.stream()")


def current_stream(device=None):
    raise_no_cuda("torch.cuda.current_stream()")


# a package path (empty) so that `import torch.cuda.amp` under dygrad.compat reaches the finder,
# which takes the `amp` attribute below
__path__ = []


def __getattr__(name):
    # torch.cuda.amp (deprecated spellings that disable themselves without CUDA), loaded on use
    if name == "amp":
        import sys
        from .amp import _cuda
        sys.modules.setdefault(__name__ + ".amp", _cuda)
        return _cuda
    raise AttributeError(f"module 'dygrad.cuda' has no attribute '{name}'")
