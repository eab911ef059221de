"""Tensor conversions: to other dtypes and devices, to NumPy and Python values, copies cut from
or kept in the graph, and the `new_*` constructors that take this tensor's dtype.

A mixin of `Tensor` (dygrad/_tensor.py), written out method by method so editors and `help()`
see them. The names below that import Tensor themselves (Tensor, _wrap, the elementwise ops)
are bound by `_link()` once the class exists: plain module globals, so the hot calls
(`x.detach()`, `x.float()`) cost what they did when these methods lived in _tensor.py.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import numpy as np

from . import _dtype
from .autograd.grad_mode import STATE

if TYPE_CHECKING:  # Tensor, _wrap and _ew are bound at run time by _link()
    from collections.abc import Sequence
    from typing import Any
    from ._tensor import Tensor, _wrap
    from .device import device as _Device
    from .ops import elementwise as _ew


class TensorConvert:
    """Conversions of a tensor to other dtypes, devices, NumPy arrays and Python values."""
    __slots__ = ()

    # -- to NumPy and Python values, copies, dtypes and devices --------------------------
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a NumPy array sharing this tensor's memory (writes show in both).
        A tensor that requires grad raises unless `force=True` (or use `.detach().numpy()`).

        Example::

            >>> x = torch.tensor([1, 2])
            >>> a = x.numpy()
            >>> a[0] = 9
            >>> x
            tensor([9, 2])
        """
        if STATE.trace is not None:
            STATE.trace.escape("numpy()")
        if self._rg and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def item(self) -> bool | int | float:
        """The value of a one-element tensor (any shape) as a Python number.

        Example::

            >>> torch.tensor([[2.5]]).item(), torch.tensor(3).item()
            (2.5, 3)
        """
        if STATE.trace is not None:
            STATE.trace.escape("item()")
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(-1)[0].item()

    def tolist(self) -> Any:
        """The values as nested Python lists of numbers (a bare number for a 0-d tensor).

        Example::

            >>> torch.tensor([[1, 2], [3, 4]]).tolist(), torch.tensor(1.5).tolist()
            ([[1, 2], [3, 4]], 1.5)
        """
        if STATE.trace is not None:
            STATE.trace.escape("tolist()")
        return self._data.tolist()

    def detach(self) -> Tensor:
        """A new tensor with the same values, cut from the graph (no grad_fn, requires_grad
        False). It shares memory with this one: an in-place change to either shows in both,
        and if autograd saved the old values for a backward pass, that backward raises.

        Example::

            >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
            >>> d = x.detach()
            >>> d.requires_grad, d.data_ptr() == x.data_ptr()
            (False, True)
        """
        t = _wrap(self._data)
        t._vc = self._vc
        # writes through t reach the family it shares a version counter with
        root = self._base if self._base is not None else self
        t._vfam = root._vfam if root._vfam is not None else root
        return t

    def detach_(self) -> Tensor:
        """Cuts this tensor from the graph in place (it becomes a leaf that does not require
        grad) and returns it. Views cannot be detached in place: use `detach()`.

        Example::

            >>> y = torch.tensor([1.0], requires_grad=True) * 2
            >>> y.detach_()
            tensor([2.])
            >>> y.grad_fn is None
            True
        """
        if self._base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set "
                "as True, gradients are views of DDP buckets, and hence detach_() cannot be "
                "called on these gradients. To fix this error, please refer to the "
                "Optimizer.zero_grad() function in dygrad/optim/optimizer.py as the solution.")
        self.grad_fn = None
        self._rg = False
        return self

    def clone(self, *, memory_format: Any = None) -> Tensor:
        """A copy in new memory; unlike `detach()` it stays in the graph (gradients flow back
        to this tensor). By default (`torch.preserve_format`) the copy keeps a dense tensor's
        dimension order in memory (a transpose's clone is not contiguous);
        `torch.contiguous_format` or `torch.channels_last` ask for that layout.

        Example::

            >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
            >>> x.clone()
            tensor([1., 2.], grad_fn=<CloneBackward0>)
            >>> t = torch.zeros(2, 3).t()
            >>> t.clone().stride(), t.clone(memory_format=torch.contiguous_format).stride()
            ((1, 3), (2, 1))
        """
        if memory_format is None:
            from ._layout import preserve_format as memory_format
        return _ew.clone(self, memory_format=memory_format)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Converts to another dtype and/or device. Accepts a dtype, a device (only the CPU
        exists here; `'cuda'` raises), both (`to('cpu', torch.float64)`), or another tensor
        whose dtype and device to take; keywords `dtype=`, `device=`, `non_blocking=`,
        `copy=`. When nothing changes it returns this tensor itself, unless `copy=True`.
        Differentiable: gradients flow back through the cast.

        Example::

            >>> x = torch.tensor([1.5, 2.0])
            >>> x.to(torch.int64)
            tensor([1, 2])
            >>> x.to('cpu') is x, x.to(torch.float32, copy=True) is x
            (True, False)
            >>> x.to(torch.zeros(1, dtype=torch.float64))
            tensor([1.5000, 2.0000], dtype=torch.float64)
        """
        from .device import parse_to_args
        dtype, copy = parse_to_args("to", args, kwargs)
        if dtype is None or dtype.np == self._data.dtype:
            return self.clone() if copy else self  # a copy keeps the layout (preserve_format)
        return _ew.cast(self, dtype)

    def cpu(self, memory_format: Any = None) -> Tensor:
        """This tensor in CPU memory: already there, so the tensor itself.

        Example::

            >>> x = torch.zeros(2)
            >>> x.cpu() is x
            True
        """
        return self

    def cuda(self, device: _Device | int | str | None = None, non_blocking: bool = False,
             memory_format: Any = None) -> Tensor:
        """Would copy this tensor to a CUDA device; dygrad has none, so it raises an error
        that is both a RuntimeError and an AssertionError (PyTorch's CPU builds raise the
        latter). Write `x.to(device)` with a device chosen from `torch.cuda.is_available()`.

        Example::

            >>> torch.cuda.is_available()
            False
        """
        from .device import raise_no_cuda
        raise_no_cuda("Tensor.cuda()")

    def float(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.float32)`: this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([1, 2]).float()
            tensor([1., 2.])
        """
        return _converted(self, _dtype.float32)

    def double(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.float64)`: this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([1, 2]).double()
            tensor([1., 2.], dtype=torch.float64)
        """
        return _converted(self, _dtype.float64)

    def half(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.float16)`: this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([1.0, 1 / 3]).half()
            tensor([1.0000, 0.3333], dtype=torch.float16)
        """
        return _converted(self, _dtype.float16)

    def bfloat16(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.bfloat16)` (needs the ml_dtypes package): this tensor itself
        when it already has that dtype.

        Example::

            >>> torch.tensor([1.0, 1 / 3]).bfloat16()
            tensor([1.0000, 0.3340], dtype=torch.bfloat16)
        """
        return _converted(self, _dtype.bfloat16)

    def long(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.int64)` (floats are truncated toward zero): this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([-1.7, 2.9]).long()
            tensor([-1,  2])
        """
        return _converted(self, _dtype.int64)

    def int(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.int32)` (floats are truncated toward zero): this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([-1.7, 2.9]).int()
            tensor([-1,  2], dtype=torch.int32)
        """
        return _converted(self, _dtype.int32)

    def short(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.int16)` (floats are truncated toward zero): this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([-1.7, 2.9]).short()
            tensor([-1,  2], dtype=torch.int16)
        """
        return _converted(self, _dtype.int16)

    def char(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.int8)` (floats are truncated toward zero): this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([-1.7, 2.9]).char()
            tensor([-1,  2], dtype=torch.int8)
        """
        return _converted(self, _dtype.int8)

    def byte(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.uint8)` (floats are truncated toward zero): this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([0.0, 1.5, 255.0]).byte()
            tensor([  0,   1, 255], dtype=torch.uint8)
        """
        return _converted(self, _dtype.uint8)

    def bool(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.bool)` (nonzero is True): this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([0.0, 1.5, -2.0]).bool()
            tensor([False,  True,  True])
        """
        return _converted(self, _dtype.bool_)

    def type_as(self, other: Tensor) -> Tensor:
        """This tensor converted to `other`'s dtype (itself when they already match).

        Example::

            >>> torch.tensor([1.5, 2.7]).type_as(torch.tensor([0]))
            tensor([1, 2])
        """
        if not isinstance(other, Tensor):
            raise TypeError(f"type_as(): argument 'other' (position 1) must be Tensor, not "
                            f"{type(other).__name__}")
        return self.to(other.dtype)

    def pin_memory(self, device: _Device | str | None = None) -> Tensor:
        """Would copy into page-locked memory for fast transfers to a GPU; without one it
        returns this tensor itself (PyTorch raises when no accelerator is present).

        Example::

            >>> torch.zeros(2).is_pinned()
            False
        """
        return self

    def is_pinned(self, device: _Device | str | None = None) -> bool:
        """Whether this tensor is in page-locked memory: never here.

        Example::

            >>> torch.zeros(2).is_pinned()
            False
        """
        return False

    def share_memory_(self) -> Tensor:
        """Moves the values into memory shared between processes, in place, and returns this
        tensor: dtype, shape, requires_grad and version counter are kept, and the tensor then
        pickles as a reference to that memory, so a process it is sent to (a
        `torch.multiprocessing` child, whatever its start method) writes into the same values.
        A no-op when already shared. The memory is a file under /dev/shm that the process which
        made it removes when it exits (docs/multiprocessing.md).

        Example::

            >>> x = torch.zeros(2)
            >>> x.share_memory_() is x, x.is_shared()
            (True, True)
        """
        from . import _shm
        _shm.share_(self)
        return self

    def is_shared(self) -> bool:
        """Whether the values are in memory shared between processes (`share_memory_()`, or a
        shared tensor received from another process).

        Example::

            >>> torch.zeros(2).is_shared()
            False
        """
        shm = sys.modules.get("dygrad._shm")
        return shm is not None and shm.block_of(self._data) is not None

    def new_tensor(self, data: Any, dtype: _dtype.dtype | None = None,
                   device: _Device | str | None = None, requires_grad: bool = False) -> Tensor:
        """A new tensor holding a copy of `data`, with this tensor's dtype unless `dtype` is
        given (unlike `torch.tensor`, which infers it from the data).

        Example::

            >>> torch.zeros(1, dtype=torch.float64).new_tensor([1, 2])
            tensor([1., 2.], dtype=torch.float64)
        """
        from ._creation import tensor
        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size: int | Sequence[int], dtype: _dtype.dtype | None = None,
                  device: _Device | str | None = None, requires_grad: bool = False,
                  **kwargs: Any) -> Tensor:
        """A new tensor of the given size filled with zeros, with this tensor's dtype unless `dtype`
        is given; size may be separate ints or one sequence.

        Example::

            >>> torch.tensor([1, 2]).new_zeros(2, 3)
            tensor([[0, 0, 0],
                    [0, 0, 0]])
        """
        from ._creation import zeros
        return zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad, **kwargs)

    def new_ones(self, *size: int | Sequence[int], dtype: _dtype.dtype | None = None,
                  device: _Device | str | None = None, requires_grad: bool = False,
                  **kwargs: Any) -> Tensor:
        """A new tensor of the given size filled with ones, with this tensor's dtype unless `dtype`
        is given; size may be separate ints or one sequence.

        Example::

            >>> torch.tensor([1.0]).new_ones((2,))
            tensor([1., 1.])
        """
        from ._creation import ones
        return ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad, **kwargs)

    def new_full(self, size: Sequence[int], fill_value: bool | int | float,
                 dtype: _dtype.dtype | None = None, device: _Device | str | None = None,
                 requires_grad: bool = False) -> Tensor:
        """A new tensor of shape `size` filled with `fill_value`, with this tensor's dtype
        unless `dtype` is given.

        Example::

            >>> torch.zeros(1, dtype=torch.float64).new_full((2, 2), 7)
            tensor([[7., 7.],
                    [7., 7.]], dtype=torch.float64)
        """
        from ._creation import full
        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size: int | Sequence[int], dtype: _dtype.dtype | None = None,
                  device: _Device | str | None = None, requires_grad: bool = False,
                  **kwargs: Any) -> Tensor:
        """A new tensor of the given size whose values are not set (read none before writing
        them), with this tensor's dtype unless `dtype` is given.

        Example::

            >>> e = torch.tensor([1, 2]).new_empty(2, 3)
            >>> e.shape, e.dtype
            (torch.Size([2, 3]), torch.int64)
        """
        from ._creation import empty
        return empty(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad, **kwargs)

    def new_empty_strided(self, size: Sequence[int], stride: Sequence[int], *,
                          dtype: _dtype.dtype | None = None, device: _Device | str | None = None,
                          requires_grad: bool = False) -> Tensor:
        """Like `new_empty`, with the given memory strides (in elements) per dimension.

        Example::

            >>> torch.zeros(1).new_empty_strided((2, 3), (1, 2)).stride()
            (1, 2)
        """
        from ._creation import empty_strided
        return empty_strided(size, stride, dtype=dtype or self.dtype, device=device,
                             requires_grad=requires_grad)


    # -- the legacy type names (torch.FloatTensor, ...) -------------------------------
    def type(self, dtype: _dtype.dtype | str | type | None = None, non_blocking: bool = False,
             **kwargs: Any) -> str | Tensor:
        """With no argument, the legacy type name (e.g. `'torch.FloatTensor'`); given a
        dtype, a type name string or a legacy class (`torch.DoubleTensor`), this tensor
        converted to it (itself when the dtype already matches).

        Example::

            >>> x = torch.tensor([1.5, 2.0])
            >>> x.type()
            'torch.FloatTensor'
            >>> x.type(torch.int64)
            tensor([1, 2])
            >>> x.type('torch.DoubleTensor')
            tensor([1.5000, 2.0000], dtype=torch.float64)
        """
        if dtype is None:
            if self._data.dtype.kind == "V":
                return "torch.BFloat16Tensor"
            return _TYPE_NAMES[self._data.dtype]
        if isinstance(dtype, type):  # a legacy class (torch.DoubleTensor) or torch.Tensor
            if dtype.__name__ not in _LEGACY_TYPES:
                if issubclass(dtype, Tensor):  # torch.Tensor stands for the default dtype
                    return self.to(_dtype.get_default_dtype())
                raise ValueError(f"invalid type: '{dtype.__name__}'")  # int, float...: not types
            dtype = "torch." + dtype.__name__
        if isinstance(dtype, str):
            if dtype.startswith("torch.cuda."):
                from .device import raise_no_cuda
                raise_no_cuda(f"Tensor.type({dtype!r})")
            if dtype == "torch.BFloat16Tensor":
                return self.to(_dtype.bfloat16)
            inv = {v: k for k, v in _TYPE_NAMES.items()}
            try:
                dtype = _dtype.from_numpy_dtype(inv[dtype])
            except KeyError:
                raise ValueError(f"invalid type: '{dtype}'") from None
        elif not isinstance(dtype, _dtype.dtype):
            raise TypeError("dtype must be a type, str, or dtype object")
        return self.to(dtype)


    # -- Python's conversion protocols (bool/float/int/index/format, NumPy, DLPack) -------
    def __bool__(self):
        if STATE.trace is not None:
            STATE.trace.escape("bool(tensor)")
        if self._data.size == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous (shape "
                f"{tuple(self._data.shape)})")
        return bool(self._data.reshape(-1)[0])

    def _one_element(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")

    def __float__(self):
        if STATE.trace is not None:
            STATE.trace.escape("float(tensor)")
        self._one_element()
        if self._rg and not _WARNED_FLOAT:  # once per process, as PyTorch
            _WARNED_FLOAT.append(True)
            import warnings
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to "
                          "unexpected behavior.\nConsider using tensor.detach() first.", UserWarning,
                          stacklevel=2)
        return float(self.item())

    def __int__(self):
        if STATE.trace is not None:
            STATE.trace.escape("int(tensor)")
        self._one_element()
        return int(self.item())

    def __index__(self):
        if STATE.trace is not None:
            STATE.trace.escape("using a tensor as an index")
        if self._data.ndim or self._data.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data)

    def __complex__(self):
        return complex(self.item())

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return repr(self)

    def __array__(self, dtype=None, copy=None):
        if STATE.trace is not None:
            STATE.trace.escape("numpy()/__array__")
        if self._rg:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        d = self._data
        return d if dtype is None else d.astype(dtype)

    def __dlpack__(self, *args, **kwargs):
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()


_WARNED_FLOAT = []  # __float__ of a tensor requiring grad warned already (once per process)
_LEGACY_TYPES = {"FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
                 "CharTensor", "ByteTensor", "BoolTensor", "BFloat16Tensor"}


_TYPE_NAMES = {
    np.dtype(np.float32): "torch.FloatTensor", np.dtype(np.float64): "torch.DoubleTensor",
    np.dtype(np.float16): "torch.HalfTensor", np.dtype(np.int64): "torch.LongTensor",
    np.dtype(np.int32): "torch.IntTensor", np.dtype(np.int16): "torch.ShortTensor",
    np.dtype(np.int8): "torch.CharTensor", np.dtype(np.uint8): "torch.ByteTensor",
    np.dtype(np.bool_): "torch.BoolTensor",
}


def _converted(t, dt):
    """float()/long()/...: `t.to(dt)` without its argument parsing (these run in training loops)."""
    return t if t._data.dtype == dt.np else _ew.cast(t, dt)


def _link():
    """Binds the names whose modules import Tensor (called by _tensor.py once it exists)."""
    global Tensor, _wrap, _ew
    from ._tensor import Tensor, _wrap
    from .ops import elementwise as _ew
