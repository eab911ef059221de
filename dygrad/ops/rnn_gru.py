"""The fused GRU layer: one graph node runs a whole sequence, as the RNN and LSTM layers of
rnn.py (whose module docstring explains the layout, the speed choices and packed sequences).
Gate order follows PyTorch: r, z, n; n = tanh(W_in x + b_in + r * (W_hn h + b_hn))."""
import numpy as np

from .rnn import (_RNNBase, _back_times, _buffer, _d, _in_time, _inputs, _needs, _new_node,
                  _nstate, _param_grads, _record, _sigmoid_of_neg_, _start)


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
        sizes = self.sizes
        dX = _buffer((T, B, 3 * H), hs.dtype, sizes)
        dHH = _buffer((T, B, 3 * H), hs.dtype, sizes)
        dh = dhn = _start(grads[1], hs[0])
        m = B  # the running rows (packed input)
        last = T - 1 if rev else 0
        need_h0 = self.needs[1]  # the last step's matmul only feeds h0's gradient
        # (per step on (B, H) blocks: for the GRU's sizes this beats computing the
        # recurrence-free factors of all steps at once, which runs out of cache)
        gon, gn, dXn, dHn, hsn, hhn = gout, gates, dX, dHH, hs, hh  # their running rows
        for t in _back_times(T, rev):
            if sizes is not None and sizes[t] != m:
                m = sizes[t]
                dhn = dh[:m]
                gn, dXn, dHn, hsn, hhn = gates[:, :m], dX[:, :m], dHH[:, :m], hs[:, :m], hh[:, :m]
                gon = None if gout is None else gout[:, :m]
            if gout is not None:
                dhn += gon[t]
            gt = gn[t]
            r, z, n = gt[:, :H], gt[:, H:H2], gt[:, H2:]
            dxt = dXn[t]
            om_z = 1 - z
            dn = dxt[:, H2:]
            np.multiply(dhn, om_z, out=dn)
            dn *= 1 - n * n
            dz = dxt[:, H:H2]
            np.subtract(hsn[T - 1 - t if rev else t], n, out=dz)
            dz *= dhn
            dz *= z
            dz *= om_z
            dr = dxt[:, :H]
            np.multiply(dn, hhn[t][:, H2:], out=dr)
            dr *= r
            dr *= 1 - r
            dht = dHn[t]
            dht[:, :H2] = dxt[:, :H2]
            np.multiply(dn, r, out=dht[:, H2:])
            if t != last or need_h0:
                dhn *= z
                dhn += dht @ w_hh
        return _param_grads(self, x, hs, w_ih, dX, dHH, dh, None)


def _t_neg_rz(w, H2):
    """A GRU weight (3H, K) as its transpose (K, 3H), C-contiguous, the sigmoid gates' columns
    (r, z) negated."""
    out = np.array(w.T, order="C")  # a copy even where w.T is contiguous (K == 1)
    np.negative(out[:, :H2], out=out[:, :H2])
    return out


def _gru_fwd(x, h0, w_ih, w_hh, b_ih, b_hh, reverse, needs, sizes=None):
    """One direction of one GRU layer on arrays: (out (T, B, H), h_T, node)."""
    if x.dtype.kind == "V" or x.dtype != w_ih.dtype:
        # bfloat16, or a low-precision input beside float32 weights (autocast leaves GRU's
        # weights float32): computed in float32, outputs rounded once to the input's dtype
        f = [None if a is None else a.astype(np.float32) for a in (x, h0, w_ih, w_hh, b_ih, b_hh)]
        *outs, node = _gru_fwd(*f, reverse, needs, sizes)
        return (*[o.astype(x.dtype) for o in outs], node)
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
    m = B  # the running rows (packed input)
    rnm, hhm, gm, hsm = rn, hh_all, gates, hs  # their running rows
    with np.errstate(over="ignore"):  # exp(-x) overflows to inf for x << 0: sigmoid 0, right
        for k in range(T):
            t = T - 1 - k if reverse else k
            if sizes is not None and sizes[t] != m:
                m = sizes[t]
                rnm, hhm, gm, hsm = rn[:m], hh_all[:, :m], gates[:, :m], hs[:, :m]
            hh = hhm[t]
            np.matmul(hsm[k], whT, out=hh)
            if b_hh is not None:
                hh += b_hh
            gt = gm[t]
            rz = gt[:, :H2]
            rz += hh[:, :H2]
            _sigmoid_of_neg_(rz)
            n = gt[:, H2:]
            np.multiply(gt[:, :H], hh[:, H2:], out=rnm)
            n += rnm
            np.tanh(n, out=n)
            h = hsm[k + 1]  # n + z * (h - n)
            np.subtract(hsm[k], n, out=h)
            h *= gt[:, H:H2]
            h += n
            if m != B:  # the idle rows keep their state
                hs[k + 1, m:] = hs[k, m:]
    node = _new_node(GruBackward, (hs, gates, hh_all), b_ih is not None, reverse, "gru",
                     _nstate(h0, 1), needs, 2, sizes)
    return _in_time(hs[1:], reverse).copy(), hs[T].copy(), node


def gru_layer(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False, sizes=None):
    """One direction of one GRU layer; h0 (B, H) or None (zeros); sizes as in rnn_layer.
    Returns (out (T, B, H), h_T)."""
    inputs = _inputs(x, (h0,), w_ih, w_hh, b_ih, b_hh)
    needs = _needs(x, h0)
    res = _gru_fwd(x._data, _d(h0), w_ih._data, w_hh._data, _d(b_ih), _d(b_hh), reverse, needs,
                   sizes)
    args = (x, h0, w_ih, w_hh, b_ih, b_hh, reverse, needs, sizes)
    return _record(inputs, res, _gru_fwd, args)


# -- ONNX lowering: ONNX's GRU, gates r,z,n -> z,r,h; PyTorch applies r after W_hn h + b_hn ------
from ._registry import rule as _rule  # noqa: E402
from .rnn import _onnx_recurrent  # noqa: E402

_rule("onnx", "gru_layer")(_onnx_recurrent("GRU", (1, 0, 2), linear_before_reset=1))
