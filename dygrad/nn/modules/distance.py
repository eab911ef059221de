"""CosineSimilarity and PairwiseDistance layers."""
from ..._tensor import Tensor
from .module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """Cosine of the angle between x1 and x2 along `dim`: x1 . x2 / (|x1| |x2|), each norm
    clamped below at eps.

    The inputs broadcast; `dim` is removed from the output.

    Example::

        >>> m = torch.nn.CosineSimilarity(dim=1)
        >>> m(torch.tensor([[1.0, 0.0], [1.0, 1.0]]), torch.tensor([[0.0, 1.0], [2.0, 2.0]]))
        tensor([0.0000, 1.0000])
    """

    __constants__ = ["dim", "eps"]

    def __init__(self, dim: int = 1, eps: float = 1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """Returns the cosine similarity of `x1` and `x2` along `dim`."""
        from ..functional import cosine_similarity
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """p-norm of x1 - x2 + eps along the last dimension, row by row.

    Inputs (N, D) or (D,), broadcasting; output (N,) (or (N, 1) with keepdim=True).

    Example::

        >>> m = torch.nn.PairwiseDistance(p=2.0, eps=0.0)
        >>> m(torch.tensor([[0.0, 0.0], [1.0, 1.0]]), torch.tensor([[3.0, 4.0], [1.0, 1.0]]))
        tensor([5., 0.])
    """

    __constants__ = ["norm", "eps", "keepdim"]

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """Returns the p-norm distance between the rows of `x1` and `x2`."""
        from ..functional import pairwise_distance
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
