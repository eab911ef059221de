"""Floor for the word-language-model step (bench/workloads/real.py LstmLm): embedding ->
dropout -> 2-layer LSTM (dropout between layers) -> dropout -> decoder tied to the embedding ->
log_softmax + nll_loss (mean), backward, clip_grad_norm_(0.25), then p -= 20 * grad.

Layout choices (why):
- All parameters live in one flat float32 buffer and all gradients in another of the same
  layout, so the global gradient norm is one dot product and the clipped SGD update is one
  scale and one subtract; `params` / `grads` hand out views under PyTorch's names.
- The tied weight and the decoder bias share one (ntoken, ninp + 1) block: the decoder input
  carries a column of ones, so the logits GEMM adds the bias and the weight-gradient GEMM
  yields the bias gradient as its last column (no separate bias pass over the logits).
- Each LSTM layer does the input projection of all time steps as one GEMM; the loop over time
  does one (B, H) @ (H, 4H) GEMM and a few in-place ufuncs per step. Sigmoid is computed as
  0.5 * tanh(0.5 x) + 0.5 so all four gates take one tanh: the pre-activations are scaled per
  gate ([.5, .5, 1, .5]) before it, the results scaled and shifted after it.
- Backward folds everything that does not depend on the recurrence (the gate derivatives times
  the forward values they multiply) into batched ufuncs over all time steps before the loop;
  the loop keeps only the cell-state chain and one (B, 4H) @ (4H, H) GEMM per step. The weight
  gradients are single GEMMs over the stacked gate gradients after the loop.
- log_softmax + nll is done in row blocks that stay in cache: max, shift, exp, row sum and the
  gradient scale touch each block while it is hot, and the block of softmax - onehot is left in
  the logits buffer for the two backward GEMMs.
- Dropout masks come from a NumPy Generator, already scaled by 1 / (1 - p). With
  `training = False` dropout is the identity (what the checks compare against PyTorch's eval
  mode).
"""
import numpy as np


