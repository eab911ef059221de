"""Shape views: results share memory and the version counter with their input (view, reshape,
permute, transpose, squeeze, unsqueeze, flatten, unflatten, expand, movedim).

Views that pick part of the input (select, narrow, diagonal, unfold) and the splits live in
slicing.py, joins (cat, stack, ...) in join.py and copying rearrangements (repeat, flip, roll,
tril, ...) in rearrange.py; all are importable from here because Tensor methods call
`_shape.<name>`.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import _dtype
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node, sum_to
from . import _bw
from ._util import dim_list, wrap_dim, size_args, as_view
from .slicing import (view_of as _view_of, select, narrow, diagonal, unfold, split, chunk,  # noqa: F401
                      unbind, SelectBackward0, SliceBackward0, DiagonalBackward0, UnfoldBackward0)

_size_args = size_args


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


# ---------------------------------------------------------------------------------------------
# reshaping views
class ViewBackward0(Node):
    __slots__ = ("shape",)

    def backward(self, g):
        return _bw.reshape(g, self.shape)


class UnsafeViewBackward0(ViewBackward0):
    __slots__ = ()


class SqueezeBackward0(ViewBackward0):
    __slots__ = ()


class UnsqueezeBackward0(ViewBackward0):
    __slots__ = ()


class AliasBackward0(ViewBackward0):
    __slots__ = ()


def _reshaped(x, arr, node_cls):
    t, node = _view_of(x, arr, node_cls)
    if node is not None:
        node.shape = x._data.shape
    if STATE.trace is not None:
        _record_reshape(x, t)
    return t


def _record_reshape(x, t):
    shape = t._data.shape

    def reshape(d):
        return d.reshape(shape)
    STATE.trace.record(reshape, (x,), t, "reshape")


def _infer_shape(shape, numel):
    infer = -1
    for i, s in enumerate(shape):
        if s == -1:
            if infer >= 0:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
    if infer >= 0:
        known = _numel(shape[:infer] + shape[infer + 1:])
        if known == 0:
            if numel == 0:
                raise RuntimeError(
                    f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                    f"unspecified dimension size -1 can be any value and is ambiguous")
        elif numel % known == 0:
            return shape[:infer] + (numel // known,) + shape[infer + 1:]
    elif _numel(shape) == numel:
        return shape
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


def _nocopy_reshape(d, shape):
    """d reshaped without copying, or None when its strides do not allow it."""
    try:
        return d.reshape(shape, copy=False)
    except ValueError:
        return None
    except TypeError:  # NumPy < 2.1 has no copy= argument
        v = d.view()
        try:
            v.shape = shape
        except AttributeError:
            return None
        return v


def view(x, *shape):
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return _view_dtype(x, shape[0])
    d = x._data
    shape = _infer_shape(size_args(shape), d.size)
    out = d.reshape(shape) if d.flags.c_contiguous else _nocopy_reshape(d, shape)
    if out is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead. "
            f"(input shape {list(d.shape)}, strides {list(x.stride())}, requested {list(shape)})")
    return _reshaped(x, out, ViewBackward0)


def _view_dtype(x, dt):
    d = x._data
    if dt.np == d.dtype:  # still a dtype view: PyTorch records no gradient for it
        return as_view(_wrap(d.view()), x)
    if dt.np.itemsize != d.itemsize and (d.ndim == 0 or d.strides[-1] != d.itemsize or
                                         d.shape[-1] * d.itemsize % dt.np.itemsize):
        raise RuntimeError(
            f"view(): cannot view a {x.dtype} tensor of shape {list(d.shape)} as {dt}: with "
            f"different element sizes the last dimension must be contiguous and its byte size "
            f"divisible by {dt.np.itemsize}")
    return as_view(_wrap(d.view(dt.np)), x)


def view_as(x, other):
    return view(x, other.shape)


def reshape(x, *shape):
    d = x._data
    shape = _infer_shape(size_args(shape), d.size)
    out = d.reshape(shape)
    if d.flags.c_contiguous or np.may_share_memory(out, d):
        return _reshaped(x, out, ViewBackward0)
    t = _wrap(out)  # a copy: not a view of x
    if STATE.enabled and x._rg:
        t._rg = True
        t.grad_fn = UnsafeViewBackward0((x._grad_node(),))
        t.grad_fn.shape = d.shape
    if STATE.trace is not None:
        _record_reshape(x, t)
    return t


def reshape_as(x, other):
    return reshape(x, other.shape)


def squeeze(x, dim=None):
    shape = x._data.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        dims = dim_list(int(dim) if isinstance(dim, Tensor) else dim, len(shape), "squeeze")
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return _reshaped(x, x._data.reshape(new), SqueezeBackward0)


def unsqueeze(x, dim):
    shape = x._data.shape
    dim = wrap_dim(dim, len(shape) + 1, "unsqueeze")
    return _reshaped(x, x._data.reshape(shape[:dim] + (1,) + shape[dim:]), UnsqueezeBackward0)


def flatten(x, start_dim=0, end_dim=-1):
    shape = x._data.shape
    if not shape:
        return reshape(x, (1,))
    s = wrap_dim(start_dim, len(shape), "flatten")
    e = wrap_dim(end_dim, len(shape), "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return x
    return reshape(x, shape[:s] + (_numel(shape[s:e + 1]),) + shape[e + 1:])


def unflatten(x, dim, sizes):
    shape = x._data.shape
    dim = wrap_dim(dim, len(shape), "unflatten")
    sizes = size_args((sizes,))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = shape[dim]
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten: only one dimension can be inferred")
    if -1 in sizes:
        known = _numel([s for s in sizes if s != -1])
        if known and n % known == 0:
            sizes = tuple(n // known if s == -1 else s for s in sizes)
    if _numel(sizes) != n or min(sizes) < 0:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(size_args((sizes,)))} don't multiply up to the size "
            f"of dim {dim} ({n}) in the input tensor")
    return reshape(x, shape[:dim] + sizes + shape[dim + 1:])


# ---------------------------------------------------------------------------------------------
# dimension-reordering views
class PermuteBackward0(Node):
    __slots__ = ("inv",)

    def backward(self, g):
        return g.permute(self.inv) if isinstance(g, Tensor) else np.transpose(g, self.inv)


def permute(x, *dims):
    if len(dims) == 1 and not isinstance(dims[0], (int, np.integer)):
        dims = tuple(dims[0])
    nd = x._data.ndim
    if len(dims) != nd:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal "
            f"to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(int(d), nd, "permute") for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    t, node = _view_of(x, np.transpose(x._data, dims), PermuteBackward0)
    if node is not None:
        node.inv = tuple(int(i) for i in np.argsort(dims))
    if STATE.trace is not None:
        def permute(d):
            return np.transpose(d, dims)
        STATE.trace.record(permute, (x,), t, "permute")
    return t


class TransposeBackward0(Node):
    __slots__ = ("d0", "d1")

    def backward(self, g):
        if isinstance(g, Tensor):
            return g.transpose(self.d0, self.d1)
        return np.swapaxes(g, self.d0, self.d1)


class TBackward0(TransposeBackward0):
    __slots__ = ()


def transpose(x, dim0, dim1, _node=TransposeBackward0):
    nd = x._data.ndim
    d0 = wrap_dim(dim0, nd, "transpose")
    d1 = wrap_dim(dim1, nd, "transpose")
    arr = np.swapaxes(x._data, d0, d1) if nd else x._data.view()
    t, node = _view_of(x, arr, _node)
    if node is not None:
        node.d0, node.d1 = (d0, d1) if nd else (-1, -1)
    if STATE.trace is not None:
        def transpose(d):
            return np.swapaxes(d, d0, d1) if nd else d.view()
        STATE.trace.record(transpose, (x,), t, "transpose")
    return t


swapaxes = swapdims = transpose


def t(x):
    nd = x._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return transpose(x, 0, nd - 1, TBackward0) if nd else _reshaped(x, x._data.view(), AliasBackward0)


def movedim(x, source, destination):
    nd = x._data.ndim
    src = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
    dst = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)")
    src = tuple(wrap_dim(int(d), nd, "movedim") for d in src)
    dst = tuple(wrap_dim(int(d), nd, "movedim") for d in dst)
    for name, ds in (("source", src), ("destination", dst)):
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(ds)})")
    if nd == 0:
        return permute(x, ())
    order = [None] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(nd) if i not in src)
    return permute(x, tuple(o if o is not None else next(rest) for o in order))


moveaxis = movedim


# ---------------------------------------------------------------------------------------------
# broadcasting view
class ExpandBackward0(Node):
    __slots__ = ("shape",)

    def backward(self, g):
        return sum_to(g, self.shape)


def expand_shape(shape, sizes, typename):
    """The shape `shape` expands to for `sizes` (-1 keeps a size), with PyTorch's errors."""
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand({typename}{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = list(sizes)
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                    f"non-existing dimension {i}")
            continue
        cur = shape[i - lead]
        if s == -1:
            target[i] = cur
        elif s != cur and (cur != 1 or s < 0):
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(shape)}")
    return tuple(target)


