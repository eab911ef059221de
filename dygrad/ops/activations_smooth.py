"""Smooth activations: gelu (exact and tanh), silu, mish, softplus, logsigmoid; fused nodes
whose backward runs on arrays or, under create_graph=True, on Tensors."""
import math

import numpy as np

from .._tensor import Tensor
from . import _buffers, _bw
from ._erf32 import gelu32
from ._layer_util import npv, _F16, _F32
from ._record import record
from ._scipy import scipy_special
from ._activation_node import _Act, _act
from .unary import _ERF32_MIN, _erf_array

__all__ = ["gelu", "silu", "mish", "softplus", "logsigmoid"]


def _erf(v):
    if isinstance(v, Tensor):
        return v.erf()
    return _erf_array(v)


_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_K_TANH = math.sqrt(2.0 / math.pi)
_BLOCK = 32768


class GeluBackward0(_Act):
    """Keeps what the forward computed besides x (`st`: Phi(x), or tanh of the tanh formula's
    inner term; float32 for a float16 x), so the backward computes no erf or tanh again. A
    graph capture gets a fresh node with the replay's `st` from the kernel (stateful), which
    gives `st` back to the buffer pool after its backward (`once`; the engine's nodes do it in
    _release_extra): a fresh 2 MB array per replay cost more in page faults than its Phi."""
    __slots__ = ("st", "once")

    def _grad(self, g, x):
        tanh = self.p[0] == "tanh"
        if isinstance(x, Tensor):  # create_graph: recomputed from x, so that it has a graph
            if tanh:
                t = _bw.tanh((x + x * x * x * 0.044715) * _K_TANH)
            else:
                t = (_erf(x * _INV_SQRT2) + 1) * 0.5
        else:
            t = self.st
            if t is None:   # a second backward of a replay's node: computed again
                t = _gelu_fwd(x, self.p[0])[1]
            elif self.once:
                self.st = None
        if tanh:
            dinner = (x * x * (3 * 0.044715) + 1) * _K_TANH
            r = g * ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * dinner)
        elif type(g) is np.ndarray and g.shape == x.shape == t.shape and g.dtype == x.dtype:
            r = _gelu_grad(g, x, t)
        else:
            r = g * (t + x * (_bw.exp(x * x * -0.5) * _INV_SQRT_2PI))
        if self.st is None and type(t) is np.ndarray:
            _buffers.give(t)   # refused while anything else holds it
        return r

    def _release_extra(self):   # after the last backward: st back to the buffer pool
        st, self.st = self.st, None
        if st is not None:
            _buffers.give(st)


def _gelu_grad(g, x, cdf):
    """g * (Phi(x) + x phi(x)) in 7 in-place passes over cache-sized blocks."""
    out = np.empty(g.shape, g.dtype)
    go, xf, cf, of = g.reshape(-1), x.reshape(-1), cdf.reshape(-1), out.reshape(-1)
    t = x.dtype.type
    half, k = t(-0.5), t(_INV_SQRT_2PI)
    n = xf.size
    b = max(min(n, _BLOCK), 1)
    work = w = _buffers.take((b,), x.dtype)
    with np.errstate(over="ignore"):   # x * x of |x| > 1.8e19 (then exp gives 0)
        for s in range(0, n, b):
            e = min(s + b, n)
            w = work if e - s == b else work[:e - s]
            xb = xf[s:e]
            np.multiply(xb, half, out=w)
            w *= xb
            np.exp(w, out=w)
            w *= xb
            w *= k
            w += cf[s:e]
            np.multiply(w, go[s:e], out=of[s:e])
    del w
    _buffers.give(work)
    return out


def _gelu_fwd(d, approximate):
    """(gelu(d), st): the output in d's dtype and what the backward reads (float16 in float32)."""
    if d.dtype.kind == "V":  # bfloat16: computed in float32; the backward's state kept in
        out, st = _gelu_fwd(d.astype(_F32), approximate)  # bfloat16, so the graph stays small
        return out.astype(d.dtype), st.astype(d.dtype)
    if approximate == "tanh":
        x = d if d.dtype != _F16 else d.astype(_F32)
        k = x.dtype.type
        st = np.tanh(k(_K_TANH) * (x + k(0.044715) * x * x * x))
        return (k(0.5) * x * (1 + st)).astype(d.dtype, copy=False), st
    if d.dtype.itemsize <= 4 and (d.size >= _ERF32_MIN or scipy_special("erf") is None):
        return gelu32(d)
    x = d if d.dtype != _F16 else d.astype(_F32)
    k = x.dtype.type
    cdf = (_erf_array(x * k(_INV_SQRT2)) + 1) * k(0.5)
    return (x * cdf).astype(d.dtype, copy=False), cdf


