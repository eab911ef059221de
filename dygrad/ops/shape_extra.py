"""More shape ops, built from the differentiable basics (index_select, narrow, flip, cat, setitem):
repeat_interleave, tensor_split and hsplit/vsplit/dsplit, rot90, take_along_dim, column_stack,
diagflat, the *_scatter ops, narrow_copy, vander, renorm; plus integer helpers without gradients
(unique_consecutive, isin, broadcast_shapes, unravel_index)."""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, Size
from ._util import wrap_dim
from ._registry import op

_I64 = np.dtype(np.int64)


@op(summary='Repeats each element repeats times (along dim; flattened by default).',
    example='torch.tensor([1.0, 2.0]), 2')
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    if repeats is None:  # torch.repeat_interleave(repeats): indices repeated by their counts
        r = input._data
        if r.ndim > 1 or r.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave: repeats must be a 0-dim or 1-dim integer tensor")
        return _wrap(np.repeat(np.arange(r.size, dtype=_I64), r.reshape(-1)))
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else wrap_dim(dim, x.dim(), "repeat_interleave")
    n = x.shape[d] if x.dim() else 1
    r = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if r.ndim > 1 or (r.ndim == 1 and r.size not in (1, n)):
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim "
                           f"({n}), but got repeats of shape {list(r.shape)}")
    if (r < 0).any():
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    idx = np.repeat(np.arange(n, dtype=_I64), np.broadcast_to(r.reshape(-1), (n,)) if r.ndim else int(r))
    if x.dim() == 0:
        x = x.reshape(1)
    return x.index_select(d, _wrap(idx))


def _split_points(n, spec, op):
    if isinstance(spec, Tensor):
        spec = spec.item() if spec.dim() == 0 else spec.tolist()
    if isinstance(spec, (int, np.integer)):
        k = int(spec)
        if k <= 0:
            raise RuntimeError(f"{op} expects number of sections to be positive, got {k}")
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        return np.cumsum([0] + sizes).tolist()
    return [0] + [min(max(int(i), 0), n) for i in spec] + [n]


@op(
    summary='Splits into sections along dim: a count (sizes differ by at most one) or split indices.',
    example='torch.tensor([1.0, 2.0, 3.0]), 2')
def tensor_split(input, indices_or_sections, dim=0):
    if input.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a 0-d tensor")
    d = wrap_dim(dim, input.dim(), "tensor_split")
    pts = _split_points(input.shape[d], indices_or_sections, "tensor_split")
    return tuple(input.narrow(d, a, max(b - a, 0)) for a, b in zip(pts[:-1], pts[1:]))


def _nsplit(input, spec, d, op, need):
    if input.dim() < need:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {need} dimension, but got a "
                           f"tensor with {input.dim()} dimensions!")
    if isinstance(spec, (int, np.integer)) and input.shape[d] % spec:
        raise RuntimeError(f"torch.{op} attempted to split along dimension {d}, but the size of the "
                           f"dimension {input.shape[d]} is not divisible by the split_size {spec}!")
    return tensor_split(input, spec, d)


@op(summary='tensor_split along dim 1 (dim 0 for a 1-D input).',
    example='torch.tensor([1.0, 2.0, 3.0, 4.0]), 2')
def hsplit(input, indices_or_sections):
    return _nsplit(input, indices_or_sections, 1 if input.dim() > 1 else 0, "hsplit", 1)


@op(summary='tensor_split along dim 0 of an input of at least 2 dims.',
    example='torch.tensor([[1.0, 2.0], [3.0, 4.0]]), 2')
def vsplit(input, indices_or_sections):
    return _nsplit(input, indices_or_sections, 0, "vsplit", 2)


@op(summary='tensor_split along dim 2 of an input of at least 3 dims.',
    example='torch.tensor([[[1.0, 2.0]]]), 2')
def dsplit(input, indices_or_sections):
    return _nsplit(input, indices_or_sections, 2, "dsplit", 3)


@op(
    summary='Rotates by 90 degrees k times in the plane of dims (from the first toward the second).',
    example='torch.tensor([[1.0, 2.0], [3.0, 4.0]])')
def rot90(input, k=1, dims=(0, 1)):
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.dim() < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.dim()}")
    d0, d1 = (wrap_dim(d, input.dim(), "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k = k % 4
    if k == 1:
        return input.flip(d1).transpose(d0, d1)
    if k == 2:
        return input.flip(d0, d1)
    if k == 3:
        return input.flip(d0).transpose(d0, d1)
    return input.clone()


@op(out_dtype="same", out=True,
    summary='Picks the values at indices along dim (of the flattened input by default).',
    example='torch.tensor([[1.0, 5.0], [4.0, 2.0]]), torch.tensor([[1], [0]]), 1')
def take_along_dim(input, indices, dim=None):
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    idt = indices._data.dtype if isinstance(indices, Tensor) else None
    if idt is not None and idt != np.int64:
        from ._reduce_util import scalar_type_name
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{scalar_type_name(idt)}")
    if input.dim() == 0 and indices.dim() == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, input.dim(), "take_along_dim")
    if input.dim() != indices.dim():
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {input.dim()} dimensions for input, and "
                           f"{indices.dim()} dimensions for indices")
    n = input.shape[d] if input.dim() else 1
    ind = indices._data
    # gather keeps a private copy of the indices: PyTorch's gradient here follows the values at
    # the call even when the caller changes indices in place before backward (no error)
    indices = _wrap(np.where(ind < 0, ind + n, ind) if ind.size and ind.min() < 0 and
                    ind.min() >= -n else ind.copy())  # (PyTorch takes negative indices here)
    from .join import broadcast_shape
    si, sx = list(input.shape), list(indices.shape)
    si[d] = sx[d] = 1
    shape = broadcast_shape(tuple(si), tuple(sx))
    xs, ixs = list(shape), list(shape)
    xs[d], ixs[d] = input.shape[d], indices.shape[d]
    return input.expand(xs).gather(d, indices.expand(ixs))


