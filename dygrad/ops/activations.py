"""Piecewise activation functions (the smooth ones are in activations_smooth.py, hardtanh, relu6,
hardsigmoid, hardswish and the shrink pair in activations_hard.py).

Each is one fused node whose backward matches PyTorch's formula, including its choice at the
kink points (e.g. ELU takes the negative branch at x == 0). Backward code reads masks from
NumPy values and combines gradients with operators, so it runs on arrays normally and on
Tensors under create_graph=True (double backward).
"""
import numpy as np

from ..autograd.views import check_no_overlap, written
from .._tensor import Tensor, _inplace
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from . import _bw
from ._util import checked_scalar
from . import elementwise as _ew
from ._activation_node import _Act, _act
from ._layer_util import npv
from ._record import record
from ..amp._state import STATE as _AC, cast as _autocast

__all__ = ["relu", "relu_", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "selu_", "celu",
           "celu_", "sigmoid", "tanh", "softsign", "threshold", "threshold_", "tanhshrink", "prelu",
           "rrelu", "rrelu_"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# -- ReLU family -------------------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """Rectified linear unit: max(0, x) elementwise.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.relu(x)
        tensor([0.0000, 0.0000, 0.0000, 1.5000])
    """
    if inplace:
        return relu_(input)
    return _ew.relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place `relu`: writes max(0, x) into `input` and returns it.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.relu_(x)
        tensor([0.0000, 0.0000, 0.0000, 1.5000])
        >>> x
        tensor([0.0000, 0.0000, 0.0000, 1.5000])
    """
    if input._data.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    if STATE.enabled and input._rg or STATE.trace is not None:
        # a graph capture records the write as relu then an in-place update (see _inplace)
        return _inplace(input, _ew.relu(input))
    check_no_overlap(input._data)
    np.maximum(input._data, 0, out=input._data)
    return written(input)


class LeakyReluBackward0(_Act):
    __slots__ = ()

    def _grad(self, g, x):
        return _bw.zero_link(_bw.where(npv(x) > 0, g, g * self.p[0]), x)


def _np_leaky(d, slope):
    return np.where(d > 0, d, d * d.dtype.type(slope))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x >= 0, negative_slope * x elsewhere.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.leaky_relu(x, 0.1)
        tensor([-0.2000, -0.0500,  0.0000,  1.5000])
    """
    return _act(input, "leaky_relu", _np_leaky, LeakyReluBackward0, (negative_slope,), inplace)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place `leaky_relu` of `input`.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.leaky_relu_(x, 0.1)
        tensor([-0.2000, -0.0500,  0.0000,  1.5000])
    """
    return leaky_relu(input, negative_slope, True)


class EluBackward0(_Act):
    __slots__ = ()

    def _grad(self, g, x):
        alpha, scale, in_scale = self.p
        neg = npv(x) <= 0
        xn = _bw.where(neg, x, 0)  # exp only of the negative branch (no overflow)
        return _bw.where(neg, g * (scale * alpha * in_scale) * _bw.exp(xn * in_scale), g * scale)


def _np_elu(d, alpha, scale, in_scale):
    t = d.dtype.type
    neg = np.expm1(np.minimum(d, 0) * t(in_scale)) * t(alpha * scale)
    # zeros come out as d * scale: the input's sign of zero, as PyTorch's (elu(-0.) is -0.)
    return np.where(d < 0, neg, d * t(scale))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Exponential linear unit: x where x > 0, alpha * (exp(x) - 1) elsewhere.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.elu(x)
        tensor([-0.8647, -0.3935,  0.0000,  1.5000])
    """
    return _act(input, "elu", _np_elu, EluBackward0, (alpha, 1.0, 1.0), inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place `elu` of `input`.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.elu_(x)
        tensor([-0.8647, -0.3935,  0.0000,  1.5000])
    """
    return elu(input, alpha, True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Scaled ELU with the fixed self-normalizing constants (alpha ~1.6733, scale ~1.0507).

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.selu(x)
        tensor([-1.5202, -0.6918,  0.0000,  1.5761])
    """
    return _act(input, "selu", _np_elu, EluBackward0, (_SELU_ALPHA, _SELU_SCALE, 1.0), inplace)


def selu_(input: Tensor) -> Tensor:
    """In-place `selu` of `input`.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.selu_(x)
        tensor([-1.5202, -0.6918,  0.0000,  1.5761])
    """
    return selu(input, True)


class CeluBackward0(EluBackward0):
    __slots__ = ()


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Continuously differentiable ELU: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.celu(x, alpha=2.0)
        tensor([-1.2642, -0.4424,  0.0000,  1.5000])
    """
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu: alpha must not be 0")
    return _act(input, "celu", _np_elu, CeluBackward0, (alpha, 1.0, 1.0 / alpha), inplace)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place `celu` of `input`.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.celu_(x, alpha=2.0)
        tensor([-1.2642, -0.4424,  0.0000,  1.5000])
    """
    return celu(input, alpha, True)


class ThresholdBackward0(_Act):
    __slots__ = ()

    def _grad(self, g, x):
        return _bw.zero_link(_bw.where(npv(x) <= self.p[0], 0, g), x)


def _np_threshold(d, th, value):
    # `x <= th` selects the value (PyTorch's test): a NaN input, or a NaN threshold, keeps x
    return np.where(d <= th, d.dtype.type(value if d.dtype.kind in "fV" else int(value)), d)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """Keeps x where x > threshold and puts `value` everywhere else.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.threshold(x, 0.0, -1.0)
        tensor([-1.0000, -1.0000, -1.0000,  1.5000])
    """
    if isinstance(input, Tensor) and input._data.dtype.kind in "iu":
        # PyTorch converts both to the integer dtype first, checked (-1 is 255 for uint8)
        threshold = checked_scalar(threshold, input._data.dtype)
        value = checked_scalar(value, input._data.dtype)
    return _act(input, "threshold", _np_threshold, ThresholdBackward0, (threshold, value), inplace, ints=True)


_threshold = threshold    # threshold_'s argument hides the function's name


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place `threshold` of `input`.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.threshold_(x, 0.0, -1.0)
        tensor([-1.0000, -1.0000, -1.0000,  1.5000])
        >>> x
        tensor([-1.0000, -1.0000, -1.0000,  1.5000])
    """
    return _threshold(input, threshold, value, True)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: random slopes in [lower, upper] when training, their mean otherwise.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.rrelu(x)  # not training: the fixed slope (lower + upper) / 2
        tensor([-0.4583, -0.1146,  0.0000,  1.5000])
    """
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    # the slopes are a recorded random value (no gradient): a graph replay draws them again
    slopes, _ = record(_rrelu_slopes(input._data, lower, upper), Node, (),
                       replay=_rrelu_slopes, args=(input, lower, upper), name="rrelu_slopes")
    out = input * slopes
    return _inplace(input, out) if inplace else out


def _rrelu_slopes(d, lower, upper):
    from .. import random as _random
    slopes = _random._uniform(d.shape, lower, upper).astype(d.dtype)
    return np.where(d >= 0, 1, slopes).astype(d.dtype)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """In-place `rrelu` of `input`.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.rrelu_(x)
        tensor([-0.4583, -0.1146,  0.0000,  1.5000])
        >>> x
        tensor([-0.4583, -0.1146,  0.0000,  1.5000])
    """
    return rrelu(input, lower, upper, training, True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """max(0, x) + weight * min(0, x), weight broadcast along the channel dim (dim 1).

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([[-2.0, 1.0], [-1.0, -4.0]])
        >>> F.prelu(x, torch.tensor([0.5, 0.25]))
        tensor([[-1.0000,  1.0000],
                [-0.5000, -1.0000]])
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, weight = _autocast('prelu', input, weight)
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu(): argument 'weight' must be Tensor, not {type(weight).__name__}")
    n = weight.numel()
    if n != 1:
        if input.dim() == 0 or (input.dim() >= 2 and input.shape[1] != n) or \
                (input.dim() == 1 and input.shape[0] != n):
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{n} and channel size = {input.shape[1] if input.dim() >= 2 else input.shape[0]}.")
        if input.dim() >= 2:
            weight = weight.reshape((n,) + (1,) * (input.dim() - 2))
    elif weight.dim() != 0:
        weight = weight.reshape(())
    return _ew.where(input > 0, input, weight * input)


def sigmoid(input: Tensor) -> Tensor:
    """Logistic function 1 / (1 + exp(-x)) elementwise.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.sigmoid(x)
        tensor([0.1192, 0.3775, 0.5000, 0.8176])
    """
    return _ew.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent elementwise.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.tanh(x)
        tensor([-0.9640, -0.4621,  0.0000,  0.9051])
    """
    return _ew.tanh(input)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|) elementwise.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.softsign(x)
        tensor([-0.6667, -0.3333,  0.0000,  0.6000])
    """
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x) elementwise.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.tanhshrink(x)
        tensor([-1.0360, -0.0379,  0.0000,  0.5949])
    """
    return input - _ew.tanh(input)


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


@_rule("onnx", "leaky_relu")
def _onnx_leaky_relu(g, c):
    return g.op("LeakyRelu", [g.value(c["input"])], alpha=float(c.get("negative_slope", 0.01)))
