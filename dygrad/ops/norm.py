"""Fused normalisation ops: batch_norm, layer_norm, group_norm, ... (forward in NumPy; the graph
nodes and their backward formulas are in _norm_nodes.py).

Running statistics follow PyTorch: running_var is updated with the unbiased batch variance
(n / (n - 1)) while the output is normalised with the biased one. With create_graph the backward
is rebuilt from differentiable tensor ops so double backward works.
"""
import math

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ._record import attach, record
from . import _buffers
from . import _norm_checks as _checks
from . import _norm_nonfinite as _nonfinite
from ._norm_nodes import (NativeBatchNormBackward0, NativeBatchNormEvalBackward,
                          NativeLayerNormBackward0, _affine_edges, _affine_shape, _channel_dot,
                          _empty_affine, _stand_ins)
from ._layer_util import check_tensor
from .pad import pad_constant
from .pool import avg_pool2d


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalizes each channel (dim 1) to zero mean and unit variance, over the batch when training
    (updating running_mean/var in place) else with the running statistics; then weight * x +
    bias.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([[1.0, 10.0], [3.0, 30.0]])
        >>> F.batch_norm(x, torch.zeros(2), torch.ones(2), training=True)
        tensor([[-1.0000, -1.0000],
                [ 1.0000,  1.0000]])
        >>> F.batch_norm(x, torch.zeros(2), torch.ones(2))  # eval: (x - 0) / sqrt(1 + eps)
        tensor([[ 1.0000, 10.0000],
                [ 3.0000, 29.9998]])
    """
    x = input
    xd = x._data
    _checks.batch_norm_args(x, running_mean, running_var, weight, bias, training, momentum, eps)
    if training and xd.shape[0] * math.prod(xd.shape[2:]) == 0:
        # nothing to normalise (PyTorch returns the empty input through the affine map and
        # leaves the running statistics alone)
        return _empty_affine(x, weight, bias, _affine_shape(xd.ndim, 1))
    nfs = _affine_edges(x, weight, bias)
    trace = STATE.trace
    # eager: the node gets its edges at once; a capture's kernel, stand-ins for them
    needs = nfs if nfs is None or trace is None else _stand_ins(nfs)
    w, b = _d(weight), _d(bias)
    if not training:
        out, node = _bn_eval(xd, w, b, running_mean._data, running_var._data, eps, needs)
        return _recorded(out, node, nfs, x, weight, _bn_eval,
                         (x, weight, bias, running_mean, running_var, eps, needs))
    stats = (running_mean, running_var, momentum, eps, needs)
    if trace is None:
        out, node = _bn_train_eager(xd, w, b, *stats)
        return _recorded(out, node, nfs, x, weight, None, None)
    # the kernel takes the running statistics as operands and updates them in place, as here:
    # the capture is told, so that its check of the replay runs on copies of them
    if running_mean is None and running_var is None:
        out, node = _bn_train_eager(xd, w, b, *stats)
    else:
        out, node = trace.writes(lambda: _bn_train_eager(xd, w, b, *stats),
                                 [t for t in stats[:2] if t is not None])
    t = _recorded(out, node, nfs, x, weight, _bn_train,
                  (x, weight, bias, running_mean, running_var, momentum, eps, needs))
    trace.keep(t)  # replays update the statistics even when the output goes unused
    return t


def _d(t):
    return None if t is None else t._data


def _bn_train_eager(xd, w, b, running_mean, running_var, momentum, eps, needs):
    """_bn_train updating the running statistics' tensors (their versions move)."""
    res = _bn_train(xd, w, b, _d(running_mean), _d(running_var), momentum, eps, needs)
    for t in (running_mean, running_var):
        if t is not None:
            t._vc[0] += 1
    return res


def _recorded(out, node, nfs, x, weight, kernel, args):
    """A fused norm's output as a Tensor: with a graph, of `node` (edges nfs, saving x and the
    weight), replayed by the stateful `kernel(*args)`; without, replayed by its output alone."""
    if node is None:
        return record(out, None, (), replay=(_out_only, kernel, args))[0]
    node.next_functions = nfs
    if weight is None:
        node.save(x)
    else:
        node.save(x, weight)
    return attach(out, node, replay=kernel, args=args, stateful=True)