def expand(x, *sizes):
    shape = x._data.shape
    target = expand_shape(shape, size_args(sizes), x.type())
    if target == shape:
        return _reshaped(x, x._data.view(), AliasBackward0)
    d = x._data
    lead = len(target) - d.ndim
    # writeable like PyTorch's expand (fill_ may write into it; overlapping writes are refused)
    strides = (0,) * lead + tuple(0 if n != m else s for n, m, s in
                                  zip(d.shape, target[lead:], d.strides))
    t, node = _view_of(x, as_strided(d, target, strides), ExpandBackward0)
    if node is not None:
        node.shape = shape
    return t


def broadcast_to(x, size):
    return expand(x, size)


def expand_as(x, other):
    return expand(x, other.shape)


# re-exports: Tensor methods and torch.* functions reach these through this module
from .join import (cat, concat, concatenate, stack, hstack, vstack, broadcast_tensors,  # noqa: E402,F401
                   meshgrid)
from .rearrange import repeat, tile, flip, fliplr, flipud, roll, tril, triu, diag, sum_to_size  # noqa: E402,F401
from .shape_extra import (repeat_interleave, tensor_split, hsplit, vsplit, dsplit, rot90,  # noqa: E402,F401
                          take_along_dim, column_stack, diagflat, narrow_copy, select_scatter,
                          slice_scatter, diagonal_scatter, vander, renorm, unique_consecutive, isin,
                          broadcast_shapes, unravel_index)
