"""Small shared pieces of op implementations: dims, sizes, recording results."""
import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE


def wrap_dim(dim, ndim, op="op"):
    n = ndim if ndim else 1
    if isinstance(dim, Tensor):
        dim = int(dim)
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def wrap_dims(dims, ndim, op="op"):
    """None or () -> all dims; int or sequence -> sorted tuple of non-negative dims."""
    if dims is None:
        return tuple(range(ndim))
    if isinstance(dims, (int, np.integer)):
        return (wrap_dim(int(dims), ndim, op),)
    seen = []
    for d in dims:
        w = wrap_dim(int(d), ndim, op)
        if w in seen:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        seen.append(w)
    return tuple(sorted(seen))


def size_args(args):
    """Accepts f(2, 3), f((2, 3)), f([2, 3]) and f(torch.Size([2, 3]))."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    out = []
    for a in args:
        if isinstance(a, Tensor):
            a = int(a)
        if not isinstance(a, (int, np.integer)):
            raise TypeError(f"size must be a sequence of ints, but got an element of type {type(a).__name__}")
        out.append(int(a))
    return tuple(out)


def record(out, node, inputs):
    """Wraps `out` and attaches `node` if grad mode is on and an input requires grad.

    `node` is a Node class; it is instantiated only when needed and returned (or None).
    """
    if STATE.enabled:
        for x in inputs:
            if x._rg:
                n = node(tuple(i._grad_node() for i in inputs))
                t = _wrap(out, True)
                t.grad_fn = n
                return t, n
    return _wrap(out), None


def as_view(t, base):
    """Marks t as a view of base: shared version counter, `_base` set (PyTorch's view semantics)."""
    t._vc = base._vc
    t._base = base._base if base._base is not None else base
    return t