def _out_only(kernel, args):
    """A capture's kernel for a norm that records no graph: the output of kernel alone."""
    return (lambda *a: kernel(*a)[0]), args


def _bn_train(xd, w, b, rm, rv, momentum, eps, needs):
    """Training-mode batch norm of the array xd (w, b: the affine arrays or None): returns (out,
    its node, whose next_functions are `needs`, or None when needs is None); updates rm, rv (when
    given) in place. The eager op and its replay kernel."""
    axes = (0,) + tuple(range(2, xd.ndim))
    bshape = _affine_shape(xd.ndim, 1)
    n = xd.shape[0] * math.prod(xd.shape[2:])  # values per channel
    # xc lives in pooled scratch: it is private to this op and its backward node
    mean = xd.mean(axis=axes, keepdims=True)
    xc = _buffers.take(xd.shape, xd.dtype)
    np.subtract(xd, mean, out=xc)
    var = _channel_dot(xc, xc).reshape(bshape) / n
    invstd = (1.0 / np.sqrt(var + eps)).astype(xd.dtype, copy=False)
    # out = xc * (w * invstd) + b: xhat itself is never needed
    scale = invstd if w is None else invstd * w.reshape(bshape)
    out = np.multiply(xc, scale.astype(xd.dtype, copy=False))
    if b is not None:
        out += b.reshape(bshape)
    out = _nonfinite.fused_if_nonfinite(out, xd, mean, scale, b, bshape)
    if rm is not None:
        rm *= 1 - momentum
        rm += momentum * mean.reshape(-1).astype(rm.dtype, copy=False)
    if rv is not None:
        rv *= 1 - momentum
        rv += momentum * (var.reshape(-1) * (n / (n - 1))).astype(rv.dtype, copy=False)
    if needs is None:
        _buffers.give(xc)
        return out, None
    node = NativeBatchNormBackward0(needs)
    node.invstd, node.eps, node.xc, node.xhat = invstd, eps, xc, None
    _set_shapes(node, axes, axes, bshape, (xd.shape[1],), w, b)
    return out, node


def _bn_eval(xd, w, b, rm, rv, eps, needs):
    """Eval-mode batch norm (with the running statistics rm, rv): (out, node or None), as
    _bn_train."""
    axes = (0,) + tuple(range(2, xd.ndim))
    bshape = _affine_shape(xd.ndim, 1)
    mean = rm.reshape(bshape)
    invstd = 1.0 / np.sqrt(rv.reshape(bshape) + eps)
    xhat = ((xd - mean) * invstd).astype(xd.dtype, copy=False)
    if w is not None:
        out = np.multiply(xhat, w.reshape(bshape))
        if b is not None:
            out += b.reshape(bshape)
    elif b is not None:
        out = np.add(xhat, b.reshape(bshape))
    else:
        out = xhat.copy()
    sc = invstd if w is None else invstd * w.reshape(bshape)
    out = _nonfinite.fused_if_nonfinite(out, xd, mean, sc, b, bshape)
    if needs is None:
        return out, None
    node = NativeBatchNormEvalBackward(needs)
    node.scale = sc.astype(xd.dtype, copy=False)
    node.invstd_b = invstd.astype(xd.dtype, copy=False)
    node.xhat = xhat
    _set_shapes(node, axes, axes, bshape, (xd.shape[1],), w, b)
    return out, node


def _set_shapes(node, axes, sum_axes, bshape, wshape, w, b):
    node.axes, node.sum_axes, node.bshape, node.wshape = axes, sum_axes, bshape, wshape
    node.has_w, node.has_b = w is not None, b is not None


