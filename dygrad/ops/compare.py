"""Comparisons, logical and bitwise ops: no gradient, bool or integer results."""

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from . import _bw
from ._record import record, record1
from ._registry import op
from .elementwise import (_operands, _broadcast_error, _fmt, as_tensor_like)

ndarray = np.ndarray


def _compare(a, b, npop, opname):
    input_ = a
    if not isinstance(a, Tensor):
        a = as_tensor_like(a, b)
    if isinstance(b, Tensor) and a._data.dtype is b._data.dtype:
        ad, bd = a._data, b._data
    elif isinstance(b, (Tensor, bool, int, float, np.generic, ndarray)):
        ad, bd, _ = _operands(a, b, opname)
    else:
        return NotImplemented if opname in ("eq", "ne") else _type_error(opname, b)
    try:
        out = npop(ad, bd)
    except ValueError as e:
        raise _broadcast_error(opname, a, b, e) from None
    out = out if type(out) is ndarray else np.asarray(out)
    if STATE.trace is not None and a is input_:  # a capture: the comparison's replay kernel
        return record(out, Node, (a, b), float_out=True, replay=(_compare_kernel, npop, opname, b),
                      args=(a, b), name=opname)[0]
    return _wrap(out)


def _compare_kernel(npop, opname, b):
    """The replay kernel of a comparison with `b` (a Tensor or a number)."""
    if isinstance(b, Tensor):
        return (lambda ad, bd: _compare(_wrap(ad), _wrap(bd), npop, opname)._data), None
    return (lambda ad, bd: _compare(_wrap(ad), bd, npop, opname)._data), None


def _type_error(opname, b):
    raise TypeError(f"{opname}(): unsupported operand type '{type(b).__name__}'")


def _declare(name, fn, **decl):
    """Declares `fn` as op `name` (ops of one family share one body, made per op here)."""
    fn.__name__ = fn.__qualname__ = name
    return op(**decl)(fn)


def _comparison(name, npop, symbol, aliases=(), if_none=None):
    def compare(input, other):
        if other is None and if_none is not None:   # t == None is False, t != None True
            return if_none
        return _compare(input, other, npop, name)
    return _declare(name, compare, out=True, aliases=aliases, inplace="copy_",
                    inplace_function=False, tensor_first="overloads",
                    summary=f"input {symbol} other, elementwise (a bool tensor).",
                    example="torch.tensor([1.0, 2.0, 3.0]), torch.tensor([3.0, 2.0, 1.0])")


eq = _comparison("eq", np.equal, "==", if_none=False)
ne = _comparison("ne", np.not_equal, "!=", ("not_equal",), if_none=True)
lt = _comparison("lt", np.less, "<", ("less",))
le = _comparison("le", np.less_equal, "<=", ("less_equal",))
gt = _comparison("gt", np.greater, ">", ("greater",))
ge = _comparison("ge", np.greater_equal, ">=", ("greater_equal",))
less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne


@op(out=True, inplace=True, inplace_function=False,
    summary='Elementwise logical NOT (zero is False).', example='torch.tensor([1.0, 0.0, -2.0])')
def logical_not(input):
    return _wrap(np.logical_not(input._data))


def _logical(a, b, npop, opname):
    if not isinstance(b, Tensor):
        raise TypeError(f"{opname}(): argument 'other' (position 2) must be Tensor, not {type(b).__name__}")
    try:
        return _wrap(np.asarray(npop(a._data, b._data)))
    except ValueError as e:
        raise _broadcast_error(opname, a, b, e) from None


def _logical_op(name, npop, word):
    return _declare(name, lambda input, other: _logical(input, other, npop, name), out=True,
                    inplace=True, inplace_function=False,
                    summary=f"Elementwise logical {word} (zero is False).",
                    example="torch.tensor([True, False, True]), torch.tensor([True, True, False])")


