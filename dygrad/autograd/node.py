"""Graph nodes: what each op records so that backward can run.

A node's `backward(g, *saved)` is written once. In an ordinary backward it receives NumPy arrays;
with `create_graph=True` it receives Tensors (NumPy defers to Tensor operators because Tensor sets
`__array_ufunc__ = None`), so the same code builds a differentiable graph of the gradient.
"""
import traceback
import weakref
from collections import OrderedDict

import numpy as np

from .grad_mode import STATE

ndarray = np.ndarray


# Nodes whose PyTorch counterpart saves tensors (so a second backward through a freed graph
# raises) while dygrad's keeps that state in attributes: the scalar of x * 3 and x / 2, the
# indices of advanced indexing, gather, index_select, sort/topk/kthvalue and max/min, the masks
# of where and masked_fill.
STATEFUL = frozenset({
    "MulBackward0", "DivBackward0", "IndexBackward0", "MaxBackward0", "MaxBackward1",
    "MinBackward0", "MinBackward1", "AmaxBackward0", "AminBackward0", "WhereBackward0",
    "MaskedFillBackward0", "GatherBackward0", "IndexSelectBackward0", "SortBackward0",
    "TopkBackward0",
})


class Node:
    """Base of every grad_fn. Subclasses implement `backward(self, g, *saved)`.

    `backward` returns one gradient per entry of `next_functions` (a tuple, or a bare value when
    there is a single input); None means no gradient flows there.
    """

    __slots__ = ("next_functions", "__weakref__", "__dict__")
    # Rarely set fields live in the instance dict only once assigned; until then these class
    # defaults answer. Creating a node is then a single assignment (this is the hot path).
    _nout = 1
    _saved = ()
    _vers = None
    _sout = None
    _pre_hooks = None
    _hooks = None
    _trace = None
    _extra = False  # whether the class overrides _release_extra (set by __init_subclass__)
    # whether the node keeps what its backward needs outside `save` (a scalar operand, indices,
    # a mask): then a second backward through a freed graph is refused as PyTorch refuses it
    _state = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_release_extra" in cls.__dict__:
            cls._extra = cls._state = True
        if cls.__name__ in STATEFUL:
            cls._state = True

    def __init__(self, next_functions=()):
        self.next_functions = next_functions
        if STATE.anomaly:   # anomaly mode, or a checkpoint noting the nodes its function made
            if COLLECT:
                COLLECT[-1].append(self)
            if STATE.anomaly is True:
                self._trace = traceback.format_stack()[:-2]

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    # -- saving -------------------------------------------------------------------------
    # The one place where the graph keeps tensors: `save` and `save_output`. With saved-tensor
    # hooks active (autograd.graph.saved_tensors_hooks) each saved tensor goes through `pack`
    # here, and `_unpack` hands backward what `unpack` returns. Without hooks it costs one
    # global lookup.
    def save(self, *tensors):
        if HOOKS:
            self._saved = _pack_all(tensors)
            self._vers = None
            return
        self._saved = tensors
        self._vers = tuple([t._vc[0] for t in tensors])

    def _vals(self, as_tensors):
        saved = self._saved
        if self._sout is None and not as_tensors and saved and self._vers is not None:
            # the usual case: saved inputs, none modified since (else _unpack raises)
            vers = self._vers
            if len(saved) == 2:
                a, b = saved
                if a._vc[0] == vers[0] and b._vc[0] == vers[1]:
                    return a._data, b._data
            elif len(saved) == 1:
                a = saved[0]
                if a._vc[0] == vers[0]:
                    return (a._data,)
        elif saved == () and self._sout is None:
            return ()
        return self._unpack(as_tensors)

    def save_output(self, t):
        """Saves this node's own output without a reference cycle (array + version counter)."""
        if HOOKS:
            self._sout = _pack_all((t,), t._nr)
            return
        self._sout = (t._data, t._vc, t._vc[0], t._nr)

    def _unpack(self, as_tensors):
        saved = self._saved
        if saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                f"retain_graph=True if you need to backward through the graph a second time "
                f"(in {self.name()}).")
        vers = self._vers
        if type(saved) is _Packed:
            saved = saved.unpacked()
            vers = [t._vc[0] for t in saved]  # PyTorch checks no versions through hooks
        for i, t in enumerate(saved):
            if t._vc[0] != vers[i]:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: [{t.type()} {list(t._data.shape)}] is at version "
                    f"{t._vc[0]}; expected version {vers[i]} instead (needed by {self.name()}). "
                    "Hint: replace the in-place operation (e.g. `x += y`, `x.add_(y)`, "
                    "`x[i] = v`) by its out-of-place form, or clone the tensor first.")
        vals = list(saved) if as_tensors else [t._data for t in saved]
        so = self._sout
        if type(so) is _Packed:
            t = so.unpacked()[0]
            so = (t._data, t._vc, t._vc[0], so.nr)
        if so is not None:
            arr, vc, ver, nr = so
            if vc[0] != ver:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: [{list(arr.shape)}], which is output {nr} of "
                    f"{self.name()}, is at version {vc[0]}; expected version {ver} instead. "
                    "Hint: replace the in-place operation by its out-of-place form.")
            if as_tensors:
                from .._tensor import _wrap
                t = _wrap(arr, True)
                t.grad_fn = self
                t._vc = vc
                t._nr = nr
                arr = t
            vals.append(arr)
        return vals

    def _release(self):
        if self._saved or self._sout is not None or self._state:
            self._saved = None
            self._sout = None
        if self._extra:
            self._release_extra()

    def _release_extra(self):
        """Subclasses that keep arrays outside `save` drop them here."""

    # -- running --------------------------------------------------------------------------
    def _apply(self, grads, create_graph):
        """grads: list (one per output). Returns a tuple aligned with next_functions."""
        out = self.backward(grads[0], *self._vals(create_graph))
        if type(out) is not tuple:
            out = (out,)
        return out

    def backward(self, g, *saved):  # pragma: no cover - abstract
        raise NotImplementedError(f"{self.name()} has no backward")

    # -- hooks (PyTorch's Node API) ---------------------------------------------------------
    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) runs after this node; may return new grad_inputs."""
        return add_hook(self, "_hooks", fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) runs before this node; may return new grad_outputs."""
        return self._add_pre_hook(("node", fn))

    def _add_pre_hook(self, entry):
        return add_hook(self, "_pre_hooks", entry)

    @property
    def metadata(self):
        d = self.__dict__.get("_metadata")
        if d is None:
            d = self.__dict__["_metadata"] = {}
        return d


