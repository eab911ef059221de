"""Views that pick part of their input (select, narrow, diagonal, unfold) and the splits (split,
chunk, unbind). Their gradients scatter into zeros; on Tensors (create_graph=True) they go through
the flat gather/scatter pair of _flat.py, so every order of derivative is available.
Each public op is declared with `@op` (dygrad/ops/_registry.py), which generates its spellings.
"""
import operator

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from ._flat import flat_put, positions
from ._util import wrap_dim
from ..autograd.views import MULTI, MULTI_NO_GRAD
from ._record import record_pieces, record_view
from ._registry import op


class _PickBackward(Node):
    """Gradient of a view that picks elements of its input: g placed into zeros.

    Subclasses define `pick(arr)`, the same view applied to any array of the input's shape.
    """
    __slots__ = ("shape",)
    overlap = False

    def backward(self, g):
        if isinstance(g, Tensor) or self.overlap:
            return flat_put(g, self.shape, self.pick(positions(self.shape)))
        out = np.zeros(self.shape, g.dtype)
        self.pick(out)[...] = g
        return out


class SelectBackward0(_PickBackward):
    __slots__ = ("key",)

    def pick(self, arr):
        return arr[self.key]


class SliceBackward0(SelectBackward0):
    __slots__ = ()


def picked(x, key, node_cls):
    # key is basic (ints, slices, None, Ellipsis): a fixed view, which a capture replays
    t, node = record_view(x, x._data[key], node_cls, operator.getitem, (x, key), "getitem")
    if node is not None:
        node.shape, node.key = x._data.shape, key
    return t


@op(backward=SelectBackward0, example="torch.arange(6.0).reshape(2, 3), 1, -1",
    summary="The view of input at index along dim (dim is removed).")
def select(input, dim, index):
    shape = input._data.shape
    if not shape:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, len(shape), "select")
    index = operator.index(index)  # a float is a TypeError, as PyTorch's
    n = shape[dim]
    if not -n <= index < n:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(shape)} at dimension {dim}")
    return picked(input, (slice(None),) * dim + (index % n, Ellipsis), SelectBackward0)


@op(backward=SliceBackward0, example="torch.arange(6.0).reshape(2, 3), 1, 1, 2",
    summary="The view of length elements from start along dim.")
def narrow(input, dim, start, length):
    shape = input._data.shape
    if not shape:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, len(shape), "narrow")
    start, length, n = operator.index(start), operator.index(length), shape[dim]
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    start = start + n if start < 0 else start
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return picked(input, (slice(None),) * dim + (slice(start, start + length),), SliceBackward0)


def _diag_view(a, offset, d1, d2):
    """a.diagonal(offset, d1, d2) as a writable view (NumPy's own is read-only)."""
    v = np.diagonal(a, offset, d1, d2)
    if a.flags.writeable:
        v.flags.writeable = True
    return v


class DiagonalBackward0(_PickBackward):
    __slots__ = ("offset", "d1", "d2")

    def pick(self, arr):
        return _diag_view(arr, self.offset, self.d1, self.d2)


@op(backward=DiagonalBackward0, example="torch.arange(6.0).reshape(2, 3), 1",
    summary="A view of the diagonal (offset above the main one when positive) of the dim1, dim2 "
            "planes, as the last dimension.")
