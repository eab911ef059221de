"""LayerNorm, GroupNorm and LocalResponseNorm layers."""
import numbers
from typing import Optional

from ... import _creation
from ...ops import norm as _norm
from ..parameter import Parameter
from .. import init
from ..._tensor import Tensor
from .module import Module

__all__ = ["LayerNorm", "GroupNorm", "LocalResponseNorm", "RMSNorm"]


class _AffineNorm(Module):
    """Base of the normalization layers with an optional elementwise affine transform (`weight`,
    `bias`) applied after normalizing; batchnorm's _NormBase shares it."""

    def _init_affine(self, affine: bool, bias: bool, shape, eps: float, dtype) -> None:
        """Sets `eps`, creates `weight` and `bias` of `shape` (bias None when bias=False, both
        None when affine=False) and fills them with the layer's reset_parameters (last, as it may
        reset buffers too)."""
        self.eps = eps
        if affine:
            self.weight = Parameter(_creation.empty(shape, dtype=dtype))
            if bias:
                self.bias = Parameter(_creation.empty(shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        # the identity transform: weight ones, bias zeros
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)


class LayerNorm(_AffineNorm):
    """Layer normalization: standardizes over the trailing dimensions `normalized_shape` (mean
    and biased variance per sample), then applies the elementwise `weight` and `bias`.

    Input (*, *normalized_shape), same shape out.

    Example::

        >>> m = torch.nn.LayerNorm(2)
        >>> m(torch.tensor([[1.0, 3.0], [5.0, 5.0]])).detach()
        tensor([[-1.0000,  1.0000],
                [ 0.0000,  0.0000]])
    """

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.elementwise_affine = elementwise_affine
        self._init_affine(elementwise_affine, bias, self.normalized_shape, eps, dtype)

    def forward(self, input: Tensor) -> Tensor:
        """Normalizes the trailing `normalized_shape` dimensions of `input`."""
        return _norm.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(_AffineNorm):
    """Group normalization: splits the channels into `num_groups` groups and standardizes each
    group of each sample over its channels and positions, then applies per-channel `weight` and
    `bias`.

    Input (N, C, *), same shape out.

    Example::

        >>> m = torch.nn.GroupNorm(2, 4)
        >>> m(torch.ones(3, 4, 5)).shape
        torch.Size([3, 4, 5])
        >>> m(torch.tensor([[1.0, 3.0, 2.0, 4.0]])).detach()
        tensor([[-1.0000,  1.0000, -1.0000,  1.0000]])
    """

    __constants__ = ["num_groups", "num_channels", "eps", "affine"]

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.affine = affine
        self._init_affine(affine, bias, num_channels, eps, dtype)

    def forward(self, input: Tensor) -> Tensor:
        """Normalizes `input` over each group of channels."""
        return _norm.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class LocalResponseNorm(Module):
    """Local response normalization: divides each element by (k + alpha / size * sum of squares
    over `size` neighbouring channels) ** beta.

    Input (N, C, *), same shape out.

    Example::

        >>> m = torch.nn.LocalResponseNorm(2, alpha=1.0, beta=1.0, k=1.0)
        >>> m(torch.tensor([[[1.0], [2.0]]]))
        tensor([[[0.6667],
                 [0.5714]]])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        """Normalizes `input` across neighbouring channels."""
        from ...ops.norm import local_response_norm
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return "{size}, alpha={alpha}, beta={beta}, k={k}".format(**self.__dict__)


class RMSNorm(Module):
    """Root-mean-square normalization: x / sqrt(mean(x**2) + eps) over the trailing dimensions
    `normalized_shape`, times the elementwise `weight`; eps=None uses the dtype's machine epsilon.

    Input (*, *normalized_shape), same shape out.

    Example::

        >>> m = torch.nn.RMSNorm(2)
        >>> m(torch.tensor([[3.0, 4.0]])).detach()
        tensor([[0.8485, 1.1314]])
    """

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: Optional[float] = None,
                 elementwise_affine: bool = True, device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(_creation.ones(self.normalized_shape, dtype=dtype))
        else:
            self.register_parameter("weight", None)

    def forward(self, x: Tensor) -> Tensor:
        """Divides `x` by its root mean square over `normalized_shape`, times `weight`."""
        import numpy as np
        dims = tuple(range(-len(self.normalized_shape), 0))
        eps = self.eps if self.eps is not None else float(np.finfo(x._data.dtype).eps)
        y = x * ((x * x).mean(dim=dims, keepdim=True) + eps).rsqrt()
        return y * self.weight if self.weight is not None else y

    def extra_repr(self):
        return "{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}".format(**self.__dict__)