@op(method=False, tensor_first=None, out=True,
    summary='Stacks tensors as columns (1-D ones become columns) side by side.',
    example='[torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])]')
def column_stack(tensors):
    from .join import hstack
    cols = [t.reshape(-1, 1) if t.dim() <= 1 else t for t in tensors]
    return hstack(cols)


@op(summary='A 2-D tensor with the flattened input on diagonal offset.',
    example='torch.tensor([1.0, 2.0])')
def diagflat(input, offset=0):
    from .rearrange import diag
    return diag(input.reshape(-1), offset)


@op(out_dtype="same", out=True, summary='A copy of input.narrow(dim, start, length).',
    example='torch.tensor([1.0, 2.0, 3.0]), 0, 1, 2')
def narrow_copy(input, dim, start, length):
    return input.narrow(dim, start, length).clone()


def _scatter_into(input, src, view_fn):
    out = input.clone()
    view = view_fn(out)
    if tuple(view.shape) != tuple(src.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(view.shape)}")
    view.copy_(src)
    return out


@op(summary='A copy of input with src written at index of dim.',
    example='torch.zeros(2, 2), torch.tensor([1.0, 2.0]), 0, 0')
def select_scatter(input, src, dim, index):
    return _scatter_into(input, src, lambda t: t.select(dim, index))


@op(out_dtype="same", out=True, summary='A copy of input with src written into the slice start:end:step of dim.',
    example='torch.zeros(4), torch.tensor([1.0, 2.0]), 0, 1, 3')
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    key = (slice(None),) * wrap_dim(dim, input.dim(), "slice_scatter") + (slice(start, end, step),)
    return _scatter_into(input, src, lambda t: t[key])


@op(summary='A copy of input with src written onto the diagonal (offset, dim1, dim2).',
    example='torch.zeros(2, 2), torch.tensor([1.0, 2.0])')
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    return _scatter_into(input, src, lambda t: t.diagonal(offset, dim1, dim2))


@op(method=False, tensor_first=None,
    summary='Vandermonde matrix of the powers of x (decreasing unless increasing=True).',
    example='torch.tensor([1.0, 2.0, 3.0])')
def vander(x, N=None, increasing=False):
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    powers = np.arange(n, dtype=_I64)
    if not increasing:
        powers = powers[::-1].copy()
    base = x if x._data.dtype.kind in "fV" else x.long()
    return base.unsqueeze(1) ** _wrap(powers)


@op(out_dtype="same", inplace=True, inplace_function=False, out=True,
    summary='Rescales each slice along dim whose p-norm exceeds maxnorm down to maxnorm.',
    example='torch.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0')
def renorm(input, p, dim, maxnorm):
    """Rescales each slice along dim whose p-norm exceeds maxnorm to norm maxnorm."""
    d = wrap_dim(dim, input.dim(), "renorm")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    others = tuple(i for i in range(input.dim()) if i != d)
    norms = input.norm(p, dim=others, keepdim=True)
    from .select import where
    factor = where(_wrap(norms._data > maxnorm), maxnorm / (norms + 1e-7), 1.0)
    return input * factor


@op(summary='Drops consecutive repeats (optionally with inverse indices and counts).',
    example='torch.tensor([1.0, 1.0, 2.0, 1.0])')
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    from .masked import unique_dim, unique_values
    d = input._data
    if dim is None:
        flat = d.reshape(-1)
        if flat.size == 0:
            starts = np.zeros(0, bool)
        else:
            starts = np.concatenate([[True], flat[1:] != flat[:-1]])
        vals = flat[starts]
        inv_shape = d.shape
    else:
        ax = unique_dim(d, dim, "unique_consecutive")
        m = np.moveaxis(d, ax, 0).reshape(d.shape[ax], -1) if d.size else np.zeros((0, 1))
        starts = np.ones(m.shape[0], bool)
        starts[1:] = (m[1:] != m[:-1]).any(axis=1)
        vals = np.compress(starts, d, axis=ax)
        inv_shape = (d.shape[ax],)
    out = [unique_values(vals, input, "unique_consecutive")]
    if return_inverse:
        out.append(_wrap((np.cumsum(starts) - 1).astype(_I64).reshape(inv_shape)))
    if return_counts:
        pos = np.flatnonzero(starts)
        out.append(_wrap(np.diff(np.append(pos, starts.size)).astype(_I64)))
    return out[0] if len(out) == 1 else tuple(out)


@op(out_dtype="same", method=False, tensor_first=None, out=True,
    summary='Whether each element of elements is in test_elements.',
    example='torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0])')
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    e = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    t = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return _wrap(np.asarray(np.isin(e, t, invert=invert)))


def broadcast_shapes(*shapes):
    from .join import broadcast_shape
    return Size(broadcast_shape(*shapes))


@op(method=False, tensor_first=None,
    summary='Converts flat indices into a tuple of coordinate tensors for shape.',
    example='torch.tensor([4, 1]), (2, 3)')
def unravel_index(indices, shape):
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError("unravel_index: expected 'indices' to be an integer tensor, but got "
                        f"{_dtype.from_numpy_dtype(idx.dtype)}")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    n = int(np.prod(shape))
    if ((idx < -n) | (idx >= n)).any():
        raise RuntimeError("unravel_index: 'indices' must be in range [-prod(shape), prod(shape) - 1]")
    return tuple(_wrap(np.asarray(a, _I64)) for a in np.unravel_index(np.where(idx < 0, idx + n, idx), shape))
