"""The less common part of the torch.* namespace: broadcast_shapes and dtype/predicate helpers
(the torch.* spellings of nn ops are declared ops: ops/nn_torch.py).
"""
__all__ = [
    "result_type",
    "is_complex", "finfo", "iinfo",
    "broadcast_shapes",
]

# broadcast_shapes takes shapes, not tensors: a helper, not a declared op
from .ops.shape_extra import broadcast_shapes  # noqa: E402,F401


def result_type(tensor1, tensor2):
    """The dtype an arithmetic op on the two operands (tensors or Python scalars) produces."""
    from . import _dtype
    return _dtype.from_numpy_dtype(_dtype.result_np_dtype((tensor1, tensor2)))


def is_complex(input):
    return False


class finfo:
    """torch.finfo: limits of a floating dtype (the default dtype when none is given)."""

    def __init__(self, type=None):
        from . import _dtype
        dt = _dtype.get_default_dtype() if type is None else type
        if dt is _dtype.bfloat16:  # known constants: no need to load ml_dtypes
            self.bits, self.eps, self.max, self.resolution = 16, 2.0 ** -7, 3.3895313892515355e38, 0.01
            self.min, self.tiny = -self.max, 2.0 ** -126
            self.smallest_normal, self.dtype = self.tiny, "bfloat16"
            return
        npdt = getattr(dt, "np", None)
        if npdt is None or npdt.kind not in "fV":
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to "
                            "handle 'torch.finfo'")
        import numpy as np
        fi = np.finfo(npdt)
        self.bits = int(fi.bits)
        self.eps = float(fi.eps)
        self.max = float(fi.max)
        self.min = float(fi.min)
        self.tiny = self.smallest_normal = float(fi.smallest_normal)
        self.resolution = 10.0 ** -int(fi.precision)
        self.dtype = npdt.name

    def __eq__(self, other):
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self):
        return hash(("finfo", self.dtype))

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """torch.iinfo: limits of an integer dtype."""

    def __init__(self, type):
        npdt = getattr(type, "np", None)
        if npdt is not None and npdt.kind == "b":
            raise TypeError(f"{type} is not supported by torch.iinfo")
        if npdt is None or npdt.kind not in "iu":
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            "'torch.iinfo'")
        import numpy as np
        ii = np.iinfo(npdt)
        self.bits, self.min, self.max, self.dtype = int(ii.bits), int(ii.min), int(ii.max), npdt.name

    def __eq__(self, other):
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self):
        return hash(("iinfo", self.dtype))

    def __repr__(self):
        return f"iinfo(min={float(self.min):g}, max={float(self.max):g}, dtype={self.dtype})"
