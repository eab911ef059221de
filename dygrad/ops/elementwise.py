"""Elementwise arithmetic, comparison and unary math, each with its gradient.

This is the hottest code in dygrad: the common case (two tensors of one dtype) takes a short
path; promotion, scalars and errors are handled off it.
"""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node, sum_to
from . import _bw
from ._record import record, record1, record2
from ._registry import op

ndarray = np.ndarray
_F32 = np.dtype(np.float32)


# ---------------------------------------------------------------------------------------------
# helpers
def _float_np(d):
    """Floating dtype an op on array d computes in (ints and bools go to the default dtype)."""
    return d.dtype if d.dtype.kind in "fV" else _dtype._default[0].np


def _fmt(x):
    if isinstance(x, Tensor):
        return f"{list(x._data.shape)} ({_dtype.from_numpy_dtype(x._data.dtype)})"
    return f"scalar {x!r}"


def _broadcast_error(op, a, b, exc):
    sa = a._data.shape if isinstance(a, Tensor) else ()
    sb = b._data.shape if isinstance(b, Tensor) else ()
    detail = ""
    for i in range(1, max(len(sa), len(sb)) + 1):
        x = sa[-i] if i <= len(sa) else 1
        y = sb[-i] if i <= len(sb) else 1
        if x != y and x != 1 and y != 1:
            detail = (f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                      f"non-singleton dimension {max(len(sa), len(sb)) - i}. ")
            break
    return RuntimeError(f"{op}: {detail}Got shapes {_fmt(a)} and {_fmt(b)}")


def as_tensor_like(x, like, npdt=None):
    """Turns a Python/NumPy value into a Tensor for a binary op (PyTorch's wrapped scalar)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, ndarray):
        return _wrap(x)
    return scalar_like(x, like, npdt)


def scalar_like(x, like, npdt=None):
    """A Python scalar operand as a 0-dim tensor: PyTorch's wrapped number, a weak operand.

    It is made directly in the dtype the op computes in (npdt, or the promotion of `like` and x),
    so it never changes the result dtype whichever side it is on, and its value is converted
    once, as PyTorch converts it: 0.1 against a float64 tensor stays a double (a float32 copy
    would be off by 1e-9), 2 against int16 stays int16, 300 against uint8 wraps to 44."""
    if isinstance(x, (bool, int, float, np.generic)):
        if isinstance(x, np.generic):
            x = x.item()
        if npdt is None:
            npdt = (_dtype.result_np_dtype((like, x)) if isinstance(like, Tensor)
                    else _dtype.scalar_np_dtype(x))
        t = _wrap(np.asarray(_dtype.scalar_value(npdt, x)))
        if STATE.trace is not None:
            STATE.trace.constant(t)
        return t
    if isinstance(x, (list, tuple)):
        from .._creation import tensor
        return tensor(x)
    raise TypeError(f"unsupported operand type {type(x).__name__} for a Tensor operation")


# A Python scalar as a NumPy scalar of npdt (integers out of range wrap, as PyTorch's arithmetic
# and comparisons do)
scalar_of = _dtype.scalar_value


def _operands(a, b, op):
    """Promoted NumPy operands of a binary op (slow path: differing dtypes or scalars)."""
    if isinstance(b, Tensor):
        npdt = _dtype.result_np_dtype((a, b))
        ad, bd = a._data, b._data
        return (ad if ad.dtype == npdt else ad.astype(npdt)), (bd if bd.dtype == npdt else bd.astype(npdt)), npdt
    if isinstance(b, (bool, int, float)) or isinstance(b, np.generic):
        npdt = _dtype.result_np_dtype((a, b))
        ad = a._data
        if isinstance(b, np.generic):
            b = b.item()
        bs = scalar_of(npdt, b)
        return (ad if ad.dtype == npdt else ad.astype(npdt)), bs, npdt
    if isinstance(b, ndarray):
        return _operands(a, _wrap(b), op)
    raise TypeError(
        f"{op}(): unsupported operand type(s) Tensor and '{type(b).__name__}'")


class _Binary(Node):
    """Base for broadcasting binary ops: reduces each gradient to its input's shape and dtype."""

    __slots__ = ("shapes", "dtypes", "scalar")
    _scalar_saves = True  # whether backward needs the tensor operand when the other is a scalar

    def _apply(self, grads, create_graph):
        vals = self._vals(create_graph)
        if self.dtypes is not _NO_CAST:
            vals = _as_torch_promotes(vals, grads[0])
        return self.finish(*self.backward(grads[0], *vals))

    def finish(self, ga, gb):
        """Reduces broadcast gradients to each input's shape and undoes dtype promotion."""
        sa, sb = self.shapes
        da, db = self.dtypes
        if ga is not None:
            if ga.shape != sa:
                ga = sum_to(ga, sa)
            if da is not None:
                ga = _bw.cast(ga, da)
        if gb is not None:
            if gb.shape != sb:
                gb = sum_to(gb, sb)
            if db is not None:
                gb = _bw.cast(gb, db)
        return ga, gb


