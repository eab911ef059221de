"""Fused recurrent layers: one graph node runs a whole sequence (forward and backward in NumPy).

Built op by op, a recurrent layer costs dozens of recorded ops per time step; fused, the input
projection is one matmul over all steps, each step is a handful of NumPy calls, and the weight
gradients are one matmul each after the backward loop. Gate orders follow PyTorch: LSTM (i, f, g,
o), GRU (r, z, n). Double backward through these nodes is not supported (said clearly).
"""
import numpy as np

from .._tensor import _wrap
from ._record import attach
from ..autograd.grad_mode import STATE
from ..autograd.node import Node


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


class _RNNBase(Node):
    __slots__ = ("cache", "has_bias", "reverse", "kind")

    def _apply(self, grads, create_graph):
        if create_graph:
            raise RuntimeError(
                f"{self.name()}: double backward through a fused recurrent layer is not supported; "
                "build the recurrence from RNNCell/LSTMCell/GRUCell steps if you need it.")
        if self.cache is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Specify retain_graph=True if you "
                f"need to backward through the graph a second time (in {self.name()}).")
        vals = self._unpack(False)
        return self.backward(grads, *vals)

    def _release(self):
        self.cache = None
        Node._release(self)


def _grads_out(node, dx, dh0, dc0, dW_ih, dW_hh, db_ih, db_hh):
    nf = node.next_functions
    res = [dx if nf[0][0] is not None else None, dh0]
    if node.kind == "lstm":
        res.append(dc0)
    res += [dW_ih, dW_hh]
    if node.has_bias:
        res += [db_ih, db_hh]
    return tuple(res)


def _param_grads(node, x, hs, w_ih, dX, dH, dh, dc):
    """All three cells' last backward step: the gradients of x, the weights and the biases from
    the per-step pre-activation gradients (T, B, G*H). dX feeds the input projection and dH the
    hidden one; they are one array for RNN and LSTM, two for GRU (whose hidden part is gated)."""
    T, B = dX.shape[:2]
    H = hs.shape[2]
    hprev = np.empty((T, B, H), hs.dtype)
    for k, t in enumerate(_steps(T, node.reverse)):
        hprev[t] = hs[k]
    dX2 = dX.reshape(T * B, -1)
    dH2 = dX2 if dH is dX else dH.reshape(T * B, -1)
    dW_ih = dX2.T @ x.reshape(T * B, -1)
    dW_hh = dH2.T @ hprev.reshape(T * B, H)
    db_ih = dX2.sum(0)
    db_hh = db_ih if dH2 is dX2 else dH2.sum(0)
    dx = (dX2 @ w_ih).reshape(x.shape)
    return _grads_out(node, dx, dh, dc, dW_ih, dW_hh, db_ih, db_hh)


