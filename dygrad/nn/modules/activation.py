"""Activation layers: thin modules over nn.functional with PyTorch's constructor args and reprs."""
import warnings
from typing import Optional

from ..._creation import empty
from ...device import check_device
from ... import _dtype
from .. import init as _init
from .. import functional as F
from ..parameter import Parameter
from ..._tensor import Tensor
from .module import Module

__all__ = ["Threshold", "ReLU", "RReLU", "Hardtanh", "ReLU6", "Sigmoid", "Hardsigmoid", "Tanh",
           "SiLU", "Mish", "Hardswish", "ELU", "CELU", "SELU", "GLU", "GELU", "Hardshrink",
           "LeakyReLU", "LogSigmoid", "Softplus", "Softshrink", "PReLU", "Softsign", "Tanhshrink",
           "Softmin", "Softmax", "Softmax2d", "LogSoftmax"]


def _inplace_repr(inplace):
    return "inplace=True" if inplace else ""


class _InplaceActivation(Module):
    """An activation whose only argument is `inplace` (its functional form is `_fn`)."""

    __constants__ = ["inplace"]
    _show_inplace = True  # Hardsigmoid and Hardswish print no inplace flag in PyTorch

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Applies the activation elementwise (in place on `input` when inplace=True)."""
        return type(self)._fn(input, inplace=self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace) if self._show_inplace else ""


class Threshold(Module):
    """Replaces every element not above `threshold` by `value`; any shape, same shape out.

    Example::

        >>> torch.nn.Threshold(0.1, 20.0)(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([20., 20., 20.,  1.])
    """

    __constants__ = ["threshold", "value", "inplace"]

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Thresholds `input` elementwise."""
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        s = f"threshold={self.threshold}, value={self.value}"
        return s + (", inplace=True" if self.inplace else "")


class ReLU(_InplaceActivation):
    """Rectified linear unit, max(x, 0), elementwise; any shape, same shape out.

    Example::

        >>> torch.nn.ReLU()(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([0., 0., 0., 1.])
    """

    _fn = staticmethod(F.relu)


class RReLU(Module):
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) per element in training
    and fixed at (lower + upper) / 2 in eval mode; any shape, same shape out.

    Example::

        >>> torch.nn.RReLU(0.1, 0.3).eval()(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-0.4000, -0.1000,  0.0000,  1.0000])
    """

    __constants__ = ["lower", "upper", "inplace"]

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Applies the randomized leaky ReLU elementwise (random slopes only in training)."""
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class Hardtanh(Module):
    """Clamps every element into [min_val, max_val]; any shape, same shape out.

    Example::

        >>> torch.nn.Hardtanh(-1.0, 0.5)(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-1.0000, -0.5000,  0.0000,  0.5000])
    """

    __constants__ = ["min_val", "max_val", "inplace"]

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: Optional[float] = None, max_value: Optional[float] = None):
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to `min_val`",
                          FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to `max_val`",
                          FutureWarning, stacklevel=2)
            max_val = max_value
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise AssertionError(f"max_val ({max_val}) must be greater than min_val ({min_val})")

    def forward(self, input: Tensor) -> Tensor:
        """Clamps `input` into [min_val, max_val]."""
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + \
            (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """min(max(x, 0), 6) elementwise; any shape, same shape out.

    Example::

        >>> torch.nn.ReLU6()(torch.tensor([-1.0, 3.0, 8.0]))
        tensor([0., 3., 6.])
    """

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0, inplace)

    def forward(self, input: Tensor) -> Tensor:
        """Applies min(max(x, 0), 6) elementwise."""
        return F.relu6(input, self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class Sigmoid(Module):
    """Logistic function 1 / (1 + exp(-x)) elementwise; any shape, same shape out.

    Example::

        >>> torch.nn.Sigmoid()(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([0.1192, 0.3775, 0.5000, 0.7311])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Applies the logistic function elementwise."""
        return input.sigmoid()


class Hardsigmoid(_InplaceActivation):
    """Piecewise-linear sigmoid: clamp(x / 6 + 1/2, 0, 1) elementwise; any shape, same shape out.

    Example::

        >>> torch.nn.Hardsigmoid()(torch.tensor([-4.0, 0.0, 1.5, 4.0]))
        tensor([0.0000, 0.5000, 0.7500, 1.0000])
    """

    _fn = staticmethod(F.hardsigmoid)
    _show_inplace = False


class Tanh(Module):
    """Hyperbolic tangent elementwise; any shape, same shape out.

    Example::

        >>> torch.nn.Tanh()(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-0.9640, -0.4621,  0.0000,  0.7616])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Applies tanh elementwise."""
        return input.tanh()


class SiLU(_InplaceActivation):
    """Sigmoid-weighted linear unit (swish), x * sigmoid(x), elementwise; any shape, same shape out.

    Example::

        >>> torch.nn.SiLU()(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-0.2384, -0.1888,  0.0000,  0.7311])
    """

    _fn = staticmethod(F.silu)


class Mish(_InplaceActivation):
    """x * tanh(softplus(x)) elementwise; any shape, same shape out.

    Example::

        >>> torch.nn.Mish()(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-0.2525, -0.2207,  0.0000,  0.8651])
    """

    _fn = staticmethod(F.mish)


class Hardswish(_InplaceActivation):
    """Piecewise approximation of swish: x * hardsigmoid(x) elementwise; any shape, same shape out.

    Example::

        >>> torch.nn.Hardswish()(torch.tensor([-4.0, 0.0, 1.5, 4.0]))
        tensor([-0.0000, 0.0000, 1.1250, 4.0000])
    """

    _fn = staticmethod(F.hardswish)
    _show_inplace = False


class ELU(Module):
    """Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise; any shape, same
    shape out.

    Example::

        >>> torch.nn.ELU(alpha=1.0)(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-0.8647, -0.3935,  0.0000,  1.0000])
    """

    __constants__ = ["alpha", "inplace"]

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Applies ELU elementwise."""
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(Module):
    """Continuously differentiable ELU: max(0, x) + min(0, alpha * (exp(x / alpha) - 1));
    any shape, same shape out.

    Example::

        >>> torch.nn.CELU(alpha=2.0)(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-1.2642, -0.4424,  0.0000,  1.0000])
    """

    __constants__ = ["alpha", "inplace"]

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Applies CELU elementwise."""
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SELU(_InplaceActivation):
    """Scaled ELU with the fixed constants that keep activations self-normalizing; any shape,
    same shape out.

    Example::

        >>> torch.nn.SELU()(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-1.5202, -0.6918,  0.0000,  1.0507])
    """

    _fn = staticmethod(F.selu)


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


