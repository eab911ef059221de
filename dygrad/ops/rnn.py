"""Fused recurrent layers: one graph node runs a whole sequence (forward and backward in NumPy).

Built op by op, a recurrent layer costs dozens of recorded ops per time step; fused, the input
projection is one matmul over all steps, each step is a handful of in-place NumPy calls on
preallocated buffers, and the weight gradients are one matmul each after the backward loop.
Gate orders follow PyTorch: LSTM (i, f, g, o), GRU (r, z, n; its layer is in rnn_gru.py).
Double backward through these nodes is not supported (said clearly).

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

Packed sequences (nn.utils.rnn.PackedSequence): `sizes[t]` is the number of sequences still
running at time t (sorted longest first, so they are the leading rows). Each step updates only
those rows; the others keep their state (copied forward), so a sequence's final state is taken
at its own last step and the reverse direction starts each sequence at its own end from h0. The
backward updates only the running rows of the state gradient: the others pass theirs through
unchanged, and the pre-activation gradients of idle rows stay zero. The loops index views of the
running rows (`hs[:, :n]`), re-sliced only when the count changes: indexing `a[k, :n]` per step
costs twice `a[k]`, and the unpacked path (sizes None) must not pay for packing.
"""
import numpy as np

from ._record import attach_outputs
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from ..amp._state import STATE as _AC, cast as _autocast


class _RNNBase(Node):
    # cache: the forward's arrays the backward reads; nstate: how many initial states (h0, c0)
    # are inputs (0: zeros made inside); needs: whether x, h0, c0 take gradients
    # sizes: running rows per time step (packed input) or None
    __slots__ = ("cache", "has_bias", "reverse", "kind", "nstate", "needs", "sizes")
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


def _new_node(cls, cache, has_bias, reverse, kind, nstate, needs, nout, sizes):
    node = cls(())
    node.sizes = sizes
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


def _buffer(shape, dtype, sizes):
    """A per-step buffer: zeros for packed input (idle rows are read as zeros or never written),
    else uninitialised."""
    return np.empty(shape, dtype) if sizes is None else np.zeros(shape, dtype)


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
        sizes = self.sizes
        dpre = _buffer(D.shape, hs.dtype, sizes)
        dh = _start(grads[1], hs[0])
        n = dh.shape[0]
        dhn, gon, dpn, Dn = dh, gout, dpre, D  # their running rows
        last = T - 1 if self.reverse else 0
        need_h0 = self.needs[1]  # the last step's matmul only feeds h0's gradient
        for t in _back_times(T, self.reverse):
            if sizes is not None and sizes[t] != n:
                n = sizes[t]
                dhn, dpn, Dn = dh[:n], dpre[:, :n], D[:, :n]
                gon = None if gout is None else gout[:, :n]
            if gout is not None:
                dhn += gon[t]
            d = dpn[t]
            np.multiply(dhn, Dn[t], out=d)
            if t != last or need_h0:
                np.matmul(d, w_hh, out=dhn)
        return _param_grads(self, x, hs, w_ih, dpre, dpre, dh, None)


def _rnn_fwd(x, h0, w_ih, w_hh, b_ih, b_hh, act, reverse, needs, sizes=None):
    """One direction of one RNN layer on arrays: (out (T, B, H), h_T, node); `sizes`: the
    running rows per time step (packed input, see the module docstring) or None."""
    if x.dtype.kind == "V":  # bfloat16 (autocast): computed in float32, outputs rounded once
        *outs, node = _rnn_fwd(*[_f32(a) for a in (x, h0, w_ih, w_hh, b_ih, b_hh)], act, reverse, needs, sizes)
        return (*[o.astype(x.dtype) for o in outs], node)
    T, B, _ = x.shape
    H = w_hh.shape[1]
    proj = (x.reshape(T * B, -1) @ _t_contig(w_ih)).reshape(T, B, H)
    if b_ih is not None:
        proj += b_ih + b_hh
    whT = _t_contig(w_hh)
    hs = np.empty((T + 1, B, H), x.dtype)
    hs[0] = 0 if h0 is None else h0
    buf = np.empty((B, H), x.dtype)
    n = B
    bufn, pn, hsn = buf, proj, hs  # their running rows
    for k in range(T):
        t = T - 1 - k if reverse else k
        if sizes is not None and sizes[t] != n:
            n = sizes[t]
            bufn, pn, hsn = buf[:n], proj[:, :n], hs[:, :n]
        p = pn[t]
        np.matmul(hsn[k], whT, out=bufn)
        p += bufn
        if act == "tanh":
            np.tanh(p, out=hsn[k + 1])
        else:
            np.maximum(p, 0, out=hsn[k + 1])
        if n != B:  # the idle rows keep their state
            hs[k + 1, n:] = hs[k, n:]
    node = _new_node(RnnTanhBackward, (hs, act), b_ih is not None, reverse, "rnn",
                     _nstate(h0, 1), needs, 2, sizes)
    return _in_time(hs[1:], reverse).copy(), hs[T].copy(), node