logical_and = _logical_op("logical_and", np.logical_and, "AND")
logical_or = _logical_op("logical_or", np.logical_or, "OR")
logical_xor = _logical_op("logical_xor", np.logical_xor, "XOR")


def _bitwise(a, b, npop, opname):
    if not isinstance(a, Tensor):
        a = as_tensor_like(a, b)
    if a._data.dtype.kind in "fV" or (isinstance(b, Tensor) and b._data.dtype.kind in "fV") or isinstance(b, float):
        raise NotImplementedError(f"{opname}: not implemented for floating-point tensors "
                                  f"(got {_fmt(a)} and {_fmt(b)})")
    ad, bd, _ = _operands(a, b, opname)
    try:
        return _wrap(np.asarray(npop(ad, bd)))
    except ValueError as e:
        raise _broadcast_error(opname, a, b, e) from None


def _bitwise_op(name, npop, summary, example="torch.tensor([12, 10, 7]), torch.tensor([10, 6, 3])"):
    return _declare(name, lambda input, other: _bitwise(input, other, npop, name), out=True,
                    inplace=True, inplace_function=False, tensor_first=None, summary=summary,
                    example=example)


_SHIFTS = "torch.tensor([1, 8, -8]), torch.tensor([2, 1, 1])"
bitwise_and = _bitwise_op("bitwise_and", np.bitwise_and, "Elementwise bitwise AND of integer or bool tensors.")
bitwise_or = _bitwise_op("bitwise_or", np.bitwise_or, "Elementwise bitwise OR of integer or bool tensors.")
bitwise_xor = _bitwise_op("bitwise_xor", np.bitwise_xor, "Elementwise bitwise XOR of integer or bool tensors.")
bitwise_left_shift = _bitwise_op("bitwise_left_shift", np.left_shift,
                                 "Elementwise left shift of integer tensors.", _SHIFTS)
bitwise_right_shift = _bitwise_op("bitwise_right_shift", np.right_shift,
                                  "Elementwise right (arithmetic) shift of integer tensors.", _SHIFTS)