_NO_CAST = (None, None)


def _as_torch_promotes(vals, g):
    """Saved operands of mixed dtypes, cast so that NumPy evaluates a gradient formula in the
    dtypes PyTorch's does: an integer operand in the result dtype (NumPy takes an int8's log in
    float16, PyTorch in the default float), and a wider 0-dim float operand beside a
    dimensioned one in the result dtype (for PyTorch it does not promote the dimensioned
    operands; for NumPy it does). Other float operands keep their dtype, as in PyTorch's
    formulas: a float16 `other` is squared in float16, a 0-dim float16 exponent's `p - 1` is
    taken in float16."""
    npdt = _data(g).dtype
    dims = any(_data(v).ndim for v in vals)
    out = []
    for v in vals:
        d = _data(v)
        if d.dtype != npdt and (d.dtype.kind not in "fV" or (
                dims and d.ndim == 0 and np.can_cast(npdt, d.dtype))):
            v = _bw.cast(v, npdt)
        out.append(v)
    return tuple(out)


def _binary(a, b, npop, node_cls, opname, save=True):
    """Shared path of add/sub/mul/div-like ops between a Tensor `a` and a Tensor or scalar `b`."""
    if isinstance(b, Tensor):
        ad = a._data
        bd = b._data
        if ad.dtype is bd.dtype:  # the common case, kept short
            try:
                out = npop(ad, bd)
            except ValueError as e:
                raise _broadcast_error(opname, a, b, e) from None
            t, node = record2(out, node_cls, a, b, npop, None, opname)
            if node is not None:
                if ad.dtype.kind not in "fV":
                    raise RuntimeError(f"{opname}: integer results cannot require gradients")
                node.shapes = (ad.shape, bd.shape)
                node.dtypes = _NO_CAST
                node.scalar = None
                if save:
                    node.save(a, b)
            return t
    ad, bd, npdt = _operands(a, b, opname)
    try:
        out = npop(ad, bd)
    except ValueError as e:
        raise _broadcast_error(opname, a, b, e) from None
    t, node = record2(out, node_cls, a, b, (_promoted, npop, a, b, npdt), None, opname)
    if node is not None:
        if npdt.kind not in "fV":
            raise RuntimeError(f"{opname}: integer results cannot require gradients")
        ad0 = a._data.dtype
        if isinstance(b, Tensor):
            node.shapes = (ad.shape, bd.shape)
            node.dtypes = (None if ad0 == npdt else ad0,
                           None if b._data.dtype == npdt else b._data.dtype)
            node.scalar = None
            if save:
                node.save(a, b)
        else:
            node.shapes = (ad.shape, ())
            node.dtypes = (None if ad0 == npdt else ad0, None)
            node.scalar = bd
            if save and node_cls._scalar_saves:
                node.save(a)
    return t


def _promoted(npop, a, b, npdt):
    """Replay kernel of a binary op whose operands were cast to npdt (or whose b is a scalar)."""
    if isinstance(b, Tensor):
        def kernel(x, y):
            return npop(x if x.dtype == npdt else x.astype(npdt),
                        y if y.dtype == npdt else y.astype(npdt))
        return kernel, (a, b)
    bs = scalar_of(npdt, b.item() if isinstance(b, np.generic) else b)

    def kernel(x, s):
        return npop(x if x.dtype == npdt else x.astype(npdt), s)
    return kernel, (a, bs)


