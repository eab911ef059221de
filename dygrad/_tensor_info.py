"""Tensor introspection: shape, size, dtype, strides, memory facts and the transposes T/mT/H/mH.

A mixin of `Tensor` (dygrad/_tensor.py), written out method by method so editors and `help()`
see them. The names below that import Tensor themselves (Size, the shape ops) are bound by
`_link()` once the class exists: plain module globals, so the hot reads (`x.shape`, `x.size()`)
cost what they did when these methods lived in _tensor.py.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import _dtype

if TYPE_CHECKING:  # Size and _shape are bound at run time by _link()
    from typing import Any
    from ._tensor import Size, Tensor
    from .device import device as _Device
    from .ops import shape as _shape

ndarray = np.ndarray


class TensorInfo:
    """What a tensor is (shape, dtype, layout in memory), as opposed to what it computes."""
    __slots__ = ()

    @property
    def shape(self) -> Size:
        """The size of each dimension, as a `torch.Size` (a tuple); same as `size()`.

        Example::

            >>> torch.zeros(2, 3).shape
            torch.Size([2, 3])
        """
        return _tuple_new(Size, self._data.shape)  # NumPy's shape holds ints: no checks needed

    def size(self, dim: int | None = None) -> Size | int:
        """The shape as a `torch.Size`, or the length of dimension `dim` (negative counts
        from the end).

        Example::

            >>> x = torch.zeros(2, 3)
            >>> x.size(), x.size(-1)
            (torch.Size([2, 3]), 3)
        """
        if dim is None:
            return _tuple_new(Size, self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim, "size")]

    @property
    def dtype(self) -> _dtype.dtype:
        """The element type, e.g. `torch.float32` (the default for floats) or `torch.int64`.

        Example::

            >>> torch.tensor([1.0]).dtype, torch.tensor([1]).dtype
            (torch.float32, torch.int64)
        """
        return _dtype._BY_NP[self._data.dtype]

    @property
    def device(self) -> _Device:
        """Where the data lives: always the CPU here (`device(type='cpu')`).

        Example::

            >>> torch.zeros(2).device
            device(type='cpu')
        """
        from .device import CPU
        return CPU

    @property
    def ndim(self) -> int:
        """Number of dimensions (0 for a scalar tensor); same as `dim()`.

        Example::

            >>> torch.zeros(2, 3).ndim, torch.tensor(5.0).ndim
            (2, 0)
        """
        return self._data.ndim

    def dim(self) -> int:
        """Number of dimensions (0 for a scalar tensor); `ndimension()` is the same method.

        Example::

            >>> torch.zeros(2, 3, 4).dim()
            3
        """
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        """Number of elements (the product of the shape); `nelement()` is the same method.

        Example::

            >>> torch.zeros(2, 3).numel(), torch.tensor(7).numel()
            (6, 1)
        """
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element, from the dtype (same as `itemsize`).

        Example::

            >>> torch.zeros(2).element_size(), torch.zeros(2, dtype=torch.int16).element_size()
            (4, 2)
        """
        return self._data.itemsize

    def stride(self, dim: int | None = None) -> tuple[int, ...] | int:
        """How many elements to step in memory to move one place along each dimension (a
        tuple), or along `dim` alone.

        Example::

            >>> x = torch.zeros(2, 3)
            >>> x.stride(), x.t().stride(), x.stride(0)
            ((3, 1), (1, 3), 3)
        """
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim, "stride")]

    def is_contiguous(self, *, memory_format: Any = None) -> bool:
        """True when the elements lie in memory in row-major order with no gaps, as a fresh
        tensor's do; transposes and strided slices usually are not. With
        `memory_format=torch.channels_last` (4-d) or `channels_last_3d` (5-d): whether they
        lie in that order instead (channels last: N, H, W, C).

        Example::

            >>> x = torch.zeros(2, 3)
            >>> x.is_contiguous(), x.t().is_contiguous()
            (True, False)
            >>> torch.zeros(1, 3, 4, 4).is_contiguous(memory_format=torch.channels_last)
            False
        """
        if memory_format is None:
            return self._data.flags.c_contiguous
        from ._layout import is_contiguous_as
        return is_contiguous_as(self._data, memory_format)

    def is_floating_point(self) -> bool:
        """True for a floating-point dtype (float16, float32, float64).

        Example::

            >>> torch.tensor([1.0]).is_floating_point(), torch.tensor([1]).is_floating_point()
            (True, False)
        """
        return self._data.dtype.kind in "fV"

    def is_complex(self) -> bool:
        """True for a complex dtype; dygrad has none, so always False.

        Example::

            >>> torch.tensor([1.0]).is_complex()
            False
        """
        return False

    def is_signed(self) -> bool:
        """True when the dtype can hold negative values: floats and signed integers, not
        uint8 or bool.

        Example::

            >>> torch.tensor([1]).is_signed(), torch.tensor([1], dtype=torch.uint8).is_signed()
            (True, False)
        """
        return self._data.dtype.kind in "fiV"

    def data_ptr(self) -> int:
        """Memory address of the first element; tensors sharing memory (views, `detach()`)
        that start at the same element give the same address.

        Example::

            >>> x = torch.zeros(3)
            >>> x.detach().data_ptr() == x.data_ptr(), x[1:].data_ptr() == x.data_ptr()
            (True, False)
        """
        return self._data.__array_interface__["data"][0]

    def storage_offset(self) -> int:
        """Index, in elements, of this tensor's first element within the memory it shares
        with the tensor it is a view of (0 for a tensor owning its memory).

        Example::

            >>> x = torch.arange(6).view(2, 3)
            >>> x.storage_offset(), x[1].storage_offset(), x[1, 2:].storage_offset()
            (0, 3, 5)
        """
        d = self._data
        b = d
        while isinstance(b.base, ndarray):
            b = b.base
        return (d.__array_interface__["data"][0] - b.__array_interface__["data"][0]) // d.itemsize

    def get_device(self) -> int:
        """Index of the CUDA device holding this tensor, -1 for a CPU tensor (always here).

        Example::

            >>> torch.zeros(2).get_device()
            -1
        """
        return -1

    def is_inference(self) -> bool:
        """Whether this is an inference tensor. dygrad never makes them (`inference_mode`
        acts as `no_grad`), so always False, where PyTorch says True for tensors made
        inside `torch.inference_mode()`.

        Example::

            >>> torch.zeros(2).is_inference()
            False
        """
        return False

    @property
    def T(self) -> Tensor:
        """This tensor with its dimensions in reverse order (a view). For a matrix this is
        the transpose; on other than 2 dims it is deprecated (warns once; a 0-d tensor comes
        back as it is): use `mT` for batches of matrices.

        Example::

            >>> torch.tensor([[1, 2, 3], [4, 5, 6]]).T
            tensor([[1, 4],
                    [2, 5],
                    [3, 6]])
        """
        n = self._data.ndim
        if n == 0:
            _warn_once("T0", "Tensor.T is deprecated on 0-D tensors. This function is the "
                             "identity in these cases.")
        elif n != 2:
            _warn_once("T", "The use of `x.T` on tensors of dimension other than 2 to reverse their "
                            "shape is deprecated and it will throw an error in a future release. "
                            "Consider `x.mT` to transpose batches of matrices or "
                            "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the "
                            "dimensions of a tensor.")
        return _shape.permute(self, *range(n - 1, -1, -1))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (a view): transposes each matrix of a batch.
        Needs at least 2 dimensions (a 0-d tensor comes back itself, with a deprecation
        warning, as PyTorch's).

        Example::

            >>> torch.zeros(5, 2, 3).mT.shape
            torch.Size([5, 3, 2])
        """
        return _matrix_transpose(self, "mT", "This function is the identity in these cases.")

    @property
    def H(self) -> Tensor:
        """Conjugate transpose of a matrix (2-d only: use `mH` for batches); with real dtypes
        (all of dygrad's) the plain transpose.

        Example::

            >>> torch.tensor([[1, 2], [3, 4]]).H
            tensor([[1, 3],
                    [2, 4]])
        """
        n = self._data.ndim
        if n == 2:
            return _shape.transpose(self, 0, 1)
        if n == 0:
            _warn_once("H0", "Tensor.H is deprecated on 0-D tensors. Consider using x.conj().")
            return self
        raise RuntimeError(
            f"tensor.H is only supported on matrices (2-D tensors). Got {n}-D tensor."
            + (" For batches of matrices, consider using tensor.mH" if n > 2 else ""))

    @property
    def mH(self) -> Tensor:
        """Conjugate transpose of each matrix in a batch; with real dtypes (all of dygrad's)
        the same as `mT`.

        Example::

            >>> torch.zeros(5, 2, 3).mH.shape
            torch.Size([5, 3, 2])
        """
        return _matrix_transpose(self, "mH", "Consider using x.conj().")

    @property
    def itemsize(self) -> int:
        """Bytes per element (same as `element_size()`).

        Example::

            >>> torch.zeros(2, dtype=torch.float64).itemsize
            8
        """
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes the elements take: `numel() * itemsize`.

        Example::

            >>> torch.zeros(2, 3).nbytes
            24
        """
        return self._data.nbytes


_tuple_new = tuple.__new__
_WARNED_ONCE = set()  # keys of the deprecation warnings already given (once per process)


def _warn_once(key, message, depth=0):
    if key not in _WARNED_ONCE:
        _WARNED_ONCE.add(key)
        import warnings  # stacklevel: point at the code that read the property
        warnings.warn(message, UserWarning, stacklevel=3 + depth)


def _matrix_transpose(t, name, hint):
    """mT/mH: the last two dims swapped; a 0-d tensor comes back itself with PyTorch's warning."""
    n = t._data.ndim
    if n >= 2:
        return _shape.transpose(t, -2, -1)
    if n == 0:
        _warn_once(name + "0", f"Tensor.{name} is deprecated on 0-D tensors. {hint}", 1)
        return t
    raise RuntimeError(
        f"tensor.{name} is only supported on matrices or batches of matrices. Got 1-D tensor.")
def _wrap_dim(dim, ndim, op):
    """dim of size()/stride() counted from the front; a 0-d tensor has none to name."""
    if not ndim:
        raise IndexError(f"{op}: dimension specified as {dim} but tensor has no dimensions")
    n = ndim
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def _link():
    """Binds the names whose modules import Tensor (called by _tensor.py once it exists)."""
    global Size, _shape
    from ._tensor import Size
    from .ops import shape as _shape
