"""Flatten and Unflatten layers."""
from ..._tensor import Tensor
from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flattens the dimensions start_dim..end_dim into one; by default all but the batch dimension.

    Example::

        >>> torch.nn.Flatten()(torch.zeros(2, 3, 4, 5)).shape
        torch.Size([2, 60])
        >>> torch.nn.Flatten(0, 1)(torch.zeros(2, 3, 4)).shape
        torch.Size([6, 4])
    """

    __constants__ = ["start_dim", "end_dim"]

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        """Flattens dims start_dim..end_dim of `input`."""
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits dimension `dim` into the sizes `unflattened_size` (their product must equal its size).

    Example::

        >>> torch.nn.Unflatten(1, (2, 5))(torch.zeros(3, 10)).shape
        torch.Size([3, 2, 5])
    """

    __constants__ = ["dim", "unflattened_size"]

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]):
        super().__init__()
        if isinstance(dim, str):
            raise TypeError("dygrad has no named tensors: Unflatten needs an integer dim")
        if not isinstance(dim, int):
            raise TypeError("invalid argument type for dim parameter")
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError("unflattened_size must be tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        for i, s in enumerate(unflattened_size):
            if not isinstance(s, int):
                raise TypeError("unflattened_size must be tuple of ints, but found element of type "
                                f"{type(s).__name__} at pos {i}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        """Splits dim `dim` of `input` into `unflattened_size`."""
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
