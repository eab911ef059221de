"""Joining tensors: cat, stack, hstack/vstack/dstack, atleast_*d, broadcast_tensors, meshgrid,
cartesian_prod and combinations."""
import itertools
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ._record import record
from ..autograd.node import Node
from . import _bw
from ._util import wrap_dim, int_arg
from ._registry import op


def _tensor_list(tensors, op):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors


def _promoted(tensors):
    npdt = tensors[0]._data.dtype
    for t in tensors[1:]:
        if t._data.dtype != npdt:
            npdt = _dtype._promote_np(npdt, t._data.dtype)
    return npdt


def _record(res, node_cls, tensors, npdt, replay, name):
    """Wraps a join result; the node remembers which inputs need a cast-back of their gradient.
    replay: `(make, *params)` for a graph capture (see _join_replay)."""
    r, node = record(res, node_cls, tensors, float_out=True, replay=replay, name=name)
    if node is not None:
        node.dtypes = tuple(None if t._data.dtype == npdt else t._data.dtype for t in tensors)
    return r, node


class CatBackward0(Node):
    __slots__ = ("dim", "sizes", "dtypes")

    def backward(self, g):
        outs = []
        start = 0
        dim = self.dim
        is_t = isinstance(g, Tensor)
        for (nf, _), n, dt in zip(self.next_functions, self.sizes, self.dtypes):
            if nf is None:
                outs.append(None)
            elif n is None:  # a skipped empty 1-D input
                z = np.zeros(0, dt or (g._data.dtype if is_t else g.dtype))
                outs.append(_wrap(z) if is_t else z)
            else:
                p = g.narrow(dim, start, n) if is_t else g[(slice(None),) * dim + (slice(start, start + n),)]
                outs.append(p if dt is None else _bw.cast(p, dt))
            start += n or 0
        return tuple(outs)


@op(method=False, tensor_first=None, out=True, aliases=("concat", "concatenate"),
    backward=CatBackward0, summary="Concatenates tensors along an existing dim (axis= is an alias of dim).",
    example="[torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 4.0]])], 1")
def cat(tensors, dim=0, *, axis=None):
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    # PyTorch skips empty 1-D inputs when checking shapes (legacy behaviour)
    skip = [t._data.ndim == 1 and t._data.size == 0 for t in tensors]
    if all(skip):
        skip[0] = False
    keep = [t for t, s in zip(tensors, skip) if not s]
    ref = keep[0]._data.shape
    nd = len(ref)
    if len(keep) == 1 and ref == (0,) and len(tensors) == sum(skip) + 1:
        dim = 0  # only legacy empty 1-D inputs: PyTorch checks no dim
    dim = wrap_dim(int_arg(dim, "cat", "dim", 2), nd, "cat")
    for i, t in enumerate(tensors):
        s = t._data.shape
        if skip[i]:
            continue
        if len(s) != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and {len(s)}")
        for k in range(nd):
            if k != dim and s[k] != ref[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size {ref[k]} "
                    f"but got size {s[k]} for tensor number {i} in the list "
                    f"(shapes {[list(q._data.shape) for q in tensors]}).")
    npdt = _promoted(tensors)
    res = np.concatenate([t._data for t in keep], axis=dim, dtype=npdt, casting="unsafe")
    if not res.flags.c_contiguous:  # PyTorch's cat is contiguous whatever its inputs' layout
        res = np.ascontiguousarray(res)
    r, node = _record(res, CatBackward0, tensors, npdt,
                      (_join_replay, np.concatenate, dim, npdt, keep), "cat")
    if node is not None:
        node.dim = dim
        node.sizes = [None if sk else t._data.shape[dim] for t, sk in zip(tensors, skip)]
    return r


concat = concatenate = cat


def _join(fn, dim, npdt, arrays):
    """np.concatenate or np.stack of arrays along dim in dtype npdt, contiguous: the replay
    kernel of cat and stack (which compute the same inline)."""
    res = fn(arrays, axis=dim, dtype=npdt, casting="unsafe")
    return res if res.flags.c_contiguous else np.ascontiguousarray(res)


def _join_replay(fn, dim, npdt, tensors):
    """A capture's kernel for a join of `tensors` (cat leaves out the legacy empty 1-D ones)."""
    return (lambda *arrays: _join(fn, dim, npdt, arrays)), tuple(tensors)