# ---------------------------------------------------------------------------------------------
# arithmetic
class AddBackward0(_Binary):
    __slots__ = ("alpha",)

    def backward(self, g):
        nf = self.next_functions
        a = self.alpha
        gb = None
        if nf[1][0] is not None:
            gb = g if a == 1 else g * a
        return g, gb


class SubBackward0(_Binary):
    __slots__ = ("alpha",)

    def backward(self, g):
        a = self.alpha
        gb = None
        if self.next_functions[1][0] is not None:
            gb = -g if a == 1 else g * (-a)
        return g, gb


class RsubBackward1(_Binary):
    __slots__ = ()

    def backward(self, g):
        return -g, None


class MulBackward0(_Binary):
    __slots__ = ()
    _scalar_saves = False

    def save(self, a, b):
        # a's gradient reads b and b's reads a: keep only what a needed gradient reads (x * mask
        # in dropout keeps the mask, not x), as PyTorch saves only what backward uses
        nf = self.next_functions
        if nf[1][0] is None:
            Node.save(self, b)
        elif nf[0][0] is None:
            Node.save(self, a)
        else:
            Node.save(self, a, b)

    def backward(self, g, a=None, b=None):
        if a is None:  # tensor * scalar
            return g * self.scalar, None
        nf = self.next_functions
        if b is None:  # one operand kept (save): the other's gradient is g times it
            return (g * a, None) if nf[0][0] is not None else (None, g * a)
        return (g * b if nf[0][0] is not None else None,
                g * a if nf[1][0] is not None else None)


class DivBackward0(_Binary):
    __slots__ = ()
    _scalar_saves = False

    def backward(self, g, a=None, b=None):
        if a is None:
            return g / self.scalar, None
        nf = self.next_functions
        ga = g / b if nf[0][0] is not None else None
        gb = -g * a / (b * b) if nf[1][0] is not None else None
        return ga, gb


def _scaled(a, b, alpha, opname):
    """alpha * b for add/sub, computed as PyTorch does: b cast to the result dtype of a and b
    first (uint8 b * 2 must not wrap when a is int16), alpha converted to it with a range check."""
    npdt = _dtype.result_np_dtype((a, b))
    if isinstance(alpha, (float, np.floating)) and npdt.kind not in "fV":
        raise RuntimeError(f"{opname}: For integral input tensors, argument alpha must not be a "
                           "floating point number.")
    if alpha == 1 and npdt.kind != "b":
        return b
    if npdt.kind == "b":
        return b if alpha else b & False
    al = _dtype.checked_value(npdt, alpha)
    if isinstance(b, Tensor) and b._rg and isinstance(alpha, (float, np.floating)) \
            and not np.isfinite(alpha):
        # PyTorch scales the gradient before reducing it over broadcast dims: inf * g1 +
        # inf * g2 (nan for mixed signs), not inf * (g1 + g2)
        try:
            shape = np.broadcast_shapes(a._data.shape, b._data.shape)
        except ValueError:
            shape = b._data.shape       # the op itself reports the shapes
        if shape != b._data.shape:
            b = b.expand(shape)
    if not isinstance(b, Tensor):
        b = scalar_like(b, a, npdt)
    elif b._data.dtype != npdt:
        b = cast(b, _dtype.from_numpy_dtype(npdt))
    return mul(b, al)


@op(out=True, inplace="dygrad.ops.inplace:add_", inplace_function=False, tensor_first=None,
    backward=AddBackward0, summary='input + alpha * other, with broadcasting and type promotion.',
    example='torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.5, 4.0, -2.0])')
def add(input, other, *, alpha=1):
    if not isinstance(input, Tensor):
        input, other = as_tensor_like(input, other), other
    if alpha != 1 or type(alpha) is not int:    # alpha=1.0 is still checked against int dtypes
        other = _scaled(input, other, alpha, "add")
    r = _binary(input, other, np.add, AddBackward0, "add", save=False)
    if r.grad_fn is not None:
        r.grad_fn.alpha = 1
    return r


def _is_bool(x):
    return type(x) is bool or type(x) is np.bool_ or (
        isinstance(x, Tensor) and x._data.dtype.kind == "b")


def no_bool_sub(a, b):
    """PyTorch has no subtraction with a bool operand (a Python bool counts), in any form."""
    ab, bb = _is_bool(a), _is_bool(b)
    if ab and bb:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if ab or bb:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead.")


