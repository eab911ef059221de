"""The Tensor: a NumPy array plus what autograd needs (requires_grad, grad, grad_fn, version).

Methods are written out one by one and delegate to the op modules (dygrad/ops/*), so editors and
type checkers see them. Only four slots are set when a tensor is made; rarely used fields
(grad, hooks, view base) fall back to class-level defaults until assigned.
"""
import weakref

import numpy as np

from . import _dtype
from .autograd.grad_mode import STATE
from .autograd.node import AccumulateGrad, add_hook as _add_hook
from ._tensor_ext import TensorExtMethods
from ._tensor_methods import TensorOpMethods

ndarray = np.ndarray
_new = object.__new__


class Tensor(TensorOpMethods, TensorExtMethods):
    __slots__ = ("_data", "_rg", "grad_fn", "_vc", "__dict__", "__weakref__")
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
    def data(self):
        return _wrap(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        if self._rg and value._data.dtype.kind != "f":
            raise RuntimeError(
                "data set to a tensor that requires gradients must be floating point or complex dtype")
        self._data = value._data

    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag):
        flag = bool(flag)
        if self.grad_fn is not None and not flag:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if flag and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients (got {self.dtype})")
        self._rg = flag
        if flag and self._views:
            _views.mark_requires_grad(self)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def retains_grad(self):
        return self._retains

    @property
    def output_nr(self):
        return self._nr

    @property
    def _version(self):
        return self._vc[0]

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim, "size")]

    @property
    def dtype(self):
        return _dtype._BY_NP[self._data.dtype]

    @property
    def device(self):
        from .device import CPU
        return CPU

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    def stride(self, dim=None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim, "stride")]

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return False

    def is_signed(self):
        return self._data.dtype.kind in "fi"

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    def storage_offset(self):
        d = self._data
        b = d
        while isinstance(b.base, ndarray):
            b = b.base
        return (d.__array_interface__["data"][0] - b.__array_interface__["data"][0]) // d.itemsize

    def get_device(self):
        return -1

    def is_inference(self):
        return False

    @property
    def T(self):
        n = self._data.ndim
        if n != 2 and not _WARNED_T:
            _WARNED_T.append(True)
            import warnings
            warnings.warn(
                "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
                "deprecated and it will throw an error in a future release. Consider `x.mT` to "
                "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` "
                "to reverse the dimensions of a tensor.", UserWarning, stacklevel=2)
        return _shape.permute(self, *range(n - 1, -1, -1))

    @property
    def mT(self):
        n = self._data.ndim
        if n < 2:
            raise RuntimeError(
                f"tensor.mT is only supported on matrices or batches of matrices. Got {n}-D tensor.")
        return _shape.transpose(self, -2, -1)

    @property
    def H(self):
        return self.T

    @property
    def mH(self):
        return self.mT

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def type(self, dtype=None, non_blocking=False, **kwargs):
        if dtype is None:
            return _TYPE_NAMES[self._data.dtype]
        if isinstance(dtype, type) and dtype.__name__ in _LEGACY_TYPES:
            dtype = "torch." + dtype.__name__
        if isinstance(dtype, str):
            inv = {v: k for k, v in _TYPE_NAMES.items()}
            try:
                dtype = _dtype.from_numpy_dtype(inv[dtype.replace("torch.cuda.", "torch.")])
            except KeyError:
                raise ValueError(f"invalid type: '{dtype}'") from None
        return self.to(dtype)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
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
    def numpy(self, *, force=False):
        if STATE.trace is not None:
            STATE.trace.escape("numpy()")
        if self._rg and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def item(self):
        if STATE.trace is not None:
            STATE.trace.escape("item()")
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(-1)[0].item()

    def tolist(self):
        if STATE.trace is not None:
            STATE.trace.escape("tolist()")
        return self._data.tolist()

    def detach(self):
        t = _wrap(self._data)
        t._vc = self._vc
        # writes through t reach the family it shares a version counter with
        root = self._base if self._base is not None else self
        t._vfam = root._vfam if root._vfam is not None else root
        return t

    def detach_(self):
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

    def clone(self, *, memory_format=None):
        return _ew.clone(self)

    def contiguous(self, memory_format=None):
        if self._data.flags.c_contiguous:
            return self
        return _ew.clone(self)

    def to(self, *args, **kwargs):
        from .device import parse_to_args
        dtype, copy = parse_to_args("to", args, kwargs)
        if dtype is None or dtype.np == self._data.dtype:
            return _ew.clone(self) if copy else self
        return _ew.cast(self, dtype)

    def cpu(self, memory_format=None):
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        from .device import raise_no_cuda
        raise_no_cuda("Tensor.cuda()")

    def float(self, memory_format=None):
        return self.to(_dtype.float32)

    def double(self, memory_format=None):
        return self.to(_dtype.float64)

    def half(self, memory_format=None):
        return self.to(_dtype.float16)

    def long(self, memory_format=None):
        return self.to(_dtype.int64)

    def int(self, memory_format=None):
        return self.to(_dtype.int32)

    def short(self, memory_format=None):
        return self.to(_dtype.int16)

    def char(self, memory_format=None):
        return self.to(_dtype.int8)

    def byte(self, memory_format=None):
        return self.to(_dtype.uint8)

    def bool(self, memory_format=None):
        return self.to(_dtype.bool_)

    def type_as(self, other):
        return self.to(other.dtype)

    def pin_memory(self, device=None):
        return self

    def is_pinned(self, device=None):
        return False

    def share_memory_(self):
        return self

    def is_shared(self):
        return False

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        from ._creation import tensor
        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, **kwargs):
        from ._creation import zeros
        return zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad, **kwargs)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False, **kwargs):
        from ._creation import ones
        return ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad, **kwargs)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        from ._creation import full
        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False, **kwargs):
        from ._creation import empty
        return empty(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad, **kwargs)

    def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False):
        from ._creation import empty_strided
        return empty_strided(size, stride, dtype=dtype or self.dtype, device=device,
                             requires_grad=requires_grad)

    # -- autograd ------------------------------------------------------------------------
    @property
    def grad(self):
        g = self._grad
        if STATE.trace is not None:
            STATE.trace.grad_read(self, g)
        return g

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a "
                    f"tensor of size '{list(self._data.shape)}'. Please ensure that the gradient "
                    "and the tensor are the same size")
        if STATE.trace is not None:
            STATE.trace.grad_write(self, value)
        self._grad = value

    @grad.deleter
    def grad(self):
        self.grad = None

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
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

    def retain_grad(self):
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        if self._retains:
            return
        self._retains = True
        self.grad_fn._add_pre_hook(("retain", weakref.ref(self)))

    def register_hook(self, hook):
        if not self._rg:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            return _add_hook(self, "_hooks", hook)
        return self.grad_fn._add_pre_hook((("tensor", self._nr), hook))

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors")
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

    def __getitem__(self, key):
        return _idx.getitem(self, key)

    def __setitem__(self, key, value):
        _idx.setitem(self, key, value)

    # -- elementwise methods -----------------------------------------------------------------
    def equal(self, other):
        return bool(self._data.shape == other._data.shape and np.array_equal(self._data, other._data))

    # -- in-place fills (used by init and optimizers) -------------------------------------
    def zero_(self):
        return _ew.fill_(self, 0)

    def fill_(self, value):
        return _ew.fill_(self, value)

    def copy_(self, src, non_blocking=False):
        return _ew.copy_(self, src)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        from . import random as _r
        return _ew.set_data_(self, _r._uniform(self._data.shape, a, b, generator))

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        from . import random as _r
        return _ew.set_data_(self, _r._normal(self._data.shape, mean, std, generator))

    def bernoulli_(self, p=0.5, *, generator=None):
        from . import random as _r
        return _ew.set_data_(self, _r._uniform(self._data.shape, 0.0, 1.0, generator) < p)

    def random_(self, from_=0, to=None, *, generator=None):
        from . import random as _r
        if to is None:
            if from_:
                from_, to = 0, from_
            else:  # the full range of the dtype, as PyTorch (2**24 / 2**53 for float mantissas)
                d = self._data.dtype
                to = (2 ** 24 if d == np.float32 else 2 ** 53 if d == np.float64 else 2 ** 11
                      if d == np.float16 else 2 if d == np.bool_ else int(np.iinfo(d).max) + 1)
                from_ = 0
        return _ew.set_data_(self, _r._randint(from_, to, self._data.shape, generator))

    def exponential_(self, lambd=1.0, *, generator=None):
        from . import random as _r
        u = _r._uniform(self._data.shape, 0.0, 1.0, generator)
        return _ew.set_data_(self, -np.log1p(-u) / lambd)

    def bernoulli(self, p=None, *, generator=None):
        from .ops.sampling import bernoulli
        return bernoulli(self, p, generator=generator)

    def masked_fill_(self, mask, value):
        return _inplace(self, _idx.masked_fill(self, mask, value, True), True)

    def index_fill_(self, dim, index, value):
        return _inplace(self, _idx.index_fill(self, dim, index, value), True)

    def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
        return _inplace(self, _idx.scatter(self, dim, index, src, value=value, reduce=reduce))

    def scatter_add_(self, dim, index, src):
        return _inplace(self, _idx.scatter_add(self, dim, index, src))

    def index_add_(self, dim, index, source, *, alpha=1):
        return _inplace(self, _idx.index_add(self, dim, index, source, alpha=alpha))

    def index_copy_(self, dim, index, source):
        return _inplace(self, _idx.index_copy(self, dim, index, source))

    def put_(self, index, source, accumulate=False):
        return _inplace(self, _idx.put(self, index, source, accumulate))

    def _rebase_shape(self, r):
        """In-place view ops (t_, transpose_, squeeze_, unsqueeze_): self takes the layout and
        history of r, the same op applied out of place."""
        if self._rg and self.grad_fn is None and STATE.enabled:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation.")
        self._data = r._data
        if r.grad_fn is not None:
            self.grad_fn, self._nr = r.grad_fn, r._nr
        return self

    def unsqueeze_(self, dim):
        return self._rebase_shape(_shape.unsqueeze(self, dim))

    def squeeze_(self, dim=None):
        return self._rebase_shape(_shape.squeeze(self, dim))

    def resize_(self, *size):
        size = _shape._size_args(size)
        n = int(np.prod(size))
        flat = self._data.reshape(-1)
        if flat.size >= n:
            self._data = flat[:n].reshape(size).copy()
        else:
            self._data = np.concatenate([flat, np.zeros(n - flat.size, self._data.dtype)]).reshape(size)
        return self

    def t_(self):
        return self._rebase_shape(_shape.t(self))

    def transpose_(self, dim0, dim1):
        return self._rebase_shape(_shape.transpose(self, dim0, dim1))

    # -- reductions ------------------------------------------------------------------------
    # -- shape -------------------------------------------------------------------------------
    def view(self, *shape):
        return _shape.view(self, *shape)

    def view_as(self, other):
        return _shape.view(self, other.shape)

    def reshape(self, *shape):
        return _shape.reshape(self, *shape)

    def reshape_as(self, other):
        return _shape.reshape(self, other.shape)

    def permute(self, *dims):
        return _shape.permute(self, *dims)

    def transpose(self, dim0, dim1):
        return _shape.transpose(self, dim0, dim1)

    swapaxes = swapdims = transpose

    def t(self):
        return _shape.t(self)

    def squeeze(self, dim=None):
        return _shape.squeeze(self, dim)

    def unsqueeze(self, dim):
        return _shape.unsqueeze(self, dim)

    def flatten(self, start_dim=0, end_dim=-1):
        return _shape.flatten(self, start_dim, end_dim)

    def unflatten(self, dim, sizes):
        return _shape.unflatten(self, dim, sizes)

    def ravel(self):
        return _shape.reshape(self, -1)

    def expand(self, *sizes):
        return _shape.expand(self, *sizes)

    def expand_as(self, other):
        return _shape.expand(self, other.shape)

    def broadcast_to(self, size):
        return _shape.expand(self, size)

    def repeat(self, *sizes):
        return _shape.repeat(self, *sizes)

    def tile(self, *dims):
        return _shape.tile(self, dims[0] if len(dims) == 1 else dims)

    def split(self, split_size, dim=0):
        return _shape.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return _shape.chunk(self, chunks, dim)

    def unbind(self, dim=0):
        return _shape.unbind(self, dim)

    def narrow(self, dim, start, length):
        return _shape.narrow(self, dim, start, length)

    def select(self, dim, index):
        return _shape.select(self, dim, index)

    def flip(self, *dims):
        return _shape.flip(self, *dims)

    def fliplr(self):
        return _shape.fliplr(self)

    def flipud(self):
        return _shape.flipud(self)

    def roll(self, shifts, dims=None):
        return _shape.roll(self, shifts, dims)

    def movedim(self, source, destination):
        return _shape.movedim(self, source, destination)

    moveaxis = movedim

    def tril(self, diagonal=0):
        return _shape.tril(self, diagonal)

    def triu(self, diagonal=0):
        return _shape.triu(self, diagonal)

    def tril_(self, diagonal=0):
        return _inplace(self, _shape.tril(self, diagonal), True)

    def triu_(self, diagonal=0):
        return _inplace(self, _shape.triu(self, diagonal), True)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return _shape.diagonal(self, offset, dim1, dim2)

    def diag(self, diagonal=0):
        return _shape.diag(self, diagonal)

    def unfold(self, dimension, size, step):
        return _shape.unfold(self, dimension, size, step)

    def sum_to_size(self, *size):
        return _shape.sum_to_size(self, *size)

    # -- indexing ------------------------------------------------------------------------------
    def gather(self, dim, index):
        return _idx.gather(self, dim, index)

    def scatter(self, dim, index, src=None, value=None, *, reduce=None):
        return _idx.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim, index, src):
        return _idx.scatter_add(self, dim, index, src)

    def index_select(self, dim, index):
        return _idx.index_select(self, dim, index)

    def index_add(self, dim, index, source, *, alpha=1):
        return _idx.index_add(self, dim, index, source, alpha=alpha)

    def index_fill(self, dim, index, value):
        return _idx.index_fill(self, dim, index, value)

    def index_copy(self, dim, index, source):
        return _idx.index_copy(self, dim, index, source)

    def masked_fill(self, mask, value):
        return _idx.masked_fill(self, mask, value)

    def masked_select(self, mask):
        return _idx.masked_select(self, mask)

    def masked_scatter(self, mask, source):
        return _idx.masked_scatter(self, mask, source)

    def take(self, index):
        return _idx.take(self, index)

    def index_put(self, indices, values, accumulate=False):
        return _idx.index_put(self, indices, values, accumulate)

    def index_put_(self, indices, values, accumulate=False):
        return _idx.index_put_(self, indices, values, accumulate)

    def put(self, index, source, accumulate=False):
        return _idx.put(self, index, source, accumulate)

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        return _idx.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        return _inplace(self, _idx.scatter_reduce(self, dim, index, src, reduce, include_self=include_self))

    def masked_scatter_(self, mask, source):
        return _inplace(self, _idx.masked_scatter(self, mask, source))

    def nonzero(self, *, as_tuple=False):
        return _idx.nonzero(self, as_tuple=as_tuple)

    def argwhere(self):
        return _idx.nonzero(self)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        return _idx.unique(self, sorted, return_inverse, return_counts, dim)

    # -- linear algebra (inverse/det/slogdet: ops/dense.py; the products are declared in
    # ops/linalg.py and generated) --------------------------------------------------------
    def inverse(self):
        return _la.inverse(self)

    def slogdet(self):
        return _la.slogdet(self)

    def det(self):
        return _la.det(self)

    # -- nn-flavoured methods ---------------------------------------------------------------
    def softmax(self, dim, dtype=None):
        return _nn.softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim, dtype=None):
        return _nn.log_softmax(self, dim, dtype=dtype)


_WARNED_FLOAT = []
_WARNED_T = []
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
    n = ndim if ndim else 1
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


class Size(tuple):
    """torch.Size: a tuple of ints with PyTorch's repr."""

    def __repr__(self):
        return f"torch.Size({list(self)})"

    def numel(self):
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
from .ops import nn_ops as _nn  # noqa: E402
from ._tensor_methods import _link as _link_methods  # noqa: E402

_link_methods()  # the declared ops' methods find their family modules from here on
