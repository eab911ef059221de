"""Views and in-place ops: PyTorch's autograd semantics, in one place.

A view shares its root's memory and version counter, and the root keeps weak references to its
live views. When an in-place op writes into a tensor of such a family while grad mode records a
graph:

- a write into a view rebases the *root's* history: the root gets a `CopySlices` node whose
  backward routes the gradient of the written region into the op's own node and the rest into
  the root's old history;
- every live view of the root (the written one included) then regenerates its `grad_fn` as an
  `AsStridedBackward0` of the root's new history, so a view taken before the write sees the new
  values *and* differentiates through the write;
- writes that would be ambiguous raise PyTorch's errors: into outputs of multi-output view ops
  (split, chunk, unbind), into views made under `no_grad`, into a view of a leaf that requires
  grad, and into memory that overlaps itself (an `expand()`ed view);
- outputs of split/chunk/unbind and views made under `no_grad` become invalid once their family
  is written afterwards (reading their grad_fn or using them in a recorded op raises), even by
  a write through `detach()`, which shares the version counter.

Writes that record no history only bump the version (`written`). Code that never writes into a
view pays one weak reference per view made; code without views pays nothing.
"""
import weakref

import numpy as np

from .grad_mode import STATE
from .node import Node

ndarray = np.ndarray
_ref = weakref.ref

# creation kinds of a view (PyTorch's CreationMeta); None is the ordinary view
NO_GRAD = 1        # made while grad mode was off
MULTI = 2          # an output of split/chunk/unbind whose input required grad
MULTI_NO_GRAD = 3  # an output of split/chunk/unbind whose input did not require grad

_PRUNE_MASK = 63  # dead references are pruned every 64 views made


class _Discard(Node):
    """Gradient sink of a view that reports requires_grad only through its root (made under
    no_grad, or before the root was set to require grad): PyTorch gives it no gradient edge, so
    what reaches it is dropped."""
    __slots__ = ()

    def backward(self, g):
        return ()


def as_view(t, base, kind=None):
    """Marks t as a view of base: shared version counter, the root recorded, the view registered
    on its root so an in-place op anywhere in the family can regenerate its history."""
    vc = t._vc = base._vc
    root = base._base
    if root is None:
        root = base
    t._base = root
    t._vver = vc[0]   # PyTorch's attr_version: history is valid for this version
    views = root._views
    if views is None:
        root._views = [_ref(t)]
    else:
        views.append(_ref(t))
        if not len(views) & _PRUNE_MASK:
            views[:] = [r for r in views if r() is not None]
    if kind is None:
        kind = base._vkind
        if kind is None and STATE.enabled:
            return t
    if not STATE.enabled:
        kind = NO_GRAD
        if base._rg:
            t._rg = True
            t._accum = _Discard(())
    t._vkind = kind
    return t


def live_views(root):
    views = root._views
    if not views:
        return ()
    alive = []
    refs = []
    for r in views:
        v = r()
        if v is not None:
            alive.append(v)
            refs.append(r)
    views[:] = refs
    return alive


def mark_requires_grad(root):
    """root.requires_grad_() with live views: they report requires_grad through it. A view whose
    family was written since it was made gets a history from the root (or becomes invalid, for
    the kinds that forbid it); one that was not has no gradient edge of its own (PyTorch)."""
    ver = root._vc[0]
    edge = None
    for v in live_views(root):
        if v._rg or _fn(v) is not None:
            continue
        if v._vver == ver:
            v._rg = True
            v._accum = _Discard(())
        elif v._vkind is not None:
            invalidate(v)
        else:
            if edge is None:
                edge = root._grad_node()
            _regenerate_one(v, edge, root._data)


def _fn(v):
    _init()
    return _SLOT_FN.__get__(v)


