"""Unary math (exp, log, trigonometric, activations, rounding), each with its gradient."""
import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ..autograd.node import Node
from . import _bw
from ._record import record1
from ._registry import op
from ._scipy import scipy_special
from ._erf32 import erf32
from .elementwise import (_Binary, _binary, _data, as_tensor_like, cast)

ndarray = np.ndarray


class _Unary(Node):
    __slots__ = ()


def _unary(x, npfn, node_cls, save_in=True, save_out=False, float_only=True, half_in_float=False):
    if not isinstance(x, Tensor):
        x = as_tensor_like(x, None)
    d = x._data
    replay = npfn
    if float_only and d.dtype.kind not in "fV":
        d = d.astype(_dtype._default[0].np)
        replay = (_cast_kernel, npfn, d.dtype, x)
    elif half_in_float and d.dtype is _F16:
        replay = npfn = _in_float32(npfn)
    elif d.dtype.kind == "V":  # bfloat16: PyTorch computes in float32 and rounds once
        replay = npfn = _in_float32(npfn, d.dtype)
    t, node = record1(npfn(d), node_cls, x, replay)
    if node is not None:
        if save_in:
            node.save(x)
        if save_out:
            node.save_output(t)
    return t


def _cast_kernel(npfn, npdt, x):
    """Replay of a float op on an integer input: the input cast to the default float first."""
    def kernel(d):
        return npfn(d.astype(npdt))
    kernel.__name__ = getattr(npfn, "__name__", "unary")
    return kernel, (x,)


_F16 = np.dtype(np.float16)


def _in_float32(npfn, out=_F16):
    """float16 math as PyTorch's CPU kernels do it for composites (sigmoid, rsqrt, sinc): in
    float32, rounded once at the end; rounding every step in float16 is 1 ulp off. (Others,
    logit among them, PyTorch computes step by step in float16: they keep NumPy's float16.)"""
    def kernel(d):
        return np.asarray(npfn(d.astype(np.float32))).astype(out)
    kernel.__name__ = getattr(npfn, "__name__", "unary")
    return kernel


class NegBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        return -g


@op(out_dtype="same", inplace=True, out=True, aliases=('negative',), backward=NegBackward0,
    summary='Negation, elementwise: -input.', example='torch.tensor([1.0, -2.0, 0.5])')
def neg(input):
    if input._data.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead.")
    return _unary(input, np.negative, NegBackward0, save_in=False, float_only=False)


negative = neg


class AbsBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * _bw.sign(x)


@op(out_dtype="same", inplace=True, out=True, aliases=('absolute',), backward=AbsBackward0,
    summary='Absolute value, elementwise.', example='torch.tensor([1.0, -2.0, 0.5])')
def abs(input):
    if input._data.dtype.kind == "b":
        _not_for(input, "abs", "b")
    return _unary(input, np.abs, AbsBackward0, float_only=False)


absolute = abs


class ExpBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g * y


@op(inplace=True, out=True, backward=ExpBackward0, summary='Exponential e**x, elementwise.')
def exp(input):
    return _unary(input, np.exp, ExpBackward0, save_in=False, save_out=True)


class Exp2Backward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g * y * math.log(2.0)


@op(inplace=True, out=True, namespaces=('torch', 'special'), backward=Exp2Backward0,
    summary='Base-2 exponential 2**x, elementwise.')
def exp2(input):
    return _unary(input, np.exp2, Exp2Backward0, save_in=False, save_out=True)


class Expm1Backward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g * (y + 1)


@op(inplace=True, out=True, namespaces=('torch', 'special'), backward=Expm1Backward0,
    summary='exp(x) - 1, accurate for small x.')
def expm1(input):
    return _unary(input, np.expm1, Expm1Backward0, save_in=False, save_out=True)


class LogBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g / x


@op(inplace=True, out=True, backward=LogBackward0,
    summary='Natural logarithm, elementwise (nan below 0, -inf at 0).')
def log(input):
    return _unary(input, np.log, LogBackward0)


class Log2Backward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g / (x * math.log(2.0))


@op(inplace=True, out=True, backward=Log2Backward0, summary='Base-2 logarithm, elementwise.')
def log2(input):
    return _unary(input, np.log2, Log2Backward0)


class Log10Backward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g / (x * math.log(10.0))