def diagonal(input, offset=0, dim1=0, dim2=1):
    nd = input._data.ndim
    d1 = wrap_dim(dim1, nd, "diagonal")
    d2 = wrap_dim(dim2, nd, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    t, node = record_view(input, _diag_view(input._data, offset, d1, d2), DiagonalBackward0)
    if node is not None:
        node.shape, node.offset, node.d1, node.d2 = input._data.shape, offset, d1, d2
    return t


class UnfoldBackward0(_PickBackward):
    __slots__ = ("dim", "size", "step", "overlap")

    def pick(self, arr):
        return _unfold_view(arr, self.dim, self.size, self.step)


def _unfold_view(a, dim, size, step):
    if a.ndim == 0:
        return a.reshape(1)
    n = (a.shape[dim] - size) // step + 1
    shape = a.shape[:dim] + (n,) + a.shape[dim + 1:] + (size,)
    st = a.strides
    strides = st[:dim] + (st[dim] * step,) + st[dim + 1:] + (st[dim],)
    return as_strided(a, shape, strides, writeable=a.flags.writeable)


@op(function=False, namespaces=(), backward=UnfoldBackward0,
    example="torch.arange(5.0), 0, 2, 1",
    summary="A view of the size-long windows, step apart, along dimension (a new last "
            "dimension holds each window).")
def unfold(input, dimension, size, step):
    d = input._data
    dim = wrap_dim(dimension, d.ndim, "unfold")
    n = d.shape[dim] if d.ndim else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    t, node = record_view(input, _unfold_view(d, dim, size, step), UnfoldBackward0)
    if node is not None:
        node.shape, node.dim, node.size, node.step = d.shape, dim, size, step
        node.overlap = step < size
    return t


# ---------------------------------------------------------------------------------------------
# splits: one node with an output per piece
class _SplitNode(Node):
    __slots__ = ("_nout", "dim", "shape", "sizes", "np_dtype")
    _multi = True  # a graph capture replays backward(grads) with one gradient per piece

    def backward(self, grads):
        return self._apply(grads, False)

    def _apply(self, grads, create_graph):
        shape = list(self.shape)
        is_t = any(isinstance(g, Tensor) for g in grads)
        parts = []
        for g, n in zip(grads, self.sizes):
            if g is None:
                shape[self.dim] = n
                g = np.zeros(shape, self.np_dtype)
                g = _wrap(g) if is_t else g
            else:
                g = self.prep(_wrap(g) if is_t and not isinstance(g, Tensor) else g)
            parts.append(g)
        if is_t:
            from .join import cat
            return (cat(parts, self.dim),)
        return (np.concatenate(parts, axis=self.dim),)

    def prep(self, g):
        return g


class SplitBackward0(_SplitNode):
    __slots__ = ()


class SplitWithSizesBackward0(_SplitNode):
    __slots__ = ()


class UnbindBackward0(_SplitNode):
    __slots__ = ()

    def prep(self, g):
        return g.unsqueeze(self.dim) if isinstance(g, Tensor) else np.expand_dims(g, self.dim)


def _split_pieces(x, dim, sizes, node_cls, unbind=False):
    d = x._data
    rec = STATE.enabled and x._rg
    kind = MULTI if rec else MULTI_NO_GRAD
    node = None
    if rec:
        node = node_cls((x._grad_node(),))
        node._nout, node.dim, node.shape, node.sizes = len(sizes), dim, d.shape, sizes
        node.np_dtype = d.dtype
    return record_pieces(x, _pieces(d, dim, sizes, unbind), node, kind, _pieces,
                         (x, dim, sizes, unbind), "split")


def _pieces(d, dim, sizes, unbind):
    """The views of d that split/chunk/unbind return (also their replay kernel)."""
    pieces = []
    start = 0
    pre = (slice(None),) * dim
    for n in sizes:
        pieces.append(d[pre + ((start, Ellipsis) if unbind else (slice(start, start + n),))])
        start += n
    return pieces


# torch.split names its tensor `tensor` and takes any first argument (a non-tensor fails with
# AttributeError, as PyTorch's); the method names the sizes `split_size`
@op(method_params={"split_size_or_sections": "split_size"}, tensor_first=None,
    backward=(SplitBackward0, SplitWithSizesBackward0), example="torch.arange(5.0), 2",
    summary="Splits into pieces of split_size along dim (the last may be smaller), or of the "
            "sizes in a list; the pieces are views.")
def split(tensor, split_size_or_sections, dim=0) -> "tuple[Tensor, ...]":
    shape = tensor._data.shape
    if not shape:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    dim = wrap_dim(dim, len(shape), "split")
    n = shape[dim]
    s = split_size_or_sections
    if isinstance(s, (int, np.integer)) or (isinstance(s, Tensor) and s._data.ndim == 0):
        s = int(s)
        if s < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={s}")
        if s == 0 and n:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [s] * (n // s) + ([n % s] if n % s else []) if s else []
        return _split_pieces(tensor, dim, sizes or [0], SplitBackward0)
    sizes = [int(v) for v in s]
    if any(v < 0 for v in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes have only non-negative entries, but got "
            f"split_sizes={sizes}")
    if sum(sizes) != n:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
            f"dimension {dim}), but got split_sizes={sizes}")
    return _split_pieces(tensor, dim, sizes, SplitWithSizesBackward0)


@op(backward=(SplitBackward0, SplitWithSizesBackward0), example="torch.arange(5.0), 2",
    summary="Splits into at most chunks views of equal size along dim (the last may be smaller).")
def chunk(input, chunks, dim=0) -> "tuple[Tensor, ...]":
    shape = input._data.shape
    if not shape:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    dim = wrap_dim(dim, len(shape), "chunk")
    n = shape[dim]
    if n == 0:
        return _split_pieces(input, dim, [0] * chunks, SplitWithSizesBackward0)
    return split(input, -(-n // chunks), dim)


@op(backward=UnbindBackward0, example="torch.arange(6.0).reshape(2, 3)",
    summary="The views input.select(dim, i) for every index i, as a tuple.")
def unbind(input, dim=0) -> "tuple[Tensor, ...]":
    shape = input._data.shape
    if not shape:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = wrap_dim(dim, len(shape), "unbind")
    return _split_pieces(input, dim, [1] * shape[dim], UnbindBackward0, unbind=True)


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_split(g, c, dim, squeeze=False):
    """Split into the pieces the eager run gave (their sizes along dim)."""
    x = c.input(0)
    dim = int(dim) % x.dim()
    sizes = [1] * len(c.outs) if squeeze else [o.shape[dim] for o in c.outs]
    if len(sizes) == 1:
        parts = [g.op("Identity", [g.value(x)])]
    else:
        parts = g.op("Split", [g.value(x), g.ints(sizes)], outputs=len(sizes), axis=dim)
    return [g.op("Squeeze", [p, g.ints([dim])]) for p in parts] if squeeze else parts


_rule("onnx", "split")(lambda g, c: _onnx_split(g, c, c.get("dim", 0)))
_rule("onnx", "chunk")(lambda g, c: _onnx_split(g, c, c.get("dim", 0)))
_rule("onnx", "unbind")(lambda g, c: _onnx_split(g, c, c.get("dim", 0), squeeze=True))


@_rule("onnx", "select")
def _onnx_select(g, c):
    x, i = c["input"], int(c["index"])
    return g.op("Gather", [g.value(x), g.const(np.asarray(i, np.int64))],
                axis=int(c["dim"]) % x.dim())


@_rule("onnx", "narrow")
def _onnx_narrow(g, c):
    x, dim, start = c["input"], int(c["dim"]) % c["input"].dim(), c["start"]
    if isinstance(start, Tensor):
        start = int(start.item())
    start = int(start) % x.shape[dim] if start < 0 else int(start)
    return g.op("Slice", [g.value(x), g.ints([start]), g.ints([start + int(c["length"])]),
                          g.ints([dim])])