def view_positions(root, view):
    """Flat C-order positions in ndarray `root` of each element of `view` (which shares root's
    memory): O(view size) when root is C-contiguous, a full layout match otherwise."""
    isz = root.itemsize
    if root.flags.c_contiguous and view.itemsize == isz and not any(s % isz for s in view.strides):
        off = (view.__array_interface__["data"][0] - root.__array_interface__["data"][0]) // isz
        pos = np.full(view.shape, off, np.int64)
        for i, (n, s) in enumerate(zip(view.shape, view.strides)):
            if n > 1 and s:
                pos += (np.arange(n, dtype=np.int64) * (s // isz)).reshape(
                    (n,) + (1,) * (view.ndim - i - 1))
        return pos
    from ..ops._util import root_positions  # noqa: PLC0415 - ops import autograd
    pos = root_positions(root, view)
    if pos is None:
        raise RuntimeError(
            f"in-place write into a view of shape {list(view.shape)} (strides {list(view.strides)}) "
            f"whose memory layout does not map onto its base of shape {list(root.shape)}: write "
            "the result out of place")
    return pos


def has_internal_overlap(arr):
    """True when two elements of arr share memory (a stride of 0 on a dimension longer than 1),
    the case PyTorch refuses to write into."""
    st = arr.strides
    if 0 not in st or arr.size < 2:
        return False
    return any(s == 0 and n > 1 for n, s in zip(arr.shape, st))


_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation.")


def check_no_overlap(arr):
    """PyTorch's error for a write into memory that overlaps itself (arr: the target ndarray)."""
    if has_internal_overlap(arr):
        raise RuntimeError(_OVERLAP)


class CopySlices(Node):
    """History of a root after an in-place op wrote into one of its views: the written region's
    gradient goes to the op (second input), the rest to the root's previous history (first)."""
    __slots__ = ("shape", "pos", "overlap")

    def backward(self, g):
        if self.overlap:  # PyTorch's backward writes through the view, and refuses there
            raise RuntimeError(_OVERLAP)
        pos = self.pos
        if type(g) is not _tensor_type():  # an ndarray, or a NumPy scalar for a 0-dim root
            gb = np.array(g, order="C")
            flat = gb.reshape(-1)
            gv = flat[pos.reshape(-1)].reshape(pos.shape)  # an ndarray even for a 0-dim view
            flat[pos] = 0
            return gb, gv
        from .._tensor import _wrap  # noqa: PLC0415 - the tensor module imports autograd
        from ..ops._flat import flat_take  # noqa: PLC0415
        mask = np.ones(self.shape, g._data.dtype)
        mask.reshape(-1)[pos] = 0
        return g * _wrap(mask), flat_take(g, pos)


class AsStridedBackward0(Node):
    """A view's history regenerated from its root's after an in-place op in the family."""
    __slots__ = ("shape", "pos", "overlap")

    def backward(self, g):
        if type(g) is not _tensor_type():
            g = np.asarray(g)
        if type(g) is ndarray and not self.overlap:
            out = np.zeros(self.shape, g.dtype)
            out.reshape(-1)[self.pos] = g
            return out
        from ..ops._flat import flat_put  # noqa: PLC0415 - ops import autograd
        return flat_put(g, self.shape, self.pos)


def regenerate(root, written=None, written_pos=None):
    """Gives every live view of root a grad_fn over root's current history (views whose kind
    forbids it become invalid instead, as in PyTorch)."""
    edge = root._grad_node()
    rd = root._data
    for v in live_views(root):
        if v._vkind is not None:
            if v is not written:
                invalidate(v)
            continue
        _regenerate_one(v, edge, rd, written_pos if v is written else None)


def _regenerate_one(v, edge, rd, pos=None):
    n = AsStridedBackward0((edge,))
    n.shape = rd.shape
    n.pos = view_positions(rd, v._data) if pos is None else pos
    n.overlap = has_internal_overlap(v._data)
    v.grad_fn, v._nr, v._rg = n, 0, True
    v._vver = v._vc[0]


def bumped(t):
    """A write without recorded history (grad mode off, or nothing requires grad) changed the
    values of t's view family: views whose kind forbids rebasing become invalid once their
    history would have to change (PyTorch checks their version when their grad_fn is read).
    A detached tensor shares its source's version counter, so its writes reach that family."""
    root = t._base
    if root is None:
        root = t
    _init()
    for r in (root, root._vfam):
        if r is None or not r._views:
            continue
        for v in live_views(r):
            if v._vkind is not None and (r._rg or _SLOT_FN.__get__(v) is not None):
                invalidate(v)


def _tensor_type():
    _init()
    return _TENSOR


_SLOT_FN = None   # Tensor's grad_fn slot, read past an invalid view's property
_INVALID = None   # the class of invalid views
_TENSOR = None


def _init():
    global _INVALID, _SLOT_FN, _TENSOR
    if _INVALID is None:
        from .._tensor import Tensor  # noqa: PLC0415 - the tensor module imports this one
        _TENSOR = Tensor
        _SLOT_FN = Tensor.__dict__["grad_fn"]
        _INVALID = _make_invalid_class(Tensor, _SLOT_FN)


def invalidate(v):
    """Turns v into an invalid view: reading its grad_fn or using it in a recorded op raises
    PyTorch's error; its values stay readable (and usable under no_grad). Only plain tensors
    change class (a subclass never is a view of these kinds in practice)."""
    _init()
    if type(v) is not _TENSOR:
        return
    v._vmsg = _indirect_message(v)
    if v._base._rg:
        v._rg = True  # it reports requires_grad through its root, so recorded ops read it
    v.__class__ = _INVALID


def _make_invalid_class(Tensor, slot):
    class Tensor(Tensor):  # noqa: F811 - shown to users as a Tensor, like PyTorch's
        __slots__ = ()

        @property
        def grad_fn(self):
            raise RuntimeError(self._vmsg)

        @grad_fn.setter
        def grad_fn(self, value):
            slot.__set__(self, value)

        @property
        def is_leaf(self):
            raise RuntimeError(self._vmsg)

        def _grad_node(self):
            raise RuntimeError(self._vmsg)
    Tensor.__module__ = "dygrad"
    return Tensor


def _indirect_message(v):
    kind = v._vkind
    if kind == MULTI:
        return (f"Output {v._nr} of {_multi_name(v)} is a view and its base or another view of "
                "its base has been modified inplace. This view is the output of a function that "
                "returns multiple views. Such functions do not allow the output views to be "
                "modified inplace. You should replace the inplace operation by an out-of-place "
                "one.")
    head = ("A view was created in no_grad mode and its base or another view of its base has "
            "been modified inplace with grad mode enabled. ")
    if kind == NO_GRAD:
        return head + (
            "Given that this use case is ambiguous and error-prone, it is forbidden. You can "
            "clarify your code by moving both the view and the inplace either both inside the "
            "no_grad block (if you don't want the inplace to be tracked) or both outside (if you "
            "want the inplace to be tracked).")
    return head + (
        "This view is the output of a function that returns multiple views. Such functions do "
        "not allow the output views to be modified inplace. You should replace the inplace "
        "operation by an out-of-place one.")


def _multi_name(v):
    _init()
    fn = _SLOT_FN.__get__(v)
    name = fn.name() if fn is not None else "view"
    for suffix in ("Backward0", "Backward1"):
        if name.endswith(suffix):
            return name[:-len(suffix)]
    return name


def check_view_rebase(v):
    """PyTorch's errors for an in-place op that would rebase the history of view v."""
    kind = v._vkind
    if kind == MULTI:
        raise RuntimeError(
            f"Output {v._nr} of {_multi_name(v)} is a view and is being modified inplace. This "
            "view is the output of a function that returns multiple views. Such functions do not "
            "allow the output views to be modified inplace. You should replace the inplace "
            "operation by an out-of-place one.")
    if kind == NO_GRAD:
        raise RuntimeError(
            "A view was created in no_grad mode and is being modified inplace with grad mode "
            "enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You "
            "can clarify your code by moving both the view and the inplace either both inside the "
            "no_grad block (if you don't want the inplace to be tracked) or both outside (if you "
            "want the inplace to be tracked).")
    if kind == MULTI_NO_GRAD:
        raise RuntimeError(
            "A view was created in no_grad mode and is being modified inplace with grad mode "
            "enabled. This view is the output of a function that returns multiple views. Such "
            "functions do not allow the output views to be modified inplace. You should replace "
            "the inplace operation by an out-of-place one.")
    root = v._base
    if root.grad_fn is None and root._rg:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation.")


def written(t, overlap_ok=False):
    """Bookkeeping of an in-place write into t that records no history (grad mode off or
    nothing requires grad), called by the kernels that write directly: the overlap check of
    PyTorch's element-wise kernels (fills are exempt), the version bump, and the views of t's
    family whose kind forbids rebasing."""
    if not overlap_ok and 0 in t._data.strides:
        check_no_overlap(t._data)
    t._vc[0] += 1
    if t._base is not None or t._views or t._vfam is not None:
        bumped(t)
    return t


def copy_into(dst, src):
    """Writes an out-of-place result into dst. Where dst's memory overlaps itself (a fill into
    an expand()ed tensor), only the elements the op changed are written, so an unselected
    alias cannot put an old value back over a selected one (PyTorch's fills write only what
    they select)."""
    if 0 in dst.strides and has_internal_overlap(dst):
        changed = src != dst
        if dst.dtype.kind in "fV":
            changed &= ~(np.isnan(src) & np.isnan(dst))  # an old NaN kept is not a change
        np.copyto(dst, src, where=changed)
    else:
        np.copyto(dst, src)


def retarget_saved_output(node, result, t):
    """The op an in-place write records saved its own output (exp_, sigmoid_, relu_...): that
    output now lives in t's memory, so the node checks t's version from here on, and later
    writes into t are seen (PyTorch saves the written tensor itself)."""
    so = node._sout
    if so is not None and so[0] is result._data:
        node._sout = (t._data, t._vc, t._vc[0], so[3])


def inplace_on_view(v, result):
    """Writes `result` (an out-of-place result with a grad_fn, already of v's dtype and shape)
    into view v and rebases the family's history on it."""
    check_view_rebase(v)
    root = v._base
    copy_into(v._data, result._data)
    v._vc[0] += 1
    retarget_saved_output(result.grad_fn, result, v)
    pos = view_positions(root._data, v._data)
    node = CopySlices((root._grad_node(), (result.grad_fn, result._nr)))
    node.shape, node.pos = root._data.shape, pos
    node.overlap = has_internal_overlap(v._data)
    root.grad_fn, root._nr, root._rg = node, 0, True
    regenerate(root, v, pos)
    if root._vfam is not None:  # a view of a detached tensor: the source's family was written
        bumped(root._vfam)
    return v
