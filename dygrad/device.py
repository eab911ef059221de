"""Devices. dygrad computes on the CPU; any accelerator request fails with a clear message.

`device` follows torch.device: parsed from 'type' / 'type:index' / (type, index), immutable,
hashable, equal only to devices (a device never equals a string, as in PyTorch), usable as a
context manager that sets the default device of factory functions.
"""
import re

from . import _dtype

__all__ = ["device", "CPU", "get_default_device", "set_default_device"]

# PyTorch's list, in its order, for the error message of an unknown device type
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
          "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
# 'type' or 'type:index' with a decimal index without leading zeros
_DEVICE_RE = re.compile(r"([a-zA-Z_]+)(?::([1-9][0-9]*|0))?")


class NoCUDAError(RuntimeError, AssertionError):
    """Raised for CUDA requests. PyTorch's CPU builds raise AssertionError('Torch not compiled
    with CUDA enabled'); this is both that and a RuntimeError, so either `except` clause works."""


def _type_name(x):
    t = type(x)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__.split('.')[0]}.{t.__name__}"


def _parse(s):
    m = _DEVICE_RE.fullmatch(s)
    if m is None:
        raise RuntimeError(f"Invalid device string: '{s}'")
    typ, idx = m.group(1), m.group(2)
    if typ not in _TYPES:
        raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of device "
                           f"string: {typ}")
    return typ, None if idx is None else int(idx)


class device:
    """torch.device: `device('cpu')`, `device('cuda:1')`, `device('cuda', 1)`, `device(other)`."""

    __slots__ = ("_type", "_index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): an index cannot be given together with a device")
            self._type, self._index = type._type, type._index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            # PyTorch reads a bare int as an index on the current accelerator; there is none
            raise RuntimeError(
                "Cannot access accelerator device when none is available: dygrad runs on the "
                f"CPU, so device({type}) does not exist. Use torch.device('cpu').")
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid argument: expected a device string "
                            f"like 'cpu' or 'cuda:0' or a torch.device, got {_type_name(type)}")
        typ, idx = _parse(type)
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int):
                raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                                f"{_type_name(index)}")
            if idx is not None:
                raise RuntimeError("type (string) must not include an index because index was "
                                   f"passed explicitly: {type}")
            if index < 0:
                raise RuntimeError("Device index must not be negative")
            idx = index
        self._type, self._index = typ, idx

    @property
    def type(self):
        return self._type

    @property
    def index(self):
        return self._index

    def __repr__(self):
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self):
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __eq__(self, other):
        if not isinstance(other, device):
            return False
        return self._type == other._type and self._index == other._index

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((self._type, -1 if self._index is None else self._index))

    def __enter__(self):
        _stack.append(_default[0])
        set_default_device(self)
        return self

    def __exit__(self, *exc):
        _default[0] = _stack.pop()
        return False

    def __reduce__(self):
        return (device, (self._type, self._index))


CPU = device("cpu")

_default = [CPU]
_stack = []


def get_default_device():
    return _default[0]


def set_default_device(dev):
    """Only the CPU exists here; None also means the CPU (PyTorch's reset)."""
    if dev is None:
        _default[0] = CPU
        return
    check_device(dev, "torch.set_default_device()")
    _default[0] = CPU


def raise_no_cuda(what):
    raise NoCUDAError(
        f"{what}: Torch not compiled with CUDA enabled. dygrad runs on the CPU and no CUDA "
        "device is available here. Write device-agnostic code: `device = torch.device('cuda' if "
        "torch.cuda.is_available() else 'cpu')` and move tensors and models with `.to(device)`.")


def check_device(dev, what):
    """Accepts CPU (and meta) devices given as str, torch.device or None; raises otherwise."""
    if dev is None or dev is CPU:
        return
    if isinstance(dev, str):
        if dev == "cpu":
            return
        dev = device(dev)
    elif isinstance(dev, int) and not isinstance(dev, bool):
        raise RuntimeError(
            f"{what}: Cannot access accelerator device {dev} when none is available; dygrad runs "
            "on the CPU. Pass device='cpu' or write device-agnostic code: `device = "
            "torch.device('cuda' if torch.cuda.is_available() else 'cpu')`.")
    elif not isinstance(dev, device):
        raise TypeError(f"{what}: device must be a torch.device, a string or None, got "
                        f"{_type_name(dev)}")
    typ = dev.type
    if typ in ("cpu", "meta"):
        return
    if typ == "cuda":
        raise_no_cuda(what)
    raise RuntimeError(f"{what}: PyTorch is not linked with support for {typ} devices: dygrad "
                       f"runs on the CPU only (device '{dev}' is not available). Use "
                       "device='cpu'.")


def _is_device_like(a):
    return isinstance(a, (str, device)) or (isinstance(a, int) and not isinstance(a, bool))


def parse_to_args(op, args, kwargs):
    """Parses Tensor.to / Module.to arguments, like PyTorch's three forms:
    to(device=None, dtype=None, non_blocking=False, copy=False), to(dtype, non_blocking=False,
    copy=False), to(tensor, non_blocking=False, copy=False); memory_format is keyword-only.
    Returns (dtype or None, copy) after checking that the device is the CPU."""
    dtype = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"{op}() received an invalid combination of arguments: unexpected keyword "
                        f"argument(s) {', '.join(sorted(kwargs))}; expected device, dtype, "
                        "non_blocking, copy, memory_format")
    rest = list(args)
    if rest and rest[0] is None:
        rest.pop(0)
    if rest:
        a = rest[0]
        if isinstance(a, _dtype.dtype):
            dtype = rest.pop(0)
        elif hasattr(a, "_data") and hasattr(a, "dtype"):  # another tensor: its dtype and device
            dtype = rest.pop(0).dtype
        elif _is_device_like(a):
            dev = rest.pop(0)
            if rest and (isinstance(rest[0], _dtype.dtype) or rest[0] is None):
                dtype = rest.pop(0) or dtype
    if rest and isinstance(rest[0], bool):
        rest.pop(0)  # non_blocking
        if rest and isinstance(rest[0], bool):
            copy = rest.pop(0)
    if rest:
        raise TypeError(
            f"{op}() received an invalid combination of arguments: got "
            f"({', '.join(_type_name(a) for a in args)}); expected (device=None, dtype=None, "
            "non_blocking=False, copy=False), (dtype, non_blocking=False, copy=False) or "
            "(tensor, non_blocking=False, copy=False)")
    if dev is not None:
        check_device(dev, f"{op}({dev!r})" if isinstance(dev, str) else f"{op}({dev})")
    if dtype is not None:
        dtype = _dtype.as_dtype(dtype)
    return dtype, copy
