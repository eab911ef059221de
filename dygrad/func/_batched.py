"""The batched tensor of `vmap` and the dispatch that sends ops on it to batching rules.

A `BatchedTensor` is what the function under `vmap` sees: a Tensor whose *logical* shape is one
sample's, holding a *physical* tensor `_bv` with the batch dimension of its vmap level in front.
Nested vmaps nest wrappers (the innermost vmap, the highest level, outermost): `_bv` of a level-2
tensor may be a level-1 BatchedTensor, so a rule written with ordinary dygrad ops on `_bv` is
batched again by the level below.

dygrad has no dispatcher, so while any vmap runs the op functions are swapped for wrappers
that look for a BatchedTensor among their arguments (_batching_intercept.py; nothing changes
when no vmap runs, so plain calls pay nothing). A call with a batched argument runs the op's
rule from `RULES["vmap"][name]` (`dispatch`) or, without one, the per-sample loop `fallback`
(warned once per op, as PyTorch does). Reading a BatchedTensor's values by any other path
(`_data`) raises: an op that escaped both gives an error, never a silently wrong result.
"""
from __future__ import annotations

import warnings

from .._tensor import Tensor, Size
from ..ops._registry import RULES

RULES_VMAP = RULES["vmap"]
_new = object.__new__

# the running vmap levels, innermost last: [level, batch size, randomness]
LEVELS: list = []
# the intercepted functions the hooks call through ("_inplace", "_rng", "autograd_grad")
_ORIG: dict = {}

_DATA_DEPENDENT = ("vmap: It looks like you're attempting to use a Tensor in some data-dependent "
                   "control flow. We don't support that yet, please file an issue at "
                   "https://github.com/pytorch/pytorch/issues .")
_INPLACE = ("vmap: inplace arithmetic(self, *extra_args) is not possible because there exists a "
            "Tensor `other` in extra_args that has more elements than `self`. This happened due "
            "to `other` being vmapped over but `self` not being vmapped over in a vmap. Please "
            "try to use out-of-place operators instead of inplace arithmetic. If said operator "
            "is being called inside the PyTorch framework, please file a bug report instead.")
_RANDOM = ("vmap: called random operation while in randomness error mode. Please either use the "
           "'same' or 'different' randomness flags on vmap or perform the randomness operation "
           "out of vmap")
DYNAMIC = frozenset(("nonzero", "argwhere", "unique", "unique_consecutive", "masked_select",
                     "bincount"))


class VmapError(RuntimeError):
    """An error vmap raises itself (data-dependent control flow, in-place write of a batched
    value into an unbatched tensor, randomness); it is never retried by the per-sample loop."""


def _no_data(self):
    raise RuntimeError(
        "vmap: an operation read a batched tensor's values directly (it has no batching rule "
        "and was not reached through a function vmap intercepts); call it through torch.* / "
        "Tensor methods / nn.functional, or out of vmap")


