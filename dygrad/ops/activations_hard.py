"""Piecewise-linear activations with hard corners: hardtanh, relu6, hardsigmoid, hardswish and the
shrink pair. Each is one fused node (see activations._act) whose backward takes PyTorch's choice
at the kink points."""
import numpy as np

from .._tensor import Tensor
from . import _bw
from ._layer_util import npv
from ._activation_node import _Act, _act

__all__ = ["hardtanh", "hardtanh_", "relu6", "hardsigmoid", "hardswish", "softshrink", "hardshrink"]


class HardtanhBackward0(_Act):
    __slots__ = ()

    def _grad(self, g, x):
        lo, hi = self.p
        xv = npv(x)
        return _bw.zero_link(_bw.where((xv <= lo) | (xv >= hi), 0, g), x)


def _np_hardtanh(d, lo, hi):
    if d.dtype.kind not in "fV":
        return np.clip(d, int(lo), int(hi)).astype(d.dtype, copy=False)
    return np.clip(d, lo, hi)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """Clamps every element to [min_val, max_val].

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.hardtanh(x)
        tensor([-1.0000, -0.5000,  0.0000,  1.0000])
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    _check_hardtanh_input(input, min_val)
    return _act(input, "hardtanh", _np_hardtanh, HardtanhBackward0, (min_val, max_val), inplace, ints=True)


def _check_hardtanh_input(input, min_val):
    # PyTorch's integer kernels refuse bool, and unsigned inputs a limit they cannot hold
    kind = input._data.dtype.kind if isinstance(input, Tensor) else ""
    if kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if kind == "u" and min_val < 0:
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place `hardtanh` of `input`.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.hardtanh_(x, -0.5, 0.5)
        tensor([-0.5000, -0.5000,  0.0000,  0.5000])
    """
    return hardtanh(input, min_val, max_val, True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """ReLU capped at 6: min(max(0, x), 6) elementwise.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.relu6(torch.tensor([-1.0, 3.0, 8.0]))
        tensor([0., 3., 6.])
    """
    _check_hardtanh_input(input, 0)
    return _act(input, "relu6", _np_hardtanh, HardtanhBackward0, (0.0, 6.0), inplace, ints=True)


class HardsigmoidBackward0(_Act):
    __slots__ = ()

    def _grad(self, g, x):
        xv = npv(x)
        # PyTorch's slope is the float32 1/6 in every dtype (float64 gradients carry it too)
        return _bw.zero_link(_bw.where((xv > -3) & (xv < 3), g * _SIXTH_F32, 0), x)


_SIXTH_F32 = float(np.float32(1.0 / 6))


def _np_hardsigmoid(d):
    t = d.dtype.type
    return np.clip(d + t(3), 0, 6) / t(6)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """Piecewise-linear sigmoid: clamp(x / 6 + 1 / 2, 0, 1).

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.hardsigmoid(torch.tensor([-4.0, 0.0, 1.5, 4.0]))
        tensor([0.0000, 0.5000, 0.7500, 1.0000])
    """
    return _act(input, "hardsigmoid", _np_hardsigmoid, HardsigmoidBackward0, (), inplace)


class HardswishBackward0(_Act):
    __slots__ = ()

    def _grad(self, g, x):
        xv = npv(x)
        return _bw.where(xv <= -3, 0, _bw.where(xv < 3, g * (x * (1.0 / 3) + 0.5), g))


def _np_hardswish(d):
    t = d.dtype.type
    return d * np.clip(d + t(3), 0, 6) / t(6)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * hardsigmoid(x): 0 below -3, x above 3, x * (x + 3) / 6 between.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.hardswish(torch.tensor([-4.0, -1.0, 0.0, 1.0, 4.0]))
        tensor([-0.0000, -0.3333,  0.0000,  0.6667,  4.0000])
    """
    return _act(input, "hardswish", _np_hardswish, HardswishBackward0, (), inplace)


class _ShrinkBackward(_Act):
    __slots__ = ()

    def _grad(self, g, x):
        xv = npv(x)
        lam = self.p[0]
        return _bw.zero_link(_bw.where((xv >= -lam) & (xv <= lam), 0, g), x)


class SoftshrinkBackward0(_ShrinkBackward):
    __slots__ = ()


class HardshrinkBackward0(_ShrinkBackward):
    __slots__ = ()


# the zero band is `-lam <= x <= lam` (PyTorch's test), so a NaN input stays NaN; softshrink's
# zeros are x * 0 and keep x's sign (-0.25 -> -0.) as PyTorch's element formula (its SIMD chunks
# give +0., so for large tensors PyTorch's own sign of zero varies); hardshrink's are all +0.
def _np_softshrink(d, lam):
    t = d.dtype.type
    return np.where((d >= -lam) & (d <= lam), d * t(0), np.where(d > lam, d - t(lam), d + t(lam)))


def _np_hardshrink(d, lam):
    return np.where((d >= -lam) & (d <= lam), d.dtype.type(0), d)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """Soft thresholding: x - lambd above lambd, x + lambd below -lambd, 0 between.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.softshrink(x, 0.5)
        tensor([-1.5000, -0.0000,  0.0000,  1.0000])
    """
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return _act(input, "softshrink", _np_softshrink, SoftshrinkBackward0, (lambd,))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """Hard thresholding: x where |x| > lambd, 0 elsewhere.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.hardshrink(x, 0.5)
        tensor([-2.0000,  0.0000,  0.0000,  1.5000])
    """
    return _act(input, "hardshrink", _np_hardshrink, HardshrinkBackward0, (lambd,))


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_clip(g, x, lo, hi):
    return g.op("Clip", [g.value(x), g.value(float(lo), x), g.value(float(hi), x)])


@_rule("onnx", "hardtanh")
def _onnx_hardtanh(g, c):
    return _onnx_clip(g, c["input"], c.get("min_val", -1.0), c.get("max_val", 1.0))


@_rule("onnx", "relu6")
def _onnx_relu6(g, c):
    return _onnx_clip(g, c["input"], 0.0, 6.0)


@_rule("onnx", "hardsigmoid")
def _onnx_hardsigmoid(g, c):
    return g.op("HardSigmoid", [g.value(c["input"])], alpha=1.0 / 6, beta=0.5)


@_rule("onnx", "hardswish")
def _onnx_hardswish(g, c):
    x = g.value(c["input"])
    return g.op("Mul", [x, g.op("HardSigmoid", [x], alpha=1.0 / 6, beta=0.5)])
