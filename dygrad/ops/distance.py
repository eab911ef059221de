"""Norms and distances of tensors along a dim: normalize, cosine_similarity, pairwise_distance
and pdist, composed from norm/clamp/index_select so their gradients come from those ops."""
import numpy as np

from .._tensor import Tensor, _wrap
from ._layer_util import check_tensor


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """Divides `input` by its p-norm along `dim` (at least eps): unit vectors along dim.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.normalize(torch.tensor([[3.0, 4.0], [0.0, 2.0]]), dim=1)
        tensor([[0.6000, 0.8000],
                [0.0000, 1.0000]])
    """
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps)
    result = input / denom
    if out is not None:
        return out.copy_(result)
    return result


def _clamped_value(n, eps):
    # value clamped at eps, gradient of the unclamped norm (PyTorch clamps it without history)
    nd = n.detach()
    return n + (nd.clamp_min(eps) - nd)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between x1 and x2 along `dim` (broadcasting the rest).

    Example::

        >>> import dygrad.nn.functional as F
        >>> a = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
        >>> F.cosine_similarity(a, torch.tensor([[1.0, 0.0]]))
        tensor([1.0000, 0.7071])
    """
    check_tensor(x1, "x1", "cosine_similarity")
    check_tensor(x2, "x2", "cosine_similarity")
    if x1._data.shape != x2._data.shape:
        x1, x2 = x1.broadcast_to(np.broadcast_shapes(x1._data.shape, x2._data.shape)), \
            x2.broadcast_to(np.broadcast_shapes(x1._data.shape, x2._data.shape))
    n1 = _clamped_value(x1.norm(2, dim, keepdim=True), eps)
    n2 = _clamped_value(x2.norm(2, dim, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """p-norm distance ||x1 - x2 + eps||_p along the last dim, row by row.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x1 = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
        >>> F.pairwise_distance(x1, torch.tensor([[3.0, 4.0], [2.0, 1.0]]))
        tensor([5.0000, 1.0000])
    """
    check_tensor(x1, "x1", "pairwise_distance")
    check_tensor(x2, "x2", "pairwise_distance")
    last = max(x1.dim(), x2.dim()) - 1
    return (x1 - x2 + eps).norm(p, last, keepdim=keepdim)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """Distances between all pairs of rows i < j of an (N, M) input, as a vector of N(N-1)/2.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.pdist(torch.tensor([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]]))
        tensor([ 5., 10.,  5.])
    """
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if input._data.dtype.kind not in "fV":
        raise RuntimeError("pdist only supports floating-point dtypes")
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    diff = input.index_select(0, _wrap(i.astype(np.int64))) - input.index_select(0, _wrap(j.astype(np.int64)))
    return diff.norm(p, dim=1) if diff.shape[0] else diff.sum(1)
