"""Devices. dygrad computes on the CPU; CUDA requests fail with a clear message."""
from . import _dtype

__all__ = ["device", "CPU"]


class device:
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int):
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments: {type!r}")
        if ":" in type:
            type, idx = type.split(":", 1)
            if index is not None:
                raise RuntimeError("type (string) must not include an index because index was passed explicitly")
            try:
                index = int(idx)
            except ValueError:
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'") from None
        known = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "privateuseone")
        if type not in known:
            raise RuntimeError(
                f"Expected one of cpu, cuda, mps, xpu, meta device type at start of device string: {type}")
        self.type = type
        self.index = index

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")


def raise_no_cuda(what):
    raise RuntimeError(
        f"{what}: dygrad runs on the CPU and no CUDA device is available here. Write "
        "device-agnostic code: `device = torch.device('cuda' if torch.cuda.is_available() else "
        "'cpu')` and move tensors and models with `.to(device)`.")


def check_device(dev, what):
    """Accepts CPU devices; raises for any accelerator."""
    if dev is None:
        return
    if isinstance(dev, int):
        dev = device("cuda", dev)
    d = dev if isinstance(dev, device) else device(dev)
    if d.type not in ("cpu", "meta"):
        if d.type == "cuda":
            raise_no_cuda(what)
        raise RuntimeError(f"{what}: device '{d}' is not available; dygrad runs on the CPU")


def parse_to_args(op, args, kwargs):
    """Parses Tensor.to / Module.to arguments: (device), (dtype), (device, dtype), (tensor)."""
    dtype = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    for a in args:
        if isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, (str, device, int)) and not isinstance(a, bool):
            dev = a
        elif hasattr(a, "_data") and hasattr(a, "dtype"):
            dtype = a.dtype
        elif isinstance(a, bool):
            pass
        elif a is None:
            pass
        else:
            raise TypeError(f"{op}() received an invalid argument: {a!r}")
    if kwargs:
        raise TypeError(f"{op}() got unexpected keyword arguments {sorted(kwargs)}")
    check_device(dev, f"{op}({dev!r})")
    if dtype is not None:
        dtype = _dtype.as_dtype(dtype)
    return dtype, copy
