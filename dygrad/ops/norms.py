"""Vector and matrix norms: torch.norm, linalg.vector_norm, linalg.matrix_norm.

Gradients follow PyTorch's subgradient choices: zero at a zero vector, and for the inf-norms the
gradient is split evenly among the entries of largest (smallest) magnitude.
"""
import math

import numpy as np

from .._tensor import Tensor
from ..autograd.node import Node
from . import _bw
from ._registry import op
from ._reduce_util import rdims, expand_back, finish, scalar_type_name, kept_shape


def _data(v):
    return v._data if isinstance(v, Tensor) else v


class LinalgVectorNormBackward0(Node):
    __slots__ = ("ord", "dims", "keepdim")

    def backward(self, g, x, norm):
        p, shape = self.ord, x.shape
        if p == 0:
            return _bw.zeros_like(x)
        g = expand_back(g, shape, self.dims, self.keepdim)
        if p == 1:
            return g * _bw.sign(x)
        norm = expand_back(norm, shape, self.dims, self.keepdim)
        nd, xd = np.broadcast_to(_data(norm), shape), _data(x)
        if math.isinf(p):
            # PyTorch: the extrema and the NaNs share the gradient; a NaN's sign counts as 0
            nan = np.isnan(xd)
            mask = ((np.abs(xd) == nd) | nan).astype(xd.dtype)
            with np.errstate(invalid="ignore", divide="ignore"):
                mask /= mask.sum(axis=self.dims, keepdims=True)
            mask *= np.where(nan, 0, np.sign(xd))
            return g * _bw.const(mask, g)
        zero = nd == 0
        with np.errstate(invalid="ignore", divide="ignore"):
            if p == 2:
                r = g * x / norm
            elif p < 1:
                ax = _bw.where(xd == 0, 1, abs(x))  # |x|^(p-1) is taken as 0 where x == 0
                r = _bw.where(xd == 0, 0, _bw.sign(x) * ax ** (p - 1)) * g * norm ** (1 - p)
            else:
                r = _bw.sign(x) * abs(x) ** (p - 1) * g / norm ** (p - 1)
        return _bw.where(zero, 0, r) if zero.any() else r


@op(out_dtype="same", namespaces=("linalg",), method=False, out=True,
    summary="The ord-norm of x taken as a vector over dim (all elements by default).",
    example="torch.tensor([3.0, 4.0])")
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None and dtype.np != x._data.dtype:
        from .elementwise import cast
        x = cast(x, dtype)
    d = x._data
    if d.dtype.kind not in "fV":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {scalar_type_name(d.dtype)}")
    p = float(ord)
    dims = rdims(dim, d.shape, "linalg.vector_norm")
    w = d.astype(np.float32) if d.dtype.itemsize == 2 and d.dtype.kind in "fV" else d
    a = np.abs(w)
    if math.isinf(p):
        if d.size == 0 and (dim is None or dim == ()):
            raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty "
                               "tensor because the operation does not have an identity")
        for i in dims:  # an empty tensor may still be reduced along its non-empty dims
            if d.shape[i] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on the "
                                   f"dimension {i} because this dimension is empty and the "
                                   "operation does not have an identity")
        out = (np.amax if p > 0 else np.amin)(a, axis=dims, keepdims=keepdim)
    elif p == 0:
        out = (a != 0).sum(axis=dims, keepdims=keepdim).astype(w.dtype)
    elif p == 1:
        out = a.sum(axis=dims, keepdims=keepdim)
    elif p == 2:
        out = np.sqrt(np.square(a).sum(axis=dims, keepdims=keepdim))
    else:
        with np.errstate(divide="ignore", over="ignore"):
            out = (a ** p).sum(axis=dims, keepdims=keepdim) ** (1.0 / p)
    t, node = finish(np.asarray(out).astype(d.dtype, copy=False), x, LinalgVectorNormBackward0)
    if node is not None:
        node.ord, node.dims, node.keepdim = p, dims, keepdim
        node.save(x)
        node.save_output(t)
    return t


class _SvdNormBackward(Node):
    """d(sum of singular values) = U V^T; d(largest singular value) = u1 v1^T."""
    __slots__ = ("dgrad", "dims", "keepdim")

    def backward(self, g):
        if isinstance(g, Tensor):
            raise RuntimeError("linalg.matrix_norm: double backward of the 'nuc' and 2-norms is "
                               "not supported")
        g = expand_back(g, self.dgrad.shape, self.dims, self.keepdim)
        return g * self.dgrad


def _svd_norm(x, ord, dims, keepdim):
    d = x._data
    r0, r1 = dims
    a = np.moveaxis(d, (r0, r1), (-2, -1))
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    if ord == "nuc":
        out, dg = s.sum(-1), u @ vh
    else:
        k = 0 if ord == 2 else -1
        out = s[..., k]
        dg = u[..., :, k:k + 1 if k == 0 else None] @ vh[..., k:k + 1 if k == 0 else None, :]
    if keepdim:
        out = out.reshape(kept_shape(d.shape, dims))
    t, node = finish(np.asarray(out, dtype=d.dtype), x, _SvdNormBackward)
    if node is not None:
        node.dgrad = np.moveaxis(dg, (-2, -1), (r0, r1)).astype(d.dtype)
        node.dims, node.keepdim = tuple(sorted(dims)), keepdim
    return t


@op(out_dtype="same", namespaces=("linalg",), method=False, out=True,
    summary="The ord-norm of the matrices over the two dims (fro, nuc, or +-1, +-2, +-inf).",
    example="torch.tensor([[3.0, 0.0], [0.0, 4.0]])")
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    from .minmax import amax, amin
    if dtype is not None and dtype.np != A._data.dtype:
        from .elementwise import cast
        A = cast(A, dtype)
    d = A._data
    if d.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 "
                           f"dimensions (got shape {list(d.shape)})")
    if d.dtype.kind not in "fV":
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as "
                           f"input. Got {scalar_type_name(d.dtype)}")
    dims = rdims(tuple(dim), d.shape, "linalg.matrix_norm")
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {tuple(dim)}")
    r0, r1 = (x + d.ndim if x < 0 else x for x in dim)
    if ord == "fro":
        return vector_norm(A, 2, dims, keepdim)
    if ord in ("nuc", 2, -2):
        return _svd_norm(A, ord, (r0, r1), keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        red, over = (r0, r1) if ord in (1, -1) else (r1, r0)
        sums = A.abs().sum(red, keepdim=True)
        out = (amax if ord > 0 else amin)(sums, over, keepdim=True)
        return out if keepdim else out.squeeze(max(r0, r1)).squeeze(min(r0, r1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


@op(function=False,
    summary="Matrix or vector norm (p='fro', 'nuc' or a number) over dim (all elements by default).",
    example='torch.tensor([3.0, 4.0])')
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """torch.norm: numeric p is a vector norm over `dim` (all dims by default)."""
    if isinstance(p, str):
        if p == "fro":
            if dim is not None and not isinstance(dim, int) and len(dim) > 2:
                raise RuntimeError(f"norm: 'fro' takes at most 2 dims, got {tuple(dim)}")
            return vector_norm(input, 2, dim, keepdim, dtype=dtype)
        if p == "nuc":
            return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
        raise RuntimeError(f"norm(): unsupported norm type {p!r}")
    return vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)

