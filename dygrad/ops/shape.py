"""Reshaping and broadcasting views: results share memory and the version counter with their
input (view, reshape, squeeze, unsqueeze, flatten, unflatten, ravel, expand, broadcast_to).

Views that reorder dimensions (permute, transpose, t, movedim) live in transpose.py, views that
pick part of the input (select, narrow, diagonal, unfold) and the splits in slicing.py, joins
(cat, stack, ...) in join.py and copying rearrangements (repeat, flip, roll, tril, ...) in
rearrange.py; all are importable from here because code across the package calls `_shape.<name>`.

Each public op is declared with `@op` (dygrad/ops/_registry.py): its Tensor method and torch.*
function are generated from that. Where PyTorch's method takes varargs and its function one
sequence (`x.reshape(2, 3)` and `torch.reshape(x, (2, 3))`), the op function takes `*shape` and
accepts both (size_args).
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import _dtype
from .._tensor import Tensor, _wrap
from ..autograd.node import Node, sum_to
from . import _bw
from ._util import dim_list, wrap_dim, size_args, as_view
from ._record import record1, record_view
from ._registry import op
from .elementwise import clone as _clone, CloneBackward0
from .transpose import (_rebase, permute, transpose, swapaxes, swapdims, t, movedim,  # noqa: F401
                        moveaxis, PermuteBackward0, TransposeBackward0, TBackward0)
from .slicing import (select, narrow, diagonal, unfold, split, chunk,  # noqa: F401
                      unbind, SelectBackward0, SliceBackward0, DiagonalBackward0, UnfoldBackward0)

_size_args = size_args


def _sizes_arg(value, op, name, pos):
    """value, when it is a sequence of sizes; else PyTorch's TypeError (an int is not taken)."""
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be tuple of ints, not "
                        f"{type(value).__name__}")
    return value


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
    t, node = record_view(x, arr, node_cls, np.reshape, (x, arr.shape), "reshape")
    if node is not None:
        node.shape = x._data.shape
    return t


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


@op(function=False, namespaces=(), backward=ViewBackward0,
    example="torch.arange(6.0), 2, 3",
    summary="A view with the same data in another shape (-1 infers one size), or of another "
            "dtype.")
def view(input, *size):
    if len(size) == 1 and isinstance(size[0], _dtype.dtype):
        return _view_dtype(input, size[0])
    d = input._data
    shape = _infer_shape(size_args(size), d.size)
    out = d.reshape(shape) if d.flags.c_contiguous else _nocopy_reshape(d, shape)
    if out is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead. "
            f"(input shape {list(d.shape)}, strides {list(input.stride())}, requested "
            f"{list(shape)})")
    return _reshaped(input, out, ViewBackward0)


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


@op(function=False, namespaces=(), backward=ViewBackward0,
    example="torch.arange(6.0), torch.zeros(3, 2)", summary="view(other.size()).")
def view_as(input, other):
    return view(input, other.shape)


@op(function_params={"shape": "shape"}, backward=(ViewBackward0, UnsafeViewBackward0),
    example="torch.arange(6.0), (2, 3)",
    summary="The data in another shape (-1 infers one size): a view when the strides allow, "
            "else a copy.")
def reshape(input, *shape):
    d = input._data
    shape = _infer_shape(size_args(shape), d.size)
    out = d.reshape(shape)
    if d.flags.c_contiguous or np.may_share_memory(out, d):
        return _reshaped(input, out, ViewBackward0)
    # a copy: not a view of input
    t, node = record1(out, UnsafeViewBackward0, input, np.reshape, (input, out.shape), "reshape")
    if node is not None:
        node.shape = d.shape
    return t


@op(function=False, namespaces=(), backward=(ViewBackward0, UnsafeViewBackward0),
    example="torch.arange(6.0), torch.zeros(3, 2)", summary="reshape(other.size()).")
def reshape_as(input, other):
    return reshape(input, other.shape)


@op(inplace="dygrad.ops.shape:squeeze_", inplace_function=False,
    backward=SqueezeBackward0,
    example="torch.tensor([[[1.0], [2.0]]])",
    summary="Removes the dimensions of size 1 (all, or those of dim: an int or a tuple).")
def squeeze(input, dim=None):
    shape = input._data.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        dims = dim_list(int(dim) if isinstance(dim, Tensor) else dim, len(shape), "squeeze")
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return _reshaped(input, input._data.reshape(new), SqueezeBackward0)