class BatchedTensor(Tensor):
    """One sample's view of a tensor batched by `vmap` (see the module docstring)."""
    __slots__ = ("_bv", "_lvl")
    _data = property(_no_data)

    # autograd state is the physical tensor's
    @property
    def _rg(self):
        return self._bv._rg

    @property
    def grad_fn(self):
        return self._bv.grad_fn

    @property
    def _vc(self):
        return self._bv._vc

    def _grad_node(self):
        return self._bv._grad_node()

    def backward(self, *args, **kwargs):
        raise RuntimeError(
            "backward() called inside a functorch transform. This is not supported, please use "
            "functorch.grad or functorch.vjp instead or call backward() outside of functorch "
            "transforms.")

    # -- logical metadata -------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._bv.shape[1:])

    def size(self, dim=None):
        s = self._bv.shape[1:]
        if dim is None:
            return Size(s)
        return s[_wrap_dim(dim, len(s))]

    def dim(self):
        return self._bv.dim() - 1

    ndimension = dim

    @property
    def ndim(self):
        return self._bv.dim() - 1

    def numel(self):
        n = 1
        for s in self._bv.shape[1:]:
            n *= s
        return n

    nelement = numel

    @property
    def dtype(self):
        return self._bv.dtype

    @property
    def device(self):
        return self._bv.device

    def is_floating_point(self):
        return self._bv.is_floating_point()

    def is_complex(self):
        return self._bv.is_complex()

    def is_signed(self):
        return self._bv.is_signed()

    def element_size(self):
        return self._bv.element_size()

    def is_contiguous(self, memory_format=None):
        return True

    def __len__(self):
        s = self._bv.shape
        if len(s) == 1:
            raise TypeError("len() of a 0-d tensor")
        return s[1]

    def __iter__(self):
        return iter([self[i] for i in range(len(self))])

    def __repr__(self):
        return f"BatchedTensor(lvl={self._lvl}, bdim=0, value=\n{self._bv!r}\n)"

    __str__ = __repr__

    def __format__(self, spec):
        return repr(self)

    # -- what depends on each sample's values --------------------------------------------
    def item(self):
        raise VmapError(
            "vmap: It looks like you're calling .item() on a Tensor. We don't support vmap over "
            "calling .item() on a Tensor, please try to rewrite what you're doing with other "
            "operations. If error is occurring somewhere inside PyTorch internals, please file "
            "a bug report.")

    def __bool__(self):
        raise VmapError(_DATA_DEPENDENT)

    __float__ = __int__ = __index__ = __complex__ = __bool__

    def _no_storage(self, *a, **k):
        raise RuntimeError("Cannot access data pointer of Tensor that doesn't have storage")

    tolist = numpy = __array__ = data_ptr = untyped_storage = storage = _no_storage

    def equal(self, other):
        raise VmapError(_DATA_DEPENDENT)

    # -- autograd ------------------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._bv.requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self._bv.requires_grad = flag

    def requires_grad_(self, requires_grad=True):
        self._bv.requires_grad_(requires_grad)
        return self

    @property
    def is_leaf(self):
        return self._bv.is_leaf

    @property
    def grad(self):
        return None

    def detach(self):
        return wrap(self._bv.detach(), self._lvl)

    @property
    def data(self):
        return wrap(self._bv.data, self._lvl)

    def retain_grad(self):
        pass

    def register_hook(self, hook):
        raise RuntimeError("vmap: register_hook on a batched tensor is not supported")

    # -- conversions and copies ------------------------------------------------------------
    def clone(self, *, memory_format=None):
        return wrap(self._bv.clone(), self._lvl)

    def contiguous(self, memory_format=None):
        return self

    def to(self, *args, **kwargs):
        args = tuple(a._bv if isinstance(a, BatchedTensor) else a for a in args)
        return wrap(self._bv.to(*args, **kwargs), self._lvl)

    def type(self, dtype=None, non_blocking=False, **kw):
        if dtype is None:
            return self._bv.type()
        return wrap(self._bv.type(dtype), self._lvl)

    def _cast(dtype_name):
        def cast(self, memory_format=None):
            from .. import _dtype
            return self.to(getattr(_dtype, dtype_name))
        cast.__name__ = dtype_name
        return cast

    float = _cast("float32")
    double = _cast("float64")
    half = _cast("float16")
    bfloat16 = _cast("bfloat16")
    long = _cast("int64")
    int = _cast("int32")
    short = _cast("int16")
    char = _cast("int8")
    byte = _cast("uint8")
    bool = _cast("bool")
    del _cast

    def type_as(self, other):
        return self.to(other.dtype)

    def _new_like(name):
        def new(self, *args, **kwargs):  # a fresh, unbatched tensor (as PyTorch's)
            return getattr(_plain(self), name)(*args, **kwargs)
        new.__name__ = name
        return new

    new_zeros = _new_like("new_zeros")
    new_ones = _new_like("new_ones")
    new_full = _new_like("new_full")
    new_empty = _new_like("new_empty")
    new_tensor = _new_like("new_tensor")
    del _new_like

    def cpu(self, *a, **k):
        return self

    # -- indexing and in-place writes ------------------------------------------------------
    def __getitem__(self, key):
        return dispatch("__getitem__", _getitem, (self, key), {})

    def __setitem__(self, key, value):
        dispatch("__setitem__", _setitem, (self, key, value), {})

    def zero_(self):
        self._bv.zero_()
        return self

    def fill_(self, value):
        if isinstance(value, Tensor) and level_of(value) > 0:
            return write_into(self, value.expand(self.shape))
        self._bv.fill_(value)
        return self

    def copy_(self, src, non_blocking=False):
        return write_into(self, src.expand(self.shape) if isinstance(src, Tensor) else src)

    def __rsub__(self, other):
        return dispatch("rsub", _ew_fn("rsub"), (self, other), {})

    def __rtruediv__(self, other):
        return dispatch("rdiv", _ew_fn("rdiv"), (self, other), {})

    def __rpow__(self, other):
        return dispatch("rpow", _ew_fn("rpow"), (self, other), {})

    def __rfloordiv__(self, other):
        return dispatch("floor_divide", _ew_fn("floor_divide"), (_full_like(other, self), self),
                        {})

    def __rmod__(self, other):
        return dispatch("remainder", _ew_fn("remainder"), (_full_like(other, self), self), {})

    def __rmatmul__(self, other):
        from ..ops import linalg
        return dispatch("matmul", linalg.matmul, (other, self), {})


