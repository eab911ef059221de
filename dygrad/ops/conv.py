"""Convolutions (1-D, 2-D, transposed 2-D): the public functions, their autograd nodes and the
differentiable (create_graph) backward. The arithmetic on arrays (im2col and whole-batch GEMMs)
lives in _conv_gemm. The patches stay alive only while the weight still needs its gradient,
then go back to the pool. Under dygrad.jit a convolution replays through the array function
its eager op calls (_conv_fwd), a stateful kernel: the node it returns holds the columns.
"""
import numpy as np

from .._tensor import Tensor, _wrap
from ._record import attach, record
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from . import _buffers, _conv_gemm
from ._window_args import check_conv
from ..amp._state import STATE as _AC, cast as _autocast


def _same_padding(k, d):
    # PyTorch's 'same': the total d*(k-1) split with the extra element on the far side
    total = d * (k - 1)
    return total // 2, total - total // 2


# Geometry per call signature (shapes, padding, strides): computed once per layer shape
_GEOMETRIES = {}


def _conv_node(node_cls, x, weight, bias):
    """node_cls over (x, weight[, bias]), saving x and weight; None when no grad is recorded."""
    if not STATE.enabled or not (x._rg or weight._rg or (bias is not None and bias._rg)):
        return None
    nfs = (x._grad_node(), weight._grad_node())
    if bias is not None:
        nfs += (bias._grad_node(),)
    node = node_cls(nfs)
    node.save(x, weight)
    return node


class ConvolutionBackward0(Node):
    # cols: the forward's patch matrix (pooled scratch, kept only when the weight needs a grad);
    # geo: the call's _conv_gemm.Geometry (constants only); wk: the forward's copy of the
    # kernel over its active taps, kept for the input gradient (None when it is w itself);
    # once: a replay's node, whose one backward gives the columns back
    __slots__ = ("cols", "wk", "geo", "has_bias", "once")

    def backward(self, g, x, w):
        if isinstance(g, Tensor):
            geo = self.geo
            g = g.reshape(geo.xshape[0], geo.wshape[0], geo.oh, geo.ow)
            return _conv_backward_graph(self, g, x, w)
        nf = self.next_functions
        gx, gw, gb = _conv_gemm.backward(
            g, x, w, self.cols, self.wk, self.geo, nf[0][0] is not None, nf[1][0] is not None,
            self.has_bias and nf[2][0] is not None)
        if self.once:
            self._release_extra()
        return (gx, gw, gb) if self.has_bias else (gx, gw)

    def _release_extra(self):
        cols = self.cols
        self.wk = None
        if cols is not None:
            self.cols = None
            _buffers.give(cols)


