"""Fused recurrent layers: one graph node runs a whole sequence (forward and backward in NumPy).

Built op by op, a recurrent layer costs dozens of recorded ops per time step; fused, the input
projection is one matmul over all steps, each step is a handful of in-place NumPy calls on
preallocated buffers, and the weight gradients are one matmul each after the backward loop.
Gate orders follow PyTorch: LSTM (i, f, g, o), GRU (r, z, n). Double backward through these
nodes is not supported (said clearly).

Each layer is an array function `_*_fwd(arrays..., consts) -> (outputs..., node)`: the eager op
calls it and gives the node its edges; a graph capture replays it as the op's kernel (the node is
the fresh state the replay's backward reads: a multi-output, stateful kernel, see
dygrad/ops/_record.py).

Speed notes (OpenBLAS, one thread): a matmul whose right operand is a transposed view is up to
2x slower than with a C-contiguous copy at these shapes, so the forward takes contiguous
transposes of the weights once per call; every step writes into preallocated buffers; the
RNN and LSTM backwards compute the gate-derivative factors that do not depend on the recurrence
for all steps at once before the loop (the GRU's, with more of them on smaller blocks, is faster
per step, in cache). A feature-major layout ((G, B) per step, every pass contiguous) was tried
and lost: its transposes cost what the contiguous passes saved.
"""
import numpy as np

from ._record import attach_outputs
from ..autograd.grad_mode import STATE
from ..autograd.node import Node


class _RNNBase(Node):
    # cache: the forward's arrays the backward reads; nstate: how many initial states (h0, c0)
    # are inputs (0: zeros made inside); needs: whether x, h0, c0 take gradients
    __slots__ = ("cache", "has_bias", "reverse", "kind", "nstate", "needs")
    _multi = True

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


def _new_node(cls, cache, has_bias, reverse, kind, nstate, needs, nout):
    node = cls(())
    node.nstate = nstate
    node.cache = cache
    node.has_bias = has_bias
    node.reverse = reverse
    node.kind = kind
    node.needs = needs
    node._nout = nout
    return node


def _back_times(T, reverse):
    """The times of the forward loop's steps, last processed first."""
    return range(T) if reverse else range(T - 1, -1, -1)


def _in_time(a, reverse):
    """An array indexed by processing step (k) as a view indexed by time (t)."""
    return a[::-1] if reverse else a


def _t_contig(w):
    """w.T as a C-contiguous array (a transposed-view right operand is slow in OpenBLAS)."""
    return np.ascontiguousarray(w.T)


def _sigmoid_of_neg_(a):
    """a <- 1 / (1 + exp(a)): the sigmoid of -a, in place. The forwards negate the weight and
    bias columns of the sigmoid gates (exact) so that the matmul gives -x and saves a pass."""
    np.exp(a, out=a)
    a += 1
    np.reciprocal(a, out=a)


def _start(g, like):
    """A backward's running state gradient: a copy of the incoming one (updated in place), or
    zeros like `like` when that output got no gradient."""
    return np.zeros(like.shape, like.dtype) if g is None else np.array(g, like.dtype)


def _param_grads(node, x, hs, w_ih, dX, dH, dh, dc):
    """The last part of every cell's backward: the gradients of x, the weights and the biases
    from the per-step pre-activation gradients (T, B, G*H) in time order. dX feeds the input
    projection and dH the hidden one; they are one array for RNN and LSTM, two for GRU (whose
    hidden part is gated)."""
    T, B = dX.shape[:2]
    H = hs.shape[2]
    hprev = _in_time(hs[:T], node.reverse).reshape(T * B, H)
    dX2 = dX.reshape(T * B, -1)
    dH2 = dX2 if dH is dX else dH.reshape(T * B, -1)
    dW_ih = dX2.T @ x.reshape(T * B, -1)
    dW_hh = dH2.T @ hprev
    needs = node.needs
    res = [(dX2 @ w_ih).reshape(x.shape) if needs[0] else None]
    if node.nstate:
        res.append(dh if needs[1] else None)
        if node.nstate == 2:
            res.append(dc if needs[2] else None)
    res += [dW_ih, dW_hh]
    if node.has_bias:
        db_ih = dX2.sum(0)
        res += [db_ih, db_ih.copy() if dH2 is dX2 else dH2.sum(0)]
    return tuple(res)