@op(inplace=True, out=True, backward=Log10Backward0, summary='Base-10 logarithm, elementwise.')
def log10(input):
    return _unary(input, np.log10, Log10Backward0)


class Log1PBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g / (x + 1)


@op(inplace=True, out=True, namespaces=('torch', 'special'), backward=Log1PBackward0,
    summary='log(1 + x), accurate for small x.')
def log1p(input):
    return _unary(input, np.log1p, Log1PBackward0)


class SqrtBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g / (y * 2)


@op(inplace=True, out=True, backward=SqrtBackward0,
    summary='Square root, elementwise (nan below 0).')
def sqrt(input):
    return _unary(input, np.sqrt, SqrtBackward0, save_in=False, save_out=True)


def _np_rsqrt(d):
    with np.errstate(divide="ignore"):
        return 1 / np.sqrt(d)


class RsqrtBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g * y * y * y * -0.5


@op(inplace=True, out=True, backward=RsqrtBackward0,
    summary='Reciprocal square root 1/sqrt(x), elementwise.')
def rsqrt(input):
    return _unary(input, _np_rsqrt, RsqrtBackward0, save_in=False, save_out=True,
                  half_in_float=True)


class PowScalarBackward(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * x * 2


@op(inplace=True, out=True, summary='x * x, elementwise.')
def square(input):
    if input._data.dtype.kind == "b":  # square is pow(input, 2): bool promotes with the int 2
        return _unary(input, lambda d: np.square(d.astype(np.int64)), PowScalarBackward, float_only=False)
    if input._data.dtype.kind not in "fV":
        return _unary(input, np.square, PowScalarBackward, float_only=False)
    return pow(input, 2)


class SinBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * _bw.cos(x)


@op(inplace=True, out=True, backward=SinBackward0, summary='Sine, elementwise (radians).')
def sin(input):
    return _unary(input, np.sin, SinBackward0)


class CosBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * -_bw.sin(x)


@op(inplace=True, out=True, backward=CosBackward0, summary='Cosine, elementwise (radians).')
def cos(input):
    return _unary(input, np.cos, CosBackward0)


class TanBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g * (y * y + 1)


@op(inplace=True, out=True, backward=TanBackward0, summary='Tangent, elementwise (radians).')
def tan(input):
    return _unary(input, np.tan, TanBackward0, save_in=False, save_out=True)


class AsinBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g / _bw.sqrt(-(x * x) + 1)


@op(inplace=True, out=True, aliases=('arcsin',), backward=AsinBackward0,
    summary='Inverse sine, elementwise (nan outside [-1, 1]).')
def asin(input):
    return _unary(input, np.arcsin, AsinBackward0)


arcsin = asin


class AcosBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return -g / _bw.sqrt(-(x * x) + 1)


@op(inplace=True, out=True, aliases=('arccos',), backward=AcosBackward0,
    summary='Inverse cosine, elementwise (nan outside [-1, 1]).')
def acos(input):
    return _unary(input, np.arccos, AcosBackward0)


arccos = acos


class AtanBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g / (x * x + 1)


@op(inplace=True, out=True, aliases=('arctan',), backward=AtanBackward0,
    summary='Inverse tangent, elementwise.')
def atan(input):
    return _unary(input, np.arctan, AtanBackward0)


arctan = atan


class Atan2Backward0(_Binary):
    __slots__ = ()

    def backward(self, g, a, b=None):
        if b is None:
            b = self.scalar
        den = a * a + b * b
        nf = self.next_functions
        # PyTorch's rule: 1 / den is taken as 0 where a == b == 0 (not 0/0 = nan), and the
        # gradient is (g * b) * that, in this order (an inf g there still gives nan)
        at0 = _data(den) == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            recip = _bw.where(at0, 0, 1 / den)
            return (g * b * recip if nf[0][0] is not None else None,
                    g * -a * recip if nf[1][0] is not None else None)


@op(inplace=True, inplace_function=False, out=True, aliases=('arctan2',), backward=Atan2Backward0,
    summary='Quadrant-aware inverse tangent of input / other, elementwise.',
    example='torch.tensor([1.0, -1.0]), torch.tensor([-1.0, -1.0])')
def atan2(input, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"atan2(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    if _dtype.result_np_dtype((input, other)).kind not in "fV":
        input = cast(input, _dtype.get_default_dtype())
    return _binary(input, other, np.arctan2, Atan2Backward0, "atan2")


arctan2 = atan2


class SinhBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * (_bw.exp(x) + _bw.exp(-x)) * 0.5


@op(inplace=True, out=True, backward=SinhBackward0, summary='Hyperbolic sine, elementwise.')
def sinh(input):
    return _unary(input, np.sinh, SinhBackward0)


class CoshBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * (_bw.exp(x) - _bw.exp(-x)) * 0.5


@op(inplace=True, out=True, backward=CoshBackward0, summary='Hyperbolic cosine, elementwise.')
def cosh(input):
    return _unary(input, np.cosh, CoshBackward0)


class TanhBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g * (-(y * y) + 1)


@op(inplace=True, out=True, backward=TanhBackward0, summary='Hyperbolic tangent, elementwise.')
def tanh(input):
    return _unary(input, np.tanh, TanhBackward0, save_in=False, save_out=True)


class SigmoidBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g * y * (-y + 1)


@op(inplace=True, out=True, namespaces=('torch', 'special:expit'), backward=SigmoidBackward0,
    summary='Logistic sigmoid 1 / (1 + exp(-x)), elementwise.')
def sigmoid(input):
    return _unary(input, _bw._np_sigmoid, SigmoidBackward0, save_in=False, save_out=True,
                  half_in_float=True)


_INT_OF_SIZE = {2: np.int16, 4: np.int32, 8: np.int64}


class ReluBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        if type(g) is np.ndarray and g.dtype.kind in "fV" and g.ndim and g.shape == y.shape:
            # g where y > 0 else +0.0, bit for bit as np.where but ~10x faster: AND with -1/0 masks
            # the mask is `not y <= 0` (PyTorch's rule): a NaN output passes its gradient through
            it = _INT_OF_SIZE[g.itemsize]
            m = np.subtract(y <= 0, 1, dtype=it)
            return np.bitwise_and(np.ascontiguousarray(g).view(it), m, out=m).view(g.dtype)
        return _bw.zero_link(_bw.where(_data(y) <= 0, 0, g), y)


def _np_relu(d):
    return np.maximum(0, d)  # ties give the second operand: relu(-0.) is -0., as PyTorch


@op(inplace=True, backward=ReluBackward0, summary='Rectified linear unit max(x, 0), elementwise.',
    example='torch.tensor([-1.0, 0.0, 2.0])')
def relu(input):
    if input._data.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return _unary(input, _np_relu, ReluBackward0, save_in=False, save_out=True, float_only=False)


def _np_erf(d):
    if d.dtype.itemsize <= 4:
        return erf32(d)
    # float64: math.erf per element (accurate to the last bit) through map; np.vectorize costs
    # about 10 us a call more and is 1.6x slower per element
    return np.fromiter(map(math.erf, d.ravel().tolist()), d.dtype, count=d.size).reshape(d.shape)


def _erf_array(d):
    """erf of a float array in its dtype. float32/float16: our float32 formula (_erf32.py, within
    3 ulp of the rounded erf, 5x faster than SciPy's, which computes in float64) but for small
    arrays when SciPy is there (its ~4 us a call beats the ~20 passes' fixed ~40 us below ~1k
    elements). float64: SciPy, or math.erf."""
    if d.dtype.itemsize <= 4 and d.size >= _ERF32_MIN:
        return erf32(d)
    sp_erf = scipy_special("erf")
    if sp_erf is not None:
        return sp_erf(d).astype(d.dtype, copy=False)
    return _np_erf(d)


_ERF32_MIN = 1024


class ErfBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * (2.0 / math.sqrt(math.pi)) * _bw.exp(-(x * x))


@op(inplace=True, out=True, namespaces=('torch', 'special'), backward=ErfBackward0,
    summary='Error function, elementwise.')
def erf(input):
    return _unary(input, _erf_array, ErfBackward0)


class ReciprocalBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return -g * y * y


def _np_reciprocal(d):
    with np.errstate(divide="ignore"):
        return 1 / d


@op(inplace=True, out=True, backward=ReciprocalBackward0, summary='1 / x, elementwise.')
def reciprocal(input):
    return _unary(input, _np_reciprocal, ReciprocalBackward0, save_in=False, save_out=True)


class _ZeroGrad(_Unary):
    """Piecewise-constant ops (sign, floor, ceil, round, trunc): gradient zero, as PyTorch."""
    __slots__ = ()

    def backward(self, g):
        return _bw.zeros_like(g)


class SignBackward0(_ZeroGrad):
    __slots__ = ()


class FloorBackward0(_ZeroGrad):
    __slots__ = ()


class CeilBackward0(_ZeroGrad):
    __slots__ = ()


class RoundBackward0(_ZeroGrad):
    __slots__ = ()


class TruncBackward0(_ZeroGrad):
    __slots__ = ()


def _not_for(x, opname, kinds):
    """PyTorch has no kernel of this op for bool (and, for some ops, integer) tensors."""
    if x._data.dtype.kind in kinds:
        from .._dtype import from_numpy_dtype
        raise NotImplementedError(f"{opname}: not implemented for {from_numpy_dtype(x._data.dtype)} tensors")


def _int_copy(x, node_cls):
    # rounding an integer tensor is the identity (NumPy would return float64)
    return _unary(x, np.copy, node_cls, save_in=False, float_only=False)


@op(out_dtype="same", inplace=True, inplace_function=False, out=True, aliases=('sgn',), backward=SignBackward0,
    summary='Sign of each element: -1, 0 or 1.', example='torch.tensor([-3.0, 0.0, 2.5])')
def sign(input):
    if input._data.dtype.kind == "b":
        return _wrap(input._data.copy())
    return _unary(input, _bw.np_sign, SignBackward0, save_in=False, float_only=False)


sgn = sign


def _integral(name, npfn, node, summary, aliases=()):
    """floor/ceil/trunc: the float kernel, and an integer tensor returned as a copy (bool has no
    kernel in PyTorch)."""
    def integral(input):
        if input._data.dtype.kind not in "fV":
            _not_for(input, name, "b")
            return _int_copy(input, node)
        return _unary(input, npfn, node, save_in=False)
    integral.__name__ = integral.__qualname__ = name
    return op(inplace=True, out=True, out_dtype="same", aliases=aliases, backward=node,
              summary=summary, example="torch.tensor([-1.5, 0.2, 2.7])")(integral)


floor = _integral("floor", np.floor, FloorBackward0, "Largest integer not greater than each element.")
ceil = _integral("ceil", np.ceil, CeilBackward0, "Smallest integer not less than each element.")
trunc = fix = _integral("trunc", np.trunc, TruncBackward0, "Rounds toward zero, elementwise.",
                        aliases=("fix",))


@op(out_dtype="same", inplace=True, out=True, namespaces=('torch', 'special'), backward=RoundBackward0,
    summary='Rounds half to even, to `decimals` decimal places.',
    example='torch.tensor([0.5, 1.5, 2.675])')
def round(input, *, decimals=0):
    if input._data.dtype.kind not in "fV":
        _not_for(input, "round", "b" if decimals == 0 else "biu")
        return _int_copy(input, RoundBackward0)
    if decimals:
        return _unary(input, lambda d: np.round(d, decimals), RoundBackward0, save_in=False)
    return _unary(input, np.rint, RoundBackward0, save_in=False)


class FracBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        return g


@op(out_dtype="same", inplace=True, out=True, backward=FracBackward0,
    summary='Fractional part x - trunc(x), elementwise.', example='torch.tensor([-1.5, 0.2, 2.7])')
def frac(input):
    _not_for(input, "frac", "biu")
    return _unary(input, lambda d: d - np.trunc(d), FracBackward0, save_in=False, float_only=False)


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_unary(onnx_op):
    def lower(g, c):
        return g.op(onnx_op, [g.value(c["input"])])
    lower.__name__ = f"_onnx_{onnx_op.lower()}"
    return lower


for _name, _onnx_op in (("relu", "Relu"), ("sigmoid", "Sigmoid"), ("tanh", "Tanh"),
                        ("neg", "Neg"), ("exp", "Exp"), ("abs", "Abs"), ("sqrt", "Sqrt"),
                        ("log", "Log"), ("sin", "Sin"), ("cos", "Cos"), ("erf", "Erf"),
                        ("floor", "Floor"), ("ceil", "Ceil"), ("sign", "Sign"),
                        ("reciprocal", "Reciprocal")):
    _rule("onnx", _name)(_onnx_unary(_onnx_op))


@_rule("onnx", "rsqrt")
def _onnx_rsqrt(g, c):
    return g.op("Reciprocal", [g.op("Sqrt", [g.value(c["input"])])])
