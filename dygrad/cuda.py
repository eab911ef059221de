"""torch.cuda as seen on a machine without a GPU: queries answer 'none', requests fail clearly."""
from .device import raise_no_cuda


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def current_device():
    raise_no_cuda("torch.cuda.current_device()")


def set_device(device):
    raise_no_cuda("torch.cuda.set_device()")


def get_device_name(device=None):
    raise_no_cuda("torch.cuda.get_device_name()")


def synchronize(device=None):
    return None


def empty_cache():
    return None


def manual_seed(seed):
    return None


def manual_seed_all(seed):
    return None


def memory_allocated(device=None):
    return 0


def max_memory_allocated(device=None):
    return 0


def is_bf16_supported(*args, **kwargs):
    return False


class device:
    def __init__(self, device):
        raise_no_cuda("torch.cuda.device()")
