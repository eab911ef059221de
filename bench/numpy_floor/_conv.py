"""Convolution, training-mode BatchNorm, max pool and the residual basic block for the NumPy
ResNet floors (bench/numpy_floor/resnet.py).

Activations are channel-major, (C, N, H, W), as in lenet.py: im2col writes each kernel tap as
one strided slice copy, weight (Cout, C*T) @ columns (C*T, N*Ho*Wo) lands directly in the
same layout, and BatchNorm's per-channel statistics are reductions along contiguous rows of
the (C, N*H*W) view. Each layer keeps its column buffer between steps: the padding is never
materialised, because a tap's out-of-image border is zeroed once when the buffer is made and
later steps only overwrite the in-image part. A tap that lies entirely in the padding for every
output (the 3x3 taps around a 1x1 feature map) is left out of the GEMMs, as a direct
convolution (PyTorch's oneDNN path) does no work for it either; its weight gradient is zero
(kept in a buffer that the next step reuses). Measured choices, per layer shape (see the
comments where they are made): large stride-1 layers do im2col + GEMM in cache-sized groups of
images; d input of a stride-1 layer with many positions is a correlation of d output with the
flipped kernel (im2col + GEMM) rather than a GEMM scattered back tap by tap; the weight-gradient
GEMM is oriented for OpenBLAS's packing. NHWC was measured too: same GEMM times, slower im2col
and col2im at 16-32 channels (inner runs of C floats instead of W).
"""
import numpy as np

EPS, BN_MOMENTUM = 1e-5, 0.1


