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