@op(out=True, aliases=('subtract',), inplace="dygrad.ops.inplace:sub_", inplace_function=False,
    tensor_first=None, backward=SubBackward0,
    summary='input - alpha * other, with broadcasting and type promotion.',
    example='torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.5, 4.0, -2.0])')
def sub(input, other, *, alpha=1):
    no_bool_sub(input, other)
    if not isinstance(input, Tensor):
        input = as_tensor_like(input, other)
    if alpha != 1 or type(alpha) is not int:
        other = _scaled(input, other, alpha, "sub")
    r = _binary(input, other, np.subtract, SubBackward0, "sub", save=False)
    if r.grad_fn is not None:
        r.grad_fn.alpha = 1
    return r


def rsub(a, b, *, alpha=1):
    """b - a for a Tensor a and a scalar b (Python's reflected subtraction)."""
    if isinstance(b, Tensor):
        return sub(b, a, alpha=alpha)
    if type(b) is bool:
        return sub(b, a)  # raises: no bool subtraction
    return sub(scalar_like(b, a), a, alpha=alpha)


@op(out=True, aliases=('multiply',), inplace="dygrad.ops.inplace:mul_", inplace_function=False,
    tensor_first=None, backward=MulBackward0,
    summary='input * other, with broadcasting and type promotion.',
    example='torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.5, 4.0, -2.0])')
def mul(input, other):
    if not isinstance(input, Tensor):
        input, other = (other, input) if isinstance(other, Tensor) else (as_tensor_like(input, other), other)
    return _binary(input, other, np.multiply, MulBackward0, "mul")


def _true_divide(x, y):
    return np.true_divide(x, y)


@op(out=True, aliases=('divide', 'true_divide'), inplace="dygrad.ops.inplace:div_",
    inplace_function=False, tensor_first=None, backward=DivBackward0,
    summary="input / other; rounding_mode 'trunc' or 'floor' rounds the quotient.",
    example='torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.5, 4.0, -2.0])')
def div(input, other, *, rounding_mode=None):
    if not isinstance(input, Tensor):
        if rounding_mode is None and isinstance(other, Tensor):
            _dtype.result_np_dtype((other, input))  # torch.div(2**63, bool tensor) cannot promote
            return rdiv(other, input)
        input = as_tensor_like(input, other)
    if rounding_mode is not None:
        if rounding_mode == "floor":
            _int_div_checks(input, other, "div")
            return _binary(input, other, _floor_div, DivRoundBackward, "div")
        if rounding_mode == "trunc":
            _int_div_checks(input, other, "div")
            q = _binary(input, other, _trunc_div, DivRoundBackward, "div")
            return q
        raise ValueError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
    ad = input._data
    bd_kind = other._data.dtype.kind if isinstance(other, Tensor) else ("f" if isinstance(other, float) else "i")
    if ad.dtype.kind not in "fV" and bd_kind not in "fV":
        # integer / integer is true division in the default float dtype
        _dtype.result_np_dtype((input, other))  # still rejects what cannot promote (bool, 2**63)
        input = cast(input, _dtype.get_default_dtype())
    r = _binary(input, other, np.true_divide, DivBackward0, "div")
    return r


true_divide = divide = div


def rdiv(a, b):
    """b / a for a scalar b: true division computes in a floating dtype, so an integer b is
    made a float there directly (2**40 / int8 must not wrap 2**40 into int8 first)."""
    if type(b) is int:
        _dtype.scalar_np_dtype(b)  # OverflowError beyond [-2**63, 2**64), as PyTorch
    npdt = a._data.dtype
    if npdt.kind not in "fV":
        npdt = _dtype._default[0].np
    return div(scalar_like(b, a, npdt), a)


def _trunc_div(x, y):
    if np.result_type(x, y).kind in "fV":
        return np.trunc(np.true_divide(x, y))
    # exact integer truncation (through float64, large int64 values would lose digits)
    q = np.floor_divide(x, y)
    return q + ((np.remainder(x, y) != 0) & ((x < 0) != (y < 0)))


def _floor_div(x, y):
    return np.floor_divide(x, y)


class DivRoundBackward(_Binary):
    """Rounded division: piecewise constant, so its gradient is zero (as PyTorch)."""
    __slots__ = ()

    def backward(self, g, *saved):
        return _bw.zeros_like(g), (None if self.scalar is not None else _bw.zeros_like(g))