def _conv_backward_graph(node, g, x, w):
    """Differentiable backward (create_graph): express the gradients as convolutions."""
    geo = node.geo
    sh, sw, dh, dw, oh, ow = geo.sh, geo.sw, geo.dh, geo.dw, geo.oh, geo.ow
    (pt, pb), (pl, pr) = geo.pads
    G = geo.groups
    nf = node.next_functions
    gx = gw = gb = None
    if nf[0][0] is not None:
        # transposed convolution of g with w gives the input gradient
        hp = x.shape[2] + pt + pb
        wp = x.shape[3] + pl + pr
        out_pad = (hp - ((oh - 1) * sh + dh * (w.shape[2] - 1) + 1),
                   wp - ((ow - 1) * sw + dw * (w.shape[3] - 1) + 1))
        full = conv_transpose2d(g, w, None, (sh, sw), 0, out_pad, G, (dh, dw))
        gx = full[:, :, pt:pt + x.shape[2], pl:pl + x.shape[3]]
    if nf[1][0] is not None:
        # correlate input with g: swap batch and channel roles
        xp = x
        if pt or pb or pl or pr:
            from .pad import pad_constant
            xp = pad_constant(x, (pl, pr, pt, pb), 0.0)
        o = w.shape[0]
        cg = w.shape[1]
        parts = []
        for i in range(G):
            xi = xp[:, i * cg:(i + 1) * cg].transpose(0, 1)  # (Cg, N, H, W)
            gi = g[:, i * (o // G):(i + 1) * (o // G)].transpose(0, 1)  # (Og, N, OH, OW)
            r = conv2d(xi, gi, None, (dh, dw), 0, (sh, sw), 1)  # (Cg, Og, kh', kw')
            parts.append(r[:, :, :w.shape[2], :w.shape[3]].transpose(0, 1))
        from .shape import cat
        gw = parts[0] if G == 1 else cat(parts, 0)
    if node.has_bias and nf[2][0] is not None:
        gb = g.sum(dim=(0, 2, 3))
    out = (gx, gw)
    return out + (gb,) if node.has_bias else out


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
           stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] | str = 0,
           dilation: int | tuple[int, ...] = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation of an (N, C_in, H, W) (or (C_in, H, W)) input with a (C_out, C_in /
    groups, kH, kW) weight; output (N, C_out, H_out, W_out).

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.arange(9.0).reshape(1, 1, 3, 3)
        >>> F.conv2d(x, torch.ones(1, 1, 2, 2))
        tensor([[[[ 8., 12.],
                  [20., 24.]]]])
        >>> F.conv2d(torch.ones(2, 3, 8, 8), torch.ones(4, 3, 3, 3), stride=2, padding=1).shape
        torch.Size([2, 4, 4, 4])
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, weight, bias = _autocast('conv2d', input, weight, bias)
    (sh, sw), p, (dh, dw), _, groups = check_conv(
        "conv2d", input, weight, bias, stride, padding, dilation, groups, 2)
    kh, kw = weight._data.shape[2:]
    if p == "same":
        pads = (_same_padding(kh, dh), _same_padding(kw, dw))
    elif p == "valid":
        pads = ((0, 0), (0, 0))
    else:
        pads = ((p[0], p[0]), (p[1], p[1]))
    return _conv2d(input, weight, bias, sh, sw, pads, dh, dw, groups)


def _conv2d(x, weight, bias, sh, sw, pads, dh, dw, groups, one_d=False):
    """The convolution itself, on checked arguments; pads = ((top, bottom), (left, right)).
    The result has no batch dim for an unbatched input and no height dim when one_d (conv1d's
    input with a height of 1): reshaped arrays, not views (a traced function may return it)."""
    unbatched = x._data.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    xd, wd = x._data, weight._data
    drop = ((0,) if unbatched else ()) + ((2,) if one_d else ())
    key = (xd.shape, wd.shape, pads, sh, sw, dh, dw, groups, drop)
    geo = _GEOMETRIES.get(key)
    if geo is None:
        if len(_GEOMETRIES) > 256:
            _GEOMETRIES.clear()
        geo = _GEOMETRIES[key] = _conv_gemm.Geometry(*key)
    bd = None if bias is None else bias._data
    if STATE.enabled and (x._rg or weight._rg or (bias is not None and bias._rg)):
        nfs = (x._grad_node(), weight._grad_node())
        if bias is not None:
            nfs += (bias._grad_node(),)
        needs = tuple([_NO_EDGE if nf is None else _NEEDED for nf, _ in nfs])
        out, node = _conv_fwd(xd, wd, bd, geo, needs)
        node.next_functions = nfs
        node.save(x, weight)
        t = attach(out, node, replay=_conv_replay, args=(x, weight, bias, geo, needs),
                   stateful=True)
    else:
        out = _conv_fwd(xd, wd, bd, geo, None)[0]
        t = record(out, None, (), replay=_conv_out, args=(x, weight, bias, geo))[0]
    return t


# stand-ins for a node's edges that only say which inputs take a gradient (all the backward
# reads of next_functions): a replay's fresh node has them, not the graph's nodes
_NEEDED, _NO_EDGE = (True, 0), (None, 0)


def _conv_fwd(xd, wd, bd, geo, needs, once=False):
    """The convolution of arrays: (out, its node without edges, or None when needs is None).
    needs: per input, whether it takes a gradient (stand-in edges). The eager op and, with
    once=True (the node gives its columns back after its one backward), the replay kernel."""
    out, cols, wk = _conv_gemm.forward(xd, wd, bd, geo)
    if needs is None:
        _buffers.give(cols)
        return out, None
    node = ConvolutionBackward0(needs)
    if needs[1][0] is not None:
        node.cols = cols
    else:
        node.cols = None
        _buffers.give(cols)
    node.wk = wk if geo.sub is not None and needs[0][0] is not None else None
    node.geo = geo
    node.has_bias = bd is not None
    node.once = once
    return out, node


def _conv_replay(xd, wd, bd, geo, needs):
    return _conv_fwd(xd, wd, bd, geo, needs, True)


def _conv_out(xd, wd, bd, geo):
    return _conv_fwd(xd, wd, bd, geo, None)[0]


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
           stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] | str = 0,
           dilation: int | tuple[int, ...] = 1, groups: int = 1) -> Tensor:
    """1-D cross-correlation of an (N, C_in, L) (or (C_in, L)) input with a (C_out, C_in / groups,
    K) weight; padding may be an int, a tuple, 'valid' or 'same'.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([[[1.0, 2.0, 3.0, 4.0]]])
        >>> F.conv1d(x, torch.tensor([[[1.0, 0.0, -1.0]]]), padding=1)
        tensor([[[-2., -2., -2.,  3.]]])
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, weight, bias = _autocast('conv1d', input, weight, bias)
    (s,), p, (d,), _, groups = check_conv(
        "conv1d", input, weight, bias, stride, padding, dilation, groups, 1)
    if p == "same":
        pad = _same_padding(weight._data.shape[2], d)
    else:
        pad = (0, 0) if p == "valid" else (p[0], p[0])
    return _conv2d(input.unsqueeze(-2), weight.unsqueeze(2), bias, 1, s, ((0, 0), pad), 1, d,
                   groups, True)


class ConvTranspose2dBackward(Node):
    # gshape: the (N, C_out, H_out, W_out) of g (the output may show fewer dims)
    __slots__ = ("geom", "groups", "has_bias", "xshape", "gshape")

    def backward(self, g, x, w):
        # the adjoint of a transposed convolution is a plain convolution
        gt = (g if isinstance(g, Tensor) else _wrap(g)).reshape(self.gshape)
        nf = self.next_functions
        gx = gw = gb = None
        xt = x if isinstance(x, Tensor) else _wrap(x)
        wt = w if isinstance(w, Tensor) else _wrap(w)
        grad_mode = isinstance(g, Tensor)
        prev = STATE.enabled
        STATE.enabled = grad_mode
        try:
            if 0 in self.xshape or 0 in gt._data.shape:
                # an empty batch, or an empty output (PyTorch's float kernel allows it): no
                # input position reached the output, and the convolutions below may refuse g
                # (zero dilation, output_padding past stride and dilation, an empty plane)
                if nf[0][0] is not None:
                    gx = _wrap(np.zeros(self.xshape, xt._data.dtype))
                if nf[1][0] is not None:
                    gw = _wrap(np.zeros(wt.shape, wt._data.dtype))
            else:
                gx, gw = self._conv_grads(gt, xt, wt, nf)
            if self.has_bias and nf[2][0] is not None:
                gb = gt.sum(dim=(0, 2, 3))
        finally:
            STATE.enabled = prev
        res = [gx, gw] + ([gb] if self.has_bias else [])
        if not grad_mode:
            res = [r._data if r is not None else None for r in res]
        return tuple(res)

    def _conv_grads(self, gt, xt, wt, nf):
        """Input and weight gradients, each a plain convolution of g."""
        sh, sw, ph, pw, dh, dw = self.geom
        gx = gw = None
        if nf[0][0] is not None:
            gx = conv2d(gt, wt, None, (sh, sw), (ph, pw), (dh, dw), self.groups)
            h, w_ = self.xshape[-2:]
            if gx.shape[-2:] != (h, w_):
                # output_padding >= stride (allowed below the dilation) adds taps past
                # the last input position: they have no input to flow back to
                gx = gx[..., :h, :w_]
        if nf[1][0] is not None:
            G = self.groups
            cin = xt.shape[1]
            cg = cin // G
            og = wt.shape[1]
            parts = []
            for i in range(G):
                gi = gt[:, i * og:(i + 1) * og].transpose(0, 1)  # (Og, N, H', W')
                xi = xt[:, i * cg:(i + 1) * cg].transpose(0, 1)  # (Cg, N, H, W)
                r = conv2d(gi, xi, None, (dh, dw), (ph, pw), (sh, sw), 1)  # (Og, Cg, kh, kw)
                parts.append(r[:, :, :wt.shape[2], :wt.shape[3]].transpose(0, 1))
            from .shape import cat
            gw = parts[0] if G == 1 else cat(parts, 0)
        return gx, gw


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
                     output_padding: int | tuple[int, ...] = 0, groups: int = 1,
                     dilation: int | tuple[int, ...] = 1) -> Tensor:
    """Transposed 2-D convolution with a (C_in, C_out / groups, kH, kW) weight: each input element
    spreads a scaled copy of the kernel.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.conv_transpose2d(torch.ones(1, 1, 2, 2), torch.ones(1, 1, 2, 2))
        tensor([[[[1., 2., 1.],
                  [2., 4., 2.],
                  [1., 2., 1.]]]])
        >>> F.conv_transpose2d(torch.ones(1, 4, 5, 5), torch.ones(4, 2, 3, 3), stride=2).shape
        torch.Size([1, 2, 11, 11])
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, weight, bias = _autocast('conv_transpose2d', input, weight, bias)
    s, p, d, op_, G = check_conv("conv_transpose2d", input, weight, bias, stride, padding, dilation,
                                 groups, 2, True, output_padding)
    return _conv_transpose2d(input, weight, bias, s, p, op_, d, G)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
                     output_padding: int | tuple[int, ...] = 0, groups: int = 1,
                     dilation: int | tuple[int, ...] = 1) -> Tensor:
    """Transposed 1-D convolution (the gradient of conv1d with respect to its input) with a (C_in,
    C_out / groups, K) weight.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.conv_transpose1d(torch.tensor([[[1.0, 2.0]]]), torch.tensor([[[1.0, 1.0, 1.0]]]))
        tensor([[[1., 3., 3., 2.]]])
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, weight, bias = _autocast('conv_transpose1d', input, weight, bias)
    # checked as 1-D (errors name conv_transpose1d and 1-D shapes), then run as a 2-D transposed
    # convolution over a height-1 plane with a height-1 kernel: the height axis adds nothing
    (s,), (p,), (d,), (op_,), G = check_conv(
        "conv_transpose1d", input, weight, bias, stride, padding, dilation, groups, 1, True,
        output_padding)
    return _conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(2), bias, (1, s), (0, p),
                             (0, op_), (1, d), G, True)


def _conv_transpose2d(x, weight, bias, stride, padding, output_padding, dilation, G,
                      one_d=False):
    """The transposed convolution itself, on checked arguments (pairs of ints); the result
    has no batch dim for an unbatched input, no height dim when one_d (a reshaped array, as
    _conv2d's)."""
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = stride, padding, output_padding, dilation
    unbatched = x._data.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    drop = ((0,) if unbatched else ()) + ((2,) if one_d else ())
    args = (x, weight, bias, (sh, sw, ph, pw, oph, opw, dh, dw), G, drop)
    out = _conv_transpose_out(x._data, weight._data, None if bias is None else bias._data,
                              *args[3:])
    node = _conv_node(ConvTranspose2dBackward, x, weight, bias)
    if node is not None:
        node.geom = (sh, sw, ph, pw, dh, dw)
        node.groups = G
        node.has_bias = bias is not None
        node.xshape = x._data.shape
        node.gshape = _conv_transpose_out(None, weight._data, None, *args[3:5], (), x._data.shape)
        return attach(out, node, replay=_conv_transpose_out, args=args)
    return record(out, None, (), replay=_conv_transpose_out, args=args)[0]


def _conv_transpose_out(xd, wd, bd, geom, G, drop, xshape=None):
    """The transposed convolution of arrays (the eager op and its replay kernel): each input
    pixel's contribution scattered, cols = W^T x, then col2im with kh*kw strided adds."""
    sh, sw, ph, pw, oph, opw, dh, dw = geom
    n, cin, h, w_ = xd.shape if xd is not None else xshape
    og, kh, kw = wd.shape[1], wd.shape[2], wd.shape[3]
    oh = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    ow = (w_ - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    if xd is None:  # (only the output's shape)
        return (n, og * G, oh, ow)
    cg = cin // G
    full = np.zeros((n, og * G, oh + 2 * ph, ow + 2 * pw), dtype=xd.dtype)
    x3 = xd.reshape(n, cin, h * w_)
    for gi in range(G if h and w_ else 0):  # an empty plane (empty batch) scatters nothing
        wmat = wd[gi * cg:(gi + 1) * cg].reshape(cg, og * kh * kw)
        cols = np.matmul(wmat.T, x3[:, gi * cg:(gi + 1) * cg]).reshape(n, og, kh, kw, h, w_)
        for i in range(kh):
            for j in range(kw):
                full[:, gi * og:(gi + 1) * og, i * dh:i * dh + sh * (h - 1) + 1:sh,
                     j * dw:j * dw + sw * (w_ - 1) + 1:sw] += cols[:, :, i, j]
    out = np.ascontiguousarray(full[:, :, ph:ph + oh, pw:pw + ow])
    if bd is not None:
        out += bd.reshape(1, -1, 1, 1)
    if drop:
        out = out.reshape([d for i, d in enumerate(out.shape) if i not in drop])
    return out


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_tuple(v, n):
    return [int(v)] * n if isinstance(v, int) else [int(a) for a in v]


def _onnx_conv(g, c):
    x, w, b = c["input"], c["weight"], c.get("bias")
    n = w.dim() - 2
    dil = _onnx_tuple(c.get("dilation", 1), n)
    pad = c.get("padding", 0)
    if isinstance(pad, str):
        if pad == "valid":
            pad = [0] * n * 2
        else:  # "same": PyTorch puts an odd extra on the end side
            tot = [d * (k - 1) for d, k in zip(dil, w.shape[2:])]
            pad = [t // 2 for t in tot] + [t - t // 2 for t in tot]
    else:
        pad = _onnx_tuple(pad, n) * 2
    ins = [g.value(x), g.value(w)] + ([g.value(b)] if b is not None else [])
    return g.op("Conv", ins, kernel_shape=list(w.shape[2:]), strides=_onnx_tuple(
        c.get("stride", 1), n), pads=pad, dilations=dil, group=int(c.get("groups", 1)))


for _name in ("conv1d", "conv2d", "conv3d"):
    _rule("onnx", _name)(_onnx_conv)


def _onnx_conv_transpose(g, c):
    x, w, b = c["input"], c["weight"], c.get("bias")
    n = w.dim() - 2
    xv = g.value(x)
    unbatched = x.dim() == n + 1
    if unbatched:
        xv = g.op("Unsqueeze", [xv, g.ints([0])])
    ins = [xv, g.value(w)] + ([g.value(b)] if b is not None else [])
    y = g.op("ConvTranspose", ins, kernel_shape=list(w.shape[2:]),
             strides=_onnx_tuple(c.get("stride", 1), n),
             pads=_onnx_tuple(c.get("padding", 0), n) * 2,
             output_padding=_onnx_tuple(c.get("output_padding", 0), n),
             dilations=_onnx_tuple(c.get("dilation", 1), n), group=int(c.get("groups", 1)))
    return g.op("Squeeze", [y, g.ints([0])]) if unbatched else y


for _name in ("conv_transpose1d", "conv_transpose2d", "conv_transpose3d"):
    _rule("onnx", _name)(_onnx_conv_transpose)
