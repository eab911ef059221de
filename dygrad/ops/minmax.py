"""max/min (full and along a dim), amax/amin, aminmax, argmax/argmin.

Gradients follow PyTorch: a full max/min and amax/amin split the gradient evenly among tied
extrema; max/min along a dim send it to the returned (first) index.
"""
import numpy as np

from .._tensor import Tensor, _wrap
from ._record import attach
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from . import _bw, return_types
from ._registry import op
from ._reduce_util import rdims, one_dim, kept_shape, expand_back, finish, named_nodes
from .sort_ops import SortBackward0, _pick_result, _scalar_pick

_I64 = np.dtype(np.int64)


def _ties(xd, out_kept, nan_ties=True):
    """Mask of the elements equal to their slice's extremum (NaN counts as equal to NaN for
    max/min; for amax/amin it does not, so a NaN slice gets a NaN gradient, as PyTorch)."""
    mask = xd == out_kept
    if nan_ties and xd.dtype.kind in "fV":
        mask |= np.isnan(xd) & np.isnan(out_kept)
    return mask


class _EvenlyBackward(Node):
    """Gradient split evenly among the tied extrema of each reduced slice."""
    __slots__ = ("dims", "keepdim", "mask", "count")

    def backward(self, g):
        shape = self.mask.shape
        g = expand_back(g, shape, self.dims, self.keepdim)
        return g * _bw.const(self.mask / self.count, g)


MaxBackward1, MinBackward1, AmaxBackward0, AminBackward0 = named_nodes(
    _EvenlyBackward, __name__, "MaxBackward1", "MinBackward1", "AmaxBackward0", "AminBackward0")


def _evenly(node, xd, out, dims, keepdim, nan_ties=True):
    kept = out.reshape(kept_shape(xd.shape, dims)) if not keepdim else out
    mask = _ties(xd, kept, nan_ties)
    node.mask = mask.astype(xd.dtype)
    node.count = mask.sum(axis=dims, keepdims=True).astype(xd.dtype)
    node.dims, node.keepdim = dims, keepdim


def _check_nonempty(d, dims, op, sep="():"):
    for i in dims:
        if d.shape[i] == 0:
            raise IndexError(f"{op}{sep} Expected reduction dim {i} to have non-zero size.")


def _no_dim_empty(op):
    return RuntimeError(
        f"{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
        "reduction dim with the 'dim' argument.")


class MaxBackward0(SortBackward0):
    """max/min along a dim: the gradient goes to the returned index (sort's picking node)."""
    __slots__ = ()


class MinBackward0(MaxBackward0):
    __slots__ = ()


def _full(x, npfn, node_cls, op):
    d = x._data
    if d.size == 0:
        raise _no_dim_empty(op)
    out = np.asarray(npfn(d))
    t, node = finish(out, x, node_cls)
    if node is not None:
        _evenly(node, d, out, tuple(range(d.ndim)), False)
    return t


def _along(x, dim, keepdim, argfn, node_cls, result_cls, op):
    d = x._data
    dim = one_dim(dim, d.shape, op)
    if d.ndim == 0:
        return _scalar_pick(x, node_cls, result_cls)
    _check_nonempty(d, (dim,), op)
    return _pick_result(x, argfn(d, axis=dim, keepdims=True), dim, keepdim, node_cls, result_cls)


def _extremum(name, argfn, npfn, full_node, along_node, result_cls, summary):
    """max/min: the whole tensor's extremum, (values, indices) along a dim, or against a tensor
    the elementwise maximum/minimum."""
    def extremum(input, dim=None, keepdim=False):
        if dim is None:
            return _full(input, npfn, full_node, name)
        if isinstance(dim, Tensor):
            from . import elementwise
            return getattr(elementwise, name + "imum")(input, dim)
        return _along(input, dim, keepdim, argfn, along_node, result_cls, name)
    extremum.__name__ = extremum.__qualname__ = name
    # out_dtype stays "cast": PyTorch casts into out for max(input, other) and refuses another
    # dtype only for the (values, indices) overload, which one declaration cannot tell apart
    return op(out=True, backward=(full_node, along_node), summary=summary,
              example='torch.tensor([[1.0, 5.0], [4.0, 2.0]]), 1')(extremum)


max = _extremum("max", np.argmax, np.max, MaxBackward1, MaxBackward0, return_types.max,
                "Largest element; with dim, (values, indices) along dim; with a tensor, maximum().")
min = _extremum("min", np.argmin, np.min, MinBackward1, MinBackward0, return_types.min,
                "Smallest element; with dim, (values, indices) along dim; with a tensor, minimum().")


