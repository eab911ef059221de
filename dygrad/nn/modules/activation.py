"""Activation layers: thin modules over nn.functional with PyTorch's constructor args and reprs.

The piecewise-linear (ReLU, hard*, shrink) and ELU families and PReLU live here; the smooth ones
and the softmax family live in activation_smooth.py and are re-exported here.
"""
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
from .activation_smooth import (  # noqa: F401  (PyTorch's class path for these too)
    Sigmoid, Tanh, GELU, LogSigmoid, Softplus, Softsign, Tanhshrink, GLU, Softmin, Softmax,
    Softmax2d, LogSoftmax)

__all__ = ["Threshold", "ReLU", "RReLU", "Hardtanh", "ReLU6", "Sigmoid", "Hardsigmoid", "Tanh",
           "SiLU", "Mish", "Hardswish", "ELU", "CELU", "SELU", "GLU", "GELU", "Hardshrink",
           "LeakyReLU", "LogSigmoid", "Softplus", "Softshrink", "PReLU", "Softsign", "Tanhshrink",
           "Softmin", "Softmax", "Softmax2d", "LogSoftmax"]


def _inplace_repr(inplace):
    return "inplace=True" if inplace else ""


def _with_inplace(s, inplace):
    """PyTorch's repr of a layer with scalar arguments `s` and an `inplace` flag shown only when
    set."""
    return s + (", inplace=True" if inplace else "")


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


class _AlphaActivation(Module):
    """An ELU-type activation: one `alpha` and `inplace`, applied by its functional form `_fn`."""

    __constants__ = ["alpha", "inplace"]

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Applies the activation elementwise (in place on `input` when inplace=True)."""
        return type(self)._fn(input, self.alpha, self.inplace)

    def extra_repr(self):
        return _with_inplace(f"alpha={self.alpha}", self.inplace)


class _Shrink(Module):
    """A shrink activation: one threshold `lambd`, applied by its functional form `_fn`."""

    __constants__ = ["lambd"]

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """Applies the shrink elementwise."""
        return type(self)._fn(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


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
        return _with_inplace(f"threshold={self.threshold}, value={self.value}", self.inplace)


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
        return _with_inplace(f"lower={self.lower}, upper={self.upper}", self.inplace)


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
        return _with_inplace(f"min_val={self.min_val}, max_val={self.max_val}", self.inplace)


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


class Hardsigmoid(_InplaceActivation):
    """Piecewise-linear sigmoid: clamp(x / 6 + 1/2, 0, 1) elementwise; any shape, same shape out.

    Example::

        >>> torch.nn.Hardsigmoid()(torch.tensor([-4.0, 0.0, 1.5, 4.0]))
        tensor([0.0000, 0.5000, 0.7500, 1.0000])
    """

    _fn = staticmethod(F.hardsigmoid)
    _show_inplace = False


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


class ELU(_AlphaActivation):
    """Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise; any shape, same
    shape out.

    Example::

        >>> torch.nn.ELU(alpha=1.0)(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-0.8647, -0.3935,  0.0000,  1.0000])
    """

    _fn = staticmethod(F.elu)


class CELU(_AlphaActivation):
    """Continuously differentiable ELU: max(0, x) + min(0, alpha * (exp(x / alpha) - 1));
    any shape, same shape out.

    Example::

        >>> torch.nn.CELU(alpha=2.0)(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-1.2642, -0.4424,  0.0000,  1.0000])
    """

    _fn = staticmethod(F.celu)


class SELU(_InplaceActivation):
    """Scaled ELU with the fixed constants that keep activations self-normalizing; any shape,
    same shape out.

    Example::

        >>> torch.nn.SELU()(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-1.5202, -0.6918,  0.0000,  1.0507])
    """

    _fn = staticmethod(F.selu)


class Hardshrink(_Shrink):
    """Keeps elements with |x| > lambd and zeroes the rest; any shape, same shape out.

    Example::

        >>> torch.nn.Hardshrink(lambd=0.5)(torch.tensor([-2.0, -0.5, 0.0, 1.0]))
        tensor([-2.,  0.,  0.,  1.])
    """

    _fn = staticmethod(F.hardshrink)


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
        return _with_inplace(f"negative_slope={self.negative_slope}", self.inplace)


class Softshrink(_Shrink):
    """Moves every element lambd towards zero, zeroing those with |x| <= lambd; any shape,
    same shape out.

    Example::

        >>> torch.nn.Softshrink(lambd=0.5)(torch.tensor([-2.0, 0.25, 1.0]))
        tensor([-1.5000,  0.0000,  0.5000])
    """

    _fn = staticmethod(F.softshrink)


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


from .transformer import MultiheadAttention  # noqa: E402,F401  (PyTorch's class path)