def _ew_fn(name):
    from ..ops import elementwise
    return getattr(elementwise, name)


def _full_like(value, like):
    if isinstance(value, Tensor):
        return value
    from .. import _creation
    return _creation.tensor(value, dtype=like.dtype if isinstance(value, float) and
                            like.is_floating_point() else None)


def _getitem(x, key):
    return Tensor.__getitem__(x, key)


def _setitem(x, key, value):
    Tensor.__setitem__(x, key, value)


_INPLACE_SPECIAL = {"requires_grad_", "detach_", "zero_", "fill_", "copy_", "share_memory_",
                    "resize_", "resize_as_", "set_", "retain_grad", "uniform_", "normal_",
                    "random_", "bernoulli_", "exponential_", "geometric_", "cauchy_",
                    "log_normal_", "index_put_", "put_", "masked_scatter_", "apply_", "map_",
                    "record_stream", "pin_memory_", "squeeze_", "unsqueeze_", "t_",
                    "transpose_", "swapdims_", "swapaxes_", "as_strided_"}


def _make_inplace(name):
    base = name[:-1]

    def inplace(self, *args, **kwargs):
        return write_into(self, getattr(self, base)(*args, **kwargs))
    inplace.__name__ = name
    return inplace


for _n in dir(Tensor):
    if (_n.endswith("_") and not _n.startswith("_") and _n not in _INPLACE_SPECIAL
            and hasattr(Tensor, _n[:-1]) and _n not in BatchedTensor.__dict__):
        setattr(BatchedTensor, _n, _make_inplace(_n))


def _unsupported_inplace(name):
    def f(self, *a, **k):
        raise RuntimeError(f"vmap: {name} is not supported on a batched tensor")
    f.__name__ = name
    return f


for _n in ("squeeze_", "unsqueeze_", "t_", "transpose_", "swapdims_", "swapaxes_", "resize_",
           "resize_as_", "set_", "as_strided_", "index_put_", "put_", "masked_scatter_"):
    setattr(BatchedTensor, _n, _unsupported_inplace(_n))


# -- wrapping helpers ---------------------------------------------------------------------
def wrap(value, level):
    """value (batch dimension in front) as a BatchedTensor of `level`."""
    t = _new(BatchedTensor)
    t._bv = value
    t._lvl = level
    return t


def level_of(x):
    """The level x is batched at (its outermost wrapper), 0 for a plain tensor."""
    return x._lvl if type(x) is BatchedTensor else 0


def levels_of(x):
    out = []
    while type(x) is BatchedTensor:
        out.append(x._lvl)
        x = x._bv
    return out


def _plain(x):
    while type(x) is BatchedTensor:
        x = x._bv[0] if x._bv.shape[0] else x._bv.sum(0)
    return x


def batch_size(level):
    for lv in LEVELS:
        if lv[0] == level:
            return lv[1]
    raise RuntimeError(f"vmap: a batched tensor escaped its vmap (level {level})")


def phys(x, level, B=None):
    """x's physical tensor at `level`: batch dimension in front (an unbatched x is expanded)."""
    if type(x) is BatchedTensor and x._lvl == level:
        return x._bv
    if B is None:
        B = batch_size(level)
    return x.unsqueeze(0).expand((B,) + tuple(x.shape))


def _wrap_dim(d, n):
    m = max(n, 1)
    if not -m <= d < m:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-m}, {m - 1}], "
                         f"but got {d})")
    return d + m if d < 0 else d


# -- dispatch -----------------------------------------------------------------------------
def max_level(args, kwargs):
    lvl = 0
    for a in args:
        t = type(a)
        if t is BatchedTensor:
            if a._lvl > lvl:
                lvl = a._lvl
        elif t is list or t is tuple:
            for b in a:
                if type(b) is BatchedTensor and b._lvl > lvl:
                    lvl = b._lvl
    if kwargs:
        for a in kwargs.values():
            if type(a) is BatchedTensor and a._lvl > lvl:
                lvl = a._lvl
    return lvl


class Op:
    """An op as a rule sees it: `op(*args)` runs it again through the dispatch (so the levels
    below the rule's are batched in turn); `op.fn` is the unbatched function, `op.name` its
    name (the key of its rule)."""
    __slots__ = ("name", "fn")

    def __init__(self, name, fn):
        self.name = name
        self.fn = fn

    def __call__(self, *args, **kwargs):
        return dispatch(self.name, self.fn, args, kwargs)