def rnn_layer(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh", reverse=False,
              sizes=None):
    """One direction of one layer. x: (T, B, I), h0: (B, H) or None (zeros); sizes: for
    sequences of several lengths (longest first), how many run at each time step. Returns
    (out (T, B, H), h_T); out rows outside a sequence hold a copy of a state."""
    if _AC.on:  # autocast region: PyTorch's CPU policy runs RNN layers in the low precision
        x, h0, w_ih, w_hh, b_ih, b_hh = _autocast("rnn_layer", x, h0, w_ih, w_hh, b_ih, b_hh)
    inputs = _inputs(x, (h0,), w_ih, w_hh, b_ih, b_hh)
    needs = _needs(x, h0)
    res = _rnn_fwd(x._data, _d(h0), w_ih._data, w_hh._data, _d(b_ih), _d(b_hh), nonlinearity,
                   reverse, needs, sizes)
    args = (x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity, reverse, needs, sizes)
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
        sizes = self.sizes
        dpre = _buffer((T, B, 4 * H), hs.dtype, sizes)  # PyTorch's gate order i, f, g, o
        dp4 = dpre.reshape(T, B, 4, H)
        dh = dhn = _start(grads[1], hs[0])
        dc = dcn = _start(grads[2], hs[0])
        tmp = tmpn = np.empty((B, H), hs.dtype)
        n = B
        gon, An, Don, Dn, fn, dpn, dp4n = gout, A, Do, D, f, dpre, dp4  # their running rows
        last = T - 1 if rev else 0
        need_h0 = self.needs[1]  # the last step's matmul only feeds h0's gradient
        for t in _back_times(T, rev):
            if sizes is not None and sizes[t] != n:
                n = sizes[t]
                dhn, dcn, tmpn = dh[:n], dc[:n], tmp[:n]
                An, Don, Dn, fn = A[:, :n], Do[:, :n], D[:, :n], f[:, :n]
                dpn, dp4n = dpre[:, :n], dp4[:, :n]
                gon = None if gout is None else gout[:, :n]
            if gout is not None:
                dhn += gon[t]
            np.multiply(dhn, An[t], out=tmpn)
            dcn += tmpn
            np.multiply(dhn, Don[t], out=dp4n[t, :, 3])
            np.multiply(dcn[:, None, :], Dn[t], out=dp4n[t, :, :3])
            dcn *= fn[t]
            if t != last or need_h0:
                np.matmul(dpn[t], w_hh, out=dhn)
        return _param_grads(self, x, hs, w_ih, dpre, dpre, dh, dc)


def _gate_cols(w, H):
    """An LSTM weight (4H, K) as its transpose (K, 4H), C-contiguous, the gate columns reordered
    (i, f, o, g) so that the three sigmoid gates are one block, and negated there."""
    out = np.empty((w.shape[1], 4 * H), w.dtype)
    np.negative(w[:2 * H].T, out=out[:, :2 * H])
    np.negative(w[3 * H:].T, out=out[:, 2 * H:3 * H])
    out[:, 3 * H:] = w[2 * H:3 * H].T
    return out


