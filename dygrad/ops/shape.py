"""Shape ops: views (view, reshape, permute, transpose, squeeze, unsqueeze, expand, ...) and
joins/splits (cat, stack, split, chunk, unbind)."""
import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node, sum_to
from . import _bw
from ._util import wrap_dim, size_args, as_view

_size_args = size_args


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _infer_shape(shape, numel, op):
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"{op}: invalid shape dimension {min(shape)}")
    if neg:
        known = _numel([s for s in shape if s != -1])
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    if _numel(shape) != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class ViewBackward0(Node):
    __slots__ = ("shape",)

    def backward(self, g):
        return _bw.reshape(g, self.shape)


class UnsafeViewBackward0(ViewBackward0):
    __slots__ = ()


def _reshape_like(x, shape, node_cls, view):
    d = x._data
    out = d.reshape(shape)
    t = _wrap(out, False)
    if view:
        as_view(t, x)
    if STATE.enabled and x._rg:
        node = node_cls((x._grad_node(),))
        node.shape = d.shape
        t._rg = True
        t.grad_fn = node
    return t


def view(x, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
        dt = shape[0]
        from .. import _dtype
        raise RuntimeError(f"view(dtype) is not supported by dygrad (got {dt}); use .to({dt})")
    shape = _infer_shape(size_args(shape), x._data.size, "view")
    d = x._data
    if not d.flags.c_contiguous and d.size > 1:
        try:
            v = d.view()
            v.shape = shape  # raises if a copy would be needed
        except AttributeError:
            raise RuntimeError(
                f"view size is not compatible with input tensor's size and stride (at least one "
                f"dimension spans across two contiguous subspaces). Use .reshape(...) instead. "
                f"(input shape {list(d.shape)}, requested {list(shape)})") from None
    return _reshape_like(x, shape, ViewBackward0, True)


def reshape(x, *shape):
    shape = _infer_shape(size_args(shape), x._data.size, "reshape")
    if shape == x._data.shape:
        return _reshape_like(x, shape, ViewBackward0, True)
    node_cls = ViewBackward0 if x._data.flags.c_contiguous else UnsafeViewBackward0
    return _reshape_like(x, shape, node_cls, x._data.flags.c_contiguous)


class PermuteBackward0(Node):
    __slots__ = ("inv",)

    def backward(self, g):
        return g.permute(*self.inv) if isinstance(g, Tensor) else np.transpose(g, self.inv)


def permute(x, *dims):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
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
    t = as_view(_wrap(np.transpose(x._data, dims)), x)
    if STATE.enabled and x._rg:
        node = PermuteBackward0((x._grad_node(),))
        node.inv = tuple(np.argsort(dims))
        t._rg = True
        t.grad_fn = node
    return t


class TransposeBackward0(Node):
    __slots__ = ("d0", "d1")

    def backward(self, g):
        return g.transpose(self.d0, self.d1) if isinstance(g, Tensor) else np.swapaxes(g, self.d0, self.d1)


def transpose(x, dim0, dim1):
    nd = x._data.ndim
    d0 = wrap_dim(dim0, nd, "transpose")
    d1 = wrap_dim(dim1, nd, "transpose")
    t = as_view(_wrap(np.swapaxes(x._data, d0, d1) if nd else x._data), x)
    if STATE.enabled and x._rg:
        node = TransposeBackward0((x._grad_node(),))
        node.d0, node.d1 = (d0, d1) if nd else (0, 0)
        t._rg = True
        t.grad_fn = node
    return t


swapaxes = swapdims = transpose


def t(x):
    nd = x._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return transpose(x, 0, 1) if nd == 2 else _reshape_like(x, x._data.shape, ViewBackward0, True)


def squeeze(x, dim=None):
    shape = x._data.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        dims = {wrap_dim(int(d), len(shape), "squeeze") for d in dims}
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return _reshape_like(x, new, ViewBackward0, True)


def unsqueeze(x, dim):
    shape = x._data.shape
    dim = wrap_dim(dim, len(shape) + 1, "unsqueeze")
    return _reshape_like(x, shape[:dim] + (1,) + shape[dim:], ViewBackward0, True)


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
    sizes = tuple(sizes)
    if -1 in sizes:
        known = _numel([s for s in sizes if s != -1])
        sizes = tuple(shape[dim] // known if s == -1 else s for s in sizes)
    if _numel(sizes) != shape[dim]:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
            f"({shape[dim]}) in the input tensor")
    return reshape(x, shape[:dim] + sizes + shape[dim + 1:])


class ExpandBackward0(Node):
    __slots__ = ("shape",)

    def backward(self, g):
        return sum_to(g, self.shape)


def expand(x, *sizes):
    sizes = size_args(sizes)
    shape = x._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing dimension {i}")
            target.append(s)
        else:
            cur = shape[i - lead]
            if s == -1:
                s = cur
            elif cur != 1 and s != cur:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                    f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(shape)}")
            target.append(s)
    target = tuple(target)
    t = as_view(_wrap(np.broadcast_to(x._data, target)), x)
    if STATE.enabled and x._rg:
        node = ExpandBackward0((x._grad_node(),))
        node.shape = shape
        t._rg = True
        t.grad_fn = node
    return t


