"""Views that reorder dimensions: permute, transpose (swapdims), swapaxes, t, movedim (moveaxis),
and the in-place transpose_/swapaxes_/t_. Their results share memory and the version counter with
their input (reshaping views live in shape.py, which re-exports these).

Each public op is declared with `@op` (dygrad/ops/_registry.py), which generates its spellings.
"""
import operator

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from ._registry import op
from ._util import wrap_dim
from ._record import record_view


def _rebase(x, r):
    """In-place view ops (squeeze_, unsqueeze_, t_, transpose_, swapaxes_): x takes the layout and
    history of r, the same op applied out of place."""
    if x._rg and x.grad_fn is None and STATE.enabled:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation.")
    x._data = r._data
    if r.grad_fn is not None:
        x.grad_fn, x._nr = r.grad_fn, r._nr
    return x


class PermuteBackward0(Node):
    __slots__ = ("inv",)

    def backward(self, g):
        return g.permute(self.inv) if isinstance(g, Tensor) else np.transpose(g, self.inv)


@op(function_params={"dims": "dims"}, backward=PermuteBackward0,
    example="torch.arange(6.0).reshape(1, 2, 3), (2, 0, 1)",
    summary="A view with the dimensions reordered.")
def permute(input, *dims):
    if len(dims) == 1 and not isinstance(dims[0], (int, np.integer)):
        d = dims[0]
        if isinstance(d, (tuple, list)):  # x.permute((1, 0)), a torch.Size
            dims = d
        elif not isinstance(d, Tensor) or d._data.ndim:  # a 0-d integer tensor is one dim
            raise TypeError(f"permute(): argument 'dims' must be tuple of ints, not "
                            f"{type(d).__name__}")
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal "
            f"to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(operator.index(d), nd, "permute") for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    t, node = record_view(input, np.transpose(input._data, dims), PermuteBackward0,
                          replay=np.transpose, args=(input, dims), name="permute")
    if node is not None:
        node.inv = tuple(int(i) for i in np.argsort(dims))
    return t


class TransposeBackward0(Node):
    __slots__ = ("d0", "d1")

    def backward(self, g):
        if self.d0 == self.d1:  # a dim with itself, or a 0-d input: NumPy has no axis to swap
            return g
        if isinstance(g, Tensor):
            return g.transpose(self.d0, self.d1)
        return np.swapaxes(g, self.d0, self.d1)


class TBackward0(TransposeBackward0):
    __slots__ = ()


@op(inplace="dygrad.ops.transpose:transpose_", inplace_function=False, aliases=("swapdims",),
    backward=TransposeBackward0, example="torch.arange(6.0).reshape(2, 3), 0, 1",
    summary="A view with dimensions dim0 and dim1 swapped.")
def transpose(input, dim0, dim1, _node=TransposeBackward0):  # _node: t() records TBackward0
    nd = input._data.ndim
    d0 = wrap_dim(dim0, nd, "transpose")
    d1 = wrap_dim(dim1, nd, "transpose")
    if nd:
        t, node = record_view(input, np.swapaxes(input._data, d0, d1), _node, np.swapaxes,
                              (input, d0, d1), "transpose")
    else:
        t, node = record_view(input, input._data.view(), _node, replay=np.ndarray.view,
                              name="transpose")
    if node is not None:
        node.d0, node.d1 = d0, d1
    return t


def transpose_(input, dim0, dim1):
    return _rebase(input, transpose(input, dim0, dim1))


swapdims = transpose


# its own declaration (not an alias of transpose): PyTorch names its dims axis0 and axis1
@op(inplace="dygrad.ops.transpose:swapaxes_", inplace_function=False,
    backward=TransposeBackward0, example="torch.arange(6.0).reshape(2, 3), 0, 1",
    summary="transpose(axis0, axis1), NumPy's name.")
def swapaxes(input, axis0, axis1):
    return transpose(input, axis0, axis1)


def swapaxes_(input, axis0, axis1):
    return _rebase(input, transpose(input, axis0, axis1))


@op(inplace="dygrad.ops.transpose:t_", inplace_function=False, backward=TBackward0,
    example="torch.arange(6.0).reshape(2, 3)",
    summary="The transpose of a matrix (a vector or a 0-d tensor is returned as a view).")
def t(input):
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return transpose(input, 0, nd - 1, TBackward0)


def t_(input):
    return _rebase(input, t(input))


@op(aliases=("moveaxis",), backward=PermuteBackward0,
    example="torch.arange(6.0).reshape(1, 2, 3), 0, -1",
    summary="Moves the dimensions in source to the positions in destination; the rest keep their "
            "order.")
def movedim(input, source, destination):
    nd = input._data.ndim
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
        return permute(input, ())
    order = [None] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(nd) if i not in src)
    return permute(input, tuple(o if o is not None else next(rest) for o in order))


moveaxis = movedim


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


@_rule("onnx", "permute")
def _onnx_permute(g, c):
    x = c["input"]
    dims = list(c.args.values())[1:]
    dims = dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    return g.op("Transpose", [g.value(x)], perm=[int(d) % x.dim() for d in dims])


def _onnx_transpose(g, c):
    x = c["input"]
    n = x.dim()
    if n < 2:
        return g.op("Identity", [g.value(x)])
    a, b = list(c.args.values())[1:3] if len(c.args) >= 3 else (0, 1)
    perm = list(range(n))
    perm[a % n], perm[b % n] = perm[b % n], perm[a % n]
    return g.op("Transpose", [g.value(x)], perm=perm)


for _name in ("transpose", "swapaxes", "t"):
    _rule("onnx", _name)(_onnx_transpose)