def _gelu_kernel(d, approximate):
    """The replay kernel: gelu's output and a fresh node holding the replay's state."""
    out, st = _gelu_fwd(d, approximate)
    node = GeluBackward0(())
    node.p = (approximate,)
    node.st = st
    node.once = True
    return out, node


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit x * Phi(x); approximate='tanh' uses the tanh formula.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.gelu(x)
        tensor([-0.0455, -0.1543,  0.0000,  1.3998])
        >>> F.gelu(x, approximate='tanh')
        tensor([-0.0454, -0.1543,  0.0000,  1.3996])
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got '{approximate}'")
    if not isinstance(input, Tensor):
        raise TypeError(f"gelu(): argument 'input' must be Tensor, not {type(input).__name__}")
    d = input._data
    if d.dtype.kind not in "fV":
        raise NotImplementedError(f"gelu: expected a floating-point input, got {input.dtype} "
                                  "(\"gelu\" is not implemented for integer tensors)")
    out, st = _gelu_fwd(d, approximate)
    t, node = record(out, GeluBackward0, (input,), replay=_gelu_kernel,
                     args=(input, approximate), name="gelu", stateful=True)
    if node is not None:
        node.p = (approximate,)
        node.st = st
        node.once = False
        node.save(input)
    else:
        _buffers.give(st)   # private (the forward's Phi or tanh): reused by the next call
    return t


class SiluBackward0(_Act):
    __slots__ = ()

    def _grad(self, g, x):
        s = _bw.sigmoid(x)
        return g * (s * (x * (1 - s) + 1))


def _np_silu(d):
    return d * _bw._np_sigmoid(d)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """Sigmoid linear unit (swish): x * sigmoid(x).

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.silu(x)
        tensor([-0.2384, -0.1888,  0.0000,  1.2264])
    """
    return _act(input, "silu", _np_silu, SiluBackward0, (), inplace)


def _softplus_np(z):
    # log(1 + exp(z)) without overflow
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _softplus_any(z):
    if isinstance(z, Tensor):
        return z.clamp(min=0) + (-z.abs()).exp().log1p()
    return _softplus_np(z)


class MishBackward0(_Act):
    __slots__ = ()

    def _grad(self, g, x):
        t = _bw.tanh(_softplus_any(x))
        return g * (t + x * (1 - t * t) * _bw.sigmoid(x))


def _np_mish(d):
    return d * np.tanh(_softplus_np(d))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)) elementwise.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.mish(x)
        tensor([-0.2525, -0.2207,  0.0000,  1.4034])
    """
    return _act(input, "mish", _np_mish, MishBackward0, (), inplace)


class SoftplusBackward0(_Act):
    __slots__ = ()

    def _grad(self, g, x):
        beta, thr = self.p
        lin = npv(x) * beta > thr
        return _bw.where(lin, g, g * _bw.sigmoid(_bw.where(lin, 0, x) * beta))


def _np_softplus(d, beta, thr):
    t = d.dtype.type
    z = d * t(beta)
    return np.where(z > thr, d, _softplus_np(z) / t(beta))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """Smooth ReLU log(1 + exp(beta * x)) / beta; linear where beta * x > threshold.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.softplus(x)
        tensor([0.1269, 0.4741, 0.6931, 1.7014])
    """
    return _act(input, "softplus", _np_softplus, SoftplusBackward0, (beta, threshold))


class LogSigmoidBackward0(_Act):
    __slots__ = ()

    def _grad(self, g, x):
        return g * _bw.sigmoid(-x)


def _np_logsigmoid(d):
    return np.minimum(d, 0) - np.log1p(np.exp(-np.abs(d)))


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) elementwise, computed without overflow.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.logsigmoid(x)
        tensor([-2.1269, -0.9741, -0.6931, -0.2014])
    """
    return _act(input, "log_sigmoid", _np_logsigmoid, LogSigmoidBackward0)


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


@_rule("onnx", "gelu")
def _onnx_gelu(g, c):
    x = c["input"]
    xv = g.value(x)
    half = g.value(0.5, x)
    if c.get("approximate", "none") == "tanh":
        # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = g.op("Mul", [g.op("Mul", [xv, xv]), xv])
        inner = g.op("Add", [xv, g.op("Mul", [cube, g.value(0.044715, x)])])
        t = g.op("Tanh", [g.op("Mul", [inner, g.value(math.sqrt(2.0 / math.pi), x)])])
    else:
        # 0.5 x (1 + erf(x / sqrt(2)))
        t = g.op("Erf", [g.op("Mul", [xv, g.value(1.0 / math.sqrt(2.0), x)])])
    return g.op("Mul", [g.op("Mul", [xv, half]), g.op("Add", [t, g.value(1.0, x)])])


@_rule("onnx", "silu")
def _onnx_silu(g, c):
    x = g.value(c["input"])
    return g.op("Mul", [x, g.op("Sigmoid", [x])])
