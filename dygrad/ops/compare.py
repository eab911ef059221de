"""Comparisons, logical and bitwise ops: no gradient, bool or integer results."""

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from . import _bw
from ._registry import op
from .elementwise import (_operands, _broadcast_error, _fmt, as_tensor_like)

ndarray = np.ndarray


def _compare(a, b, npop, opname):
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
    return _wrap(out if type(out) is ndarray else np.asarray(out))


def _type_error(opname, b):
    raise TypeError(f"{opname}(): unsupported operand type '{type(b).__name__}'")


@op(out=True, inplace="copy_", inplace_function=False, tensor_first="overloads",
    summary='input == other, elementwise (a bool tensor).',
    example='torch.tensor([1.0, 2.0, 3.0]), torch.tensor([3.0, 2.0, 1.0])')
def eq(input, other):
    if other is None:
        return False
    return _compare(input, other, np.equal, "eq")


@op(out=True, aliases=('not_equal',), inplace="copy_", inplace_function=False,
    tensor_first="overloads", summary='input != other, elementwise (a bool tensor).',
    example='torch.tensor([1.0, 2.0, 3.0]), torch.tensor([3.0, 2.0, 1.0])')
def ne(input, other):
    if other is None:
        return True
    return _compare(input, other, np.not_equal, "ne")


@op(out=True, aliases=('less',), inplace="copy_", inplace_function=False, tensor_first="overloads",
    summary='input < other, elementwise (a bool tensor).',
    example='torch.tensor([1.0, 2.0, 3.0]), torch.tensor([3.0, 2.0, 1.0])')
def lt(input, other):
    return _compare(input, other, np.less, "lt")


@op(out=True, aliases=('less_equal',), inplace="copy_", inplace_function=False,
    tensor_first="overloads", summary='input <= other, elementwise (a bool tensor).',
    example='torch.tensor([1.0, 2.0, 3.0]), torch.tensor([3.0, 2.0, 1.0])')
def le(input, other):
    return _compare(input, other, np.less_equal, "le")


@op(out=True, aliases=('greater',), inplace="copy_", inplace_function=False,
    tensor_first="overloads", summary='input > other, elementwise (a bool tensor).',
    example='torch.tensor([1.0, 2.0, 3.0]), torch.tensor([3.0, 2.0, 1.0])')
def gt(input, other):
    return _compare(input, other, np.greater, "gt")


@op(out=True, aliases=('greater_equal',), inplace="copy_", inplace_function=False,
    tensor_first="overloads", summary='input >= other, elementwise (a bool tensor).',
    example='torch.tensor([1.0, 2.0, 3.0]), torch.tensor([3.0, 2.0, 1.0])')
def ge(input, other):
    return _compare(input, other, np.greater_equal, "ge")


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


@op(out=True, inplace=True, inplace_function=False,
    summary='Elementwise logical AND (zero is False).',
    example='torch.tensor([True, False, True]), torch.tensor([True, True, False])')
def logical_and(input, other):
    return _logical(input, other, np.logical_and, "logical_and")


@op(out=True, inplace=True, inplace_function=False,
    summary='Elementwise logical OR (zero is False).',
    example='torch.tensor([True, False, True]), torch.tensor([True, True, False])')
def logical_or(input, other):
    return _logical(input, other, np.logical_or, "logical_or")


@op(out=True, inplace=True, inplace_function=False,
    summary='Elementwise logical XOR (zero is False).',
    example='torch.tensor([True, False, True]), torch.tensor([True, True, False])')
def logical_xor(input, other):
    return _logical(input, other, np.logical_xor, "logical_xor")


def _bitwise(a, b, npop, opname):
    if not isinstance(a, Tensor):
        a = as_tensor_like(a, b)
    if a._data.dtype.kind == "f" or (isinstance(b, Tensor) and b._data.dtype.kind == "f") or isinstance(b, float):
        raise NotImplementedError(f"{opname}: not implemented for floating-point tensors "
                                  f"(got {_fmt(a)} and {_fmt(b)})")
    ad, bd, _ = _operands(a, b, opname)
    try:
        return _wrap(np.asarray(npop(ad, bd)))
    except ValueError as e:
        raise _broadcast_error(opname, a, b, e) from None


