"""Backward formulas written straight into a replay, for the nodes small graphs are made of.

Calling a node's `backward` costs a method call, its checks of which inputs need gradients and a
tuple, around a kernel that may take 0.2 µs. For the common nodes the replay instead inlines the
NumPy expression their `backward` evaluates. The expression is not written a second time here:
it is read off the node's own `backward`, run once on symbolic arrays (`_Sym`) that record each
operation instead of computing it (same operations, same operands, same order, so the replay
gives the same bits as eager backward). Every other node is called as eager backward calls it.

Only nodes whose backward is straight-line array arithmetic are traced (`TRACED`): a backward
that branches on values, shapes or types would record just one branch. A symbolic array refuses
anything it cannot record (truth value, comparison, attributes), and the node is then called.
"""
import numpy as np

from ..ops import linalg, shape
from ..ops.elementwise import AddBackward0, DivBackward0, MulBackward0, SubBackward0, _Binary
from ..ops.unary import NegBackward0
from ..autograd.node import sum_to
from ..ops import _bw


def _fill(shape, g):
    out = np.empty(shape, g.dtype)
    out.fill(g)
    return out


# ufuncs called by name: `a * b` on arrays reaches np.multiply only after ndarray.__mul__ checks
# for overrides (~0.1 µs of a 0.3 µs small-array op); the result is the same
HELPERS = {"_fill": _fill, "_sum_to": sum_to, "_cast": _bw.cast, "_reshape": np.reshape,
           "_swapaxes": np.swapaxes, "_transpose": np.transpose, "_add": np.add,
           "_sub": np.subtract, "_mul": np.multiply, "_div": np.true_divide, "_neg": np.negative,
           "_matmul": np.matmul}

# the nodes whose backward is straight-line arithmetic on its gradient and saved arrays
TRACED = (AddBackward0, SubBackward0, MulBackward0, DivBackward0, NegBackward0,
          shape.ViewBackward0, shape.TransposeBackward0, shape.PermuteBackward0,
          linalg.MmBackward0)


class _Untraceable(Exception):
    """The backward did something a symbolic array cannot record."""


def _binop(fn, reflected=False):
    """The operator method of _Sym recording `fn(self, other)` (or fn(other, self))."""
    if reflected:
        return lambda self, o: self._call(fn, o, self)
    return lambda self, o: self._call(fn, self, o)


class _Sym:
    """A symbolic array: operations on it build the expression of a NumPy computation."""

    __slots__ = ("e", "const")
    __array_priority__ = 1000  # ndarray operands defer to us

    def __init__(self, e, const):
        self.e = e
        self.const = const

    def _arg(self, v):
        return v.e if isinstance(v, _Sym) else self.const(v)  # a constant the node holds

    def _call(self, fn, *args):
        return _Sym(f"{fn}({', '.join(self._arg(a) for a in args)})", self.const)

    __add__, __radd__ = _binop("_add"), _binop("_add", True)
    __sub__, __rsub__ = _binop("_sub"), _binop("_sub", True)
    __mul__, __rmul__ = _binop("_mul"), _binop("_mul", True)
    __truediv__, __rtruediv__ = _binop("_div"), _binop("_div", True)
    __matmul__, __rmatmul__ = _binop("_matmul"), _binop("_matmul", True)

    def __neg__(self):
        return self._call("_neg", self)

    def __array_function__(self, func, types, args, kwargs):
        if kwargs:
            raise _Untraceable(f"{func.__name__} with keywords")
        if func is np.reshape:
            return _Sym(f"_reshape({args[0].e}, {tuple(args[1])!r})", self.const)
        if func is np.swapaxes:
            return _Sym(f"_swapaxes({args[0].e}, {int(args[1])}, {int(args[2])})", self.const)
        if func is np.transpose:
            return _Sym(f"_transpose({args[0].e}, {tuple(args[1])!r})", self.const)
        raise _Untraceable(func.__name__)

    def __array_ufunc__(self, ufunc, method, *args, **kwargs):
        raise _Untraceable(ufunc.__name__)

    def __bool__(self):
        raise _Untraceable("truth value")

    def __eq__(self, o):
        raise _Untraceable("comparison")

    __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __eq__
    __hash__ = None

    def __getattr__(self, name):
        raise _Untraceable(f"attribute {name}")


def _traced(node, g, saved, const):
    """The node's backward run on symbolic arrays: one expression (or None) per input."""
    try:
        out = node.backward(_Sym(g, const), *[_Sym(s, const) for s in saved])
    except _Untraceable:
        return None
    if not isinstance(out, tuple):
        out = (out,)
    if not all(o is None or isinstance(o, _Sym) for o in out):
        return None
    return tuple(None if o is None else o.e for o in out)


_VIEWS = ("_reshape(", "_swapaxes(", "_transpose(")


def is_view(expr, g):
    """Whether expr (from an emitter, for incoming gradient g) is g itself or a view of it."""
    return expr == g or expr.startswith(_VIEWS)  # traced views take views of g only


def emit(node, g, saved, out_shape, const):
    """Expressions of the gradients node sends to each input, or None (call its backward)."""
    if not isinstance(node, TRACED):
        return None
    exprs = _traced(node, g, saved, const)
    if exprs is None:
        return None
    if isinstance(node, _Binary):  # reduce broadcast gradients, undo promotion (as finish does)
        exprs = list(exprs)
        for k, (s, d) in enumerate(zip(node.shapes, node.dtypes)):
            if exprs[k] is None:
                continue
            if s != out_shape:
                exprs[k] = f"_sum_to({exprs[k]}, {s!r})"
            if d is not None:
                exprs[k] = f"_cast({exprs[k]}, {const(d)})"
    return exprs