# ------------------------------------------------------------------------------------------------
class RnnTanhBackward(_RNNBase):
    __slots__ = ()

    def backward(self, grads, x, *saved):
        w_ih, w_hh = saved[self.nstate:self.nstate + 2]
        hs, act = self.cache  # hs: (T+1, B, H) in processing order, hs[0] = h0
        T = x.shape[0]
        gout = grads[0]
        hT = _in_time(hs[1:], self.reverse)  # h_t by time
        # d pre_t = dh_t * act'(pre_t), the factor read off h_t for every step at once
        D = 1 - hT * hT if act == "tanh" else (hT > 0).astype(hs.dtype)
        dpre = np.empty(D.shape, hs.dtype)
        dh = _start(grads[1], hs[0])
        last = T - 1 if self.reverse else 0
        need_h0 = self.needs[1]  # the last step's matmul only feeds h0's gradient
        for t in _back_times(T, self.reverse):
            if gout is not None:
                dh += gout[t]
            d = dpre[t]
            np.multiply(dh, D[t], out=d)
            if t != last or need_h0:
                np.matmul(d, w_hh, out=dh)
        return _param_grads(self, x, hs, w_ih, dpre, dpre, dh, None)


def _rnn_fwd(x, h0, w_ih, w_hh, b_ih, b_hh, act, reverse, needs):
    """One direction of one RNN layer on arrays: (out (T, B, H), h_T, node)."""
    T, B, _ = x.shape
    H = w_hh.shape[1]
    proj = (x.reshape(T * B, -1) @ _t_contig(w_ih)).reshape(T, B, H)
    if b_ih is not None:
        proj += b_ih + b_hh
    whT = _t_contig(w_hh)
    hs = np.empty((T + 1, B, H), x.dtype)
    hs[0] = 0 if h0 is None else h0
    buf = np.empty((B, H), x.dtype)
    for k in range(T):
        p = proj[T - 1 - k if reverse else k]
        np.matmul(hs[k], whT, out=buf)
        p += buf
        if act == "tanh":
            np.tanh(p, out=hs[k + 1])
        else:
            np.maximum(p, 0, out=hs[k + 1])
    node = _new_node(RnnTanhBackward, (hs, act), b_ih is not None, reverse, "rnn",
                     _nstate(h0, 1), needs, 2)
    return _in_time(hs[1:], reverse).copy(), hs[T].copy(), node


def rnn_layer(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh", reverse=False):
    """One direction of one layer. x: (T, B, I), h0: (B, H) or None (zeros). Returns
    (out (T, B, H), h_T)."""
    inputs = _inputs(x, (h0,), w_ih, w_hh, b_ih, b_hh)
    needs = _needs(x, h0)
    res = _rnn_fwd(x._data, _d(h0), w_ih._data, w_hh._data, _d(b_ih), _d(b_hh), nonlinearity,
                   reverse, needs)
    args = (x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity, reverse, needs)
    return _record(inputs, res, _rnn_fwd, args)


# ------------------------------------------------------------------------------------------------
class LstmBackward(_RNNBase):
    __slots__ = ()

    def backward(self, grads, x, *saved):
        w_ih, w_hh = saved[self.nstate:self.nstate + 2]
        # gates: (T, B, 4H) by time, activated and in the forward's column order i, f, o, g;
        # hs, cs: (T+1, B, H) by processing step from h0, c0; tcs: tanh(c) by processing step
        hs, cs, tcs, gates = self.cache
        T = x.shape[0]
        B, H = hs.shape[1:]
        rev = self.reverse
        gout = grads[0]
        i, f, o, g = (gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:3 * H],
                      gates[..., 3 * H:])
        tc = _in_time(tcs, rev)
        # the recurrence-free factors, for all steps at once:
        #   dc_t += dh_t * A_t;  d(o) = dh_t * Do_t;  d(i, f, g) = dc_t * D_t
        sg = gates[..., :3 * H]
        S = sg * (1 - sg)  # the sigmoid gates' derivatives
        A = o * (1 - tc * tc)
        Do = tc * S[..., 2 * H:]
        D = np.empty((T, B, 3, H), hs.dtype)
        np.multiply(g, S[..., :H], out=D[:, :, 0])
        np.multiply(_in_time(cs[:T], rev), S[..., H:2 * H], out=D[:, :, 1])
        np.multiply(i, 1 - g * g, out=D[:, :, 2])
        dpre = np.empty((T, B, 4 * H), hs.dtype)  # PyTorch's gate order i, f, g, o
        dp4 = dpre.reshape(T, B, 4, H)
        dh = _start(grads[1], hs[0])
        dc = _start(grads[2], hs[0])
        tmp = np.empty((B, H), hs.dtype)
        last = T - 1 if rev else 0
        need_h0 = self.needs[1]  # the last step's matmul only feeds h0's gradient
        for t in _back_times(T, rev):
            if gout is not None:
                dh += gout[t]
            np.multiply(dh, A[t], out=tmp)
            dc += tmp
            np.multiply(dh, Do[t], out=dp4[t, :, 3])
            np.multiply(dc[:, None, :], D[t], out=dp4[t, :, :3])
            dc *= f[t]
            if t != last or need_h0:
                np.matmul(dpre[t], w_hh, out=dh)
        return _param_grads(self, x, hs, w_ih, dpre, dpre, dh, dc)


