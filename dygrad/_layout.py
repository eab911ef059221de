"""Memory formats and the output layouts PyTorch gives, mapped onto NumPy's orders.

>>> import dygrad as torch
>>> x = torch.zeros(3, 4).t()
>>> torch.zeros_like(x).stride(), torch.zeros_like(x, memory_format=torch.contiguous_format).stride()
((1, 4), (3, 1))
"""
import numpy as np


class memory_format:
    """torch.memory_format: how a new tensor lays out its elements."""
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return self.name


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


def preserve_order(arr: np.ndarray, fmt=None) -> str:
    """NumPy order that gives a new array PyTorch's layout for `memory_format=fmt`
    (preserve_format by default): `arr`'s own dimension order when its memory does not overlap
    itself, C order otherwise or when contiguous_format is asked for."""
    if fmt is contiguous_format or arr.flags.c_contiguous:
        return "C"
    if fmt is not None and fmt is not preserve_format:
        raise NotImplementedError(f"memory_format={fmt!r} is not supported by dygrad (CPU "
                                  "tensors are strided); use torch.contiguous_format")
    return "C" if 0 in arr.strides else "K"
