"""Small shared pieces of op implementations: dims, sizes, recording results."""
import numpy as np

from .._tensor import Tensor
from ._record import record  # noqa: F401 - the one recording path, re-exported


def wrap_dim(dim, ndim, op="op"):
    n = ndim if ndim else 1
    if isinstance(dim, Tensor):
        dim = int(dim)
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def int_arg(v, op, name, pos):
    """v as an int, or PyTorch's argument-parser TypeError: int() would silently truncate a
    float (tril(x, 1.5) is tril(x, 1)) and take a bool."""
    if type(v) is int:  # the common case first: these checks sit on every call
        return v
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, Tensor) and v._data.ndim == 0 and v._data.dtype.kind in "iu":
        return int(v._data)
    from .._convert import type_name
    raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be int, not {type_name(v)}")


def int_tuple(v, op, name, pos):
    """An int or a sequence of ints as a tuple, or PyTorch's argument-parser TypeError (a float
    element would otherwise be truncated)."""
    if type(v) is int:
        return (v,)
    if type(v) in (tuple, list) and all(type(e) is int for e in v):
        return tuple(v)
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return (int(v),)
    from .._convert import type_name
    if not isinstance(v, (tuple, list)):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be tuple of ints, not "
                        f"{type_name(v)}")
    for i, e in enumerate(v):
        if isinstance(e, (bool, np.bool_)) or not isinstance(e, (int, np.integer, Tensor)):
            raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be tuple of ints, "
                            f"but found element of type {type_name(e)} at pos {i}")
    return tuple(int(e) for e in v)


def dim_list(dims, ndim, op="op"):
    """An int or a sequence of dims -> tuple of non-negative dims in the given order; a repeat
    is refused as PyTorch refuses it, a float or bool dim is a TypeError (int() would truncate)."""
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, (bool, np.bool_)):
        return (wrap_dim(int(dims), ndim, op),)
    out = []
    for i, d in enumerate(dims):
        if type(d) is not int and isinstance(d, (bool, np.bool_, float, np.floating)):
            from .._convert import type_name
            raise TypeError(f"{op}(): argument 'dims' must be tuple of ints, but found element of "
                            f"type {type_name(d)} at pos {i}")
        w = wrap_dim(int(d), ndim, op)
        if w in out:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        out.append(w)
    return tuple(out)


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


def record_float(out, node_cls, x, other=None, replay=None, args=None):
    """Wraps out; records node_cls over (x, other) -- other a Tensor or a plain value -- when
    grad mode is on, out is floating and one of them requires grad. replay, args: as record's."""
    return record(out, node_cls, (x, other), float_out=True, replay=replay, args=args)


def checked_scalar(value, npdt):
    """A fill value converted to npdt the way PyTorch checks it: RuntimeError when it does not
    fit an integer dtype (300 into uint8, nan into int64)."""
    if npdt.kind in "iu" and isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        from .._convert import checked
        return checked(np.asarray(value), npdt, ctype=True)[()]
    return value


from ..autograd.views import as_view  # noqa: E402,F401 - re-exported for the view ops


def root_positions(root, view):
    """Flat (C-order) positions in `root` of each element of `view`, an ndarray sharing root's
    memory; None when the layouts cannot be matched (e.g. a view with another element size)."""
    isz = root.itemsize
    if view.itemsize != isz or any(s % isz for s in root.strides + view.strides):
        return None
    r_off = np.zeros(root.shape, np.int64)
    for i, (n, s) in enumerate(zip(root.shape, root.strides)):
        r_off = r_off + (np.arange(n) * (s // isz)).reshape((n,) + (1,) * (root.ndim - i - 1))
    start = (view.__array_interface__["data"][0] - root.__array_interface__["data"][0]) // isz
    v_off = np.full(view.shape, start, np.int64)
    for i, (n, s) in enumerate(zip(view.shape, view.strides)):
        v_off = v_off + (np.arange(n) * (s // isz)).reshape((n,) + (1,) * (view.ndim - i - 1))
    lo = int(r_off.min()) if r_off.size else 0
    inv = np.full(int(r_off.max()) - lo + 1 if r_off.size else 1, -1, np.int64)
    inv[(r_off - lo).reshape(-1)] = np.arange(root.size)
    rel = v_off - lo
    if rel.size and (rel.min() < 0 or rel.max() >= inv.size):
        return None
    pos = inv[rel]
    return None if (pos < 0).any() else pos