def _amaxmin(x, dim, keepdim, npfn, node_cls, op):
    d = x._data
    dims = rdims(dim, d.shape, op)
    if d.size == 0:
        if len(dims) == d.ndim and (dim is None or dim == ()):
            raise _no_dim_empty(op)
        _check_nonempty(d, dims, op)
    out = np.asarray(npfn(d, axis=dims, keepdims=keepdim))
    t, node = finish(out, x, node_cls)
    if node is not None:
        _evenly(node, d, out, dims, keepdim, nan_ties=False)
    return t


@op(out_dtype="same", out=True, backward=AmaxBackward0,
    summary='Largest elements over dim (all by default); ties share the gradient.',
    example='torch.tensor([[1.0, 5.0], [4.0, 2.0]]), 1')
def amax(input, dim=(), keepdim=False):
    return _amaxmin(input, dim, keepdim, np.amax, AmaxBackward0, "amax")


@op(out_dtype="same", out=True, backward=AminBackward0,
    summary='Smallest elements over dim (all by default); ties share the gradient.',
    example='torch.tensor([[1.0, 5.0], [4.0, 2.0]]), 1')
def amin(input, dim=(), keepdim=False):
    return _amaxmin(input, dim, keepdim, np.amin, AminBackward0, "amin")


class AminmaxBackward0(Node):
    __slots__ = ("dims", "keepdim", "wmin", "wmax")
    _nout = 2

    def _apply(self, grads, create_graph):
        gmin, gmax = grads
        out = None
        for g, w in ((gmin, self.wmin), (gmax, self.wmax)):
            if g is not None:
                part = expand_back(g, w.shape, self.dims, self.keepdim) * _bw.const(w, g)
                out = part if out is None else out + part
        return (out,)


@op(out_dtype="same", out=True, backward=AminmaxBackward0,
    summary='(min, max) over dim (all by default), as a named tuple.',
    example='torch.tensor([[1.0, 5.0], [4.0, 2.0]]), dim=1')
def aminmax(input, *, dim=None, keepdim=False):
    d = input._data
    if dim is None:
        if d.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                               "operation has no identity.")
        dims = tuple(range(d.ndim))
    else:
        w = one_dim(dim, d.shape, "aminmax")  # validates dim on a 0-dim input too
        dims = (w,) if d.ndim else ()
        _check_nonempty(d, dims, "aminmax", ":")
    lo = np.asarray(np.amin(d, axis=dims, keepdims=keepdim))
    hi = np.asarray(np.amax(d, axis=dims, keepdims=keepdim))
    if STATE.enabled and input._rg and d.dtype.kind in "fV":
        node = AminmaxBackward0((input._grad_node(),))
        node.dims, node.keepdim = dims, keepdim
        ws = []
        for out in (lo, hi):
            kept = out if keepdim else out.reshape(kept_shape(d.shape, dims))
            mask = _ties(d, kept, nan_ties=False)  # as amin/amax: a NaN slice gets NaN grads
            with np.errstate(invalid="ignore", divide="ignore"):
                ws.append(mask / mask.sum(axis=dims, keepdims=True).astype(d.dtype))
        node.wmin, node.wmax = (w.astype(d.dtype, copy=False) for w in ws)
        return return_types.aminmax(attach(lo, node), attach(hi, node, 1))
    return return_types.aminmax(_wrap(lo), _wrap(hi))


def _arg(x, dim, keepdim, npfn, op):
    d = x._data
    if isinstance(dim, (tuple, list)):  # argument parsing comes first in PyTorch: TypeError
        one_dim(dim, d.shape, op)
    if d.dtype.kind == "b":
        raise RuntimeError(f"{op}(): does not support bool input")
    if dim is None:
        if d.size == 0:
            raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0.")
        out = np.asarray(npfn(d), dtype=_I64)
        return _wrap(out.reshape((1,) * d.ndim) if keepdim else out)
    dim = one_dim(dim, d.shape, op)
    if d.ndim == 0:
        return _wrap(np.zeros((), _I64))
    _check_nonempty(d, (dim,), op)
    return _wrap(np.asarray(npfn(d, axis=dim, keepdims=keepdim), dtype=_I64))


def _declare_arg(name, npfn, which):
    def arg(input, dim=None, keepdim=False):
        return _arg(input, dim, keepdim, npfn, name)
    arg.__name__ = arg.__qualname__ = name
    return op(out=True, out_dtype="same", summary=f'Index of the {which} element over dim (of the flattened input '
              'by default).', example='torch.tensor([[1.0, 5.0], [4.0, 2.0]]), 1')(arg)


