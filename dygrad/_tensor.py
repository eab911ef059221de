"""The Tensor: a NumPy array plus what autograd needs (requires_grad, grad, grad_fn, version).

Methods are written out one by one and delegate to the op modules (dygrad/ops/*), so editors and
type checkers see them. Only four slots are set when a tensor is made; rarely used fields
(grad, hooks, view base) fall back to class-level defaults until assigned.
"""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np

from . import _dtype
from .autograd.grad_mode import STATE
from .autograd.node import AccumulateGrad, add_hook as _add_hook
from ._tensor_methods import TensorOpMethods

if TYPE_CHECKING:  # names used only in annotations (never evaluated at run time)
    from collections.abc import Callable, Iterator, Sequence
    from typing import Any
    from .autograd.node import RemovableHandle
    from .device import device as _Device

ndarray = np.ndarray
_new = object.__new__


class Tensor(TensorOpMethods):
    """An n-dimensional array of one dtype that can record the operations applied to it, so
    that `backward()` can compute gradients (autograd).

    Make one with a creation function (`torch.tensor`, `torch.zeros`, ...), not by calling the
    class. A few attributes are fixed, kept for code written for PyTorch that checks them: this
    tensor lives in CPU memory as a dense strided array, so `is_cpu` is True, `is_cuda`,
    `is_mps`, `is_meta`, `is_sparse` and `is_quantized` are False, and `layout` names
    `torch.strided`.

    Example::

        >>> x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([[2., 4.],
                [6., 8.]])
    """
    # a dict of slots gives `grad_fn` (the one public slot) a docstring, at no cost per tensor
    __slots__ = {"_data": None, "_rg": None, "_vc": None, "__dict__": None, "__weakref__": None,
                 "grad_fn": "The graph node that made this tensor (`None` for a leaf: a tensor made "
                            "by the user, or made while no input required gradients). Example: "
                            "`(x * 2).grad_fn` is a `MulBackward0` when x requires grad."}
    __array_ufunc__ = None  # ndarray (op) Tensor defers to Tensor's reflected operators
    __array_priority__ = 1000

    _grad = None
    _nr = 0            # which output of grad_fn this tensor is
    _accum = None      # cached AccumulateGrad node of a leaf
    _base = None       # the root tensor this one is a view of
    _views = None      # weak references to the live views of a root (autograd/views.py)
    _vkind = None      # how a view was made, when it forbids in-place writes (views.py)
    _vver = 0          # the version a view's history was made at (views.py)
    _vfam = None       # the root a detached tensor shares its version counter with
    _hooks = None      # hooks of a leaf (non-leaf hooks live on grad_fn)
    _post_hooks = None
    _retains = False
    is_sparse = False
    is_quantized = False
    is_meta = False
    is_cuda = False
    is_cpu = True
    is_mps = False
    layout = "torch.strided"

    def __new__(cls, *args, **kwargs):
        return _legacy_new(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        pass

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                "because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001")
        import copy
        new = _new(type(self))
        new._data = self._data.copy()
        new._rg = self._rg
        new.grad_fn = None
        new._vc = [0]
        memo[id(self)] = new
        if self.grad is not None:
            new.grad = copy.deepcopy(self.grad, memo)
        for k, v in self.__dict__.items():
            if k not in ("_grad", "_accum", "_base", "_hooks", "_post_hooks", "_views", "_vkind",
                         "_vver", "_vfam"):
                setattr(new, k, copy.deepcopy(v, memo))
        return new

    # -- pickling (DataLoader workers send tensors between processes; never used for files) --
    def __reduce_ex__(self, proto):
        return (_rebuild, (self._data, self._rg))

    # -- basic properties ----------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """This tensor's values as a new tensor outside autograd: it shares the memory (writes
        show in both), has requires_grad False and no history. Assigning `x.data = y` swaps
        in y's values (shape may change) without recording anything.

        Example::

            >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
            >>> x.data.mul_(10)
            tensor([10., 20.])
            >>> x
            tensor([10., 20.], requires_grad=True)
        """
        return _wrap(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        if self._rg and value._data.dtype.kind != "f":
            raise RuntimeError(
                "data set to a tensor that requires gradients must be floating point or complex dtype")
        self._data = value._data

    @property
    def requires_grad(self) -> bool:
        """Whether autograd records operations on this tensor so gradients can flow to it.
        Only floating-point tensors can require gradients, and only a leaf's flag can be set.

        Example::

            >>> x = torch.tensor([1.0, 2.0])
            >>> x.requires_grad
            False
            >>> x.requires_grad = True
            >>> (x * 2).requires_grad
            True
        """
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        flag = bool(flag)
        if self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables." + ("" if flag else
                " If you want to use a computed variable in a subgraph that doesn't require "
                "differentiation use var_no_grad = var.detach()."))
        if flag and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients (got {self.dtype})")
        self._rg = flag
        if flag and self._views:
            _views.mark_requires_grad(self)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Sets `requires_grad` in place and returns this tensor (handy right after creation).

        Example::

            >>> w = torch.zeros(2).requires_grad_()
            >>> w.requires_grad
            True
        """
        if not (requires_grad and self.grad_fn is not None):  # a non-leaf requires grad already
            self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for a tensor no recorded operation made (grad_fn is None): a tensor made by
        the user, or any tensor that does not require gradients. `backward()` fills `.grad`
        only on leaves that require gradients (and on tensors that called `retain_grad()`).

        Example::

            >>> x = torch.tensor([1.0], requires_grad=True)
            >>> x.is_leaf, (x * 2).is_leaf, (x * 2).detach().is_leaf
            (True, False, True)
        """
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        """True when `retain_grad()` was called on this non-leaf tensor (its `.grad` is kept).

        Example::

            >>> y = torch.tensor([1.0], requires_grad=True) * 2
            >>> y.retains_grad
            False
            >>> y.retain_grad()
            >>> y.retains_grad
            True
        """
        return self._retains

    @property
    def output_nr(self) -> int:
        """Which output of its `grad_fn` this tensor is (0 for leaves and single-output ops).

        Example::

            >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
            >>> [t.output_nr for t in x.unbind()]
            [0, 1]
        """
        return self._nr

    @property
    def _version(self):
        return self._vc[0]

    @property
    def shape(self) -> Size:
        """The size of each dimension, as a `torch.Size` (a tuple); same as `size()`.

        Example::

            >>> torch.zeros(2, 3).shape
            torch.Size([2, 3])
        """
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Size | int:
        """The shape as a `torch.Size`, or the length of dimension `dim` (negative counts
        from the end).

        Example::

            >>> x = torch.zeros(2, 3)
            >>> x.size(), x.size(-1)
            (torch.Size([2, 3]), 3)
        """
        if dim is None:
            return Size(self._data.shape)
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
        return self._data.dtype.kind == "f"

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
        return self._data.dtype.kind in "fi"

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
            inv = {v: k for k, v in _TYPE_NAMES.items()}
            try:
                dtype = _dtype.from_numpy_dtype(inv[dtype])
            except KeyError:
                raise ValueError(f"invalid type: '{dtype}'") from None
        elif not isinstance(dtype, _dtype.dtype):
            raise TypeError("dtype must be a type, str, or dtype object")
        return self.to(dtype)

    def __len__(self) -> int:
        """Length of the first dimension; a 0-d tensor has none (TypeError).

        Example::

            >>> len(torch.zeros(4, 2))
            4
        """
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        """Iterates over the first dimension, giving one tensor per index (gradients flow
        back through them); a 0-d tensor cannot be iterated (TypeError).

        Example::

            >>> for row in torch.tensor([[1, 2], [3, 4]]):
            ...     print(row)
            tensor([1, 2])
            tensor([3, 4])
        """
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        if not (self._rg and STATE.enabled):
            return iter([_wrap(x) for x in self._data])
        return iter(_shape.unbind(self, 0))

    def __hash__(self):
        return id(self)

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

    def __contains__(self, element):
        if isinstance(element, (Tensor, bool, int, float, np.generic)):
            return bool((self == element).any())
        raise RuntimeError(
            f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element)}.")

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

    def __repr__(self):
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

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

    # -- conversion ----------------------------------------------------------------------
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
        return self.to(_dtype.float32)

    def double(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.float64)`: this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([1, 2]).double()
            tensor([1., 2.], dtype=torch.float64)
        """
        return self.to(_dtype.float64)

    def half(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.float16)`: this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([1.0, 1 / 3]).half()
            tensor([1.0000, 0.3333], dtype=torch.float16)
        """
        return self.to(_dtype.float16)

    def long(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.int64)` (floats are truncated toward zero): this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([-1.7, 2.9]).long()
            tensor([-1,  2])
        """
        return self.to(_dtype.int64)

    def int(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.int32)` (floats are truncated toward zero): this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([-1.7, 2.9]).int()
            tensor([-1,  2], dtype=torch.int32)
        """
        return self.to(_dtype.int32)

    def short(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.int16)` (floats are truncated toward zero): this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([-1.7, 2.9]).short()
            tensor([-1,  2], dtype=torch.int16)
        """
        return self.to(_dtype.int16)

    def char(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.int8)` (floats are truncated toward zero): this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([-1.7, 2.9]).char()
            tensor([-1,  2], dtype=torch.int8)
        """
        return self.to(_dtype.int8)

    def byte(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.uint8)` (floats are truncated toward zero): this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([0.0, 1.5, 255.0]).byte()
            tensor([  0,   1, 255], dtype=torch.uint8)
        """
        return self.to(_dtype.uint8)

    def bool(self, memory_format: Any = None) -> Tensor:
        """Same as `self.to(torch.bool)` (nonzero is True): this tensor itself when it already has that
        dtype.

        Example::

            >>> torch.tensor([0.0, 1.5, -2.0]).bool()
            tensor([False,  True,  True])
        """
        return self.to(_dtype.bool_)

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
        """Would move the data to memory shared between processes; a no-op returning this
        tensor here (`is_shared()` stays False, where PyTorch's turns True).

        Example::

            >>> x = torch.zeros(2)
            >>> x.share_memory_() is x
            True
        """
        return self

    def is_shared(self) -> bool:
        """Whether the data is in memory shared between processes: never here.

        Example::

            >>> torch.zeros(2).is_shared()
            False
        """
        return False

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

    # -- autograd ------------------------------------------------------------------------
    @property
    def grad(self) -> Tensor | None:
        """The gradient `backward()` accumulated into this tensor (None until then). Calls
        add to it, so zero or reset it between steps; set it to a tensor of this shape and
        dtype, or None. Only leaves (and tensors that called `retain_grad()`) get one: reading
        it on another non-leaf warns, as PyTorch's.

        Example::

            >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
            >>> (x * x).sum().backward()
            >>> x.grad
            tensor([2., 4.])
            >>> (x * x).sum().backward()
            >>> x.grad
            tensor([4., 8.])
        """
        g = self._grad
        if g is None and self.grad_fn is not None and not self._retains:
            _warn_nonleaf_grad()
        if STATE.trace is not None:
            STATE.trace.grad_read(self, g)
        return g

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a "
                    f"tensor of size '{list(self._data.shape)}'. Please ensure that the gradient "
                    "and the tensor are the same size")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient of dtype {value.dtype} to a tensor of dtype "
                    f"{self.dtype}: the gradient must have the tensor's dtype")
        if STATE.trace is not None:
            STATE.trace.grad_write(self, value)
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self.grad = None

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False,
                 inputs: Tensor | Sequence[Tensor] | None = None) -> None:
        """Computes the gradient of this tensor with respect to the leaves of its graph and
        adds it into their `.grad`. A tensor of more than one element needs `gradient` (the
        vector the Jacobian is multiplied by). The graph is freed afterwards unless
        `retain_graph=True`; `create_graph=True` records the backward pass itself (for
        higher-order gradients); `inputs` limits which leaves receive gradients.

        Example::

            >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
            >>> y = x ** 3
            >>> y.backward(torch.tensor([1.0, 0.5]))
            >>> x.grad
            tensor([3., 6.])
        """
        tr = STATE.trace
        if tr is not None:  # a traced step: record it, then run it eagerly with recording off
            tr.record_backward(self, gradient, retain_graph, create_graph, inputs)
            STATE.trace = None
            try:
                return self.backward(gradient, retain_graph, create_graph, inputs)
            finally:
                STATE.trace = tr
        d = self._data
        if (gradient is None and inputs is None and not create_graph and self.grad_fn is not None
                and d.size == 1 and d.dtype.kind == "f"):
            # the usual `loss.backward()`: skip the general argument handling
            one = np.array(1, d.dtype) if not d.ndim else np.ones(d.shape, d.dtype)  # array(): 4x faster
            _backward_root(self.grad_fn, self._nr, one, bool(retain_graph))
            return
        _autograd_backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def retain_grad(self) -> None:
        """Asks `backward()` to keep this non-leaf tensor's gradient in `.grad` (leaves keep
        theirs anyway). The tensor must require grad.

        Example::

            >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
            >>> h = x * 2
            >>> h.retain_grad()
            >>> (h * h).sum().backward()
            >>> h.grad
            tensor([4., 8.])
        """
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        if self._retains:
            return
        self._retains = True
        self.grad_fn._add_pre_hook(("retain", weakref.ref(self)))

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Calls `hook(grad)` each time the gradient for this tensor is computed; a returned
        tensor replaces that gradient. Returns a handle whose `remove()` unregisters the hook.
        The tensor must require grad.

        Example::

            >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
            >>> handle = x.register_hook(lambda g: g * 10)
            >>> x.sum().backward()
            >>> x.grad
            tensor([10., 10.])
            >>> handle.remove()
        """
        if not self._rg:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            return _add_hook(self, "_hooks", hook)
        return self.grad_fn._add_pre_hook((("tensor", self._nr), hook))

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]
                                           ) -> RemovableHandle:
        """Calls `hook(tensor)` after `backward()` has added into this leaf's `.grad` (e.g.
        to step an optimizer per parameter); returns a handle whose `remove()` unregisters it.
        Leaves only.

        Example::

            >>> w = torch.tensor([1.0], requires_grad=True)
            >>> h = w.register_post_accumulate_grad_hook(lambda p: print("grad", p.grad))
            >>> (w * 3).sum().backward()
            grad tensor([3.])
        """
        if self.grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        return _add_hook(self, "_post_hooks", hook)

    def _grad_node(self):
        """(node, output_nr) that receives this tensor's gradient, creating a leaf's sink."""
        fn = self.grad_fn
        if fn is not None:
            return fn, self._nr
        if not self._rg:
            return None, 0
        acc = self._accum
        if acc is None:
            acc = self._accum = AccumulateGrad(self)
        return acc, 0

    # -- arithmetic operators --------------------------------------------------------------
    def __add__(self, other):
        return _ew.add(self, other)

    def __radd__(self, other):
        return _ew.add(self, other)

    def __iadd__(self, other):
        return _ew.add_(self, other)

    def __sub__(self, other):
        return _ew.sub(self, other)

    def __rsub__(self, other):
        return _ew.rsub(self, other)

    def __isub__(self, other):
        return _ew.sub_(self, other)

    def __mul__(self, other):
        return _ew.mul(self, other)

    def __rmul__(self, other):
        return _ew.mul(self, other)

    def __imul__(self, other):
        return _ew.mul_(self, other)

    def __truediv__(self, other):
        return _ew.div(self, other)

    def __rtruediv__(self, other):
        return _ew.rdiv(self, other)

    def __itruediv__(self, other):
        return _ew.div_(self, other)

    def __floordiv__(self, other):
        return _ew.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ew.floor_divide(_ew.scalar_like(other, self), self)

    def __ifloordiv__(self, other):
        return _inplace(self, _ew.floor_divide(self, other))

    def __mod__(self, other):
        return _ew.remainder(self, other)

    def __rmod__(self, other):
        return _ew.remainder(other, self)

    def __imod__(self, other):
        return _inplace(self, _ew.remainder(self, other))

    def __pow__(self, other):
        return _ew.pow(self, other)

    def __rpow__(self, other):
        return _ew.rpow(self, other)

    def __ipow__(self, other):
        return _inplace(self, _ew.pow(self, other))

    def __matmul__(self, other):
        return _la.matmul(self, other)

    def __rmatmul__(self, other):
        return _la.matmul(_ew.as_tensor_like(other, self), self)

    def __imatmul__(self, other):
        return _inplace(self, _la.matmul(self, other))

    def __neg__(self):
        return _ew.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ew.abs(self)

    def __invert__(self):
        return _ew.bitwise_not(self)

    def __and__(self, other):
        return _ew.bitwise_and(self, other)

    __rand__ = __and__

    def __or__(self, other):
        return _ew.bitwise_or(self, other)

    __ror__ = __or__

    def __xor__(self, other):
        return _ew.bitwise_xor(self, other)

    __rxor__ = __xor__

    def __iand__(self, other):
        return _inplace(self, _ew.bitwise_and(self, other))

    def __ior__(self, other):
        return _inplace(self, _ew.bitwise_or(self, other))

    def __ixor__(self, other):
        return _inplace(self, _ew.bitwise_xor(self, other))

    def __lshift__(self, other):
        return _ew.bitwise_left_shift(self, other)

    def __rshift__(self, other):
        return _ew.bitwise_right_shift(self, other)

    def __rlshift__(self, other):
        return _ew.bitwise_left_shift(other, self)

    def __rrshift__(self, other):
        return _ew.bitwise_right_shift(other, self)

    def __ilshift__(self, other):
        return _inplace(self, _ew.bitwise_left_shift(self, other))

    def __irshift__(self, other):
        return _inplace(self, _ew.bitwise_right_shift(self, other))

    def __eq__(self, other):
        return _ew.eq(self, other)

    def __ne__(self, other):
        return _ew.ne(self, other)

    def __lt__(self, other):
        return _ew.lt(self, other)

    def __le__(self, other):
        return _ew.le(self, other)

    def __gt__(self, other):
        return _ew.gt(self, other)

    def __ge__(self, other):
        return _ew.ge(self, other)

    def __getitem__(self, key: Any) -> Tensor:
        """Indexing as NumPy's: ints, slices, `None` and `...` give a view sharing memory;
        integer tensors or lists and boolean masks (advanced indexing) give a copy.
        Differentiable.

        Example::

            >>> x = torch.arange(6).view(2, 3)
            >>> x[1], x[:, 1]
            (tensor([3, 4, 5]), tensor([1, 4]))
            >>> x[x > 3], x[[0, 1], [2, 0]]
            (tensor([4, 5]), tensor([2, 3]))
        """
        return _idx.getitem(self, key)

    def __setitem__(self, key: Any, value: Tensor | bool | int | float) -> None:
        """Writes `value` (broadcast to the indexed shape) into the indexed elements in place;
        keys as in `__getitem__`. Recorded by autograd like other in-place ops.

        Example::

            >>> x = torch.zeros(2, 3, dtype=torch.int64)
            >>> x[0, :2] = 9
            >>> x[x == 0] = -1
            >>> x
            tensor([[ 9,  9, -1],
                    [-1, -1, -1]])
        """
        _idx.setitem(self, key, value)

    # -- elementwise methods -----------------------------------------------------------------
    def equal(self, other: Tensor) -> bool:
        """True when both tensors have the same shape and the same values (dtypes may differ:
        values compare after promotion); no broadcasting.

        Example::

            >>> x = torch.tensor([1, 2])
            >>> x.equal(torch.tensor([1.0, 2.0])), x.equal(torch.tensor([[1, 2]]))
            (True, False)
        """
        if not isinstance(other, Tensor):
            raise TypeError(f"equal(): argument 'other' (position 1) must be Tensor, not "
                            f"{type(other).__name__}")
        return bool(self._data.shape == other._data.shape and np.array_equal(self._data, other._data))

    # -- in-place fills (used by init and optimizers) -------------------------------------
    def zero_(self) -> Tensor:
        """Sets every element to zero in place and returns this tensor.

        Example::

            >>> torch.ones(2, 2).zero_()
            tensor([[0., 0.],
                    [0., 0.]])
        """
        return _ew.fill_(self, 0)

    def fill_(self, value: Tensor | bool | int | float) -> Tensor:
        """Sets every element to `value` (a number or a 0-d tensor) in place, converted to
        this tensor's dtype, and returns this tensor.

        Example::

            >>> torch.zeros(2, 2).fill_(3.5)
            tensor([[3.5000, 3.5000],
                    [3.5000, 3.5000]])
        """
        return _ew.fill_(self, value)

    def copy_(self, src: Tensor, non_blocking: bool = False) -> Tensor:
        """Writes `src`'s values into this tensor in place (src broadcasts to this shape and
        is converted to this dtype) and returns this tensor; views of it see the change.
        Differentiable with respect to `src`.

        Example::

            >>> dst = torch.zeros(2, 3)
            >>> dst.copy_(torch.tensor([1, 2, 3]))
            tensor([[1., 2., 3.],
                    [1., 2., 3.]])
        """
        return _ew.copy_(self, src)

    def resize_(self, *size: int | Sequence[int]) -> Tensor:
        """Gives this tensor a new shape in place, keeping the leading elements in row-major
        order; elements added when it grows are not set (PyTorch leaves them uninitialised),
        so read none before writing them. Returns this tensor.

        Example::

            >>> torch.arange(6).resize_(2, 2)
            tensor([[0, 1],
                    [2, 3]])
        """
        if self._rg:
            raise RuntimeError("cannot resize variables that require grad")
        size = _shape._size_args(size)
        if any(s < 0 for s in size):
            raise RuntimeError(f"resize_: negative dimension {min(size)} in size {list(size)}")
        n = int(np.prod(size))
        flat = self._data.reshape(-1)
        if flat.size >= n:
            self._data = flat[:n].reshape(size).copy()
        else:
            self._data = np.concatenate([flat, np.zeros(n - flat.size, self._data.dtype)]).reshape(size)
        return self

    # -- reductions ------------------------------------------------------------------------
    # -- shape -------------------------------------------------------------------------------
    # -- linear algebra (inverse/det/slogdet: ops/dense.py; the products are declared in
    # ops/linalg.py and generated) --------------------------------------------------------
    # -- nn-flavoured methods ---------------------------------------------------------------
_WARNED_FLOAT = []
_WARNED_ONCE = set()  # keys of the deprecation warnings already given (once per process)


def _warn_once(key, message, depth=0):
    if key not in _WARNED_ONCE:
        _WARNED_ONCE.add(key)
        import warnings  # stacklevel: point at the code that read the property
        warnings.warn(message, UserWarning, stacklevel=3 + depth)


def _warn_nonleaf_grad():
    import warnings  # stacklevel 3: the code that read .grad
    warnings.warn(
        "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
        "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
        "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
        "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
        "instead.", UserWarning, stacklevel=3)


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
_LEGACY_TYPES = {"FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
                 "CharTensor", "ByteTensor", "BoolTensor"}


def _legacy_new(cls, *args, **kwargs):
    """torch.Tensor(...) / torch.FloatTensor(...): data or sizes, always the default dtype."""
    if cls is not Tensor and kwargs.get("_internal"):
        return _new(cls)
    dtype = kwargs.pop("dtype", None) or _dtype.get_default_dtype()
    kwargs.pop("device", None)
    rg = kwargs.pop("requires_grad", False)
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)) and not isinstance(args[0], Size):
        src = args[0]
        arr = src._data.astype(dtype.np) if isinstance(src, Tensor) else np.array(src, dtype=dtype.np)
    elif all(isinstance(a, (int, np.integer)) for a in args) or (len(args) == 1 and isinstance(args[0], Size)):
        shape = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else tuple(int(a) for a in args)
        if any(s < 0 for s in shape):
            raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
        arr = np.zeros(shape, dtype=dtype.np)
    else:
        raise TypeError(
            f"Tensor(): expected sizes (ints) or data (a sequence), got {[type(a).__name__ for a in args]}")
    t = _new(cls)
    t._data = arr
    t._rg = False
    t.grad_fn = None
    t._vc = [0]
    if rg:
        t.requires_grad = True
    return t


def _wrap(arr, rg=False):
    """Fast internal constructor: arr must be an ndarray of a supported dtype."""
    t = _new(Tensor)
    t._data = arr
    t._rg = rg
    t.grad_fn = None
    t._vc = [0]
    if STATE.trace is not None:
        STATE.trace.created(t)
    return t


def _rebuild(arr, rg):
    t = _wrap(arr if arr.flags.writeable else arr.copy())
    t._rg = rg
    return t


def _inplace(self, result, overlap_ok=False):
    """Writes an out-of-place result into self, keeping aliasing views, and rebases history
    (on the root and every live view when self belongs to a view family: autograd/views.py).
    `overlap_ok`: the op is a fill, which PyTorch lets write into self-overlapping memory."""
    if self._rg and self.grad_fn is None and STATE.enabled and self._base is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation.")
    rd = result._data
    if rd.dtype != self._data.dtype:
        if not _dtype.can_cast(rd.dtype, self._data.dtype):
            from ._convert import SCALAR_NAMES
            raise RuntimeError(
                f"result type {SCALAR_NAMES[rd.dtype.name]} can't be cast to the desired "
                f"output type {SCALAR_NAMES[self._data.dtype.name]}")
        if result.grad_fn is not None:
            result = _ew.cast(result, self.dtype)
        rd = result._data.astype(self._data.dtype)
    if rd.shape != self._data.shape:
        raise RuntimeError(
            f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
            f"{list(rd.shape)}")
    if not overlap_ok and 0 in self._data.strides:
        _views.check_no_overlap(self._data)
    if result.grad_fn is not None:
        _snapshot_saved(result.grad_fn, self)
        if self._base is not None:
            return _views.inplace_on_view(self, result)
        _views.copy_into(self._data, rd)
        self._vc[0] += 1
        _views.retarget_saved_output(result.grad_fn, result, self)
        self.grad_fn = result.grad_fn
        self._nr = result._nr
        self._rg = True
        if self._views:
            _views.regenerate(self)
        elif self._vfam is not None:
            _views.bumped(self)
        return self
    _views.copy_into(self._data, rd)
    return _views.written(self, True)


def _snapshot_saved(node, t):
    """`node` (the op an in-place write records) saved `t`, whose values the write is about to
    replace: give the node a private copy with t's old history instead (PyTorch saves the
    original self), so `y *= mask` on a non-leaf works. Ops save self first, so only the first
    entry is self's; a later one is the same tensor passed as another argument (`y.mul_(y)`),
    which PyTorch saves as it is: backward then reports the in-place modification."""
    saved = node._saved
    if not saved:
        return
    for i, s in enumerate(saved):
        if s is t:
            break
    else:
        return
    old = _wrap(t._data.copy(), t._rg)
    old.grad_fn, old._nr = t.grad_fn, t._nr
    node._saved = saved[:i] + (old,) + saved[i + 1:]
    node._vers = node._vers[:i] + (0,) + node._vers[i + 1:]


def _wrap_dim(dim, ndim, op):
    """dim of size()/stride() counted from the front; a 0-d tensor has none to name."""
    if not ndim:
        raise IndexError(f"{op}: dimension specified as {dim} but tensor has no dimensions")
    n = ndim
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


class Size(tuple):
    """torch.Size: a tensor's shape, a tuple of ints with PyTorch's repr; slicing it or adding
    a tuple to it gives a Size again.

    Example::

        >>> s = torch.zeros(2, 3, 4).shape
        >>> s, s[1:], s + (5,), s[0]
        (torch.Size([2, 3, 4]), torch.Size([3, 4]), torch.Size([2, 3, 4, 5]), 2)
    """

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        """Number of elements a tensor of this shape holds (1 for the empty shape).

        Example::

            >>> torch.Size([2, 3]).numel(), torch.Size([]).numel()
            (6, 1)
        """
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, k):
        r = tuple.__getitem__(self, k)
        return Size(r) if isinstance(k, slice) else r

    def __new__(cls, iterable=()):
        items = []
        for i, v in enumerate(iterable):
            if isinstance(v, (bool, float)) or not hasattr(v, "__index__"):
                raise TypeError(f"torch.Size() takes an iterable of 'int' (item {i} is "
                                f"'{type(v).__name__}')")
            items.append(v.__index__())
        return tuple.__new__(cls, items)

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n):
        return Size(tuple(self) * n)

    __rmul__ = __mul__


_TYPE_NAMES = {
    np.dtype(np.float32): "torch.FloatTensor", np.dtype(np.float64): "torch.DoubleTensor",
    np.dtype(np.float16): "torch.HalfTensor", np.dtype(np.int64): "torch.LongTensor",
    np.dtype(np.int32): "torch.IntTensor", np.dtype(np.int16): "torch.ShortTensor",
    np.dtype(np.int8): "torch.CharTensor", np.dtype(np.uint8): "torch.ByteTensor",
    np.dtype(np.bool_): "torch.BoolTensor",
}

from .autograd import backward as _autograd_backward  # noqa: E402
from .autograd import views as _views  # noqa: E402
from .autograd.engine import backward_root as _backward_root  # noqa: E402
from .ops import elementwise as _ew  # noqa: E402  (op modules import Tensor from here)
from .ops import shape as _shape  # noqa: E402
from .ops import indexing as _idx  # noqa: E402
from .ops import linalg as _la  # noqa: E402
from ._tensor_methods import _link as _link_methods  # noqa: E402

_link_methods()  # the declared ops' methods find their family modules from here on
