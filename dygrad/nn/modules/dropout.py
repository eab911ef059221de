"""Dropout layers: active in training mode, the identity in eval mode."""
from .. import functional as F
from ..._tensor import Tensor
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    __constants__ = ["p", "inplace"]

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """In training, zeroes each element with probability p and scales the others by 1 / (1 - p);
    in eval mode returns the input. Any shape, same shape out.

    Example::

        >>> m = torch.nn.Dropout(p=0.5)
        >>> x = torch.ones(2, 3)
        >>> m.eval()(x)
        tensor([[1., 1., 1.],
                [1., 1., 1.]])
        >>> _ = torch.manual_seed(0)
        >>> y = m.train()(x)
        >>> bool(((y == 0) | (y == 2)).all())
        True
    """

    def forward(self, input: Tensor) -> Tensor:
        """Applies dropout in training mode, the identity in eval mode."""
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """In training, zeroes whole channels of an (N, C, L) or (C, L) input with probability p and
    scales the others by 1 / (1 - p); the identity in eval mode.

    Example::

        >>> m = torch.nn.Dropout1d(p=0.5)
        >>> m(torch.ones(2, 3, 4)).shape
        torch.Size([2, 3, 4])
        >>> m.eval()(torch.ones(1, 2, 2))
        tensor([[[1., 1.],
                 [1., 1.]]])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Zeroes whole channels of `input` in training mode."""
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """In training, zeroes whole channels of an (N, C, H, W) or (C, H, W) input with probability p
    and scales the others by 1 / (1 - p); the identity in eval mode.

    Example::

        >>> m = torch.nn.Dropout2d(p=0.5)
        >>> m(torch.ones(2, 3, 4, 4)).shape
        torch.Size([2, 3, 4, 4])
        >>> m.eval()(torch.ones(1, 1, 1, 2))
        tensor([[[[1., 1.]]]])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Zeroes whole channels of `input` in training mode."""
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """In training, zeroes whole channels of an (N, C, D, H, W) or (C, D, H, W) input with
    probability p and scales the others by 1 / (1 - p); the identity in eval mode.

    Example::

        >>> m = torch.nn.Dropout3d(p=0.5)
        >>> m(torch.ones(2, 3, 2, 2, 2)).shape
        torch.Size([2, 3, 2, 2, 2])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Zeroes whole channels of `input` in training mode."""
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout for SELU networks: dropped elements take SELU's negative saturation value and an
    affine correction keeps mean and variance; the identity in eval mode. Same shape out.

    Example::

        >>> m = torch.nn.AlphaDropout(p=0.2)
        >>> m(torch.zeros(4, 5)).shape
        torch.Size([4, 5])
        >>> m.eval()(torch.tensor([1.0, -1.0]))
        tensor([ 1., -1.])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Applies alpha dropout in training mode, the identity in eval mode."""
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels (dim 1 of a batched input); the identity in eval mode.

    Example::

        >>> m = torch.nn.FeatureAlphaDropout(p=0.2)
        >>> m(torch.zeros(2, 3, 4)).shape
        torch.Size([2, 3, 4])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Applies channel-wise alpha dropout in training mode."""
        return F.feature_alpha_dropout(input, self.p, self.training)