class StackBackward0(Node):
    __slots__ = ("dim", "dtypes")

    def backward(self, g):
        dim = self.dim
        if isinstance(g, Tensor):
            parts = g.unbind(dim)
        else:
            parts = [g[(slice(None),) * dim + (i, Ellipsis)] for i in range(g.shape[dim])]
        return tuple(None if nf is None else (p if dt is None else _bw.cast(p, dt))
                     for p, (nf, _), dt in zip(parts, self.next_functions, self.dtypes))


@op(method=False, tensor_first=None, out=True, backward=StackBackward0,
    summary="Stacks equally shaped tensors along a new dim (axis= is an alias of dim).",
    example="[torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])], 1")
def stack(tensors, dim=0, *, axis=None):
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                f"{list(t._data.shape)} at entry {i}")
    dim = wrap_dim(int_arg(dim, "stack", "dim", 2), len(shape) + 1, "stack")
    npdt = _promoted(tensors)
    res = np.stack([t._data for t in tensors], axis=dim, dtype=npdt, casting="unsafe")
    if not res.flags.c_contiguous:
        res = np.ascontiguousarray(res)
    r, node = _record(res, StackBackward0, tensors, npdt,
                      (_join_replay, np.stack, dim, npdt, tensors), "stack")
    if node is not None:
        node.dim = dim
    return r


def _unpack(tensors):
    return tuple(tensors[0]) if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors


def _atleast(tensors, fn, op):
    tensors = _unpack(tensors)
    for t in tensors:
        if not isinstance(t, Tensor):
            from .._convert import type_name
            raise TypeError(f"{op}() received an invalid combination of arguments - got "
                            f"({type_name(t)}), but expected one of:\n * (Tensor input)\n"
                            " * (tuple of Tensors tensors)")
    res = tuple(fn(t) for t in tensors)
    return res[0] if len(res) == 1 and isinstance(tensors, tuple) and len(tensors) == 1 else res


def _at1(t):
    return t.reshape(1) if t._data.ndim == 0 else t


def _at2(t):
    nd = t._data.ndim
    return t.reshape(1, 1) if nd == 0 else (t.unsqueeze(0) if nd == 1 else t)


def _at3(t):
    nd = t._data.ndim
    if nd == 0:
        return t.reshape(1, 1, 1)
    if nd == 1:
        return t.reshape(1, -1, 1)
    return t.unsqueeze(-1) if nd == 2 else t


@op(method=False, tensor_first=None,
    summary="Each tensor viewed with at least 1 dim (a tuple for several).",
    example="torch.tensor(1.0)")
def atleast_1d(*tensors) -> "Tensor | tuple[Tensor, ...]":
    return _atleast(tensors, _at1, "atleast_1d")


@op(method=False, tensor_first=None,
    summary="Each tensor viewed with at least 2 dims (a tuple for several).",
    example="torch.tensor([1.0, 2.0])")
def atleast_2d(*tensors) -> "Tensor | tuple[Tensor, ...]":
    return _atleast(tensors, _at2, "atleast_2d")


@op(method=False, tensor_first=None,
    summary="Each tensor viewed with at least 3 dims (a tuple for several).",
    example="torch.tensor([1.0, 2.0])")
def atleast_3d(*tensors) -> "Tensor | tuple[Tensor, ...]":
    return _atleast(tensors, _at3, "atleast_3d")


def _nonempty(tensors, op):
    tensors = _tensor_list(tensors, op)
    if not tensors:
        raise RuntimeError(f"{op} expects a non-empty TensorList")
    return tensors


@op(method=False, tensor_first=None, out=True,
    summary="Concatenates along dim 1 (dim 0 for 1-D tensors); 0-d tensors count as 1-D.",
    example="[torch.tensor([1.0, 2.0]), torch.tensor([3.0])]")
def hstack(tensors):
    ts = [_at1(t) for t in _nonempty(tensors, "hstack")]
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1)


@op(method=False, tensor_first=None, out=True, aliases=("row_stack",),
    summary="Concatenates along dim 0 after making each tensor at least 2-D (rows).",
    example="[torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])]")
def vstack(tensors):
    return cat([_at2(t) for t in _nonempty(tensors, "vstack")], 0)


row_stack = vstack