argmax = _declare_arg("argmax", np.argmax, "largest")
argmin = _declare_arg("argmin", np.argmin, "smallest")


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_arg(g, x, dim, keepdim, onnx_op, v=None):
    """ArgMax/ArgMin (first index of ties, as PyTorch) along dim, or of the flattened x (or of
    the value `v` of x's shape when given)."""
    v = g.value(x) if v is None else v
    if dim is None:
        y = g.op(onnx_op, [g.op("Reshape", [v, g.ints([-1])])], axis=0, keepdims=0)
        return g.op("Reshape", [y, g.ints([1] * x.dim())]) if keepdim else y
    if x.dim() == 0:
        return g.op("Cast", [g.op("Mul", [v, g.value(0, x)])], to=7)
    return g.op(onnx_op, [v], axis=int(dim) % x.dim(), keepdims=int(bool(keepdim)))


def _nan_first(g, x, axes, keepdim, res, dim=None):
    """PyTorch's max/min/argmax/argmin/amax/amin answer NaN (and the first NaN's index) where a
    reduced slice holds one; onnxruntime's ReduceMax/ArgMax skip NaNs (nanmax), so the lowering
    puts them back: any = ReduceMax(IsNaN(x)) over the same axes selects NaN, or the ArgMax of
    the NaN mask, in place of the plain result. `res`: (values or None, indices or None)."""
    if x._data.dtype.kind != "f" or x.dim() == 0:
        return res
    isnan = g.to(g.op("IsNaN", [g.value(x)]), np.float32)
    anyn = g.to(g.reduce("ReduceMax", isnan, axes, keepdim), np.bool_)
    vals, idx = res
    if vals is not None:
        vals = g.op("Where", [anyn, g.const(np.asarray(np.nan, x._data.dtype)), vals])
    if idx is not None:
        idx = g.op("Where", [anyn, _onnx_arg(g, x, dim, keepdim, "ArgMax", isnan), idx])
    return vals, idx


def _onnx_extremum(reduce_op, arg_op, elementwise_op):
    def lower(g, c):
        x, dim, keepdim = c["input"], c.get("dim"), c.get("keepdim", False)
        if isinstance(dim, Tensor):  # max(input, other): the elementwise maximum
            out = c.outs[0]
            return g.op(elementwise_op, [g.cast(x, out), g.cast(dim, out)])
        if dim is None:
            return _nan_first(g, x, None, False,
                              (g.reduce(reduce_op, g.value(x), None, False), None))[0]
        if x.dim() == 0:
            return [g.op("Identity", [g.value(x)]), _onnx_arg(g, x, dim, keepdim, arg_op)]
        axis = int(dim) % x.dim()
        return list(_nan_first(g, x, [axis], keepdim,
                               (g.reduce(reduce_op, g.value(x), [axis], keepdim),
                                _onnx_arg(g, x, axis, keepdim, arg_op)), axis))
    return lower


_rule("onnx", "max")(_onnx_extremum("ReduceMax", "ArgMax", "Max"))
_rule("onnx", "min")(_onnx_extremum("ReduceMin", "ArgMin", "Min"))


def _onnx_amaxmin(reduce_op):
    def lower(g, c):
        x, dim = c["input"], c.get("dim", ())
        dims = [dim] if isinstance(dim, int) else list(dim or ())
        axes = [int(d) % (x.dim() or 1) for d in dims] or None
        axes = axes if x.dim() else None
        keep = c.get("keepdim", False)
        return _nan_first(g, x, axes, keep, (g.reduce(reduce_op, g.value(x), axes, keep), None))[0]
    return lower


def _onnx_argnan(onnx_op):
    def lower(g, c):
        x, dim, keep = c["input"], c.get("dim"), c.get("keepdim", False)
        if dim is not None and x.dim():
            dim = int(dim) % x.dim()
        idx = _onnx_arg(g, x, dim, keep, onnx_op)
        axes = None if dim is None else [dim]
        return _nan_first(g, x, axes, keep if dim is not None else False, (None, idx), dim)[1]
    return lower


_rule("onnx", "amax")(_onnx_amaxmin("ReduceMax"))
_rule("onnx", "amin")(_onnx_amaxmin("ReduceMin"))
_rule("onnx", "argmax")(_onnx_argnan("ArgMax"))
_rule("onnx", "argmin")(_onnx_argnan("ArgMin"))
