"""Smooth activation layers (sigmoid/tanh family, GELU, softplus, GLU) and the softmax family.

activation.py re-exports them: `torch.nn.modules.activation` is PyTorch's path for all of them.
"""
from typing import Optional

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Sigmoid", "Tanh", "GELU", "LogSigmoid", "Softplus", "Softsign", "Tanhshrink", "GLU",
           "Softmin", "Softmax", "Softmax2d", "LogSoftmax"]


class Sigmoid(Module):
    """Logistic function 1 / (1 + exp(-x)) elementwise; any shape, same shape out.

    Example::

        >>> torch.nn.Sigmoid()(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([0.1192, 0.3775, 0.5000, 0.7311])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Applies the logistic function elementwise."""
        return input.sigmoid()


class Tanh(Module):
    """Hyperbolic tangent elementwise; any shape, same shape out.

    Example::

        >>> torch.nn.Tanh()(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-0.9640, -0.4621,  0.0000,  0.7616])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Applies tanh elementwise."""
        return input.tanh()


class GELU(Module):
    """Gaussian error linear unit x * Phi(x) (Phi the normal CDF), or its tanh approximation
    with approximate='tanh'; any shape, same shape out.

    Example::

        >>> torch.nn.GELU()(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-0.0455, -0.1543,  0.0000,  0.8413])
    """

    __constants__ = ["approximate"]

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        """Applies GELU elementwise."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class LogSigmoid(Module):
    """log(sigmoid(x)) elementwise, computed without overflow; any shape, same shape out.

    Example::

        >>> torch.nn.LogSigmoid()(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-2.1269, -0.9741, -0.6931, -0.3133])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Applies log(sigmoid(x)) elementwise."""
        return F.logsigmoid(input)


class Softplus(Module):
    """Smooth ReLU log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold;
    any shape, same shape out.

    Example::

        >>> torch.nn.Softplus(beta=1.0)(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([0.1269, 0.4741, 0.6931, 1.3133])
    """

    __constants__ = ["beta", "threshold"]

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        """Applies softplus elementwise."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softsign(Module):
    """x / (1 + |x|) elementwise; any shape, same shape out.

    Example::

        >>> torch.nn.Softsign()(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-0.6667, -0.3333,  0.0000,  0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Applies x / (1 + |x|) elementwise."""
        return F.softsign(input)


class Tanhshrink(Module):
    """x - tanh(x) elementwise; any shape, same shape out.

    Example::

        >>> torch.nn.Tanhshrink()(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-1.0360, -0.0379,  0.0000,  0.2384])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Applies x - tanh(x) elementwise."""
        return F.tanhshrink(input)


class GLU(Module):
    """Gated linear unit: splits `dim` in halves a, b and returns a * sigmoid(b); that dim must
    have even size and comes out halved.

    Example::

        >>> m = torch.nn.GLU(dim=-1)
        >>> m(torch.tensor([[1.0, 2.0, 0.0, 100.0]]))
        tensor([[0.5000, 2.0000]])
    """

    __constants__ = ["dim"]

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Gates the first half of `dim` by the sigmoid of the second half."""
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class _SoftmaxDim(Module):
    """A softmax-family layer over one `dim` (None: PyTorch's legacy implicit choice, with its
    warning), applied by the functional form `_fn`."""

    __constants__ = ["dim"]

    def __init__(self, dim: Optional[int] = None):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Applies the normalization along `dim`."""
        # _stacklevel points the implicit-dim warning at the caller of the module
        return type(self)._fn(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmin(_SoftmaxDim):
    """softmax(-x) along `dim`: non-negative values summing to 1 there, the largest weight on
    the smallest element; same shape out.

    Example::

        >>> torch.nn.Softmin(dim=1)(torch.tensor([[1.0, 2.0, 3.0]]))
        tensor([[0.6652, 0.2447, 0.0900]])
    """

    _fn = staticmethod(F.softmin)


class Softmax(_SoftmaxDim):
    """exp(x) / sum(exp(x)) along `dim`, so the values along it are positive and sum to 1;
    same shape out.

    Example::

        >>> torch.nn.Softmax(dim=1)(torch.tensor([[1.0, 2.0, 3.0]]))
        tensor([[0.0900, 0.2447, 0.6652]])
    """

    _fn = staticmethod(F.softmax)


class Softmax2d(Module):
    """Softmax over the channels at every spatial location: input (N, C, H, W) or (C, H, W),
    same shape out.

    Example::

        >>> y = torch.nn.Softmax2d()(torch.zeros(1, 4, 2, 2))
        >>> y.shape, y[0, :, 0, 0]
        (torch.Size([1, 4, 2, 2]), tensor([0.2500, 0.2500, 0.2500, 0.2500]))
    """

    def forward(self, input: Tensor) -> Tensor:
        """Applies softmax over the channel dimension (dim -3)."""
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3, _stacklevel=5)


class LogSoftmax(_SoftmaxDim):
    """log(softmax(x)) along `dim`, computed stably; same shape out.

    Example::

        >>> torch.nn.LogSoftmax(dim=1)(torch.tensor([[0.0, 0.0]]))
        tensor([[-0.6931, -0.6931]])
    """

    _fn = staticmethod(F.log_softmax)