# the active (pack, unpack) pairs, innermost last; saved_tensors_hooks pushes and pops them.
# A list, so that `if HOOKS:` in save is a global lookup and a truth test.
HOOKS = []
# lists that dygrad.utils.checkpoint fills with the nodes made while its function runs (it
# sets STATE.anomaly to a truthy marker meanwhile, so Node.__init__ pays no extra test)
COLLECT = []
# the message of the innermost disable_saved_tensors_hooks, or None
DISABLED = [None]


class _Packed(tuple):
    """What a node keeps for its saved tensors while hooks are active: pack's results (counted
    by saved_bytes), the unpack function of the hooks that packed them."""
    def __new__(cls, packed, unpack, nr=0):
        self = tuple.__new__(cls, packed)
        self.unpack = unpack
        self.nr = nr
        return self

    def unpacked(self):
        from .._tensor import Tensor
        out = []
        for p in self:
            t = self.unpack(p)
            if not isinstance(t, Tensor):
                raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but "
                                f"got result of type {type(t).__name__}")
            out.append(t)
        return out


def _pack_all(tensors, nr=0):
    pack, unpack = HOOKS[-1]
    from .grad_mode import no_grad
    with no_grad():   # pack runs with grad mode off, as PyTorch runs it
        packed = []
        for t in tensors:
            ver = t._vc[0]
            packed.append(pack(t))
            if t._vc[0] != ver:
                raise RuntimeError(
                    "A saved tensor pack hook is modifying its input in place. Tensors provided "
                    "as input to pack hook cannot be modified by in-place operations as this can "
                    "lead to unexpected side-effects.")
    return _Packed(packed, unpack, nr)


def repack_snapshot(node, t):
    """_tensor._snapshot_saved for a node whose saved tensors went through pack: a pack result
    that is `t` itself (about to be written in place) is replaced by the pack of a copy of
    t's current value and history, so backward sees the value the op saw."""
    saved = node._saved
    if not any(p is t for p in saved):
        return
    from .._tensor import _wrap
    old = _wrap(t._data.copy(), t._rg)
    old.grad_fn, old._nr = t.grad_fn, t._nr
    repacked = _pack_all((old,))[0]
    node._saved = _Packed([repacked if p is t else p for p in saved], saved.unpack, saved.nr)


class RemovableHandle:
    """What registering a hook returns (torch.utils.hooks.RemovableHandle): `remove()` takes the
    hook out of the dict it was stored in, under `id`, and out of any `extra_dict`; usable as a
    context manager. It holds the dicts weakly, so a handle never keeps a module or node alive.

    Example::

        >>> x = torch.ones(2, requires_grad=True)
        >>> with x.register_hook(lambda g: g * 2):
        ...     (x * 1).sum().backward()
        >>> x.grad
        tensor([2., 2.])
    """
    next_id = 0  # ids are unique across all handles (the key of the hook in its dict)

    def __init__(self, hooks_dict: "OrderedDict", *, extra_dict=None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        self.extra_dict_ref = _weak_refs(extra_dict)

    def remove(self) -> None:
        for ref in (self.hooks_dict_ref,) + self.extra_dict_ref:
            d = ref()
            if d is not None:
                d.pop(self.id, None)

    # pickling keeps the dicts (strongly), as PyTorch's handle does
    def __getstate__(self):
        return self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref)

    def __setstate__(self, state):
        self.hooks_dict_ref = weakref.ref(OrderedDict() if state[0] is None else state[0])
        self.id = state[1]
        RemovableHandle.next_id = max(RemovableHandle.next_id, self.id + 1)
        self.extra_dict_ref = _weak_refs(state[2] if len(state) > 2 else None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _weak_refs(dicts):
    if dicts is None:
        return ()
    if isinstance(dicts, (list, tuple)):
        return tuple(weakref.ref(d) for d in dicts if d is not None)
    return (weakref.ref(dicts),)


def add_hook(owner, attr, entry):
    """Stores `entry` in owner's hook dict `attr` (created on first use); returns its handle."""
    hooks = getattr(owner, attr)
    if hooks is None:
        hooks = OrderedDict()
        setattr(owner, attr, hooks)
    handle = RemovableHandle(hooks)
    hooks[handle.id] = entry
    return handle


class AccumulateGrad(Node):
    """Sink for a leaf tensor: accumulates the incoming gradient into `variable.grad`."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        Node.__init__(self, ())
        self.variable = variable


class GraphRoot(Node):
    __slots__ = ()


def sum_to(g, shape):
    """Sums a broadcast gradient back down to `shape` (ndarray or Tensor)."""
    gs = g.shape
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and gs[i + lead] != 1)
    if type(g) is ndarray:
        r = g.sum(axis=axes) if axes else g
        return r.reshape(shape) if r.shape != shape else r
    r = g.sum(dim=axes) if axes else g
    return r.reshape(shape) if tuple(r.shape) != tuple(shape) else r