def _gate_cols(w, H):
    """An LSTM weight (4H, K) as its transpose (K, 4H), C-contiguous, the gate columns reordered
    (i, f, o, g) so that the three sigmoid gates are one block, and negated there."""
    out = np.empty((w.shape[1], 4 * H), w.dtype)
    np.negative(w[:2 * H].T, out=out[:, :2 * H])
    np.negative(w[3 * H:].T, out=out[:, 2 * H:3 * H])
    out[:, 3 * H:] = w[2 * H:3 * H].T
    return out


def _lstm_fwd(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse, needs):
    """One direction of one LSTM layer on arrays: (out (T, B, H), h_T, c_T, node)."""
    T, B, _ = x.shape
    H = w_hh.shape[1]
    H2, H3 = 2 * H, 3 * H
    gates = (x.reshape(T * B, -1) @ _gate_cols(w_ih, H)).reshape(T, B, 4 * H)
    if b_ih is not None:
        b = b_ih + b_hh
        gates += np.concatenate((-b[:H2], -b[H3:], b[H2:H3]))
    whT = _gate_cols(w_hh, H)
    dt = gates.dtype
    hs = np.empty((T + 1, B, H), dt)
    cs = np.empty((T + 1, B, H), dt)
    tcs = np.empty((T, B, H), dt)
    hs[0] = 0 if h0 is None else h0
    cs[0] = 0 if c0 is None else c0
    hh = np.empty((B, 4 * H), dt)
    ig = np.empty((B, H), dt)
    with np.errstate(over="ignore"):  # exp(-x) overflows to inf for x << 0: sigmoid 0, right
        for k in range(T):
            gt = gates[T - 1 - k if reverse else k]
            np.matmul(hs[k], whT, out=hh)
            gt += hh
            _sigmoid_of_neg_(gt[:, :H3])
            gg = gt[:, H3:]
            np.tanh(gg, out=gg)
            c = cs[k + 1]
            np.multiply(gt[:, H:H2], cs[k], out=c)
            np.multiply(gt[:, :H], gg, out=ig)
            c += ig
            np.tanh(c, out=tcs[k])
            np.multiply(gt[:, H2:H3], tcs[k], out=hs[k + 1])
    node = _new_node(LstmBackward, (hs, cs, tcs, gates), b_ih is not None, reverse, "lstm",
                     _nstate(h0, 2), needs, 3)
    return (_in_time(hs[1:], reverse).copy(), hs[T].copy(), cs[T].copy(), node)


def lstm_layer(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False):
    """One direction of one LSTM layer; h0, c0 (B, H) both given or both None (zeros). Returns
    (out (T, B, H), h_T, c_T)."""
    if (h0 is None) != (c0 is None):
        raise ValueError("lstm_layer: give both h0 and c0, or neither (zeros)")
    inputs = _inputs(x, (h0, c0), w_ih, w_hh, b_ih, b_hh)
    needs = _needs(x, h0, c0)
    res = _lstm_fwd(x._data, _d(h0), _d(c0), w_ih._data, w_hh._data, _d(b_ih), _d(b_hh),
                    reverse, needs)
    args = (x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse, needs)
    return _record(inputs, res, _lstm_fwd, args)


# ------------------------------------------------------------------------------------------------
class GruBackward(_RNNBase):
    __slots__ = ()

    def backward(self, grads, x, *saved):
        w_ih, w_hh = saved[self.nstate:self.nstate + 2]
        # gates: (T, B, 3H) by time, activated r, z, n; hh: W_hh h + b_hh by time;
        # hs: (T+1, B, H) by processing step from h0
        hs, gates, hh = self.cache
        T = x.shape[0]
        B, H = hs.shape[1:]
        H2 = 2 * H
        rev = self.reverse
        gout = grads[0]
        dX = np.empty((T, B, 3 * H), hs.dtype)
        dHH = np.empty((T, B, 3 * H), hs.dtype)
        dh = _start(grads[1], hs[0])
        last = T - 1 if rev else 0
        need_h0 = self.needs[1]  # the last step's matmul only feeds h0's gradient
        # (per step on (B, H) blocks: for the GRU's sizes this beats computing the
        # recurrence-free factors of all steps at once, which runs out of cache)
        for t in _back_times(T, rev):
            if gout is not None:
                dh += gout[t]
            gt = gates[t]
            r, z, n = gt[:, :H], gt[:, H:H2], gt[:, H2:]
            dxt = dX[t]
            om_z = 1 - z
            dn = dxt[:, H2:]
            np.multiply(dh, om_z, out=dn)
            dn *= 1 - n * n
            dz = dxt[:, H:H2]
            np.subtract(hs[T - 1 - t if rev else t], n, out=dz)
            dz *= dh
            dz *= z
            dz *= om_z
            dr = dxt[:, :H]
            np.multiply(dn, hh[t][:, H2:], out=dr)
            dr *= r
            dr *= 1 - r
            dht = dHH[t]
            dht[:, :H2] = dxt[:, :H2]
            np.multiply(dn, r, out=dht[:, H2:])
            if t != last or need_h0:
                dh = dh * z
                dh += dht @ w_hh
        return _param_grads(self, x, hs, w_ih, dX, dHH, dh, None)