def layer_norm(input: Tensor, normalized_shape: int | list[int] | tuple[int, ...],
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalizes over the last len(normalized_shape) dims of each sample, then weight * x + bias.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.layer_norm(torch.tensor([[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]]), (3,))
        tensor([[-1.2247,  0.0000,  1.2247],
                [ 0.0000,  0.0000,  0.0000]])
    """
    x = input
    xd = x._data
    normalized_shape = _checks.normalized_shape_arg(normalized_shape)
    _checks.layer_norm_args(x, normalized_shape, weight, bias)
    if xd.size == 0:
        return _empty_affine(x, weight, bias, normalized_shape)
    nfs = _affine_edges(x, weight, bias)
    needs = nfs if nfs is None or STATE.trace is None else _stand_ins(nfs)
    k = len(normalized_shape)
    out, node = _ln(xd, _d(weight), _d(bias), k, eps, needs)
    return _recorded(out, node, nfs, x, weight, _ln, (x, weight, bias, k, eps, needs))


def _ln(xd, w, b, k, eps, needs):
    """Layer norm of the array xd over its last k dims: (out, its node, whose next_functions are
    `needs`, or None when needs is None). The eager op and its replay kernel."""
    if xd.dtype.kind == "V" or (xd.dtype.itemsize == 2 and (  # bfloat16, or float16 beside
            (w is not None and w.dtype != xd.dtype) or (b is not None and b.dtype != xd.dtype))):
        # float32 parameters: statistics in float32, what is kept rounded to the input's dtype
        f = np.float32
        out, node = _ln(xd.astype(f), None if w is None else w.astype(f),
                        None if b is None else b.astype(f), k, eps, needs)
        return out.astype(xd.dtype), node
    axes = tuple(range(xd.ndim - k, xd.ndim))
    mean = xd.mean(axis=axes, keepdims=True)
    xc = xd - mean
    var = np.mean(xc * xc, axis=axes, keepdims=True)
    invstd = (1.0 / np.sqrt(var + eps)).astype(xd.dtype, copy=False)
    xhat = xc * invstd
    out = xhat
    if w is not None:
        out = out * w
    if b is not None:
        out = out + b
    if needs is None:
        return out, None
    node = NativeLayerNormBackward0(needs)
    # xhat is not kept: backward recomputes it from the saved x (see NativeLayerNormBackward0)
    node.xhat, node.invstd, node.eps, node.xc, node.mean = None, invstd, eps, None, mean
    nshape = xd.shape[xd.ndim - k:]
    _set_shapes(node, axes, tuple(range(xd.ndim - k)), nshape, nshape, w, b)
    return out, node


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Splits the C channels of an (N, C, *) input into num_groups groups and normalizes each group
    of each sample.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([[1.0, 3.0, 10.0, 20.0]])
        >>> F.group_norm(x, 2)
        tensor([[-1.0000,  1.0000, -1.0000,  1.0000]])
    """
    x = input
    _checks.group_norm_args(x, num_groups, weight, bias)
    xd = x._data
    n = xd.shape[0]
    bshape = _affine_shape(xd.ndim, 1)
    if xd.size == 0:
        return _empty_affine(x, weight, bias, bshape)
    if weight is not None and not np.isfinite(weight._data).all():
        return _nonfinite.group_norm(x, num_groups, weight, bias, eps)
    grouped = x.reshape(n, num_groups, -1)
    normed = layer_norm(grouped, grouped._data.shape[-1:], None, None, eps).reshape(xd.shape)
    if weight is not None:
        normed = normed * weight.reshape(bshape)
    if bias is not None:
        normed = normed + bias.reshape(bshape)
    if normed.dtype is not x.dtype:  # float32 parameters of a low-precision input: its dtype
        normed = normed.to(x.dtype)
    if weight is not None and STATE.trace is not None:
        # the choice above depends on the weight's values: a replay makes it again
        return _guarded(normed, x, num_groups, weight, bias, eps)
    return normed


def _guarded(normed, x, groups, weight, bias, eps):
    """normed through group_norm's guard op (see _norm_nonfinite.GroupNormGuardBackward)."""
    ins = (normed, x, weight) + (() if bias is None else (bias,))
    nfs = None
    if STATE.enabled and any(t._rg for t in ins):
        nfs = tuple([t._grad_node() for t in ins])
    needs = None if nfs is None else _stand_ins(nfs)
    out, node = _nonfinite.group_norm_guard(normed._data, x._data, weight._data, _d(bias),
                                            groups, eps, needs)
    return _recorded(out, node, nfs, x, weight, _nonfinite.group_norm_guard,
                     (normed, x, weight, bias, groups, eps, needs))


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-5) -> Tensor:
    """Batch norm of the input seen as one sample with N*C channels (PyTorch's definition):
    the per-channel arguments are repeated N times and the running statistics get the mean of
    the N per-sample updates.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([[[1.0, 3.0], [0.0, 4.0]]])
        >>> F.instance_norm(x)
        tensor([[[-1.0000,  1.0000],
                 [-1.0000,  1.0000]]])
    """
    x = input
    shape = x._data.shape
    if use_input_stats:
        _checks.spatial_more_than_one(shape)
    elif running_mean is None or running_var is None:
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    if len(shape) < 2:
        raise IndexError(f"instance_norm: expected an input with a channel dim (2D or more), "
                         f"got input of size {list(shape)}")
    b, c = shape[0], shape[1]
    dt = x._data.dtype
    stats = [None if t is None else record(_tile(t._data, b, dt), None, (), replay=_tile,
                                           args=(t, b, dt), name="tile")[0]
             for t in (running_mean, running_var)]
    w = weight.repeat(b) if weight is not None else None
    bb = bias.repeat(b) if bias is not None else None
    out = batch_norm(x.reshape((1, b * c) + shape[2:]), stats[0], stats[1], w, bb,
                     use_input_stats, momentum, eps)
    if use_input_stats and b:
        for t, rep in zip((running_mean, running_var), stats):
            if t is not None:
                _average_into(t, rep, b, c)
    return out.reshape(shape)


