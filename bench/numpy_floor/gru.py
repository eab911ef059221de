"""Floor for one-layer GRU forward + backward (loss = output.sum()).

Gates are fused: the input projections of all time steps are one matmul before the loop, each
step does one (B, H) @ (H, 3H) matmul for all three hidden projections, and the weight
gradients are single matmuls over the stacked per-step gate gradients after the loop.
Gate order r, z, n as in PyTorch's weight_ih_l0 / weight_hh_l0.
"""
import numpy as np

from ._common import sigmoid


class GRUFloor:
    def __init__(self, data):
        self.x = data["x"].copy()
        self.params = {k: v.copy() for k, v in data["params"].items()}

    def loss_and_grads(self):
        p = self.params
        w_ih, w_hh = p["weight_ih_l0"], p["weight_hh_l0"]
        b_ih, b_hh = p["bias_ih_l0"], p["bias_hh_l0"]
        x = self.x
        t_len, batch, n_in = x.shape
        hid = w_hh.shape[1]
        h2 = 2 * hid
        x2 = x.reshape(t_len * batch, n_in)
        gi = (x2 @ w_ih.T + b_ih).reshape(t_len, batch, 3 * hid)
        hs = np.empty((t_len + 1, batch, hid), dtype=x.dtype)
        hs[0] = 0.0
        rz = np.empty((t_len, batch, h2), dtype=x.dtype)
        nn = np.empty((t_len, batch, hid), dtype=x.dtype)
        ghn = np.empty((t_len, batch, hid), dtype=x.dtype)
        w_hh_t = w_hh.T
        for t in range(t_len):
            h = hs[t]
            gh = h @ w_hh_t
            gh += b_hh
            rz[t] = sigmoid(gi[t, :, :h2] + gh[:, :h2])
            ghn[t] = gh[:, h2:]
            n = np.tanh(gi[t, :, h2:] + rz[t, :, :hid] * gh[:, h2:])
            nn[t] = n
            hs[t + 1] = n + rz[t, :, hid:] * (h - n)
        loss = float(hs[1:].sum())

        dgi = np.empty_like(gi)
        dgh = np.empty_like(gi)
        dh = np.zeros((batch, hid), dtype=x.dtype)
        for t in reversed(range(t_len)):
            dh += 1.0  # d(output.sum()) / d h_t
            r, z, n = rz[t, :, :hid], rz[t, :, hid:], nn[t]
            dn = dh * (1.0 - z) * (1.0 - n * n)
            dgi[t, :, h2:] = dn
            dgh[t, :, h2:] = dn * r
            dgh[t, :, :hid] = dn * ghn[t] * r * (1.0 - r)
            dgh[t, :, hid:h2] = dh * (hs[t] - n) * z * (1.0 - z)
            dh = dh * z + dgh[t] @ w_hh
        dgi[:, :, :h2] = dgh[:, :, :h2]
        dgi2 = dgi.reshape(-1, 3 * hid)
        dgh2 = dgh.reshape(-1, 3 * hid)
        grads = {
            "weight_ih_l0": dgi2.T @ x2,
            "weight_hh_l0": dgh2.T @ hs[:-1].reshape(-1, hid),
            "bias_ih_l0": dgi2.sum(axis=0),
            "bias_hh_l0": dgh2.sum(axis=0),
        }
        return loss, grads

    def step(self):
        return self.loss_and_grads()[0]
