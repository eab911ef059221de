"""Floor for the word-language-model step (bench/workloads/real.py LstmLm): embedding ->
dropout -> 2-layer LSTM (dropout between layers) -> dropout -> decoder tied to the embedding ->
log_softmax + nll_loss (mean), backward, clip_grad_norm_(0.25), then p -= 20 * grad.

Layout choices (why):
- All parameters live in one flat float32 buffer and all gradients in another of the same
  layout, so the global gradient norm is one dot product and the clipped SGD update is one
  scale and one add; `params` / `grads` hand out views under PyTorch's names.
- Every GEMM input carries a column of ones and each weight is stored next to its bias, as one
  (out, in + 1) block: the tied weight with the decoder bias, weight_ih_l{k} with bias_ih_l{k}.
  The forward GEMM then adds the bias and the weight-gradient GEMM yields the bias gradient as
  its last column: no bias pass over the logits or the gate pre-activations, no bias sum.
- Each LSTM layer does the input projection of all time steps as one GEMM; the loop over time
  does one (B, H) @ (H, 4H) GEMM (C-order operand: the transposed one is ~2x slower at this
  size) and a few in-place ufuncs per step. Sigmoid is computed as 0.5 * tanh(0.5 x) + 0.5 so
  all four gates take one tanh: the weights (and bias_ih + bias_hh) are scaled per gate
  ([.5, .5, 1, .5]) before the GEMMs, the tanh results scaled and shifted after.
- Backward folds everything that does not depend on the recurrence (the gate derivatives times
  the forward values they multiply) into batched ufuncs over all time steps before the loop;
  the loop keeps only the cell-state chain and one (B, 4H) @ (4H, H) GEMM per step. The weight
  gradients are single GEMMs over the stacked gate gradients after the loop.
- log_softmax + nll runs over row blocks of the logits that stay in cache (max, exp, row sum
  as a GEMV). The max shift is skipped for blocks whose row maxima are moderate (softmax is
  shift-invariant; the shift only guards exp against overflow). d loss / d logits =
  row_scale * (exp - row_sum * onehot): the row scale is applied to the small GEMM operands,
  not in a pass over the (T*B, ntoken) logits.
- Dropout masks come from a NumPy Generator, already scaled by 1 / (1 - p). With
  `training = False` dropout is the identity (what the checks compare against PyTorch's eval
  mode).
"""
import numpy as np