class Hardshrink(Module):
    """Keeps elements with |x| > lambd and zeroes the rest; any shape, same shape out.

    Example::

        >>> torch.nn.Hardshrink(lambd=0.5)(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-2.,  0.,  0.,  1.])
    """

    __constants__ = ["lambd"]

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """Zeroes the elements of `input` with |x| <= lambd."""
        return F.hardshrink(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class LeakyReLU(Module):
    """x for x >= 0 and negative_slope * x otherwise; any shape, same shape out.

    Example::

        >>> torch.nn.LeakyReLU(0.1)(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-0.2000, -0.0500,  0.0000,  1.0000])
    """

    __constants__ = ["inplace", "negative_slope"]

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Applies leaky ReLU elementwise."""
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


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


class Softshrink(Module):
    """Moves every element lambd towards zero, zeroing those with |x| <= lambd; any shape,
    same shape out.

    Example::

        >>> torch.nn.Softshrink(lambd=0.5)(torch.tensor([-2.0, 0.25, 1.0]))
        tensor([-1.5000,  0.0000,  0.5000])
    """

    __constants__ = ["lambd"]

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """Shrinks `input` towards zero by lambd."""
        return F.softshrink(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


class PReLU(Module):
    """Leaky ReLU with a learned negative slope: one for all channels, or one per channel
    (dim 1 of the input) with num_parameters=C.

    Example::

        >>> m = torch.nn.PReLU(init=0.25)
        >>> m(torch.tensor([-2.0, 1.0])).detach()
        tensor([-0.5000,  1.0000])
        >>> m.weight.shape
        torch.Size([1])
    """

    __constants__ = ["num_parameters"]

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        check_device(device, "PReLU")
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        dt = _dtype.as_dtype(dtype) if dtype is not None else None
        self.weight = Parameter(empty(num_parameters, dtype=dt))
        self.reset_parameters()

    def reset_parameters(self):
        _init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        """Applies leaky ReLU with the learned slope `weight`."""
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


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


class Softmin(Module):
    """softmax(-x) along `dim`: non-negative values summing to 1 there, the largest weight on
    the smallest element; same shape out.

    Example::

        >>> torch.nn.Softmin(dim=1)(torch.tensor([[1.0, 2.0, 3.0]]))
        tensor([[0.6652, 0.2447, 0.0900]])
    """

    __constants__ = ["dim"]

    def __init__(self, dim: Optional[int] = None):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Applies softmin along `dim`."""
        return F.softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(Module):
    """exp(x) / sum(exp(x)) along `dim`, so the values along it are positive and sum to 1;
    same shape out.

    Example::

        >>> torch.nn.Softmax(dim=1)(torch.tensor([[1.0, 2.0, 3.0]]))
        tensor([[0.0900, 0.2447, 0.6652]])
    """

    __constants__ = ["dim"]

    def __init__(self, dim: Optional[int] = None):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Applies softmax along `dim`."""
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


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


class LogSoftmax(Module):
    """log(softmax(x)) along `dim`, computed stably; same shape out.

    Example::

        >>> torch.nn.LogSoftmax(dim=1)(torch.tensor([[0.0, 0.0]]))
        tensor([[-0.6931, -0.6931]])
    """

    __constants__ = ["dim"]

    def __init__(self, dim: Optional[int] = None):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Applies log-softmax along `dim`."""
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


from .transformer import MultiheadAttention  # noqa: E402,F401  (PyTorch's class path)