def _t_neg_rz(w, H2):
    """A GRU weight (3H, K) as its transpose (K, 3H), C-contiguous, the sigmoid gates' columns
    (r, z) negated."""
    out = np.array(w.T, order="C")  # a copy even where w.T is contiguous (K == 1)
    np.negative(out[:, :H2], out=out[:, :H2])
    return out


def _gru_fwd(x, h0, w_ih, w_hh, b_ih, b_hh, reverse, needs):
    """One direction of one GRU layer on arrays: (out (T, B, H), h_T, node)."""
    T, B, _ = x.shape
    H = w_hh.shape[1]
    H2 = 2 * H
    gates = (x.reshape(T * B, -1) @ _t_neg_rz(w_ih, H2)).reshape(T, B, 3 * H)
    whT = _t_neg_rz(w_hh, H2)
    if b_ih is not None:
        gates += np.concatenate((-b_ih[:H2], b_ih[H2:]))
        b_hh = np.concatenate((-b_hh[:H2], b_hh[H2:]))
    dt = gates.dtype
    hs = np.empty((T + 1, B, H), dt)
    hh_all = np.empty((T, B, 3 * H), dt)
    hs[0] = 0 if h0 is None else h0
    rn = np.empty((B, H), dt)
    with np.errstate(over="ignore"):  # exp(-x) overflows to inf for x << 0: sigmoid 0, right
        for k in range(T):
            t = T - 1 - k if reverse else k
            hh = hh_all[t]
            np.matmul(hs[k], whT, out=hh)
            if b_hh is not None:
                hh += b_hh
            gt = gates[t]
            rz = gt[:, :H2]
            rz += hh[:, :H2]
            _sigmoid_of_neg_(rz)
            n = gt[:, H2:]
            np.multiply(gt[:, :H], hh[:, H2:], out=rn)
            n += rn
            np.tanh(n, out=n)
            h = hs[k + 1]  # n + z * (h - n)
            np.subtract(hs[k], n, out=h)
            h *= gt[:, H:H2]
            h += n
    node = _new_node(GruBackward, (hs, gates, hh_all), b_ih is not None, reverse, "gru",
                     _nstate(h0, 1), needs, 2)
    return _in_time(hs[1:], reverse).copy(), hs[T].copy(), node


def gru_layer(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False):
    """One direction of one GRU layer; h0 (B, H) or None (zeros). Returns (out (T, B, H), h_T)."""
    inputs = _inputs(x, (h0,), w_ih, w_hh, b_ih, b_hh)
    needs = _needs(x, h0)
    res = _gru_fwd(x._data, _d(h0), w_ih._data, w_hh._data, _d(b_ih), _d(b_hh), reverse, needs)
    args = (x, h0, w_ih, w_hh, b_ih, b_hh, reverse, needs)
    return _record(inputs, res, _gru_fwd, args)


# ------------------------------------------------------------------------------------------------
def _nstate(h0, n):
    return 0 if h0 is None else n


def _inputs(x, states, w_ih, w_hh, b_ih, b_hh):
    """The node's inputs: the initial states only when given (None: zeros made inside)."""
    ins = [x] if states[0] is None else [x, *states]
    return ins + ([w_ih, w_hh, b_ih, b_hh] if b_ih is not None else [w_ih, w_hh])


def _needs(x, *states):
    return (x._rg,) + tuple([s is not None and s._rg for s in states])


def _d(t):
    return None if t is None else t._data


def _record(inputs, res, kernel, args):
    """The layer's outputs as Tensors of one node (with edges to `inputs` when a gradient is
    recorded); a capture replays `kernel(*args)`, which gives the outputs and a fresh node."""
    node = res[-1]
    if STATE.enabled and any(t._rg for t in inputs):
        node.next_functions = tuple([t._grad_node() for t in inputs])
        node.save(*inputs)
    else:
        node = None
    outs = attach_outputs(res[:-1], node, inputs=inputs, replay=kernel, args=args,
                          stateful=True)
    if node is not None and node.kind == "lstm":
        # PyTorch's LSTM saves its output: writing to it before backward raises there, so here
        node.save_output(outs[0])
    return outs