@op(summary='Elementwise |input - other| <= atol + rtol * |other| (nan equal when equal_nan).',
    example='torch.tensor([1.0, 2.0]), torch.tensor([1.0 + 1e-9, 2.1])')
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """PyTorch's isclose: two tensors of one dtype (it does not promote), broadcast."""
    if not isinstance(other, Tensor):
        raise TypeError(f"isclose(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    ad, bd = input._data, other._data
    if ad.dtype != bd.dtype:
        from ._reduce_util import scalar_type_name
        raise RuntimeError(f"{scalar_type_name(ad.dtype)} did not match "
                           f"{scalar_type_name(bd.dtype)}")
    try:
        return _wrap(np.asarray(np.isclose(ad, bd, rtol=rtol, atol=atol, equal_nan=equal_nan)))
    except ValueError as e:
        raise _broadcast_error("isclose", input, other, e) from None


@op(summary='True when every element of input is close to other (see isclose).',
    example='torch.tensor([1.0, 2.0]), torch.tensor([1.0 + 1e-9, 2.1])')
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


class _InvertError(NotImplementedError, TypeError):
    """torch.bitwise_not of a float tensor raises NotImplementedError and `~t` raises TypeError;
    both reach this one function."""


@op(out_dtype="same", out=True, inplace=True, inplace_function=False,
    summary='Elementwise bitwise NOT of integer or bool tensors.',
    example='torch.tensor([0, 5, -3])')
def bitwise_not(input):
    if input._data.dtype.kind in "fV":
        raise _InvertError("bitwise_not (~): only implemented on integer and bool tensors, got "
                           f"{_fmt(input)}")
    return _wrap(np.invert(input._data))


def _predicate(name, npfn, summary, out=False):
    """out: False, or "same" (out= taken, of the result's dtype only)."""
    return _declare(name, lambda input: _wrap(npfn(input._data)), out=bool(out),
                    out_dtype="same" if out == "same" else "cast", summary=summary,
                    example="torch.tensor([1.0, float('nan'), float('inf'), -float('inf')])")


isnan = _predicate("isnan", np.isnan, "True where an element is NaN.")
isinf = _predicate("isinf", np.isinf, "True where an element is +inf or -inf.")
isfinite = _predicate("isfinite", np.isfinite, "True where an element is neither inf nor NaN.")
isposinf = _predicate("isposinf", np.isposinf, "True where an element is +inf.", out="same")
isneginf = _predicate("isneginf", np.isneginf, "True where an element is -inf.", out="same")


class NanToNumBackward0(Node):
    __slots__ = ("mask",)

    def backward(self, g):
        return _bw.where(self.mask, g, 0)


@op(out_dtype="same", inplace=True, out=True, backward=NanToNumBackward0,
    summary="Replaces NaN, +inf and -inf by nan, posinf, neginf (default: the dtype's limits).",
    example="torch.tensor([1.0, float('nan'), float('inf'), -float('inf')])")
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    d = input._data
    out = np.nan_to_num(d, nan=nan, posinf=posinf, neginf=neginf)
    t, node = record1(out, NanToNumBackward0, input)
    if node is not None:
        node.mask = np.isfinite(d)
    return t


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_compare(onnx_op, negate=False):
    def lower(g, c):
        (a, b), _ = g.promote(c["input"], c["other"])  # compared in PyTorch's promoted dtype
        y = g.op(onnx_op, [a, b])
        return g.op("Not", [y]) if negate else y
    return lower


for _name, _onnx_op, _neg in (("eq", "Equal", False), ("ne", "Equal", True),
                              ("lt", "Less", False), ("le", "LessOrEqual", False),
                              ("gt", "Greater", False), ("ge", "GreaterOrEqual", False)):
    _rule("onnx", _name)(_onnx_compare(_onnx_op, _neg))


def _onnx_logical(onnx_op):
    def lower(g, c):
        a, b = (g.value(x) for x in (c["input"], c["other"]))
        a, b = (x if t._data.dtype == np.bool_ else g.op("Cast", [x], to=9)
                for x, t in ((a, c["input"]), (b, c["other"])))
        return g.op(onnx_op, [a, b])
    return lower


for _name, _onnx_op in (("logical_and", "And"), ("logical_or", "Or"), ("logical_xor", "Xor")):
    _rule("onnx", _name)(_onnx_logical(_onnx_op))


def _onnx_bitwise(bool_op, int_op):
    def lower(g, c):
        (a, b), dt = g.promote(c["input"], c["other"])
        if dt == np.bool_:
            return g.op(bool_op, [a, b])
        return g.op(int_op, [a, b]) if g.opset >= 18 else None  # BitwiseAnd: opset 18
    return lower


for _name, _ops in (("bitwise_and", ("And", "BitwiseAnd")), ("bitwise_or", ("Or", "BitwiseOr")),
                    ("bitwise_xor", ("Xor", "BitwiseXor"))):
    _rule("onnx", _name)(_onnx_bitwise(*_ops))


@_rule("onnx", "logical_not")
def _onnx_logical_not(g, c):
    x = c["input"]
    v = g.value(x)
    return g.op("Not", [v if x._data.dtype == np.bool_ else g.op("Cast", [v], to=9)])


@_rule("onnx", "bitwise_not")
def _onnx_bitwise_not(g, c):
    x = c["input"]
    if x._data.dtype == np.bool_:
        return g.op("Not", [g.value(x)])
    return g.op("BitwiseNot", [g.value(x)]) if g.opset >= 18 else None


for _name, _onnx_op in (("isnan", "IsNaN"), ("isinf", "IsInf")):
    _rule("onnx", _name)(lambda g, c, _o=_onnx_op: g.op(_o, [g.value(c["input"])])
                         if c["input"]._data.dtype.kind == "f" else None)