class CatBackward0(Node):
    __slots__ = ("dim", "sizes")

    def backward(self, g):
        outs = []
        start = 0
        for (nf, _), n in zip(self.next_functions, self.sizes):
            if nf is None:
                outs.append(None)
            else:
                outs.append(g.narrow(self.dim, start, n) if isinstance(g, Tensor)
                            else np.take(g, range(start, start + n), axis=self.dim))
            start += n
        return tuple(outs)


def cat(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    for i, tt in enumerate(tensors):
        if not isinstance(tt, Tensor):
            raise TypeError(f"cat(): expected Tensor as element {i} in argument 0, but got {type(tt).__name__}")
    # PyTorch skips 1-D empty tensors (legacy behaviour)
    parts = [tt for tt in tensors if not (tt._data.ndim == 1 and tt._data.size == 0)] or tensors[:1]
    ref = parts[0]._data
    nd = ref.ndim
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    dim = wrap_dim(dim, nd, "cat")
    from .. import _dtype
    npdt = _dtype.result_np_dtype([p for p in parts]) if len({p._data.dtype for p in parts}) > 1 else ref.dtype
    for i, p in enumerate(parts):
        pd = p._data
        if pd.ndim != nd or any(a != b for k, (a, b) in enumerate(zip(pd.shape, ref.shape)) if k != dim):
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {dim}. Expected size "
                f"{[s for k, s in enumerate(ref.shape) if k != dim]} but got size "
                f"{[s for k, s in enumerate(pd.shape) if k != dim]} for tensor number {i} in the list "
                f"(shapes {[list(q._data.shape) for q in parts]}).")
    res = np.concatenate([p._data for p in parts], axis=dim).astype(npdt, copy=False)
    if STATE.enabled and any(p._rg for p in parts):
        node = CatBackward0(tuple(p._grad_node() for p in parts))
        node.dim = dim
        node.sizes = [p._data.shape[dim] for p in parts]
        r = _wrap(res, True)
        r.grad_fn = node
        return r
    return _wrap(res)


concat = concatenate = cat


class StackBackward0(Node):
    __slots__ = ("dim",)

    def backward(self, g):
        n = len(self.next_functions)
        if isinstance(g, Tensor):
            parts = g.unbind(self.dim)
        else:
            parts = [np.take(g, i, axis=self.dim) for i in range(n)]
        return tuple(p if nf is not None else None for p, (nf, _) in zip(parts, self.next_functions))


def stack(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, tt in enumerate(tensors):
        if tt._data.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                f"{list(tt._data.shape)} at entry {i}")
    dim = wrap_dim(dim, len(shape) + 1, "stack")
    res = np.stack([tt._data for tt in tensors], axis=dim)
    if STATE.enabled and any(tt._rg for tt in tensors):
        node = StackBackward0(tuple(tt._grad_node() for tt in tensors))
        node.dim = dim
        r = _wrap(res, True)
        r.grad_fn = node
        return r
    return _wrap(res)


class SelectBackward0(Node):
    __slots__ = ("shape", "dim", "index")

    def backward(self, g):
        if isinstance(g, Tensor):
            return _select_back_t(g, self)
        out = np.zeros(self.shape, g.dtype)
        idx = [slice(None)] * len(self.shape)
        idx[self.dim] = self.index
        out[tuple(idx)] = g
        return out


def _select_back_t(g, node):
    # differentiable scatter of g into zeros: pad with cat (used only in double backward)
    shape = node.shape
    before = list(shape)
    before[node.dim] = node.index
    after = list(shape)
    after[node.dim] = shape[node.dim] - node.index - 1
    parts = []
    if node.index:
        parts.append(_wrap(np.zeros(before, g._data.dtype)))
    parts.append(g.unsqueeze(node.dim))
    if after[node.dim]:
        parts.append(_wrap(np.zeros(after, g._data.dtype)))
    return cat(parts, node.dim)


def select(x, dim, index):
    shape = x._data.shape
    dim = wrap_dim(dim, len(shape), "select")
    n = shape[dim]
    if not -n <= index < n:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(shape)} at dimension {dim}")
    index = index + n if index < 0 else index
    t = as_view(_wrap(x._data[(slice(None),) * dim + (index,)]), x)
    if STATE.enabled and x._rg:
        node = SelectBackward0((x._grad_node(),))
        node.shape, node.dim, node.index = shape, dim, index
        t._rg = True
        t.grad_fn = node
    return t


def unbind(x, dim=0):
    dim = wrap_dim(dim, x._data.ndim, "unbind")
    return tuple(select(x, dim, i) for i in range(x._data.shape[dim]))
