"""Tensor's Python operators (`+`, `@`, `&`, `<<`, `==`, ..., their reflected and in-place
forms): each delegates to its op, so `a + b` and `torch.add(a, b)` are one code path.

A mixin of `Tensor` (dygrad/_tensor.py). The op modules import Tensor themselves, so `_link()`
binds them once the class exists, as plain module globals (no extra lookup per operator).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # bound at run time by _link()
    from ._tensor import _inplace
    from .ops import elementwise as _ew
    from .ops import linalg as _la


class TensorOperators:
    """The arithmetic, bitwise and comparison operators of a tensor."""
    __slots__ = ()

    def __add__(self, other):
        return _ew.add(self, other)

    def __radd__(self, other):
        return _ew.add(self, other)

    def __iadd__(self, other):
        return _ew.add_(self, other)

    def __sub__(self, other):
        return _ew.sub(self, other)

    def __rsub__(self, other):
        return _ew.rsub(self, other)

    def __isub__(self, other):
        return _ew.sub_(self, other)

    def __mul__(self, other):
        return _ew.mul(self, other)

    def __rmul__(self, other):
        return _ew.mul(self, other)

    def __imul__(self, other):
        return _ew.mul_(self, other)

    def __truediv__(self, other):
        return _ew.div(self, other)

    def __rtruediv__(self, other):
        return _ew.rdiv(self, other)

    def __itruediv__(self, other):
        return _ew.div_(self, other)

    def __floordiv__(self, other):
        return _ew.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ew.floor_divide(_ew.scalar_like(other, self), self)

    def __ifloordiv__(self, other):
        return _inplace(self, _ew.floor_divide(self, other))

    def __mod__(self, other):
        return _ew.remainder(self, other)

    def __rmod__(self, other):
        return _ew.remainder(other, self)

    def __imod__(self, other):
        return _inplace(self, _ew.remainder(self, other))

    def __pow__(self, other):
        return _ew.pow(self, other)

    def __rpow__(self, other):
        return _ew.rpow(self, other)

    def __ipow__(self, other):
        return _inplace(self, _ew.pow(self, other))

    def __matmul__(self, other):
        return _la.matmul(self, other)

    def __rmatmul__(self, other):
        return _la.matmul(_ew.as_tensor_like(other, self), self)

    def __imatmul__(self, other):
        return _inplace(self, _la.matmul(self, other))

    def __neg__(self):
        return _ew.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ew.abs(self)

    def __invert__(self):
        return _ew.bitwise_not(self)

    def __and__(self, other):
        return _ew.bitwise_and(self, other)

    __rand__ = __and__

    def __or__(self, other):
        return _ew.bitwise_or(self, other)

    __ror__ = __or__

    def __xor__(self, other):
        return _ew.bitwise_xor(self, other)

    __rxor__ = __xor__

    def __iand__(self, other):
        return _inplace(self, _ew.bitwise_and(self, other))

    def __ior__(self, other):
        return _inplace(self, _ew.bitwise_or(self, other))

    def __ixor__(self, other):
        return _inplace(self, _ew.bitwise_xor(self, other))

    def __lshift__(self, other):
        return _ew.bitwise_left_shift(self, other)

    def __rshift__(self, other):
        return _ew.bitwise_right_shift(self, other)

    def __rlshift__(self, other):
        return _ew.bitwise_left_shift(other, self)

    def __rrshift__(self, other):
        return _ew.bitwise_right_shift(other, self)

    def __ilshift__(self, other):
        return _inplace(self, _ew.bitwise_left_shift(self, other))

    def __irshift__(self, other):
        return _inplace(self, _ew.bitwise_right_shift(self, other))

    def __eq__(self, other):
        return _ew.eq(self, other)

    def __ne__(self, other):
        return _ew.ne(self, other)

    def __lt__(self, other):
        return _ew.lt(self, other)

    def __le__(self, other):
        return _ew.le(self, other)

    def __gt__(self, other):
        return _ew.gt(self, other)

    def __ge__(self, other):
        return _ew.ge(self, other)

    def __hash__(self):  # by identity: __eq__ compares elementwise, so equal tensors differ here
        return id(self)


def _link():
    """Binds the names whose modules import Tensor (called by _tensor.py once it exists)."""
    global _ew, _la, _inplace
    from ._tensor import _inplace
    from .ops import elementwise as _ew
    from .ops import linalg as _la
