"""Backward formulas written straight into a replay, for the nodes small graphs are made of.

Calling a node's `backward` costs a method call, its checks of which inputs need gradients and a
tuple, around a kernel that may take 0.2 µs. For the common nodes the replay instead inlines the
same NumPy expression that `backward` evaluates (same operands, same order, so the same bits).
Every other node is called as eager backward calls it.

An emitter gets the node, the expression of its incoming gradient, the expressions of its saved
arrays and `const(value) -> name` for constants; it returns one expression per input (None where
no gradient flows) or None to fall back to calling `backward`.
"""
import numpy as np

from ..ops import linalg, shape
from ..ops.elementwise import AddBackward0, DivBackward0, MulBackward0, SubBackward0, _Binary
from ..ops.reduction import SumBackward0
from ..ops.unary import NegBackward0, ReluBackward0
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
           "_mul": np.multiply, "_div": np.true_divide, "_neg": np.negative,
           "_matmul": np.matmul}


def _add(node, g, saved, const):
    if node.alpha != 1:
        return None
    return g, g


def _sub(node, g, saved, const):
    if node.alpha != 1:
        return None
    return g, f"_neg({g})"


def _mul(node, g, saved, const):
    if not saved:  # tensor * scalar
        return f"_mul({g}, {const(node.scalar)})", None
    a, b = saved
    return f"_mul({g}, {b})", f"_mul({g}, {a})"


def _div(node, g, saved, const):
    if not saved:
        return f"_div({g}, {const(node.scalar)})", None
    a, b = saved
    return f"_div({g}, {b})", f"_div(_mul(_neg({g}), {a}), _mul({b}, {b}))"


def _neg(node, g, saved, const):
    return (f"_neg({g})",)


def _sum(node, g, saved, const):
    if node.dims is not None or node.src is not None:
        return None
    return (f"_fill({node.shape!r}, {g})",)


def _view(node, g, saved, const):
    return (f"_reshape({g}, {node.shape!r})",)


def _transpose(node, g, saved, const):
    return (f"_swapaxes({g}, {node.d0}, {node.d1})",)


def _permute(node, g, saved, const):
    return (f"_transpose({g}, {node.inv!r})",)


def _mm(node, g, saved, const):
    a, b = saved
    return f"_matmul({g}, _swapaxes({b}, -1, -2))", f"_matmul(_swapaxes({a}, -1, -2), {g})"


def _relu(node, g, saved, const):
    # the node's own backward, called directly: it is one kernel with its own fast path
    return (f"{const(node)}.backward({g}, {saved[0]})",)


EMITTERS = {
    AddBackward0: _add, SubBackward0: _sub, MulBackward0: _mul, DivBackward0: _div,
    NegBackward0: _neg, SumBackward0: _sum, ReluBackward0: _relu, linalg.MmBackward0: _mm,
    shape.ViewBackward0: _view, shape.UnsafeViewBackward0: _view,
    shape.TransposeBackward0: _transpose, shape.TBackward0: _transpose,
    shape.PermuteBackward0: _permute,
}


_VIEWS = ("_reshape(", "_swapaxes(", "_transpose(")


def is_view(expr, g):
    """Whether expr (from an emitter, for incoming gradient g) is g itself or a view of it."""
    return expr == g or expr.startswith(_VIEWS)  # emitters take views of g only


def emit(node, g, saved, out_shape, const):
    """Expressions of the gradients node sends to each input, or None (call its backward)."""
    fn = EMITTERS.get(type(node))
    if fn is None:
        return None
    exprs = fn(node, g, saved, const)
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