def _span(i, k_pad, stride, size, n_out):
    """Outputs o of one tap offset i whose input o*stride + i - pad lies in [0, size):
    (output slice, input slice), or None when there are none."""
    lo = max(0, -(-(k_pad - i) // stride))
    hi = min(n_out - 1, (size - 1 + k_pad - i) // stride)
    if hi < lo:
        return None
    start = lo * stride + i - k_pad
    return slice(lo, hi + 1), slice(start, start + (hi - lo) * stride + 1, stride)


class Conv:
    """Conv2d without bias on (C, N, H, W) activations; `w` is the (Cout, C, k, k) weight."""
    # stride-1 layers whose column matrix is over CHUNK_BYTES run im2col + GEMM over groups
    # of images of about CHUNK_POS positions, so the columns are written and read while in
    # cache: 16 channels at 32x32, batch 32 (19 MB of columns): forward 18.5 -> 8.4 ms
    CHUNK_BYTES, CHUNK_POS = 4 << 20, 1024

    def __init__(self, k, stride=1, pad=0):
        self.k, self.stride, self.pad = k, stride, pad
        self.shape = self.tconv = self.dw_buf = None

    def _plan(self, shape):
        c, n, h, w = shape
        k, s, p = self.k, self.stride, self.pad
        self.shape = shape
        self.ho, self.wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        self.taps = []  # (flat tap index, out rows, out cols, in rows, in cols)
        for i in range(k):
            for j in range(k):
                sh, sw = _span(i, p, s, h, self.ho), _span(j, p, s, w, self.wo)
                if sh is not None and sw is not None:
                    self.taps.append((i * k + j, sh[0], sw[0], sh[1], sw[1]))
        self.all_taps = len(self.taps) == k * k
        self.live = [t[0] for t in self.taps]
        # 1x1, stride 1, no padding: the activation itself is the column matrix
        self.identity = k == 1 and s == 1 and p == 0
        pos = self.ho * self.wo
        self.nb = n  # images per im2col group
        if s == 1 and c * len(self.taps) * n * pos * 4 > self.CHUNK_BYTES:
            self.nb = max(d for d in range(1, n + 1) if n % d == 0 and d * pos <= max(
                pos, self.CHUNK_POS))
        if not self.identity:
            self.cols = np.zeros((c, len(self.taps), self.nb, self.ho, self.wo), np.float32)
            self.cols2d = self.cols.reshape(c * len(self.taps), -1)

    def _im2col(self, x):
        buf = self.cols
        for t, (_, oh, ow, ih, iw) in enumerate(self.taps):
            buf[:, t, :, oh, ow] = x[:, :, ih, iw]
        return self.cols2d

    def _groups(self):
        """(image slice, column slice of the (C, N*Ho*Wo) view) of each im2col group."""
        n, pos = self.shape[1], self.ho * self.wo
        return [(slice(i, i + self.nb), slice(i * pos, (i + self.nb) * pos))
                for i in range(0, n, self.nb)]

    def forward(self, x, w):
        if x.shape != self.shape:
            self._plan(x.shape)
        c, n = x.shape[:2]
        cout = w.shape[0]
        self.x, self.w_full = x, w
        self.w2d = w.reshape(cout, -1) if self.all_taps else \
            w.reshape(cout, c, -1)[:, :, self.live].reshape(cout, -1)
        if self.identity:
            return (self.w2d @ x.reshape(c, -1)).reshape(cout, n, self.ho, self.wo)
        if self.nb == n:
            return (self.w2d @ self._im2col(x)).reshape(cout, n, self.ho, self.wo)
        out = np.empty((cout, n, self.ho, self.wo), np.float32)
        out2 = out.reshape(cout, -1)
        for imgs, pos in self._groups():
            np.matmul(self.w2d, self._im2col(x[:, imgs]), out=out2[:, pos])
        return out

    def _dw(self, dy2):
        """Weight gradient of the live taps, (Cout, C*T)."""
        if self.identity:
            return dy2 @ self.x.reshape(self.shape[0], -1).T
        if self.nb == self.shape[1]:
            cols = self.cols2d
            k_rows, m = cols.shape
            # OpenBLAS packs a transposed (N*Ho*Wo)-long operand slowly: with many positions,
            # (cols @ dy.T).T is up to 3x faster than dy @ cols.T (16 channels at 32x32: 9.7
            # -> 2.8 ms); with few (the (C*k*k, Cout) result's copy dominates) the other way
            return (cols @ dy2.T).T if 2 * m >= k_rows else dy2 @ cols.T
        acc = tmp = None
        for imgs, pos in self._groups():  # the columns again, group by group
            tmp = np.matmul(self._im2col(self.x[:, imgs]), dy2[:, pos].T, out=tmp)
            if acc is None:
                acc, tmp = tmp, None
            else:
                acc += tmp
        return acc.T

    def backward(self, dy, w_shape, need_dx=True):
        """(d weight, d input or None) from d output (Cout, N, Ho, Wo)."""
        cout = dy.shape[0]
        dy2 = dy.reshape(cout, -1)
        dw_live = self._dw(dy2)
        if self.all_taps:
            dw = dw_live.reshape(w_shape)
        else:
            # the dead taps' gradient is zero: keep one buffer whose zeros stay, and write only
            # the live taps (ResNet-18's 512x512x3x3 on 1x1 maps: 1/9 of a 9 MB gradient)
            dw = self.dw_buf
            if dw is None or dw.shape != w_shape:
                dw = self.dw_buf = np.zeros(w_shape, np.float32)
            dw.reshape(cout, w_shape[1], -1)[:, :, self.live] = \
                dw_live.reshape(cout, w_shape[1], -1)
        if not need_dx:
            return dw, None
        c, n = self.shape[:2]
        k_rows, m = len(self.taps) * c, dy2.shape[1]
        if self.stride == 1 and not self.identity and 8 * m >= k_rows:
            # d input of a stride-1 convolution is the "full" correlation of d output with the
            # flipped, transposed kernel: im2col + one GEMM again, instead of a (C*k*k, N*H*W)
            # GEMM result scattered back tap by tap (16 channels at 32x32: 13.5 -> 8.3 ms).
            # Not with few positions (256 channels at 2x2 on): the kernel copy costs more.
            if self.tconv is None:
                self.tconv = Conv(self.k, 1, self.k - 1 - self.pad)
            wf = self.w_full.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1]
            return dw, self.tconv.forward(dy, np.ascontiguousarray(wf))
        dcols = self.w2d.T @ dy2
        if self.identity:
            return dw, dcols.reshape(self.shape)
        dcols = dcols.reshape(c, len(self.taps), n, self.ho, self.wo)
        dx = np.zeros(self.shape, np.float32)
        for t, (_, oh, ow, ih, iw) in enumerate(self.taps):
            dx[:, :, ih, iw] += dcols[:, t, :, oh, ow]
        return dw, dx


class BatchNorm:
    """Training-mode BatchNorm2d on (C, N, H, W): batch statistics (biased variance) normalise;
    the running statistics move by momentum 0.1 with the unbiased variance, as PyTorch's."""

    def __init__(self, c):
        self.running_mean = np.zeros(c, np.float32)
        self.running_var = np.ones(c, np.float32)
        self.num_batches_tracked = 0

    def forward(self, x, gamma, beta, relu=False):
        c = x.shape[0]
        x2 = x.reshape(c, -1)
        m = x2.shape[1]
        xc, y = np.empty_like(x2), np.empty_like(x2)
        mean, var = np.empty(c, np.float32), np.empty(c, np.float32)
        for r in _row_blocks(c, m):
            mean[r] = x2[r].mean(axis=1)
            b = np.subtract(x2[r], mean[r, None], out=xc[r])
            var[r] = np.einsum("ij,ij->i", b, b) / m
        inv = 1.0 / np.sqrt(var + EPS)
        scale = gamma * inv
        for r in _row_blocks(c, m):
            b = np.multiply(xc[r], scale[r, None], out=y[r])
            b += beta[r, None]
            if relu:
                np.maximum(b, 0, out=b)
        # keep x - mean, not x_hat: one pass less here, and the backward folds inv into
        # its per-channel factors
        self.xc, self.inv, self.gamma = xc, inv, gamma
        self.running_mean *= 1 - BN_MOMENTUM
        self.running_mean += BN_MOMENTUM * mean
        self.running_var *= 1 - BN_MOMENTUM
        self.running_var += (BN_MOMENTUM * m / (m - 1)) * var
        self.num_batches_tracked += 1
        return y.reshape(x.shape)

    def backward(self, dy, relu_out=None):
        """(d input, d gamma, d beta) from d output; `relu_out`: the output of a ReLU that
        followed this layer, whose gradient mask is applied first."""
        c = dy.shape[0]
        dy2 = dy.reshape(c, -1)
        m = dy2.shape[1]
        dx = np.empty_like(dy2)
        dgamma, dbeta = np.empty(c, np.float32), np.empty(c, np.float32)
        inv, k = self.inv, self.gamma * self.inv
        y2 = None if relu_out is None else relu_out.reshape(c, -1)
        for r in _row_blocks(c, m):
            d = dy2[r] if y2 is None else np.multiply(dy2[r], y2[r] > 0, out=dx[r])
            dbeta[r] = d.sum(axis=1)
            dgamma[r] = np.einsum("ij,ij->i", d, self.xc[r]) * inv[r]
            # dx = k * (dy - mean(dy) - x_hat * mean(dy * x_hat)), x_hat = xc * inv
            tmp = self.xc[r] * (k[r] * inv[r] * dgamma[r] / m)[:, None]
            b = np.multiply(d, k[r, None], out=dx[r])
            b -= (k[r] * dbeta[r] / m)[:, None]
            b -= tmp
        return dx.reshape(dy.shape), dgamma, dbeta


def _row_blocks(c, m, block=32768):
    """Slices of channels of about `block` elements: each BatchNorm pass over a block runs
    while the previous pass left it in cache (16 channels x 32768: backward 1.5 -> 1.1 ms)."""
    rows = max(1, block // m)
    return [slice(i, i + rows) for i in range(0, c, rows)]


def relu_grad(d, y):
    """d * (y > 0): the gradient through a ReLU whose output is y."""
    return np.multiply(d, y > 0)


class MaxPool3s2:
    """MaxPool2d(3, stride=2, padding=1) on (C, N, H, W) that follows a ReLU.

    Inputs are >= 0, so a zero border stands in for PyTorch's -inf padding without changing any
    maximum. The backward routes each window's gradient to the elements equal to its maximum:
    ties happen only between zeros from the ReLU, whose gradient the ReLU stops anyway, so
    masking with pooled > 0 once matches PyTorch's first-index rule.
    """

    def forward(self, x):
        c, n, h, w = x.shape
        self.shape = x.shape
        self.xp = np.zeros((c, n, h + 2, w + 2), np.float32)
        self.xp[:, :, 1:-1, 1:-1] = x
        ho, wo = (h - 1) // 2 + 1, (w - 1) // 2 + 1
        self.windows = [(slice(i, i + 2 * ho - 1, 2), slice(j, j + 2 * wo - 1, 2))
                        for i in range(3) for j in range(3)]
        out = None
        for sh, sw in self.windows:
            v = self.xp[:, :, sh, sw]
            out = v.copy() if out is None else np.maximum(out, v, out=out)
        self.out = out
        return out

    def backward(self, d):
        g = relu_grad(d, self.out)
        dxp = np.zeros_like(self.xp)
        for sh, sw in self.windows:
            dxp[:, :, sh, sw] += np.multiply(self.xp[:, :, sh, sw] == self.out, g)
        return dxp[:, :, 1:-1, 1:-1]


class BasicBlock:
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), the shortcut a 1x1 conv + BN when
    the shape changes (`proj` names its Sequential: "proj" or "downsample")."""

    def __init__(self, prefix, c_in, c_out, stride, proj):
        self.p = prefix
        self.conv1, self.bn1 = Conv(3, stride, 1), BatchNorm(c_out)
        self.conv2, self.bn2 = Conv(3, 1, 1), BatchNorm(c_out)
        self.proj = None
        if stride != 1 or c_in != c_out:
            self.proj = f"{prefix}.{proj}"
            self.convp, self.bnp = Conv(1, stride, 0), BatchNorm(c_out)

    def forward(self, x, params):
        p, q = self.p, params
        h = self.bn1.forward(self.conv1.forward(x, q[f"{p}.conv1.weight"]),
                             q[f"{p}.bn1.weight"], q[f"{p}.bn1.bias"], relu=True)
        self.h = h
        out = self.bn2.forward(self.conv2.forward(h, q[f"{p}.conv2.weight"]),
                               q[f"{p}.bn2.weight"], q[f"{p}.bn2.bias"])
        if self.proj is None:
            out += x
        else:
            s = self.proj
            out += self.bnp.forward(self.convp.forward(x, q[f"{s}.0.weight"]),
                                    q[f"{s}.1.weight"], q[f"{s}.1.bias"])
        np.maximum(out, 0, out=out)
        self.out = out
        return out

    def backward(self, d, params, grads):
        p, q = self.p, params
        d = relu_grad(d, self.out)
        dc2, grads[f"{p}.bn2.weight"], grads[f"{p}.bn2.bias"] = self.bn2.backward(d)
        grads[f"{p}.conv2.weight"], dh = self.conv2.backward(dc2, q[f"{p}.conv2.weight"].shape)
        dc1, grads[f"{p}.bn1.weight"], grads[f"{p}.bn1.bias"] = self.bn1.backward(dh, self.h)
        grads[f"{p}.conv1.weight"], dx = self.conv1.backward(dc1, q[f"{p}.conv1.weight"].shape)
        if self.proj is None:
            dx += d
        else:
            s = self.proj
            dcp, grads[f"{s}.1.weight"], grads[f"{s}.1.bias"] = self.bnp.backward(d)
            grads[f"{s}.0.weight"], dxp = self.convp.backward(dcp, q[f"{s}.0.weight"].shape)
            dx += dxp
        return dx


class SGDMomentum:
    """SGD with momentum (no dampening, buf = g on the first step), in place without
    temporaries. ResNet-18's 11M parameters (45 MB) don't fit any cache, so each large tensor
    is updated in 32K-element blocks: its four passes then read memory once instead of four
    times (9.4M elements: 30 -> 19 ms)."""
    BLOCK = 32768

    def __init__(self, params, lr, momentum):
        self.params, self.lr, self.mu = params, lr, momentum
        self.buf = {}
        self.tmp = np.empty(self.BLOCK, np.float32)

    def update(self, grads):
        lr, mu, blk = self.lr, self.mu, self.BLOCK
        for k, p in self.params.items():
            g, buf = grads[k], self.buf.get(k)
            if buf is None:
                buf = self.buf[k] = g.copy()
                first = True
            else:
                first = False
            p1, g1, b1 = p.reshape(-1), g.reshape(-1), buf.reshape(-1)
            for i in range(0, p1.size, blk):
                b = b1[i:i + blk]
                if not first:
                    b *= mu
                    b += g1[i:i + blk]
                p1[i:i + blk] -= np.multiply(b, lr, out=self.tmp[:b.size])