def dispatch(name, fn, args, kwargs, op=None, level=0):
    """Runs op `name` (its unbatched function `fn`) on arguments that may be batched (`level`:
    their highest level, when the caller has it)."""
    if not level:
        level = max_level(args, kwargs)
    if not level:
        return fn(*args, **kwargs)
    if op is None:
        op = Op(name, fn)
    rule = RULES_VMAP.get(name)
    if rule is not None:
        try:
            out = rule(level, op, args, kwargs)
        except VmapError:
            raise
        except Exception:
            # the per-sample loop raises the error with one sample's shapes (as PyTorch's
            # message reads) or, if the rule was wrong to refuse, computes the right value
            return fallback(name, op, level, args, kwargs, warn=False)
        if out is not NotImplemented:
            return out
    return fallback(name, op, level, args, kwargs)


_WARNED: set = set()


def fallback(name, op, level, args, kwargs, warn=True):
    """The per-sample loop for an op without a batching rule: runs `fn` on each sample of
    `level` and stacks the results (autograd records the selects and the stack)."""
    if name in DYNAMIC:
        raise VmapError(
            "vmap: We do not support batching operators that can output dynamic shape. "
            f"Attempted to vmap over {name}. Please file an issue at "
            "https://github.com/pytorch/pytorch/issues if you need this feature.")
    if name.endswith("_") and not name.endswith("__") and args and \
            level_of(args[0]) != level:
        raise VmapError(_INPLACE)  # the loop would write every sample into one tensor
    if warn and name not in _WARNED:
        _WARNED.add(name)
        warnings.warn(f"There is a performance drop because we have not yet implemented the "
                      f"batching rule for {name}. Please file us an issue on GitHub so that we "
                      "can prioritize its implementation.", UserWarning, stacklevel=3)
    B = batch_size(level)
    if B == 0:
        raise RuntimeError(f"vmap: {name} has no batching rule and the batch is empty")
    same = _randomness(level) == "same"
    if same:
        from ..random import default_generator
        state = default_generator._rng.bit_generator.state
    outs = []
    for i in range(B):
        if same:
            default_generator._rng.bit_generator.state = state
        a = [_sample(x, level, i) for x in args]
        k = {key: _sample(v, level, i) for key, v in kwargs.items()}
        outs.append(op(*a, **k))
    return _stack_outputs(name, outs, level)


def _sample(x, level, i):
    t = type(x)
    if t is BatchedTensor:
        return x._bv[i] if x._lvl == level else x
    if t is list or t is tuple:
        return t(_sample(v, level, i) for v in x)
    return x


def _stack_outputs(name, outs, level):
    first = outs[0]
    if isinstance(first, Tensor):
        from .. import _op_functions as F
        shapes = {tuple(o.shape) for o in outs}
        if len(shapes) > 1:
            raise VmapError(
                "vmap: We do not support batching operators that can output dynamic shape. "
                f"Attempted to vmap over {name}. Please file an issue at "
                "https://github.com/pytorch/pytorch/issues if you need this feature.")
        if all(o is first for o in outs):  # the op returned an unbatched tensor every time
            return first
        return wrap(F.stack(outs), level)
    if isinstance(first, tuple):
        parts = [_stack_outputs(name, [o[j] for o in outs], level) for j in range(len(first))]
        return type(first)(*parts) if hasattr(first, "_fields") else type(first)(parts)
    if isinstance(first, list):
        return [_stack_outputs(name, [o[j] for o in outs], level) for j in range(len(first))]
    if first is None:
        return None
    if all(o == first for o in outs) and not isinstance(first, (bool, float, int, complex)):
        return first
    raise VmapError(_DATA_DEPENDENT)


def _randomness(level):
    for lv in LEVELS:
        if lv[0] == level:
            return lv[2]
    return "error"


def write_into(self, result):
    """self <- result for an in-place op under vmap (self batched or not)."""
    ls, lr = levels_of(self), levels_of(result)
    if any(lv not in ls for lv in lr):
        raise VmapError(_INPLACE)
    if type(self) is not BatchedTensor:
        return _ORIG["_inplace"](self, result)
    if isinstance(result, Tensor) and tuple(result.shape) != tuple(self.shape):
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                           f"shape {list(result.shape)}")
    r = phys(result, self._lvl) if isinstance(result, Tensor) else result
    target = self._bv
    if type(target) is BatchedTensor:
        write_into(target, r)
    elif isinstance(r, Tensor):
        target.copy_(r)
    else:
        target.fill_(r)
    return self