@op(out=True, inplace=True, inplace_function=False, tensor_first=None,
    summary='Elementwise bitwise AND of integer or bool tensors.',
    example='torch.tensor([12, 10, 7]), torch.tensor([10, 6, 3])')
def bitwise_and(input, other):
    return _bitwise(input, other, np.bitwise_and, "bitwise_and")


@op(out=True, inplace=True, inplace_function=False, tensor_first=None,
    summary='Elementwise bitwise OR of integer or bool tensors.',
    example='torch.tensor([12, 10, 7]), torch.tensor([10, 6, 3])')
def bitwise_or(input, other):
    return _bitwise(input, other, np.bitwise_or, "bitwise_or")


@op(out=True, inplace=True, inplace_function=False, tensor_first=None,
    summary='Elementwise bitwise XOR of integer or bool tensors.',
    example='torch.tensor([12, 10, 7]), torch.tensor([10, 6, 3])')
def bitwise_xor(input, other):
    return _bitwise(input, other, np.bitwise_xor, "bitwise_xor")


@op(out=True, inplace=True, inplace_function=False, tensor_first=None,
    summary='Elementwise left shift of integer tensors.',
    example='torch.tensor([1, 8, -8]), torch.tensor([2, 1, 1])')
def bitwise_left_shift(input, other):
    return _bitwise(input, other, np.left_shift, "bitwise_left_shift")


@op(out=True, inplace=True, inplace_function=False, tensor_first=None,
    summary='Elementwise right (arithmetic) shift of integer tensors.',
    example='torch.tensor([1, 8, -8]), torch.tensor([2, 1, 1])')
def bitwise_right_shift(input, other):
    return _bitwise(input, other, np.right_shift, "bitwise_right_shift")


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


@op(out=True, inplace=True, inplace_function=False,
    summary='Elementwise bitwise NOT of integer or bool tensors.',
    example='torch.tensor([0, 5, -3])')
def bitwise_not(input):
    if input._data.dtype.kind == "f":
        raise _InvertError("bitwise_not (~): only implemented on integer and bool tensors, got "
                           f"{_fmt(input)}")
    return _wrap(np.invert(input._data))


@op(summary='True where an element is NaN.',
    example="torch.tensor([1.0, float('nan'), float('inf'), -float('inf')])")
def isnan(input):
    return _wrap(np.isnan(input._data))


@op(summary='True where an element is +inf or -inf.',
    example="torch.tensor([1.0, float('nan'), float('inf'), -float('inf')])")
def isinf(input):
    return _wrap(np.isinf(input._data))


@op(summary='True where an element is neither inf nor NaN.',
    example="torch.tensor([1.0, float('nan'), float('inf'), -float('inf')])")
def isfinite(input):
    return _wrap(np.isfinite(input._data))


@op(out=True, summary='True where an element is +inf.',
    example="torch.tensor([1.0, float('nan'), float('inf'), -float('inf')])")
def isposinf(input):
    return _wrap(np.isposinf(input._data))


@op(out=True, summary='True where an element is -inf.',
    example="torch.tensor([1.0, float('nan'), float('inf'), -float('inf')])")
def isneginf(input):
    return _wrap(np.isneginf(input._data))


class NanToNumBackward0(Node):
    __slots__ = ("mask",)

    def backward(self, g):
        return _bw.where(self.mask, g, 0)


@op(inplace=True, out=True, backward=NanToNumBackward0,
    summary="Replaces NaN, +inf and -inf by nan, posinf, neginf (default: the dtype's limits).",
    example="torch.tensor([1.0, float('nan'), float('inf'), -float('inf')])")
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    d = input._data
    out = np.nan_to_num(d, nan=nan, posinf=posinf, neginf=neginf)
    if STATE.enabled and input._rg:
        node = NanToNumBackward0((input._grad_node(),))
        node.mask = np.isfinite(d)
        t = _wrap(out, True)
        t.grad_fn = node
        return t
    return _wrap(out)
