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


# dims from innermost to outermost for the channels-last formats (N, C, H, W[, D] indexing)
_CHANNELS_LAST_ORDER = {channels_last: (1, 3, 2, 0), channels_last_3d: (1, 4, 3, 2, 0)}


def is_contiguous_as(arr: np.ndarray, fmt: memory_format) -> bool:
    """Tensor.is_contiguous(memory_format=fmt) for an array: C order for contiguous_format and
    preserve_format; for channels_last(_3d) the elements packed channels-innermost, dims of size
    1 being free to have any stride (as PyTorch's check).

    >>> is_contiguous_as(np.zeros((2, 3, 4, 5)).transpose(0, 2, 3, 1).copy().transpose(0, 3, 1, 2),
    ...                  channels_last)
    True
    """
    if not isinstance(fmt, memory_format):
        raise TypeError("is_contiguous(): argument 'memory_format' must be torch.memory_format, "
                        f"not {type(fmt).__name__}")
    order = _CHANNELS_LAST_ORDER.get(fmt)
    if order is None:
        return arr.flags.c_contiguous
    if arr.ndim != len(order):
        return False
    expected = arr.itemsize
    for d in order:
        n = arr.shape[d]
        if n != 1:
            if arr.strides[d] != expected:
                return False
            expected *= n
    return True


def copy_as(arr: np.ndarray, fmt=None) -> np.ndarray:
    """A copy of `arr` laid out as PyTorch lays out a copy made with `memory_format=fmt`
    (preserve_format by default, see preserve_order; channels_last(_3d): channels innermost).

    >>> copy_as(np.zeros((2, 3, 4, 5)), channels_last).strides
    (480, 8, 120, 24)
    """
    order = _CHANNELS_LAST_ORDER.get(fmt)
    if order is None:
        return arr.copy(order=preserve_order(arr, fmt))
    if arr.ndim != len(order):
        raise RuntimeError(f"required rank {len(order)} tensor to use {fmt.name} format")
    outer_first = order[::-1]
    return np.ascontiguousarray(arr.transpose(outer_first)).transpose(np.argsort(outer_first))
