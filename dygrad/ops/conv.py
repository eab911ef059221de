"""Convolutions (1-D, 2-D, transposed 2-D) through im2col and BLAS matmul.

The patch matrix (C*kh*kw, N*OH*OW) is built by slice copies into a pooled scratch array (see
_im2col). Forward: one small GEMM per sample, W (O, K) @ patches (K, OH*OW), lands directly in
NCHW order. Weight gradient: per-sample products summed when K is small, else one GEMM
patches (K, N*P) @ g.T. Input gradient: for stride 1 with O <= C, a correlation of the padded g
with the flipped kernel (copies instead of read-modify-write passes); otherwise per-sample
W.T @ g scattered back with one strided add per kernel tap.
The patches stay alive only while the weight still needs its gradient, then go back to the pool.
"""
import numpy as np

from .._tensor import Tensor, _wrap
from ._record import attach
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from . import _buffers, _im2col
from ._window_args import check_conv


def _same_padding(k, d):
    # PyTorch's 'same': the total d*(k-1) split with the extra element on the far side
    total = d * (k - 1)
    return total // 2, total - total // 2


def _out_size(size, k, s, p0, p1, d):
    return (size + p0 + p1 - d * (k - 1) - 1) // s + 1


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
    # cols: the forward's patch matrix (pooled scratch, kept only when the weight needs a grad)
    __slots__ = ("cols", "xshape", "pads", "geom", "groups", "has_bias")

    def backward(self, g, x, w):
        if isinstance(g, Tensor):
            return _conv_backward_graph(self, g, x, w)
        nf = self.next_functions
        n = self.xshape[0]
        o, cg, kh, kw = w.shape
        sh, sw, dh, dw, oh, ow = self.geom
        G = self.groups
        og, k, p = o // G, cg * kh * kw, oh * ow
        g3 = g.reshape(n, o, p)
        gx = gw = gb = None
        if nf[1][0] is not None:
            gw = np.ascontiguousarray(_weight_grad(g3, self.cols, n, p, G, og, k)).reshape(w.shape)
        if self.has_bias and nf[2][0] is not None:
            gb = g3.sum(axis=2).sum(axis=0)
        if nf[0][0] is not None:
            gx = _input_grad(g3, w, self.xshape, self.pads, self.geom, G)
        out = (gx, gw)
        return out + (gb,) if self.has_bias else out

    def _release_extra(self):
        cols = self.cols
        if cols is not None:
            self.cols = None
            _buffers.give(cols)


def _input_grad(g3, w, xshape, pads, geom, G):
    n, c, h, wd = xshape
    o, cg, kh, kw = w.shape
    sh, sw, dh, dw, oh, ow = geom
    (pt, pb), (pl, pr) = pads
    # stride 1: the input gradient is the correlation of g, padded to 'full', with the flipped,
    # transposed kernel; when O <= C its patch matrix is no bigger than the column gradient's
    # and copies replace kh*kw read-modify-write passes
    qt, qb = dh * (kh - 1) - pt, dh * (kh - 1) - pb
    ql, qr = dw * (kw - 1) - pl, dw * (kw - 1) - pr
    if sh == sw == 1 and G == 1 and o <= c and min(qt, qb, ql, qr) >= 0:
        wr = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)).reshape(c, o * kh * kw)
        gx = _im2col.correlate(g3.reshape(n, o, oh, ow), ((qt, qb), (ql, qr)), wr,
                               kh, kw, 1, 1, dh, dw, h, wd)
        return gx.reshape(xshape)
    og, k, p = o // G, cg * kh * kw, oh * ow
    wm = w.reshape(o, k)
    dcols = _buffers.take((n, G * k, p), g3.dtype)
    if G == 1:
        np.matmul(wm.T, g3, out=dcols)
    else:
        for i in range(G):
            np.matmul(wm[i * og:(i + 1) * og].T, g3[:, i * og:(i + 1) * og],
                      out=dcols[:, i * k:(i + 1) * k])
    gx = _im2col.col2im(dcols, xshape, pads, kh, kw, sh, sw, dh, dw, oh, ow)
    _buffers.give(dcols)
    return gx


def _weight_grad(g3, cols, n, p, G, og, k):
    """sum over samples and positions of g (N, O, P) times the columns: (O, K) per group."""
    npos = n * p
    if k <= 64:
        # few rows: per-sample products summed beat one GEMM with a batch-long contraction
        v = _im2col.per_sample(cols, n, p)
        parts = [np.matmul(g3[:, i * og:(i + 1) * og],
                           v[:, i * k:(i + 1) * k].transpose(0, 2, 1)).sum(0) for i in range(G)]
    else:
        # one GEMM over the whole batch, g (O, NP) @ columns.T (NP, K), straight into the
        # gradient's (O, K) layout: the other product order is a little faster on its own, but
        # its transposed result then needs a copy of O*K elements, which cost up to 15x the
        # product in ResNet-18's last stage (K=4608, NP=16, O=512: 15.8 ms against 1.0 ms)
        o = g3.shape[1]
        gt = _buffers.take((o, npos), g3.dtype)
        gt.reshape(o, n, p)[...] = g3.transpose(1, 0, 2)
        parts = [np.matmul(gt[i * og:(i + 1) * og], cols[i * k:(i + 1) * k, :npos].T)
                 for i in range(G)]
        _buffers.give(gt)
    return parts[0] if G == 1 else np.concatenate(parts)