def _lstm_fwd(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse, needs, sizes=None):
    """One direction of one LSTM layer on arrays: (out (T, B, H), h_T, c_T, node)."""
    if x.dtype.kind == "V":  # bfloat16 (autocast): computed in float32, outputs rounded once
        *outs, node = _lstm_fwd(*[_f32(a) for a in (x, h0, c0, w_ih, w_hh, b_ih, b_hh)], reverse, needs, sizes)
        return (*[o.astype(x.dtype) for o in outs], node)
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
    tcs = _buffer((T, B, H), dt, sizes)  # idle rows: zeros, read by the backward's factors
    hs[0] = 0 if h0 is None else h0
    cs[0] = 0 if c0 is None else c0
    hh = np.empty((B, 4 * H), dt)
    ig = np.empty((B, H), dt)
    n = B
    hhn, ign, gn, hsn, csn, tcn = hh, ig, gates, hs, cs, tcs  # their running rows
    with np.errstate(over="ignore"):  # exp(-x) overflows to inf for x << 0: sigmoid 0, right
        for k in range(T):
            t = T - 1 - k if reverse else k
            if sizes is not None and sizes[t] != n:
                n = sizes[t]
                hhn, ign = hh[:n], ig[:n]
                gn, hsn, csn, tcn = gates[:, :n], hs[:, :n], cs[:, :n], tcs[:, :n]
            gt = gn[t]
            np.matmul(hsn[k], whT, out=hhn)
            gt += hhn
            _sigmoid_of_neg_(gt[:, :H3])
            gg = gt[:, H3:]
            np.tanh(gg, out=gg)
            c = csn[k + 1]
            np.multiply(gt[:, H:H2], csn[k], out=c)
            np.multiply(gt[:, :H], gg, out=ign)
            c += ign
            tc = tcn[k]
            np.tanh(c, out=tc)
            np.multiply(gt[:, H2:H3], tc, out=hsn[k + 1])
            if n != B:  # the idle rows keep their state
                hs[k + 1, n:] = hs[k, n:]
                cs[k + 1, n:] = cs[k, n:]
    node = _new_node(LstmBackward, (hs, cs, tcs, gates), b_ih is not None, reverse, "lstm",
                     _nstate(h0, 2), needs, 3, sizes)
    return (_in_time(hs[1:], reverse).copy(), hs[T].copy(), cs[T].copy(), node)


def lstm_layer(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False, sizes=None):
    """One direction of one LSTM layer; h0, c0 (B, H) both given or both None (zeros); sizes as
    in rnn_layer. Returns (out (T, B, H), h_T, c_T)."""
    if (h0 is None) != (c0 is None):
        raise ValueError("lstm_layer: give both h0 and c0, or neither (zeros)")
    if _AC.on:  # autocast region: PyTorch's CPU policy runs LSTM layers in the low precision
        x, h0, c0, w_ih, w_hh, b_ih, b_hh = _autocast("lstm_layer", x, h0, c0, w_ih, w_hh, b_ih,
                                                      b_hh)
    inputs = _inputs(x, (h0, c0), w_ih, w_hh, b_ih, b_hh)
    needs = _needs(x, h0, c0)
    res = _lstm_fwd(x._data, _d(h0), _d(c0), w_ih._data, w_hh._data, _d(b_ih), _d(b_hh),
                    reverse, needs, sizes)
    args = (x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse, needs, sizes)
    return _record(inputs, res, _lstm_fwd, args)


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


def _f32(a):
    return None if a is None else a.astype(np.float32)


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


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_recurrent(onnx_op, order, **attrs):
    """One direction of one layer as ONNX's own RNN/LSTM/GRU node (one direction, so layers and
    directions are the nodes the model's calls are). `order`: PyTorch's gate blocks in ONNX's
    order (LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h)."""
    def lower(g, c):
        x, w_ih, w_hh, b_ih, b_hh = c["x"], c["w_ih"], c["w_hh"], c.get("b_ih"), c.get("b_hh")
        H = w_hh.shape[1]
        if c.get("sizes") is not None or w_hh.shape[0] != len(order) * H or any(
                g.is_live(t) for t in (w_ih, w_hh, b_ih, b_hh)):
            return None  # packed sequences, LSTM projections, computed weights: not lowered
        rows = np.concatenate([np.arange(k * H, (k + 1) * H) for k in order])
        dt = w_ih._data.dtype
        b = np.concatenate([(np.zeros(len(rows), dt) if t is None else t._data[rows])
                            for t in (b_ih, b_hh)])
        states = [("" if s is None else g.op("Unsqueeze", [g.value(s), g.ints([0])]))
                  for s in ([c["h0"], c["c0"]] if onnx_op == "LSTM" else [c["h0"]])]
        outs = g.op(onnx_op, [g.value(x), g.const(w_ih._data[rows][None]),
                              g.const(w_hh._data[rows][None]), g.const(b[None]), "", *states],
                    outputs=len(states) + 1, hidden_size=H,
                    direction="reverse" if c.get("reverse") else "forward", **attrs)
        return [g.op("Squeeze", [outs[0], g.ints([1])])] + [
            g.op("Squeeze", [s, g.ints([0])]) for s in outs[1:]]
    lower.__name__ = f"_onnx_{onnx_op.lower()}"
    return lower


_rule("onnx", "lstm_layer")(_onnx_recurrent("LSTM", (0, 3, 1, 2)))


@_rule("onnx", "rnn_layer")
def _onnx_rnn(g, c):
    act = {"tanh": "Tanh", "relu": "Relu"}.get(c.get("nonlinearity", "tanh"))
    return _onnx_recurrent("RNN", (0,), activations=[act])(g, c) if act else None
