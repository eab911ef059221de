"""The Tensor: a NumPy array plus what autograd needs (requires_grad, grad, grad_fn, version).

Methods are written out one by one and delegate to the op modules (dygrad/ops/*), so editors and
type checkers see them. The class holds the core (construction, pickling, autograd, indexing,
fills); its mixins hold the other families: introspection (_tensor_info.py), conversions
(_tensor_convert.py), Python operators (_tensor_operators.py) and the declared ops' generated
methods (_tensor_methods.py). Only four slots are set when a tensor is made; rarely used fields
(grad, hooks, view base) fall back to class-level defaults until assigned.
"""
from __future__ import annotations

import sys
import weakref
from typing import TYPE_CHECKING

import numpy as np

from . import _dtype
from .autograd.grad_mode import STATE
from .autograd.node import AccumulateGrad, add_hook as _add_hook, repack_snapshot as _repack_snapshot
from ._tensor_convert import TensorConvert
from ._tensor_info import TensorInfo
from ._tensor_methods import TensorOpMethods
from ._tensor_operators import TensorOperators

if TYPE_CHECKING:  # names used only in annotations (never evaluated at run time)
    from collections.abc import Callable, Iterator, Sequence
    from typing import Any
    from .autograd.node import RemovableHandle

_new = object.__new__


class Tensor(TensorInfo, TensorConvert, TensorOperators, TensorOpMethods):
    """An n-dimensional array of one dtype that can record the operations applied to it, so
    that `backward()` can compute gradients (autograd).

    Make one with a creation function (`torch.tensor`, `torch.zeros`, ...), not by calling the
    class. A few attributes are fixed, kept for code written for PyTorch that checks them: this
    tensor lives in CPU memory as a dense strided array, so `is_cpu` is True; `is_cuda`,
    `is_mps`, `is_xpu`, `is_xla`, `is_ipu`, `is_maia`, `is_mtia`, `is_vulkan`, `is_meta`,
    `is_mkldnn`, `is_nested`, `is_sparse`, `is_sparse_csr` and `is_quantized` are False; and
    `layout` names `torch.strided`.

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
    # the other device and layout flags PyTorch's tensors carry (programs test `x.is_xpu`)
    is_xpu = is_xla = is_ipu = is_maia = is_mtia = is_vulkan = False
    is_mkldnn = is_nested = is_sparse_csr = False
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
        # values in a shared-memory block (share_memory_) travel as a reference to the block,
        # so the receiver writes into the same memory; any other tensor is copied
        shm = sys.modules.get("dygrad._shm")
        if shm is not None and shm.block_of(self._data) is not None:
            return (shm.rebuild, (shm.reference(self._data), self._rg))
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
        t = _wrap(self._data)
        if STATE.trace is not None:
            STATE.trace.alias(t, self)
        return t

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        if self._rg and value._data.dtype.kind not in "fV":
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
        if flag and self._data.dtype.kind not in "fV":
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

    def __contains__(self, element):
        if isinstance(element, (Tensor, bool, int, float, np.generic)):
            return bool((self == element).any())
        raise RuntimeError(
            f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element)}.")


    def __repr__(self):
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__


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
                and d.size == 1 and d.dtype.kind in "fV"):
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
def _warn_nonleaf_grad():
    import warnings  # stacklevel 3: the code that read .grad
    warnings.warn(
        "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
        "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
        "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
        "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
        "instead.", UserWarning, stacklevel=3)


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
        STATE.trace.wrapped(t)
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
    if STATE.trace is not None:
        STATE.trace.before_write(self)
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
        if STATE.trace is not None:
            STATE.trace.inplace(self, result)
        return self
    _views.copy_into(self._data, rd)
    out = _views.written(self, True)
    if STATE.trace is not None:
        STATE.trace.inplace(self, result)
    return out


def _snapshot_saved(node, t):
    """`node` (the op an in-place write records) saved `t`, whose values the write is about to
    replace: give the node a private copy with t's old history instead (PyTorch saves the
    original self), so `y *= mask` on a non-leaf works. Ops save self first, so only the first
    entry is self's; a later one is the same tensor passed as another argument (`y.mul_(y)`),
    which PyTorch saves as it is: backward then reports the in-place modification."""
    saved = node._saved
    if not saved:
        return
    if node._vers is None:   # saved through saved-tensor hooks (autograd/node.py)
        return _repack_snapshot(node, t)
    for i, s in enumerate(saved):
        if s is t:
            break
    else:
        return
    old = _wrap(t._data.copy(), t._rg)
    old.grad_fn, old._nr = t.grad_fn, t._nr
    node._saved = saved[:i] + (old,) + saved[i + 1:]
    node._vers = node._vers[:i] + (0,) + node._vers[i + 1:]


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


from .autograd import backward as _autograd_backward  # noqa: E402
from .autograd import views as _views  # noqa: E402
from .autograd.engine import backward_root as _backward_root  # noqa: E402
from .ops import elementwise as _ew  # noqa: E402  (op modules import Tensor from here)
from .ops import shape as _shape  # noqa: E402
from .ops import indexing as _idx  # noqa: E402
from . import _tensor_convert, _tensor_info, _tensor_methods, _tensor_operators  # noqa: E402

for _mixin in (_tensor_info, _tensor_convert, _tensor_operators, _tensor_methods):
    _mixin._link()  # the mixins' methods find Tensor and the op modules from here on
del _mixin