def _tile(a, b, dt):
    return np.tile(a, b).astype(dt, copy=False)


def _mean_into(a, rep, b, c):
    """Writes the mean of rep's b per-sample statistics (b * c values) into a (c values); returns
    an empty array (the output of the op a capture records for this write)."""
    a[...] = rep.reshape(b, c).mean(axis=0)
    return np.empty(0, a.dtype)


def _count_mean_into(t, rep, b, c):
    _mean_into(t._data, rep._data, b, c)
    t._vc[0] += 1


def _average_into(t, rep, b, c):
    """instance_norm's update of the running statistic t from the batch norm's per-sample ones;
    a capture records it as an op that replays always (Trace.keep), writing t as eager does."""
    trace = STATE.trace
    if trace is None:
        _count_mean_into(t, rep, b, c)
        return
    trace.writes(lambda: _count_mean_into(t, rep, b, c), [t])
    done = record(np.empty(0, t._data.dtype), None, (), replay=_mean_into, args=(t, rep, b, c),
                  name="running_stat_average")[0]
    trace.keep(done)


def local_response_norm(input: Tensor, size: int, alpha: float = 0.0001, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Divides each element by (k + alpha * mean of squares over `size` neighbouring channels)
    ** beta; the window is an average pool over the channel axis (zero-padded), so the gradient
    comes from the pool and pad ops.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.ones(1, 3, 2)  # (N, C, L)
        >>> F.local_response_norm(x, size=2, alpha=1.0, beta=1.0)
        tensor([[[0.6667, 0.6667],
                 [0.5000, 0.5000],
                 [0.5000, 0.5000]]])
    """
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} dimensions)")
    sq = (input * input).unsqueeze(1)
    if input.dim() == 3:
        sq = pad_constant(sq, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(sq, (size, 1), stride=1).squeeze(1)
    else:
        shp = input.shape
        sq = sq.reshape(shp[0], 1, shp[1], shp[2], -1)
        sq = pad_constant(sq, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        s = sq.shape
        div = avg_pool2d(sq.reshape(s[0], 1, s[2], -1), (size, 1), stride=1)
        div = div.reshape(shp[0], 1, shp[1], shp[2], -1).squeeze(1).reshape(shp)
    return input / (div * alpha + k) ** beta


def rms_norm(input: Tensor, normalized_shape: int | list[int] | tuple[int, ...],
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """Divides by the root mean square over the last len(normalized_shape) dims (eps added inside
    the root), then scales by `weight`.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.rms_norm(torch.tensor([[3.0, 4.0], [1.0, 1.0]]), (2,))
        tensor([[0.8485, 1.1314],
                [1.0000, 1.0000]])
    """
    check_tensor(input, "input", "rms_norm")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if tuple(input.shape[input.dim() - k:]) != shape:
        raise RuntimeError(f"rms_norm: normalized_shape {list(shape)} does not match the last dims of "
                           f"the input of shape {list(input.shape)}")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps) if input._data.dtype.kind in "fV" else 1.1920928955078125e-07
    dims = tuple(range(input.dim() - k, input.dim()))
    out = input * (input * input).mean(dims, keepdim=True).add(eps).rsqrt()
    return out if weight is None else out * weight


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


@_rule("onnx", "batch_norm")
def _onnx_batch_norm(g, c):
    x, mean, var = c["input"], c.get("running_mean"), c.get("running_var")
    w, b = c.get("weight"), c.get("bias")
    if c.get("training", False) or mean is None or var is None:
        # the batch's statistics (biased variance), over every axis but the channels'
        return _onnx_normalize(g, g.value(x), [0] + list(range(2, x.dim())), c.get("eps", 1e-5),
                               x, w, b)
    ch = x.shape[1]
    scale = g.value(w) if w is not None else g.const(np.ones(ch, x._data.dtype))
    shift = g.value(b) if b is not None else g.const(np.zeros(ch, x._data.dtype))
    return g.op("BatchNormalization", [g.value(x), scale, shift, g.value(mean), g.value(var)],
                epsilon=float(c.get("eps", 1e-5)))


@_rule("onnx", "layer_norm")
def _onnx_layer_norm(g, c):
    x = c["input"]
    ns = c["normalized_shape"]
    ns = [ns] if isinstance(ns, int) else list(ns)
    if g.opset < 17:
        return None  # LayerNormalization is an opset-17 op
    w, b = c.get("weight"), c.get("bias")
    dt = x._data.dtype
    scale = g.value(w) if w is not None else g.const(np.ones(ns, dt))
    ins = [g.value(x), scale] + ([g.value(b)] if b is not None else [])
    return g.op("LayerNormalization", ins, axis=-len(ns), epsilon=float(c.get("eps", 1e-5)))


def _onnx_normalize(g, v, axes, eps, x, w=None, b=None, shape=None):
    """(v - mean) / sqrt(var + eps) over axes (biased variance), reshaped to `shape` (a value
    name) when given, then times w and plus b along x's channel axis 1."""
    mean = g.reduce("ReduceMean", v, axes, True)
    d = g.op("Sub", [v, mean])
    var = g.reduce("ReduceMean", g.op("Mul", [d, d]), axes, True)
    y = g.op("Div", [d, g.op("Sqrt", [g.op("Add", [var, g.value(float(eps), x)])])])
    if shape is not None:
        y = g.op("Reshape", [y, shape])
    bshape = g.ints([-1] + [1] * (x.dim() - 2))
    if w is not None:
        y = g.op("Mul", [y, g.op("Reshape", [g.value(w), bshape])])
    if b is not None:
        y = g.op("Add", [y, g.op("Reshape", [g.value(b), bshape])])
    return y


@_rule("onnx", "group_norm")
def _onnx_group_norm(g, c):
    x = c["input"]
    v = g.value(x)
    grouped = g.op("Reshape", [v, g.ints([0, int(c["num_groups"]), -1])])
    return _onnx_normalize(g, grouped, [2], c.get("eps", 1e-5), x, c.get("weight"),
                           c.get("bias"), g.op("Shape", [v]))


@_rule("onnx", "instance_norm")
def _onnx_instance_norm(g, c):
    x = c["input"]
    if not c.get("use_input_stats", True):
        return None
    return _onnx_normalize(g, g.value(x), list(range(2, x.dim())), c.get("eps", 1e-5), x,
                           c.get("weight"), c.get("bias"))