def _int_div_checks(a, b, opname):
    """PyTorch has no bool kernel for rounded division/remainder, and integer division by zero
    is an error (a float zero divisor gives inf/nan instead)."""
    ak = a._data.dtype.kind
    bt = isinstance(b, Tensor)
    bk = b._data.dtype.kind if bt else ("b" if isinstance(b, bool) else ("f" if isinstance(b, float) else "i"))
    if ak == "f" or bk == "f":
        return
    if ak == "b" and bk == "b":
        raise NotImplementedError(f"{opname}: not implemented for torch.bool tensors")
    if a._data.size == 0 or (bt and b._data.size == 0):
        return      # an empty result divides nothing: no error in PyTorch
    if (b._data == 0).any() if bt else scalar_of(_dtype.result_np_dtype((a, b)), b) == 0:
        raise RuntimeError(f"ZeroDivisionError ({opname}: integer division by zero)")


class FloorDivideBackward0(_Binary):
    """floor_divide records a node but, as PyTorch, has no derivative."""
    __slots__ = ()
    _scalar_saves = False

    def backward(self, g, *saved):
        raise RuntimeError("derivative for floor_divide is not implemented")


@op(out=True, inplace=True, inplace_function=False, tensor_first=None,
    backward=FloorDivideBackward0,
    summary='input / other rounded toward negative infinity (floor division).',
    example='torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.5, 4.0, -2.0])')
def floor_divide(input, other):
    if not isinstance(input, Tensor):
        input = as_tensor_like(input, other)
    _int_div_checks(input, other, "floor_divide")
    return _binary(input, other, _floor_div, FloorDivideBackward0, "floor_divide", save=False)


class RemainderBackward0(_Binary):
    """a - q * b with q the rounded quotient: the gradient is g for a and -q * g for b."""
    __slots__ = ()
    _scalar_saves = False

    @staticmethod
    def _quotient(a, b):
        with np.errstate(all="ignore"):    # PyTorch's floor division: nan for inf // b
            return np.floor_divide(a, b)

    def backward(self, g, a=None, b=None):
        if a is None:
            return g, None
        gb = None
        if self.next_functions[1][0] is not None:
            gb = -g * _bw.const(self._quotient(_data(a), _data(b)), g)
        return g, gb


class RemainderBackward1(_Binary):
    """scalar % tensor: no derivative in PyTorch."""
    __slots__ = ()
    _scalar_saves = False

    def backward(self, g, *saved):
        raise RuntimeError("derivative for remainder (scalar % tensor) is not implemented")


def _data(x):
    return x._data if isinstance(x, Tensor) else x


@op(out=True, inplace=True, inplace_function=False, tensor_first=None,
    backward=(RemainderBackward0, RemainderBackward1),
    summary='Python-style modulus: the result has the sign of the divisor.',
    example='torch.tensor([-3.0, 3.0, 5.5]), torch.tensor([2.0, -2.0, 2.0])')
def remainder(input, other):
    node_cls = RemainderBackward0
    if not isinstance(input, Tensor):
        input = as_tensor_like(input, other)
        node_cls = RemainderBackward1
    _int_div_checks(input, other, "remainder")
    return _binary(input, other, _np_remainder, node_cls, "remainder")


def _np_remainder(a, b):
    """PyTorch's remainder: C's fmod, moved into the divisor's sign when the signs differ. It
    equals NumPy's except for a zero result, which keeps fmod's sign (the dividend's) where
    NumPy gives it the divisor's: 2. % -1. is 0. in PyTorch and -0. in NumPy (1/x tells)."""
    m = np.remainder(a, b)
    if m.dtype.kind in "fV":
        m = np.where(m == 0, np.copysign(m, a), m)
    return m


class FmodBackward0(RemainderBackward0):
    __slots__ = ()

    @staticmethod
    def _quotient(a, b):
        return np.trunc(np.true_divide(a, b))


@op(out=True, inplace=True, inplace_function=False, tensor_first="overloads",
    backward=FmodBackward0, summary='C-style remainder: the result has the sign of the dividend.',
    example='torch.tensor([-3.0, 3.0, 5.5]), torch.tensor([2.0, -2.0, 2.0])')