def _conv_backward_graph(node, g, x, w):
    """Differentiable backward (create_graph): express the gradients as convolutions."""
    sh, sw, dh, dw, oh, ow = node.geom
    (pt, pb), (pl, pr) = node.pads
    G = node.groups
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


def _conv2d(x, weight, bias, sh, sw, pads, dh, dw, groups):
    """The convolution itself, on checked arguments; pads = ((top, bottom), (left, right))."""
    unbatched = x._data.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    xd, wd = x._data, weight._data
    n, c, h, w_ = xd.shape
    o, cg, kh, kw = wd.shape
    (pt, pb), (pl, pr) = pads
    oh = _out_size(h, kh, sh, pt, pb, dh)
    ow = _out_size(w_, kw, sw, pl, pr, dw)
    p = oh * ow
    wm = wd.reshape(o, -1)
    if groups == 1:
        cols = _im2col.im2col(xd, pads, kh, kw, sh, sw, dh, dw, oh, ow)
        out = _im2col.times_cols(wm, cols, n, p)
    else:
        cols = _im2col.im2col(xd, pads, kh, kw, sh, sw, dh, dw, oh, ow)
        v = _im2col.per_sample(cols, n, p)
        og, k = o // groups, cg * kh * kw
        out = np.empty((n, o, p), xd.dtype)
        for i in range(groups):
            np.matmul(wm[i * og:(i + 1) * og], v[:, i * k:(i + 1) * k], out=out[:, i * og:(i + 1) * og])
        del v
    if bias is not None:
        out += bias._data.reshape(1, o, 1).astype(out.dtype, copy=False)
    out = out.reshape(n, o, oh, ow)
    node = _conv_node(ConvolutionBackward0, x, weight, bias)
    if node is not None:
        if weight._rg:
            node.cols = cols
        else:
            node.cols = None
            _buffers.give(cols)
        node.xshape = xd.shape
        node.pads = pads
        node.geom = (sh, sw, dh, dw, oh, ow)
        node.groups = groups
        node.has_bias = bias is not None
        t = attach(out, node)
    else:
        _buffers.give(cols)
        t = _wrap(out)
    return t.squeeze(0) if unbatched else t


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
    (s,), p, (d,), _, groups = check_conv(
        "conv1d", input, weight, bias, stride, padding, dilation, groups, 1)
    if p == "same":
        pad = _same_padding(weight._data.shape[2], d)
    else:
        pad = (0, 0) if p == "valid" else (p[0], p[0])
    x = input.unsqueeze(-2)
    out = _conv2d(x, weight.unsqueeze(2), bias, 1, s, ((0, 0), pad), 1, d, groups)
    return out.squeeze(-2)


class ConvTranspose2dBackward(Node):
    __slots__ = ("geom", "groups", "has_bias", "xshape")

    def backward(self, g, x, w):
        # the adjoint of a transposed convolution is a plain convolution
        gt = g if isinstance(g, Tensor) else _wrap(g)
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
    # checked as 1-D (errors name conv_transpose1d and 1-D shapes), then run as a 2-D transposed
    # convolution over a height-1 plane with a height-1 kernel: the height axis adds nothing
    (s,), (p,), (d,), (op_,), G = check_conv(
        "conv_transpose1d", input, weight, bias, stride, padding, dilation, groups, 1, True,
        output_padding)
    out = _conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(2), bias, (1, s), (0, p),
                            (0, op_), (1, d), G)
    return out.squeeze(-2)


def _conv_transpose2d(x, weight, bias, stride, padding, output_padding, dilation, G):
    """The transposed convolution itself, on checked arguments (pairs of ints)."""
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = stride, padding, output_padding, dilation
    unbatched = x._data.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    xd, wd = x._data, weight._data
    n, cin, h, w_ = xd.shape
    og, kh, kw = wd.shape[1], wd.shape[2], wd.shape[3]
    oh = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    ow = (w_ - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    cg = cin // G
    # scatter each input pixel's contribution: cols = W^T x, then col2im with kh*kw strided adds
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
    if bias is not None:
        out += bias._data.reshape(1, -1, 1, 1)
    node = _conv_node(ConvTranspose2dBackward, x, weight, bias)
    if node is not None:
        node.geom = (sh, sw, ph, pw, dh, dw)
        node.groups = G
        node.has_bias = bias is not None
        node.xshape = xd.shape
        t = attach(out, node)
    else:
        t = _wrap(out)
    return t.squeeze(0) if unbatched else t