def _steps(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def _back_steps(T, reverse):
    """(k, t) pairs of the forward loop (k-th processed step at time t), last step first."""
    return reversed(list(enumerate(_steps(T, reverse))))


def _grad_or_zeros(g, like):
    """A backward's running state gradient: a copy of the incoming one (it is updated in place),
    or zeros like `like` when that output got no gradient."""
    return np.zeros(like.shape, like.dtype) if g is None else g.copy()


# ------------------------------------------------------------------------------------------------
class RnnTanhBackward(_RNNBase):
    __slots__ = ()

    def backward(self, grads, x, h0, w_ih, w_hh, *b):
        hs, act = self.cache  # hs: (T+1, B, H) with hs[0] = h0 in processing order
        T = x.shape[0]
        gout, gh = grads[0], grads[1]
        B, H = h0.shape
        dpre = np.empty((T, B, H), dtype=hs.dtype)
        dh = _grad_or_zeros(gh, hs[0])
        for k, t in _back_steps(T, self.reverse):
            if gout is not None:
                dh += gout[t]
            h = hs[k + 1]
            d = dh * (1 - h * h) if act == "tanh" else dh * (h > 0)
            dpre[t] = d
            dh = d @ w_hh
        return _param_grads(self, x, hs, w_ih, dpre, dpre, dh, None)


def rnn_layer(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh", reverse=False):
    """One direction of one layer. x: (T, B, I), h0: (B, H). Returns (out (T, B, H), h_T)."""
    xd, hd = x._data, h0._data
    T, B, _ = xd.shape
    H = hd.shape[1]
    proj = (xd.reshape(T * B, -1) @ w_ih._data.T).reshape(T, B, H)
    if b_ih is not None:
        proj += b_ih._data + b_hh._data
    whT = w_hh._data.T
    out = np.empty((T, B, H), xd.dtype)
    hs = np.empty((T + 1, B, H), xd.dtype)
    hs[0] = hd
    h = hd
    for k, t in enumerate(_steps(T, reverse)):
        pre = proj[t] + h @ whT
        h = np.tanh(pre) if nonlinearity == "tanh" else np.maximum(pre, 0)
        out[t] = h
        hs[k + 1] = h
    inputs = [x, h0, w_ih, w_hh] + ([b_ih, b_hh] if b_ih is not None else [])
    return _record(RnnTanhBackward, inputs, (out, h.copy()), (hs, nonlinearity), b_ih is not None,
                   reverse, "rnn")


# ------------------------------------------------------------------------------------------------
class LstmBackward(_RNNBase):
    __slots__ = ()

    def backward(self, grads, x, h0, c0, w_ih, w_hh, *b):
        hs, cs, gates = self.cache  # gates: (T, B, 4H) activated i, f, g, o in processing order
        T = x.shape[0]
        B, H = h0.shape
        gout, gh, gc = grads[0], grads[1], grads[2]
        dh = _grad_or_zeros(gh, hs[0])
        dc = _grad_or_zeros(gc, hs[0])
        dpre = np.empty((T, B, 4 * H), hs.dtype)
        for k, t in _back_steps(T, self.reverse):
            if gout is not None:
                dh += gout[t]
            gt = gates[k]
            i, f, g, o = gt[:, :H], gt[:, H:2 * H], gt[:, 2 * H:3 * H], gt[:, 3 * H:]
            c = cs[k + 1]
            tc = np.tanh(c)
            dc = dc + dh * o * (1 - tc * tc)
            dp = dpre[t]
            dp[:, 3 * H:] = dh * tc * o * (1 - o)
            dp[:, :H] = dc * g * i * (1 - i)
            dp[:, H:2 * H] = dc * cs[k] * f * (1 - f)
            dp[:, 2 * H:3 * H] = dc * i * (1 - g * g)
            dc = dc * f
            dh = dp @ w_hh
        return _param_grads(self, x, hs, w_ih, dpre, dpre, dh, dc)


def lstm_layer(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False):
    """Returns (out (T, B, H), h_T, c_T)."""
    xd, hd, cd = x._data, h0._data, c0._data
    T, B, _ = xd.shape
    H = hd.shape[1]
    proj = (xd.reshape(T * B, -1) @ w_ih._data.T).reshape(T, B, 4 * H)
    if b_ih is not None:
        proj += b_ih._data + b_hh._data
    whT = w_hh._data.T
    out = np.empty((T, B, H), xd.dtype)
    hs = np.empty((T + 1, B, H), xd.dtype)
    cs = np.empty((T + 1, B, H), xd.dtype)
    gates = np.empty((T, B, 4 * H), xd.dtype)
    hs[0], cs[0] = hd, cd
    h, c = hd, cd
    for k, t in enumerate(_steps(T, reverse)):
        gt = gates[k]
        np.add(proj[t], h @ whT, out=gt)
        gt[:, :2 * H] = _sigmoid(gt[:, :2 * H])
        gt[:, 3 * H:] = _sigmoid(gt[:, 3 * H:])
        np.tanh(gt[:, 2 * H:3 * H], out=gt[:, 2 * H:3 * H])
        c = gt[:, H:2 * H] * c + gt[:, :H] * gt[:, 2 * H:3 * H]
        h = gt[:, 3 * H:] * np.tanh(c)
        out[t] = h
        hs[k + 1], cs[k + 1] = h, c
    inputs = [x, h0, c0, w_ih, w_hh] + ([b_ih, b_hh] if b_ih is not None else [])
    return _record(LstmBackward, inputs, (out, h.copy(), c.copy()), (hs, cs, gates),
                   b_ih is not None, reverse, "lstm")


# ------------------------------------------------------------------------------------------------
class GruBackward(_RNNBase):
    __slots__ = ()

    def backward(self, grads, x, h0, w_ih, w_hh, *b):
        hs, gates, hn = self.cache  # gates: r, z, n activated; hn = W_hn h + b_hn
        T = x.shape[0]
        B, H = h0.shape
        gout, gh = grads[0], grads[1]
        dh = _grad_or_zeros(gh, hs[0])
        dX = np.empty((T, B, 3 * H), hs.dtype)
        dHH = np.empty((T, B, 3 * H), hs.dtype)
        for k, t in _back_steps(T, self.reverse):
            if gout is not None:
                dh += gout[t]
            gt = gates[k]
            r, z, n = gt[:, :H], gt[:, H:2 * H], gt[:, 2 * H:]
            hp = hs[k]
            dn = dh * (1 - z) * (1 - n * n)
            dz = dh * (hp - n) * z * (1 - z)
            dr = dn * hn[k] * r * (1 - r)
            dxt, dht = dX[t], dHH[t]
            dxt[:, :H] = dr
            dxt[:, H:2 * H] = dz
            dxt[:, 2 * H:] = dn
            dht[:, :2 * H] = dxt[:, :2 * H]
            dht[:, 2 * H:] = dn * r
            dh = dh * z + dht @ w_hh
        return _param_grads(self, x, hs, w_ih, dX, dHH, dh, None)


def gru_layer(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False):
    """Returns (out (T, B, H), h_T)."""
    xd, hd = x._data, h0._data
    T, B, _ = xd.shape
    H = hd.shape[1]
    proj = (xd.reshape(T * B, -1) @ w_ih._data.T).reshape(T, B, 3 * H)
    if b_ih is not None:
        proj += b_ih._data
    whT = w_hh._data.T
    bhh = b_hh._data if b_hh is not None else None
    out = np.empty((T, B, H), xd.dtype)
    hs = np.empty((T + 1, B, H), xd.dtype)
    gates = np.empty((T, B, 3 * H), xd.dtype)
    hn_all = np.empty((T, B, H), xd.dtype)
    hs[0] = hd
    h = hd
    for k, t in enumerate(_steps(T, reverse)):
        hh = h @ whT
        if bhh is not None:
            hh += bhh
        pt = proj[t]
        gt = gates[k]
        gt[:, :2 * H] = _sigmoid(pt[:, :2 * H] + hh[:, :2 * H])
        r, z = gt[:, :H], gt[:, H:2 * H]
        hn_all[k] = hh[:, 2 * H:]
        n = np.tanh(pt[:, 2 * H:] + r * hh[:, 2 * H:])
        gt[:, 2 * H:] = n
        h = n + z * (h - n)
        out[t] = h
        hs[k + 1] = h
    inputs = [x, h0, w_ih, w_hh] + ([b_ih, b_hh] if b_ih is not None else [])
    return _record(GruBackward, inputs, (out, h.copy()), (hs, gates, hn_all), b_ih is not None,
                   reverse, "gru")


# ------------------------------------------------------------------------------------------------
def _record(node_cls, inputs, outs, cache, has_bias, reverse, kind):
    if STATE.enabled and any(t._rg for t in inputs):
        node = node_cls(tuple(t._grad_node() for t in inputs))
        node._nout = len(outs)
        node.save(*inputs)
        node.cache = cache
        node.has_bias = has_bias
        node.reverse = reverse
        node.kind = kind
        return tuple([attach(o, node, nr) for nr, o in enumerate(outs)])
    return tuple(_wrap(o) for o in outs)