class LstmLmFloor:
    """The LstmLm step by hand: `LstmLmFloor(LstmLm().make_data()).step()` returns the loss of
    one training step (dropout on) and updates `params`; set `training = False` (or call
    `losses(n)`) for PyTorch's eval-mode numbers."""

    ROW_BLOCK = 25  # rows of the (T*B, ntoken) logits handled at once by the softmax (~1 MB)
    NO_SHIFT = 60.0  # |row max| under which exp needs no max shift (float32 exp overflows at 88)

    def __init__(self, data, nlayers=2, dropout=0.2, lr=20.0, clip=0.25, seed=0):
        src = data["params"]
        ntoken, ninp = src["encoder.weight"].shape
        nhid = src["rnn.weight_hh_l0"].shape[1]
        self.x = data["x"].copy()
        self.y = data["y"].copy()
        self.nlayers, self.p, self.lr, self.clip = nlayers, dropout, lr, clip
        self.training = True
        self.rng = np.random.default_rng(seed)
        t_len, batch = self.x.shape
        n = t_len * batch
        self.ntoken, self.ninp, self.nhid = ntoken, ninp, nhid
        # flat parameter / gradient buffers; names map to views into them
        shapes = [("dec", (ntoken, ninp + 1))]
        for k in range(nlayers):
            n_in = ninp if k == 0 else nhid
            shapes += [(f"ih{k}", (4 * nhid, n_in + 1)), (f"hh{k}", (4 * nhid, nhid)),
                       (f"bhh{k}", (4 * nhid,))]
        total = sum(int(np.prod(s)) for _, s in shapes)
        self.flat_p = np.empty(total, np.float32)
        self.flat_g = np.zeros(total, np.float32)
        self._p, self._g = self._views(shapes, self.flat_p), self._views(shapes, self.flat_g)
        self.params = self._named(self._p)
        self.grads = self._named(self._g)
        for name, arr in self.params.items():
            arr[...] = src[name]
        # GEMM inputs with their ones column: the layers' inputs and the decoder's
        self.xaug = [np.empty((n, (ninp if k == 0 else nhid) + 1), np.float32)
                     for k in range(nlayers)] + [np.empty((n, nhid + 1), np.float32)]
        for xa in self.xaug:
            xa[:, -1] = 1.0
        # per-gate scale / shift turning tanh into sigmoid for i, f, o (gate order i, f, g, o)
        self.g_scale = np.repeat(np.array([.5, .5, 1., .5], np.float32), nhid)
        self.g_shift = np.repeat(np.array([.5, .5, 0., .5], np.float32), nhid)
        # derivative of each gate as (beta - a) * a (+ 1 for g): a(1 - a) or 1 - g^2
        self.d_beta = np.repeat(np.array([1., 1., 0., 1.], np.float32), nhid)
        # buffers reused across steps
        self.logits = np.empty((n, ntoken), np.float32)
        self.rows = np.arange(n)
        self.ones = np.ones(ntoken, np.float32)
        self.row_scale = np.empty((n, 1), np.float32)

    @staticmethod
    def _views(shapes, flat):
        out, off = {}, 0
        for name, shape in shapes:
            size = int(np.prod(shape))
            out[name] = flat[off:off + size].reshape(shape)
            off += size
        return out

    def _named(self, views):
        ninp = self.ninp
        named = {"encoder.weight": views["dec"][:, :ninp]}
        for k in range(self.nlayers):
            ih = views[f"ih{k}"]
            named[f"rnn.weight_ih_l{k}"] = ih[:, :-1]
            named[f"rnn.weight_hh_l{k}"] = views[f"hh{k}"]
            named[f"rnn.bias_ih_l{k}"] = ih[:, -1]
            named[f"rnn.bias_hh_l{k}"] = views[f"bhh{k}"]
        named["decoder.bias"] = views["dec"][:, ninp]
        return named

    @staticmethod
    def _scatter_rows(dst, idx, rows):
        """dst[idx[j], :w] += rows[j] with repeated indices summed. np.add.at over rows is
        slow; here the first occurrence of each index goes through one buffered fancy-index
        add (indices unique there) and only the repeats through np.add.at."""
        w = rows.shape[1]
        order = np.argsort(idx, kind="stable")
        sidx = idx[order]
        first = np.empty(len(idx), bool)
        first[0] = True
        np.not_equal(sidx[1:], sidx[:-1], out=first[1:])
        dst[sidx[first], :w] += rows[order[first]]
        rest = order[~first]
        if len(rest):
            np.add.at(dst[:, :w], idx[rest], rows[rest])

    def _mask(self, shape):
        keep = self.rng.random(shape, dtype=np.float32) >= self.p
        return keep * np.float32(1.0 / (1.0 - self.p))

    # -- LSTM layer -------------------------------------------------------------------------

    def _layer_fwd(self, k, t_len, batch):
        """Layer k over its input self.xaug[k] (T*B, I + 1); returns the saved state, whose
        hs[1:] are the outputs."""
        p = self._p
        ih = p[f"ih{k}"]
        hid = self.nhid
        scale, shift = self.g_scale, self.g_shift
        # [W_ih | b_ih + b_hh]^T scaled per gate, C order (I + 1, 4H)
        w_in = np.multiply(ih.T, scale, order="C")
        w_in[-1] += p[f"bhh{k}"] * scale
        acts = (self.xaug[k] @ w_in).reshape(t_len, batch, 4 * hid)
        # (H, 4H) pre-scaled the same way; C order: the per-step GEMM with the transposed
        # (Fortran-order) operand is about 2x slower at this size
        whh_s = np.multiply(p[f"hh{k}"].T, scale, order="C")
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
        return {"acts": acts, "hs": hs, "cs": cs, "tcs": tcs}

    def _layer_bwd(self, k, st, dy):
        """dy (T, B, H): gradient of the layer outputs; writes the weight gradients and returns
        the gradient of the layer input (T*B, I)."""
        p, g = self._p, self._g
        acts, hs, cs, tcs = st["acts"], st["hs"], st["cs"], st["tcs"]
        t_len, batch, hid = dy.shape
        a4 = acts.reshape(t_len, batch, 4, hid)
        i, f, gg, o = a4[:, :, 0], a4[:, :, 1], a4[:, :, 2], a4[:, :, 3]
        # m[:, :, j] * (dc or dh) is the gradient of gate j's pre-activation: the activation's
        # derivative (a - a^2 for the sigmoids, 1 - g^2 for g: one pass as (beta - a) * a +
        # 1 for g, over the contiguous gates) times the forward value the gate multiplies
        m = np.subtract(self.d_beta, acts)
        m *= acts
        m = m.reshape(a4.shape)
        m[:, :, 2] += 1.0
        m[:, :, 0] *= gg
        m[:, :, 1] *= cs[:-1]
        m[:, :, 2] *= i
        m[:, :, 3] *= tcs
        mc = tcs * tcs  # d c_t / d h_t through h = o * tanh(c)
        np.subtract(1.0, mc, out=mc)
        mc *= o
        dg = np.empty_like(a4)
        w_hh = p[f"hh{k}"]
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
        # weight_ih and bias_ih gradients in one GEMM (the input's ones column)
        gih = g[f"ih{k}"]
        np.matmul(dg2.T, self.xaug[k], out=gih)
        g[f"bhh{k}"][...] = gih[:, -1]
        # h_0 = 0 contributes nothing to the recurrent weight gradient
        np.matmul(dg2[batch:].T, hs[1:-1].reshape(-1, hid), out=g[f"hh{k}"])
        return dg2 @ p[f"ih{k}"][:, :-1]

    # -- decoder + log_softmax + nll ----------------------------------------------------------

    def _loss_fwd_bwd(self):
        """Logits and the mean nll loss of their log_softmax. Leaves exp(logits - shift) with
        the row sum subtracted at each target in self.logits and 1 / (n * row sum) in
        self.row_scale: their product is d loss / d logits, applied by the callers to the
        smaller GEMM operands instead of a pass over the logits."""
        logits, y, rows = self.logits, self.y, self.rows
        n = logits.shape[0]
        np.matmul(self.xaug[-1], self._p["dec"].T, out=logits)
        ones, sums = self.ones, self.row_scale
        total = 0.0
        bs = self.ROW_BLOCK
        for r0 in range(0, n, bs):
            blk = logits[r0:r0 + bs]
            r = rows[: blk.shape[0]]
            yb = y[r0:r0 + bs]
            s = sums[r0:r0 + bs, 0]
            total -= float(blk[r, yb].sum())
            mx = blk.max(axis=1, keepdims=True)
            # softmax is shift-invariant: the max shift only guards exp against overflow (and
            # the sum against underflow), so a block whose row maxima are moderate skips it
            if not -self.NO_SHIFT < mx.min() <= mx.max() < self.NO_SHIFT:
                blk -= mx
                total += float(mx.sum())
            np.exp(blk, out=blk)
            np.matmul(blk, ones, out=s)
            total += float(np.log(s).sum())
            blk[r, yb] -= s
        sums *= n
        np.divide(1.0, sums, out=sums)
        return total / n

    # -- the step -------------------------------------------------------------------------------

    def loss_and_grads(self):
        """(loss, gradients by parameter name) without the update; the gradients are copies."""
        loss = self._fwd_bwd()
        return loss, {k: v.copy() for k, v in self.grads.items()}

    def _fwd_bwd(self):
        p, g, xaug = self._p, self._g, self.xaug
        ninp, nhid, training = self.ninp, self.nhid, self.training and self.p > 0
        x = self.x.reshape(-1)
        t_len, batch = self.x.shape
        n = t_len * batch
        dec = p["dec"]
        masks = [self._mask((n, xa.shape[1] - 1)) for xa in xaug] if training else None
        emb = np.take(dec, x, axis=0)[:, :ninp]  # embedding lookup
        if training:
            np.multiply(emb, masks[0], out=xaug[0][:, :-1])
        else:
            xaug[0][:, :-1] = emb
        states = []
        for k in range(self.nlayers):
            st = self._layer_fwd(k, t_len, batch)
            states.append(st)
            out = st["hs"][1:].reshape(n, nhid)
            if training:
                np.multiply(out, masks[k + 1], out=xaug[k + 1][:, :-1])
            else:
                xaug[k + 1][:, :-1] = out
        loss = self._loss_fwd_bwd()
        # decoder backward with d logits = row_scale * self.logits: the row scale goes on the
        # (n, nhid + 1) input for the weight + bias gradient (one GEMM thanks to the ones
        # column) and on the (n, ninp) product for the input gradient
        rs = self.row_scale
        np.matmul(self.logits.T, xaug[-1] * rs, out=g["dec"])
        dy = self.logits @ dec[:, :ninp]
        dy *= rs
        for k in reversed(range(self.nlayers)):
            if training:
                dy *= masks[k + 1]
            dy = self._layer_bwd(k, states[k], dy.reshape(t_len, batch, nhid))
        if training:
            dy *= masks[0]
        self._scatter_rows(g["dec"], x, dy)
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