@op(method=False, tensor_first=None, out=True,
    summary="Concatenates along dim 2 (depth) after making each tensor at least 3-D.",
    example="[torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])]")
def dstack(tensors):
    return cat([_at3(t) for t in _nonempty(tensors, "dstack")], 2)


def broadcast_shape(*shapes):
    """The shape `shapes` broadcast to, with the error PyTorch's elementwise ops give."""
    out = []
    for shape in shapes:
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        if len(shape) > len(out):
            out = [1] * (len(shape) - len(out)) + out
        for i in range(1, len(shape) + 1):
            a, b = out[-i], shape[-i]
            if a != b and a != 1 and b != 1:
                raise RuntimeError(
                    f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                    f"non-singleton dimension {len(out) - i}")
            if a == 1:
                out[-i] = b
    return tuple(out)


@op(method=False, tensor_first=None,
    summary="Expands the tensors (views) to their common broadcast shape.",
    example="torch.tensor([[1.0], [2.0]]), torch.tensor([3.0, 4.0, 5.0])")
def broadcast_tensors(*tensors) -> "tuple[Tensor, ...]":
    # a list is refused as PyTorch refuses it (expected Tensor as element 0 ..., got list)
    tensors = _tensor_list(tensors, "broadcast_tensors")
    shape = broadcast_shape(*(t._data.shape for t in tensors))
    return tuple(t.expand(shape) for t in tensors)


@op(method=False, tensor_first=None,
    summary='Coordinate grids of 1-D tensors (views): indexing "ij" (matrix) or "xy" (Cartesian).',
    example='torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0, 5.0]), indexing="ij"')
def meshgrid(*tensors, indexing=None) -> "tuple[Tensor, ...]":
    tensors = _tensor_list(_unpack(tensors), "meshgrid")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=3)  # the caller of torch.meshgrid
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(
            f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(
                f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor of "
                f"shape {list(t._data.shape)}")
        if t._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    n = len(tensors)
    sizes = [t._data.size for t in tensors]
    pos = list(range(n))
    if indexing == "xy" and n >= 2:
        pos[0], pos[1] = 1, 0
    shape = [0] * n
    for i, p in enumerate(pos):
        shape[p] = sizes[i]
    out = []
    for i, t in enumerate(tensors):
        vshape = [1] * n
        vshape[pos[i]] = sizes[i]
        out.append(t.reshape(vshape).expand(shape))
    return tuple(out)


def _check_1d(t):
    if t._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._data.shape)}")


@op(method=False, tensor_first=None,
    summary="Rows of every combination of one element from each 1-D tensor (Cartesian product).",
    example="torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])")
def cartesian_prod(*tensors):
    tensors = _tensor_list(tensors, "cartesian_prod")
    for t in tensors:
        _check_1d(t)
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")  # its errors: an empty list, mixed dtypes
    return stack([g.reshape(-1) for g in grids], 1)


@op(method=False,
    summary="Rows of the length-r combinations of a 1-D tensor's elements (as itertools').",
    example="torch.tensor([1.0, 2.0, 3.0])")
def combinations(input, r=2, with_replacement=False):
    _check_1d(input)
    r = int_arg(r, "combinations", "r", 2)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return _wrap(np.zeros(0, input._data.dtype))
    make = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(make(range(input._data.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    from .index_ops import index_select  # the rows are gathered (differentiable)
    return stack([index_select(input, 0, _wrap(np.ascontiguousarray(idx[:, k]))) for k in range(r)], 1)


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


@_rule("onnx", "cat")
def _onnx_cat(g, c):
    out = c.outs[0]
    ts = [t for t in c["tensors"] if not (t.dim() == 1 and t.shape[0] == 0)]  # legacy empties
    dim = c.get("dim", 0) if c.get("axis") is None else c["axis"]
    return g.op("Concat", [g.cast(t, out) for t in ts], axis=int(dim) % out.dim())


@_rule("onnx", "stack")
def _onnx_stack(g, c):
    out = c.outs[0]
    dim = c.get("dim", 0) if c.get("axis") is None else c["axis"]
    dim = int(dim) % out.dim()
    return g.op("Concat", [g.op("Unsqueeze", [g.cast(t, out), g.ints([dim])])
                           for t in c["tensors"]], axis=dim)
