"""Norms and distances of tensors along a dim: normalize, cosine_similarity, pairwise_distance
and pdist, composed from norm/clamp/index_select so their gradients come from those ops."""
import numpy as np

from .._tensor import _wrap
from ._layer_util import check_tensor


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps)
    result = input / denom
    if out is not None:
        return out.copy_(result)
    return result


def _clamped_value(n, eps):
    # value clamped at eps, gradient of the unclamped norm (PyTorch clamps it without history)
    nd = n.detach()
    return n + (nd.clamp_min(eps) - nd)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    check_tensor(x1, "x1", "cosine_similarity")
    check_tensor(x2, "x2", "cosine_similarity")
    if x1._data.shape != x2._data.shape:
        x1, x2 = x1.broadcast_to(np.broadcast_shapes(x1._data.shape, x2._data.shape)), \
            x2.broadcast_to(np.broadcast_shapes(x1._data.shape, x2._data.shape))
    n1 = _clamped_value(x1.norm(2, dim, keepdim=True), eps)
    n2 = _clamped_value(x2.norm(2, dim, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    check_tensor(x1, "x1", "pairwise_distance")
    check_tensor(x2, "x2", "pairwise_distance")
    last = max(x1.dim(), x2.dim()) - 1
    return (x1 - x2 + eps).norm(p, last, keepdim=keepdim)


def pdist(input, p=2):
    """Distances between all pairs of rows i < j of an (N, M) input, as a vector of N(N-1)/2."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if input._data.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    diff = input.index_select(0, _wrap(i.astype(np.int64))) - input.index_select(0, _wrap(j.astype(np.int64)))
    return diff.norm(p, dim=1) if diff.shape[0] else diff.sum(1)