def squeeze_(input, dim=None):
    return _rebase(input, squeeze(input, dim))


@op(inplace="dygrad.ops.shape:unsqueeze_", inplace_function=False,
    backward=UnsqueezeBackward0,
    example="torch.tensor([1.0, 2.0]), 1", summary="Inserts a dimension of size 1 at dim.")
def unsqueeze(input, dim):
    shape = input._data.shape
    dim = wrap_dim(dim, len(shape) + 1, "unsqueeze")
    return _reshaped(input, input._data.reshape(shape[:dim] + (1,) + shape[dim:]),
                     UnsqueezeBackward0)


def unsqueeze_(input, dim):
    return _rebase(input, unsqueeze(input, dim))


@op(backward=(ViewBackward0, UnsafeViewBackward0), example="torch.arange(8.0).reshape(2, 2, 2), 1",
    summary="Flattens the dimensions start_dim..end_dim into one (a view when the strides allow).")
def flatten(input, start_dim=0, end_dim=-1):
    shape = input._data.shape
    if not shape:
        return reshape(input, (1,))
    s = wrap_dim(start_dim, len(shape), "flatten")
    e = wrap_dim(end_dim, len(shape), "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    return reshape(input, shape[:s] + (_numel(shape[s:e + 1]),) + shape[e + 1:])


@op(backward=(ViewBackward0, UnsafeViewBackward0), example="torch.arange(6.0), 0, (2, 3)",
    summary="Expands dimension dim into the given sizes (one may be -1).")
def unflatten(input, dim, sizes):
    shape = input._data.shape
    dim = wrap_dim(dim, len(shape), "unflatten")
    sizes = size_args((_sizes_arg(sizes, "unflatten", "sizes", 3),))
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
    return reshape(input, shape[:dim] + sizes + shape[dim + 1:])


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


@op(function=False, namespaces=(), backward=(ExpandBackward0, AliasBackward0),
    example="torch.tensor([[1.0], [2.0]]), 2, 3",
    summary="A view broadcasting dimensions of size 1 to the given sizes (-1 keeps a size; new "
            "leading dimensions may be added) without copying.")
def expand(input, *size, implicit: bool = False):
    shape = input._data.shape
    target = expand_shape(shape, size_args(size), input.type())
    if target == shape:
        return _reshaped(input, input._data.view(), AliasBackward0)
    t, node = record_view(input, _expanded(input._data, target), ExpandBackward0, _expanded,
                          (input, target), "expand")
    if node is not None:
        node.shape = shape
    return t


def _expanded(d, target):
    """d broadcast to target as a strided view (expand's array; its replay kernel too)."""
    lead = len(target) - d.ndim
    # writeable like PyTorch's expand (fill_ may write into it; overlapping writes are refused)
    strides = (0,) * lead + tuple(0 if n != m else s for n, m, s in
                                  zip(d.shape, target[lead:], d.strides))
    return as_strided(d, target, strides)


@op(backward=(ExpandBackward0, AliasBackward0), example="torch.tensor([1.0, 2.0]), (2, 2)",
    summary="expand(size): a view broadcasting input to size.")
def broadcast_to(input, size):
    return expand(input, _sizes_arg(size, "broadcast_to", "size", 2))


@op(function=False, namespaces=(), backward=(ExpandBackward0, AliasBackward0),
    example="torch.tensor([1.0, 2.0]), torch.zeros(2, 2)", summary="expand(other.size()).")
def expand_as(input, other):
    return expand(input, other.shape)


@op(function=False, namespaces=(), backward=CloneBackward0,
    example="torch.arange(6.0).reshape(2, 3).t()",
    summary="This tensor when its memory is already row-major without gaps, else a row-major "
            "copy (recorded as a clone).")
def contiguous(input, memory_format=None):
    if input._data.flags.c_contiguous:
        return input
    return _clone(input)


@op(backward=(ViewBackward0, UnsafeViewBackward0),
    example="torch.arange(6.0).reshape(2, 3).t()",
    summary="The elements as a 1-D tensor: reshape(-1), a view when the strides allow.")
def ravel(input):
    return reshape(input, -1)


# re-exports: Tensor methods and torch.* functions reach these through this module
from .join import (cat, concat, concatenate, stack, hstack, vstack, broadcast_tensors,  # noqa: E402,F401
                   meshgrid)
from .rearrange import repeat, tile, flip, fliplr, flipud, roll, tril, triu, diag, sum_to_size  # noqa: E402,F401
from .shape_extra import (repeat_interleave, tensor_split, hsplit, vsplit, dsplit, rot90,  # noqa: E402,F401
                          take_along_dim, column_stack, diagflat, narrow_copy, select_scatter,
                          slice_scatter, diagonal_scatter, vander, renorm, unique_consecutive, isin,
                          broadcast_shapes, unravel_index)


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_reshape_to(g, x, target, out=None):
    """Reshape x to `target` (the traced sizes, -1 allowed); with a dynamic batch a leading size
    equal to x's leading size copies it (0) and otherwise the leading size is inferred (-1), so
    the file runs at other batch sizes (the export checks the graph at another size)."""
    target = [int(t) for t in target]
    if g.dynamic and g.is_live(x) and target and x.dim():
        if target[0] == x.shape[0]:
            target[0] = 0
        elif -1 not in target:
            target[0] = -1
        elif out is not None and len(out) == len(target):  # (B * T, -1) -> (-1, F)
            target = [-1] + [int(n) for n in out[1:]]
    return g.op("Reshape", [g.value(x), g.ints(target)])


def _onnx_view(g, c):
    size = list(c.args.values())[1:]
    if len(size) == 1 and isinstance(size[0], (tuple, list)):  # view((a, b)) as view(a, b)
        size = size[0]
    if not all(isinstance(s, int) for s in size):
        return None
    return _onnx_reshape_to(g, c["input"], size, c.outs[0].shape)


@_rule("onnx", "flatten")
def _onnx_flatten(g, c):
    x = c["input"]
    nd = x.dim() or 1
    s, e = c.get("start_dim", 0) % nd, c.get("end_dim", -1) % nd
    if x.dim() == 0:
        return _onnx_reshape_to(g, x, [1])
    if e == nd - 1 and s == 1:
        return g.op("Flatten", [g.value(x)], axis=1)
    tail = list(x.shape[e + 1:])
    target = list(x.shape[:s]) + [-1] + tail
    return _onnx_reshape_to(g, x, target)


for _name in ("view", "reshape"):
    _rule("onnx", _name)(_onnx_view)


@_rule("onnx", "squeeze")
def _onnx_squeeze(g, c):
    x, out = c["input"], c.outs[0]
    dim = c.get("dim")
    dims = range(x.dim()) if dim is None else [dim] if isinstance(dim, int) else dim
    axes = [int(d) % x.dim() for d in dims if x.shape[int(d) % x.dim()] == 1] if x.dim() else []
    if not axes:
        return g.op("Identity", [g.value(x)])
    if dim is None and g.dynamic and g.is_live(x) and 0 in axes:
        return None  # would squeeze the batch axis at batch 1 only
    return g.op("Squeeze", [g.value(x), g.ints(axes)])


@_rule("onnx", "unsqueeze")
def _onnx_unsqueeze(g, c):
    x = c["input"]
    return g.op("Unsqueeze", [g.value(x), g.ints([int(c["dim"]) % (x.dim() + 1)])])


@_rule("onnx", "contiguous")
def _onnx_contiguous(g, c):
    return g.op("Identity", [g.value(c["input"])])


def _onnx_expand_to(g, x, size):
    """Expand x to `size` (-1: keep); a size equal to x's own is kept too (1 in Expand's shape
    broadcasts to x's size, whatever it is at run time)."""
    size = [int(s) for s in size]
    lead = len(size) - x.dim()
    shape = [1 if (s == -1 or (k >= lead and s == x.shape[k - lead])) else s
             for k, s in enumerate(size)]
    return g.op("Expand", [g.value(x), g.ints(shape)])


@_rule("onnx", "expand")
def _onnx_expand(g, c):
    size = c.get("size")
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return _onnx_expand_to(g, c["input"], size) if all(isinstance(s, int) for s in size) else None


_rule("onnx", "broadcast_to")(lambda g, c: _onnx_expand_to(g, c["input"], c["size"]))
_rule("onnx", "expand_as")(lambda g, c: g.op("Expand", [g.value(c["input"]),
                                                        g.op("Shape", [g.value(c["other"])])]))
for _name in ("view_as", "reshape_as"):
    _rule("onnx", _name)(lambda g, c: g.op("Reshape", [g.value(c["input"]),
                                                       g.op("Shape", [g.value(c["other"])])]))
