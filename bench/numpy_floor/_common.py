"""Pieces shared by the NumPy floors: loss, optimizers, activations."""
import math

import numpy as np


def cross_entropy(logits, target):
    """Mean cross-entropy of integer targets; returns (loss, d loss / d logits)."""
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    loss = np.log(s[:, 0]).mean() - shifted[rows, target].mean()
    e /= s
    e[rows, target] -= 1.0
    e /= n
    return float(loss), e


def sigmoid(x):
    # tanh form: no overflow warning for large negative inputs, and one ufunc cheaper than exp
    return np.tanh(x * 0.5) * 0.5 + 0.5


class Adam:
    """Adam as PyTorch defines it (bias-corrected, eps added after the sqrt), updating in place."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params = params
        self.lr, (self.b1, self.b2), self.eps = lr, betas, eps
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def update(self, grads):
        self.t += 1
        b1, b2 = self.b1, self.b2
        step_size = self.lr / (1.0 - b1 ** self.t)
        bc2_sqrt = math.sqrt(1.0 - b2 ** self.t)
        for k, p in self.params.items():
            g, m, v = grads[k], self.m[k], self.v[k]
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            denom = np.sqrt(v)
            denom /= bc2_sqrt
            denom += self.eps
            p -= step_size * (m / denom)


class SGDMomentum:
    """SGD with momentum, no dampening: buf = g on the first step, then buf = mu*buf + g."""

    def __init__(self, params, lr=0.01, momentum=0.9):
        self.params, self.lr, self.mu = params, lr, momentum
        self.buf = {}

    def update(self, grads):
        for k, p in self.params.items():
            g = grads[k]
            buf = self.buf.get(k)
            if buf is None:
                buf = self.buf[k] = g.copy()
            else:
                buf *= self.mu
                buf += g
            p -= self.lr * buf


def flat_views(arrays, align=16):
    """One contiguous float32 buffer holding copies of `arrays` (dict name -> ndarray), each
    starting on a multiple of `align` elements (64 bytes); returns (flat, dict of views).
    The gaps stay zero, which every elementwise optimizer keeps at zero."""
    offsets, n = {}, 0
    for k, v in arrays.items():
        offsets[k] = n
        n += -(-v.size // align) * align
    flat = np.zeros(n, np.float32)
    views = {}
    for k, v in arrays.items():
        o = offsets[k]
        views[k] = flat[o:o + v.size].reshape(v.shape)
        views[k][...] = v
    return flat, views


class FlatAdamW:
    """AdamW as PyTorch defines it (decoupled decay p *= 1 - lr*wd first, then Adam with
    bias correction and eps after the sqrt) over one flat parameter buffer and its flat
    gradient buffer (see flat_views), in blocks that stay in L2: a few dozen ufunc calls per
    step instead of a dozen per parameter tensor, each pass over cache-resident data."""

    def __init__(self, flat_param, flat_grad, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=1e-2, block=16384):
        self.p, self.g = flat_param, flat_grad
        self.lr, (self.b1, self.b2), self.eps, self.wd = lr, betas, eps, weight_decay
        self.m = np.zeros_like(flat_param)
        self.v = np.zeros_like(flat_param)
        self.block = block
        self.tmp = np.empty(min(block, flat_param.size), np.float32)
        self.t = 0

    def update(self):
        # m and v are kept divided by (1 - beta1) and (1 - beta2), so their updates are
        # m = b1 m + g and v = b2 v + g^2; the scale, the bias corrections and lr fold into
        # two constants: p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps) becomes
        # p -= k * m' / (sqrt(v') + e) with k = lr (1-b1) sqrt(bc2) / (bc1 sqrt(1-b2)) and
        # e = eps sqrt(bc2) / sqrt(1-b2)
        self.t += 1
        f = np.float32
        b1, b2 = self.b1, self.b2
        bc2_sqrt = math.sqrt(1.0 - b2 ** self.t)
        c2_sqrt = math.sqrt(1.0 - b2)
        step = f(-self.lr * (1.0 - b1) * bc2_sqrt / ((1.0 - b1 ** self.t) * c2_sqrt))
        eps = f(self.eps * bc2_sqrt / c2_sqrt)
        decay, fb1, fb2 = f(1.0 - self.lr * self.wd), f(b1), f(b2)
        n, bs = self.p.size, self.block
        for s in range(0, n, bs):
            e = min(s + bs, n)
            p, g, m, v = self.p[s:e], self.g[s:e], self.m[s:e], self.v[s:e]
            t = self.tmp[:e - s]
            p *= decay
            m *= fb1
            m += g
            v *= fb2
            np.multiply(g, g, out=t)
            v += t
            np.sqrt(v, out=t)
            t += eps
            np.divide(m, t, out=t)
            t *= step
            p += t


class LayerNorm:
    """LayerNorm over the last axis of (N, C) rows, into buffers made once. forward keeps
    xhat and 1/std for backward; the row means backward needs are matrix-vector products
    (dy @ w, (dy * xhat) @ w), which BLAS does in one pass without a temporary.

    ones_column=True: `out` is the first C columns of `aug`, (N, C+1), whose last column is
    ones, so a following Linear can be one GEMM with its bias as an extra weight column."""

    def __init__(self, n, c, eps=1e-5, ones_column=False):
        self.c, self.eps = c, eps
        self.xhat = np.empty((n, c), np.float32)
        self.rstd = np.empty((n, 1), np.float32)
        if ones_column:
            self.aug = np.ones((n, c + 1), np.float32)
            self.out = self.aug[:, :c]
        else:
            self.out = np.empty((n, c), np.float32)
        self.ones = np.full(c, 1.0 / c, np.float32)
        self.ones_n = np.ones(n, np.float32)    # column sums as GEMVs: faster than sum(0)

    def forward(self, x, w, b):
        xh, r = self.xhat, self.rstd
        np.subtract(x, (x @ self.ones)[:, None], out=xh)
        np.multiply(xh, xh, out=self.out)
        np.matmul(self.out, self.ones, out=r[:, 0])
        r += np.float32(self.eps)
        np.sqrt(r, out=r)
        np.divide(np.float32(1.0), r, out=r)
        xh *= r
        np.multiply(xh, w, out=self.out)
        self.out += b
        return self.out

    def backward(self, dy, w, gw, gb, dx, tmp):
        """Writes d weight / d bias into gw, gb and ADDS d input into dx; tmp: an (N, C)
        scratch buffer."""
        xh = self.xhat
        np.multiply(dy, xh, out=tmp)
        np.matmul(self.ones_n, tmp, out=gw)
        np.matmul(self.ones_n, dy, out=gb)
        wc = w * np.float32(1.0 / self.c)
        a = dy @ wc                       # mean of dxhat over the row
        bb = tmp @ wc                     # mean of dxhat * xhat
        np.multiply(xh, bb[:, None], out=tmp)
        tmp += a[:, None]
        np.subtract(np.multiply(dy, w), tmp, out=tmp)
        tmp *= self.rstd
        dx += tmp