def fmod(input, other):
    if not isinstance(input, Tensor):
        input = as_tensor_like(input, other)
    _int_div_checks(input, other, "fmod")
    return _binary(input, other, np.fmod, FmodBackward0, "fmod")


class PowBackward0(_Binary):
    """x ** scalar"""
    __slots__ = ()

    def backward(self, g, x):
        p = self.scalar
        if p == 0 and type(p) is not bool:     # (nan at x = 0 for a False exponent)
            return _bw.zeros_like(g), None
        return g * p * x ** (p - 1), None


class PowBackward1(_Binary):
    """x ** tensor"""
    __slots__ = ()

    def backward(self, g, x, p):
        nf = self.next_functions
        gx = gp = None
        if nf[0][0] is not None:
            gx = g * p * x ** _bw.where(_data(p) == 0, 1, p - 1)
            gx = _bw.where(_data(p) == 0, _bw.zeros_like(gx), gx)
        if nf[1][0] is not None:
            xd, pd = _data(x), _data(p)
            zero = (xd == 0) & (pd >= 0)
            safe_x = _bw.where(zero, 1, x)
            # masked before the incoming gradient multiplies (PyTorch's order): inf * 0 is nan
            gp = g * _bw.where(zero, 0, x ** p * _bw.log(safe_x))
        return gx, gp


def _np_pow(x, p):
    k = x.dtype.kind
    if k == "b":
        if type(p) is not ndarray:  # bool ** Python bool stays bool, as PyTorch
            return x.copy() if p else np.ones_like(x)
        raise NotImplementedError("pow: not implemented for torch.bool tensors")
    if k in "iu":
        if type(p) is ndarray:
            if p.dtype.kind == "i" and (p < 0).any():
                # integer powers with negative exponents truncate: only 1 and -1 survive
                neg = p < 0
                out = np.power(x, np.where(neg, 0, p))
                inv = np.where(x == 1, 1, np.where(x == -1, np.where(p % 2 == 0, 1, -1), 0))
                return np.where(neg, inv.astype(out.dtype), out)
        elif p < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    return np.power(x, p)


@op(out=True, inplace=True, inplace_function=False, tensor_first=None,
    backward=(PowBackward1, PowBackward0),
    summary='input ** exponent, elementwise, with broadcasting.',
    example='torch.tensor([1.0, 2.0, 3.0]), 2')
def pow(input, exponent):
    if not isinstance(input, Tensor):
        if isinstance(exponent, Tensor):
            return rpow(exponent, input)
        input = as_tensor_like(input, exponent)
    if isinstance(exponent, Tensor):
        return _binary(input, exponent, _np_pow, PowBackward1, "pow")
    if type(exponent) is not bool:
        # PyTorch checks a scalar exponent (an integer's sign, then the range of the result
        # dtype: uint8 ** 300 and float16 ** 1e10 raise) instead of wrapping it
        if exponent < 0 and input._data.dtype.kind in "iub" and isinstance(exponent, (int, np.integer)):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        _dtype.checked_value(_dtype.result_np_dtype((input, exponent)), exponent)
        return _binary(input, exponent, _np_pow, PowBackward0, "pow")
    r = _binary(input, exponent, _np_pow, PowBackward0, "pow")
    if r.grad_fn is not None:
        r.grad_fn.scalar = exponent    # a bool: PyTorch's gradient of x ** False is 0 * x ** -1
    return r


def rpow(a, b):
    """b ** a with scalar base b."""
    return _binary(scalar_like(b, a), a, _np_pow, PowBackward1, "pow")


def _out(r, out, op="out"):
    """out= of an op whose result is r: written into out's own memory (autograd refused)."""
    if out is None:
        return r
    from .._convert import write_out
    return write_out(out, r._data, op, r._rg)


# ---------------------------------------------------------------------------------------------
# casts and copies
class ToCopyBackward0(Node):
    __slots__ = ("src_dtype",)

    def backward(self, g):
        return _bw.cast(g, self.src_dtype)


def _cast_array(d, npdt):
    """d converted to npdt as PyTorch converts (the eager cast and its replay kernel)."""
    if npdt.itemsize == 2 and npdt.kind in "fV" and d.dtype.itemsize == 8 and d.dtype.kind in "fV":
        return d.astype(np.float32).astype(npdt)  # double -> half through float, as PyTorch
    return d.astype(npdt)