class LstmLmFloor:
    ROW_BLOCK = 50  # rows of the (T*B, ntoken) logits handled at once by the softmax

    def __init__(self, data, nlayers=2, dropout=0.2, lr=20.0, clip=0.25, seed=0):
        src = data["params"]
        ntoken, ninp = src["encoder.weight"].shape
        nhid = src["rnn.weight_hh_l0"].shape[1]
        self.x = data["x"].copy()
        self.y = data["y"].copy()
        self.nlayers, self.p, self.lr, self.clip = nlayers, dropout, lr, clip
        self.training = True
        self.rng = np.random.default_rng(seed)
        # flat parameter / gradient buffers; names map to views into them
        shapes = [("aug", (ntoken, ninp + 1))]
        for k in range(nlayers):
            n_in = ninp if k == 0 else nhid
            shapes += [(f"rnn.weight_ih_l{k}", (4 * nhid, n_in)),
                       (f"rnn.weight_hh_l{k}", (4 * nhid, nhid)),
                       (f"rnn.bias_ih_l{k}", (4 * nhid,)), (f"rnn.bias_hh_l{k}", (4 * nhid,))]
        total = sum(int(np.prod(s)) for _, s in shapes)
        self.flat_p = np.empty(total, np.float32)
        self.flat_g = np.zeros(total, np.float32)
        self._p, self._g = self._views(shapes, self.flat_p), self._views(shapes, self.flat_g)
        for name, arr in self._p.items():
            if name != "aug":
                arr[...] = src[name]
        self._p["aug"][:, :ninp] = src["encoder.weight"]
        self._p["aug"][:, ninp] = src["decoder.bias"]
        self.params = self._named(self._p, ninp)
        self.grads = self._named(self._g, ninp)
        t_len, batch = self.x.shape
        n = t_len * batch
        self.ntoken, self.ninp, self.nhid = ntoken, ninp, nhid
        # per-gate scale / shift turning tanh into sigmoid for i, f, o (gate order i, f, g, o)
        self.g_scale = np.repeat(np.array([.5, .5, 1., .5], np.float32), nhid)
        self.g_shift = np.repeat(np.array([.5, .5, 0., .5], np.float32), nhid)
        # buffers reused across steps
        self.logits = np.empty((n, ntoken), np.float32)
        self.dec_in = np.empty((n, ninp + 1), np.float32)
        self.dec_in[:, ninp] = 1.0
        self.rows = np.arange(n)

    @staticmethod
    def _views(shapes, flat):
        out, off = {}, 0
        for name, shape in shapes:
            size = int(np.prod(shape))
            out[name] = flat[off:off + size].reshape(shape)
            off += size
        return out

    def _named(self, views, ninp):
        named = {"encoder.weight": views["aug"][:, :ninp]}
        named.update((k, v) for k, v in views.items() if k != "aug")
        named["decoder.bias"] = views["aug"][:, ninp]
        return named

    def _mask(self, shape):
        keep = self.rng.random(shape, dtype=np.float32) >= self.p
        return keep * np.float32(1.0 / (1.0 - self.p))

    # -- LSTM layer -------------------------------------------------------------------------

    def _layer_fwd(self, k, xin):
        """xin (T, B, I) -> saved state; the outputs are state['hs'][1:]."""
        p = self._p
        w_ih, w_hh = p[f"rnn.weight_ih_l{k}"], p[f"rnn.weight_hh_l{k}"]
        t_len, batch, n_in = xin.shape
        hid = self.nhid
        scale, shift = self.g_scale, self.g_shift
        acts = xin.reshape(-1, n_in) @ w_ih.T
        acts += p[f"rnn.bias_ih_l{k}"] + p[f"rnn.bias_hh_l{k}"]
        acts *= scale
        acts = acts.reshape(t_len, batch, 4 * hid)
        whh_s = w_hh.T * scale  # (H, 4H), pre-scaled like the input part
        hs = np.empty((t_len + 1, batch, hid), np.float32)
        cs = np.empty((t_len + 1, batch, hid), np.float32)
        tcs = np.empty((t_len, batch, hid), np.float32)
        hs[0] = 0.0
        cs[0] = 0.0
        gh = np.empty((batch, 4 * hid), np.float32)
        ig = np.empty((batch, hid), np.float32)
        h2, h3 = 2 * hid, 3 * hid
        for t in range(t_len):
            a = acts[t]
            if t:  # h_0 = 0: no recurrent term at the first step
                np.matmul(hs[t], whh_s, out=gh)
                a += gh
            np.tanh(a, out=a)
            a *= scale
            a += shift
            c = cs[t + 1]
            np.multiply(a[:, hid:h2], cs[t], out=c)
            np.multiply(a[:, :hid], a[:, h2:h3], out=ig)
            c += ig
            np.tanh(c, out=tcs[t])
            np.multiply(a[:, h3:], tcs[t], out=hs[t + 1])
        return {"x": xin, "acts": acts, "hs": hs, "cs": cs, "tcs": tcs}

    def _layer_bwd(self, k, st, dy):
        """dy (T, B, H): gradient of the layer outputs; writes the weight gradients and returns
        the gradient of the layer input (T*B, I)."""
        p, g = self._p, self._g
        acts, hs, cs, tcs = st["acts"], st["hs"], st["cs"], st["tcs"]
        t_len, batch, hid = dy.shape
        a4 = acts.reshape(t_len, batch, 4, hid)
        i, f, gg, o = a4[:, :, 0], a4[:, :, 1], a4[:, :, 2], a4[:, :, 3]
        # m[:, :, j] * (dc or dh) is the gradient of gate j's pre-activation
        m = np.empty_like(a4)
        np.subtract(1.0, i, out=m[:, :, 0])
        m[:, :, 0] *= i
        m[:, :, 0] *= gg
        np.subtract(1.0, f, out=m[:, :, 1])
        m[:, :, 1] *= f
        m[:, :, 1] *= cs[:-1]
        np.multiply(gg, gg, out=m[:, :, 2])
        np.subtract(1.0, m[:, :, 2], out=m[:, :, 2])
        m[:, :, 2] *= i
        np.subtract(1.0, o, out=m[:, :, 3])
        m[:, :, 3] *= o
        m[:, :, 3] *= tcs
        mc = tcs * tcs  # d c_t / d h_t through h = o * tanh(c)
        np.subtract(1.0, mc, out=mc)
        mc *= o
        dg = np.empty_like(a4)
        w_hh = p[f"rnn.weight_hh_l{k}"]
        dh = np.empty((batch, hid), np.float32)
        dc = np.zeros((batch, hid), np.float32)
        tmp = np.empty((batch, hid), np.float32)
        for t in reversed(range(t_len)):
            if t == t_len - 1:
                dh[...] = dy[t]
            else:
                np.matmul(dg[t + 1].reshape(batch, 4 * hid), w_hh, out=dh)
                dh += dy[t]
            np.multiply(dh, mc[t], out=tmp)
            dc += tmp
            np.multiply(dc[:, None, :], m[t, :, :3], out=dg[t, :, :3])
            np.multiply(dh, m[t, :, 3], out=dg[t, :, 3])
            dc *= f[t]
        dg2 = dg.reshape(-1, 4 * hid)
        xin = st["x"].reshape(t_len * batch, -1)
        np.matmul(dg2.T, xin, out=g[f"rnn.weight_ih_l{k}"])
        # h_0 = 0 contributes nothing to the recurrent weight gradient
        np.matmul(dg2[batch:].T, hs[1:-1].reshape(-1, hid), out=g[f"rnn.weight_hh_l{k}"])
        db = g[f"rnn.bias_ih_l{k}"]
        np.sum(dg2, axis=0, out=db)
        g[f"rnn.bias_hh_l{k}"][...] = db
        return dg2 @ p[f"rnn.weight_ih_l{k}"]

    # -- decoder + log_softmax + nll ----------------------------------------------------------

    def _loss_fwd_bwd(self):
        """Logits, mean nll loss; leaves d loss / d logits in self.logits."""
        aug, logits, y, rows = self._p["aug"], self.logits, self.y, self.rows
        n = logits.shape[0]
        np.matmul(self.dec_in, aug.T, out=logits)
        total = 0.0
        bs = self.ROW_BLOCK
        inv_n = np.float32(1.0 / n)
        for r0 in range(0, n, bs):
            blk = logits[r0:r0 + bs]
            r = rows[: blk.shape[0]]
            yb = y[r0:r0 + bs]
            mx = blk.max(axis=1, keepdims=True)
            blk -= mx
            total -= float(blk[r, yb].sum())
            np.exp(blk, out=blk)
            s = blk.sum(axis=1, keepdims=True)
            total += float(np.log(s).sum())
            np.divide(inv_n, s, out=s)
            blk *= s
            blk[r, yb] -= inv_n
        return total / n

    # -- the step -------------------------------------------------------------------------------

    def loss_and_grads(self):
        """(loss, gradients by parameter name) without the update; the gradients are copies."""
        loss = self._fwd_bwd()
        return loss, {k: v.copy() for k, v in self.grads.items()}

    def _fwd_bwd(self):
        p, g = self._p, self._g
        ninp, training = self.ninp, self.training and self.p > 0
        x = self.x
        t_len, batch = x.shape
        aug = p["aug"]
        xin = aug[x, :ninp]  # (T, B, ninp) embedding lookup
        masks = []
        if training:
            masks.append(self._mask(xin.shape))
            xin *= masks[-1]
        states = []
        for k in range(self.nlayers):
            st = self._layer_fwd(k, xin)
            states.append(st)
            out = st["hs"][1:]
            if training:
                masks.append(self._mask(out.shape))
            if k + 1 < self.nlayers:
                xin = out * masks[-1] if training else out
        dec_x = self.dec_in[:, :ninp]
        out2 = out.reshape(-1, self.nhid)
        if training:
            np.multiply(out2, masks[-1].reshape(out2.shape), out=dec_x)
        else:
            dec_x[...] = out2
        loss = self._loss_fwd_bwd()
        # decoder backward: weight + bias gradient in one GEMM (ones column), input gradient
        np.matmul(self.logits.T, self.dec_in, out=g["aug"])
        dy = (self.logits @ aug[:, :ninp]).reshape(t_len, batch, self.nhid)
        for k in reversed(range(self.nlayers)):
            if training:
                dy *= masks[k + 1]
            dy = self._layer_bwd(k, states[k], dy).reshape(t_len, batch, -1)
        if training:
            dy *= masks[0]
        # embedding backward: scatter-add the input gradient rows into the tied weight
        np.add.at(g["aug"][:, :ninp], x.reshape(-1), dy.reshape(-1, ninp))
        return loss

    def step(self):
        loss = self._fwd_bwd()
        gf = self.flat_g
        norm = float(np.sqrt(np.dot(gf, gf)))
        coef = min(1.0, self.clip / (norm + 1e-6))
        gf *= np.float32(-self.lr * coef)
        self.flat_p += gf
        return loss

    def losses(self, n):
        """Losses of n steps with dropout off (PyTorch's eval mode), for the checks."""
        training, self.training = self.training, False
        try:
            return [float(self.step()) for _ in range(n)]
        finally:
            self.training = training