def cast(x, dtype):
    npdt = dtype.np
    d = x._data
    t, node = record(_cast_array(d, npdt), ToCopyBackward0, (x,), float_out=True,
                     replay=_cast_array, args=(x, npdt))
    if node is not None:
        node.src_dtype = d.dtype
    return t


class CloneBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        return g


def clone(x, *, memory_format=None):
    # None (internal callers): a C-order copy; Tensor.clone passes PyTorch's preserve_format
    d = x._data
    if memory_format is None:
        return record1(d.copy(), CloneBackward0, x, ndarray.copy, None, "clone")[0]
    return record1(_copy_as(d, memory_format), CloneBackward0, x, _copy_as, (x, memory_format),
                   "clone")[0]


from .._layout import copy_as as _copy_as  # noqa: E402


# the rest of the family lives in sibling modules; Tensor methods reach it all through this one
from .inplace import *  # noqa: E402,F401,F403
from .unary import *  # noqa: E402,F401,F403
from .unary import _erf_array, _unary  # noqa: E402,F401  (used by nn activations)
from .select import *  # noqa: E402,F401,F403
from .compare import *  # noqa: E402,F401,F403
from .special_binary import (xlogy, logaddexp, logaddexp2, hypot, copysign, float_power, ldexp,  # noqa: E402,F401
                             nextafter, gcd, lcm, xlog1py)


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_binary(onnx_op):
    def lower(g, c):
        out = c.outs[0]
        mode = c.get("rounding_mode")
        if mode is not None:
            return _onnx_rounded_div(g, c["input"], c["other"], out, mode)
        a, b = g.cast(c["input"], out), g.cast(c["other"], out)
        alpha = c.get("alpha", 1)
        if alpha != 1:
            b = g.op("Mul", [b, g.value(alpha, out)])
        return g.op(onnx_op, [a, b])
    lower.__name__ = f"_onnx_{onnx_op.lower()}"
    return lower


for _name, _onnx_op in (("add", "Add"), ("sub", "Sub"), ("mul", "Mul"), ("div", "Div")):
    _rule("onnx", _name)(_onnx_binary(_onnx_op))


@_rule("onnx", "clone")
def _onnx_clone(g, c):
    return g.op("Identity", [g.value(c["input"])])


@_rule("onnx", "pow")
def _onnx_pow(g, c):
    out = c.outs[0]
    e = c.get("exponent", c.get("other"))
    if out._data.dtype.kind != "f":
        return None
    return g.op("Pow", [g.cast(c["input"], out), g.cast(e, out)])


def _onnx_rounded_div(g, x, y, out, mode):
    """Division rounded toward -inf ("floor", as floor_divide) or toward 0 ("trunc") in the
    result's dtype: integers by exact steps (ONNX's integer Div truncates), floats by Floor."""
    a, b = g.cast(x, out), g.cast(y, out)
    if out._data.dtype.kind in "iu":
        if mode == "trunc":
            return g.op("Div", [a, b])
        # a - mod(a, b) (the divisor's sign, as Python's) is a multiple of b: exact division
        return g.op("Div", [g.op("Sub", [a, g.op("Mod", [a, b], fmod=0)]), b])
    q = g.op("Div", [a, b])
    if mode == "floor":
        return g.op("Floor", [q])
    return g.op("Mul", [g.op("Sign", [q]), g.op("Floor", [g.op("Abs", [q])])])


_rule("onnx", "floor_divide")(lambda g, c: _onnx_rounded_div(g, c["input"], c["other"],
                                                             c.outs[0], "floor"))


@_rule("onnx", "remainder")
def _onnx_remainder(g, c):
    """Python's remainder (the divisor's sign): Mod for integers, a - floor(a / b) * b else."""
    out = c.outs[0]
    a, b = g.cast(c["input"], out), g.cast(c["other"], out)
    if out._data.dtype.kind in "iu":
        return g.op("Mod", [a, b], fmod=0)
    return g.op("Sub", [a, g.op("Mul", [g.op("Floor", [g.op("Div", [a, b])]), b])])


@_rule("onnx", "fmod")
def _onnx_fmod(g, c):
    out = c.outs[0]
    return g.op("Mod", [g.cast(c["input"], out), g.cast(c["other"], out)], fmod=1)
