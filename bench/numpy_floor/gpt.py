"""Floor for the char GPT training step (bench/workloads/real.py Gpt, both attention forms).

Computes minGPT's step: token + position embeddings, blocks of x += proj(attn(ln_1(x))) and
x += mlp(ln_2(x)) (Linear, exact erf GELU, Linear), ln_f, lm_head without bias, mean
cross-entropy, the manual backward of all of it, and AdamW (decay on every parameter).
The masked_fill + softmax and the scaled_dot_product_attention(is_causal=True) forms are the
same function, so one class serves both workloads, in the form that is fastest in NumPy.

Layout choices (why):
- Activations are (B*T, C) rows, so every Linear is one GEMM. The heads are never copied out:
  q, k, v are strided (B, H, T, D) views of the (B*T, 3C) c_attn output (row stride 3C, which
  BLAS takes as its leading dimension), the batched matmuls loop over B*H in C and write the
  head outputs straight into (B*T, C) through the same kind of view, and the gradients of
  q, k, v land in one (B*T, 3C) buffer that c_attn's backward multiplies as is.
- q comes out of c_attn's GEMM already scaled by 1/sqrt(D) (a scaled copy of the q rows of
  the weight and bias, C*(C+1) values, instead of the scores, B*H*T*T, or q itself, a
  strided pass over B*T*C); the causal mask is one broadcast add of a (T, T) 0 / -inf
  matrix; softmax runs in place.
- Scores and probabilities are stored transposed, (B, H, key, query): the softmax max then
  reduces over axis -2, which NumPy vectorises across rows (a max over a 64-long last axis
  measured 3x slower), and the row sums are vector-matrix products. Every batched product
  reads its operands as views in this layout (no copies).
- Softmax backward uses sum_j dP_ij P_ij = dy_i . y_i (the flash-attention identity): a
  reduction over B*T*C values instead of B*H*T*T.
- GELU (exact, erf): Phi from dygrad.ops._erf32 (dygrad's float32 erf formula in pure NumPy,
  about 20 in-place passes over cache-sized blocks). SciPy's erf is not used even when it is
  installed: it computes float32 in float64 and measured ~4x slower for the (B*T, 4C) input.
  The forward also stores GELU's derivative Phi + x phi(x) while each block is in cache, so
  the backward is one multiply.
- Parameters, gradients and AdamW's moments each live in one flat buffer (the parameters
  and gradients dicts are views into them), so the optimizer is 11 ufunc calls per
  L2-sized block instead of a dozen per tensor; each gradient is written once, by out=.
- Column sums (bias gradients, LayerNorm's weight and bias gradients) are ones @ d out
  GEMVs, about 2x faster than sum(axis=0); the token-embedding gradient is a one-hot
  (V, B*T) matrix times d x, 5x faster than np.add.at.
- Every buffer is made in __init__ and reused by every step.

Where the time goes (one thread, process time, ~85 ms a step on the shared 2-core VM): the
Linear GEMMs ~48%, GELU ~17%, LayerNorm ~11%, the attention's small batched products ~9%
(64 GEMMs of 64x32x64 each; those with a transposed second operand run at half speed in
OpenBLAS), other elementwise (softmax, residuals, loss) ~8%, AdamW ~4%. PyTorch eager is
10-20% faster than this floor: MKL's GEMMs are ~10% faster than OpenBLAS's here, and its
erf GELU, LayerNorm and softmax are single fused kernels.
"""
import math

import numpy as np

from dygrad.ops import _erf32

from ._common import FlatAdamW, LayerNorm, flat_views

_F = np.float32
_INV_SQRT_2PI = _F(1.0 / math.sqrt(2.0 * math.pi))
_GELU_BLOCK = 32768     # float32 elements: the working blocks stay in L2 (16k-64k measured alike)


def _gelu(f, g, fac, a, p, q, r):
    """g = f * Phi(f) and fac = Phi(f) + f * phi(f) (GELU's derivative), blockwise; a, p, q,
    r: float32 scratch of _GELU_BLOCK elements."""
    ff, gf, cf = f.reshape(-1), g.reshape(-1), fac.reshape(-1)
    n = ff.size
    half, lo = _F(0.5), _F(-0.5)
    for s in range(0, n, _GELU_BLOCK):
        e = min(s + _GELU_BLOCK, n)
        x, c = ff[s:e], cf[s:e]
        if e - s != a.size:
            a, p, q, r = a[:e - s], p[:e - s], q[:e - s], r[:e - s]
        _erf32._core(x, _erf32._HALF, a, p, q, lo, r)     # r = Phi(x) - 1/2
        r += half
        np.multiply(x, r, out=gf[s:e])
        np.multiply(x, x, out=p)
        p *= lo
        np.exp(p, out=p)
        p *= x
        p *= _INV_SQRT_2PI
        np.add(r, p, out=c)


class GptFloor:
    def __init__(self, data, n_head=4, lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1):
        self.x, self.y = data["x"].copy(), data["y"].copy()
        self.flat, self.params = flat_views(data["params"])
        self.gflat, self.grads = flat_views({k: np.zeros_like(v)
                                             for k, v in data["params"].items()})
        self.opt = FlatAdamW(self.flat, self.gflat, lr=lr, betas=betas, eps=1e-8,
                             weight_decay=weight_decay)
        p = self.params
        self.n_layer = sum(1 for k in p if k.endswith(".ln_1.weight"))
        v, c = p["wte.weight"].shape
        b, t = self.x.shape
        n = b * t
        self.dims = b, t, c, n_head, c // n_head, v
        nl = self.n_layer
        e = lambda *s: np.empty(s, _F)                                   # noqa: E731
        self.ln1 = [LayerNorm(n, c, ones_column=True) for _ in range(nl)]
        self.ln2 = [LayerNorm(n, c, ones_column=True) for _ in range(nl)]
        self.lnf = LayerNorm(n, c)
        self.qkv = [e(n, 3 * c) for _ in range(nl)]
        self.ws = [e(3 * c, c + 1) for _ in range(nl)]     # [scaled c_attn weight, bias]
        self.wf = [e(4 * c, c + 1) for _ in range(nl)]     # [mlp.0 weight, bias]
        self.att = [e(b, n_head, t, t) for _ in range(nl)]
        self.yat = [e(n, c) for _ in range(nl)]
        self.f = [e(n, 4 * c) for _ in range(nl)]
        self.g = [e(n, 4 * c) for _ in range(nl)]
        self.fac = [e(n, 4 * c) for _ in range(nl)]
        self.res, self.tmp, self.tmp2, self.dres = e(n, c), e(n, c), e(n, c), e(n, c)
        self.logits, self.dg, self.dqkv = e(n, v), e(n, 4 * c), e(n, 3 * c)
        self.datt = e(b, n_head, t, t)
        self.onehot, self.rows = e(v, n), np.arange(n)
        self.ones = np.ones(n, _F)      # bias gradients are ones @ d out: a GEMV beats sum(0)
        self.gw = [e(_GELU_BLOCK) for _ in range(4)]
        mask = np.zeros((t, t), _F)     # [key, query]: -inf where key > query
        mask[np.tril_indices(t, -1)] = -np.inf
        self.mask = mask
        self.ones_t, self.ones_d = np.ones(t, _F), np.ones(c // n_head, _F)

    def _heads(self, a, i):
        """Part i (0 q, 1 k, 2 v) of a (B*T, 3C) array, or all of a (B*T, C) one (i None), as
        a strided (B, H, T, D) view."""
        b, t, c, h, d, _ = self.dims
        if i is None:
            return a.reshape(b, t, h, d).transpose(0, 2, 1, 3)
        return a.reshape(b, t, 3, h, d)[:, :, i].transpose(0, 2, 1, 3)

    def _forward(self):
        p = self.params
        b, t, c, nh, d, v = self.dims
        n = b * t
        x = self.res
        np.take(p["wte.weight"], self.x.reshape(-1), axis=0, out=x)
        x.reshape(b, t, c)[...] += p["wpe.weight"][:t]
        scale = _F(1.0 / math.sqrt(d))
        for l in range(self.n_layer):
            pre = f"h.{l}."
            self.ln1[l].forward(x, p[pre + "ln_1.weight"], p[pre + "ln_1.bias"])
            # q comes out scaled by 1/sqrt(D), bias included: the GEMM multiplies ln_1's
            # output with a ones column by a copy of c_attn's [weight, bias] whose q rows are
            # scaled (3C*(C+1) values; a bias add and a strided pass scaling q cost ~5x that)
            ws = self.ws[l]
            w_attn, b_attn = p[pre + "attn.c_attn.weight"], p[pre + "attn.c_attn.bias"]
            np.multiply(w_attn[:c], scale, out=ws[:c, :c])
            ws[c:, :c] = w_attn[c:]
            np.multiply(b_attn[:c], scale, out=ws[:c, c])
            ws[c:, c] = b_attn[c:]
            qkv = self.qkv[l]
            np.matmul(self.ln1[l].aug, ws.T, out=qkv)
            # scores and probabilities transposed, (B, H, key, query): softmax reduces over
            # axis -2, which NumPy vectorises across the rows (3x faster than a max over
            # the last axis), and the sum is a vector-matrix product
            att = self.att[l]
            np.matmul(self._heads(qkv, 1), self._heads(qkv, 0).transpose(0, 1, 3, 2), out=att)
            att += self.mask
            att -= att.max(axis=-2, keepdims=True)
            np.exp(att, out=att)
            ssum = np.matmul(self.ones_t, att)[:, :, None, :]
            att *= np.divide(_F(1.0), ssum, out=ssum)
            ya = self.yat[l]
            np.matmul(att.transpose(0, 1, 3, 2), self._heads(qkv, 2), out=self._heads(ya, None))
            tmp = self.tmp
            np.matmul(ya, p[pre + "attn.c_proj.weight"].T, out=tmp)
            tmp += p[pre + "attn.c_proj.bias"]
            x += tmp
            self.ln2[l].forward(x, p[pre + "ln_2.weight"], p[pre + "ln_2.bias"])
            f, wf = self.f[l], self.wf[l]
            wf[:, :c] = p[pre + "mlp.0.weight"]
            wf[:, c] = p[pre + "mlp.0.bias"]
            np.matmul(self.ln2[l].aug, wf.T, out=f)
            _gelu(f, self.g[l], self.fac[l], *self.gw)
            np.matmul(self.g[l], p[pre + "mlp.2.weight"].T, out=tmp)
            tmp += p[pre + "mlp.2.bias"]
            x += tmp
        hf = self.lnf.forward(x, p["ln_f.weight"], p["ln_f.bias"])
        lg = self.logits
        np.matmul(hf, p["lm_head.weight"].T, out=lg)
        # mean cross-entropy; lg becomes d loss / d logits in place
        y = self.y.reshape(-1)
        rows = self.rows
        lg -= lg.max(axis=1, keepdims=True)
        picked = lg[rows, y]
        np.exp(lg, out=lg)
        s = lg.sum(axis=1)
        loss = float(np.log(s).mean() - picked.mean())
        lg *= (np.divide(_F(1.0 / n), s))[:, None]
        lg[rows, y] -= _F(1.0 / n)
        return loss

    def _backward(self):
        p, gr = self.params, self.grads
        b, t, c, nh, d, v = self.dims
        dl = self.logits
        np.matmul(dl.T, self.lnf.out, out=gr["lm_head.weight"])
        dres, tmp, tmp2 = self.dres, self.tmp, self.tmp2
        dres[...] = 0.0
        np.matmul(dl, p["lm_head.weight"], out=tmp2)
        self.lnf.backward(tmp2, p["ln_f.weight"], gr["ln_f.weight"], gr["ln_f.bias"], dres, tmp)
        scale = _F(1.0 / math.sqrt(d))
        for l in reversed(range(self.n_layer)):
            pre = f"h.{l}."
            # x += mlp(ln_2(x))
            np.matmul(dres.T, self.g[l], out=gr[pre + "mlp.2.weight"])
            np.matmul(self.ones, dres, out=gr[pre + "mlp.2.bias"])
            dg = self.dg
            np.matmul(dres, p[pre + "mlp.2.weight"], out=dg)
            dg *= self.fac[l]
            ln2 = self.ln2[l]
            np.matmul(dg.T, ln2.out, out=gr[pre + "mlp.0.weight"])
            np.matmul(self.ones, dg, out=gr[pre + "mlp.0.bias"])
            np.matmul(dg, p[pre + "mlp.0.weight"], out=tmp2)
            ln2.backward(tmp2, p[pre + "ln_2.weight"], gr[pre + "ln_2.weight"],
                         gr[pre + "ln_2.bias"], dres, tmp)
            # x += c_proj(attn(ln_1(x)))
            ya = self.yat[l]
            np.matmul(dres.T, ya, out=gr[pre + "attn.c_proj.weight"])
            np.matmul(self.ones, dres, out=gr[pre + "attn.c_proj.bias"])
            dy = tmp2
            np.matmul(dres, p[pre + "attn.c_proj.weight"], out=dy)
            qkv, att, datt, dqkv = self.qkv[l], self.att[l], self.datt, self.dqkv
            dyh = self._heads(dy, None)
            # att and datt are (B, H, key, query), as in the forward
            np.matmul(self._heads(qkv, 2), dyh.transpose(0, 1, 3, 2), out=datt)
            # sum_j dP_ij P_ij = dy_i . y_i per (query row, head)
            np.multiply(dy, ya, out=tmp)
            delta = np.matmul(self._heads(tmp, None), self.ones_d)        # (B, H, T)
            datt -= delta[:, :, None, :]
            datt *= att
            np.matmul(att, dyh, out=self._heads(dqkv, 2))
            np.matmul(datt.transpose(0, 1, 3, 2), self._heads(qkv, 1), out=self._heads(dqkv, 0))
            np.matmul(datt, self._heads(qkv, 0), out=self._heads(dqkv, 1))
            # dqkv is the gradient of the scaled q: the q rows of c_attn's weight and bias
            # gradients get the scale, and d ln_1 multiplies by the scaled weight copy
            ln1 = self.ln1[l]
            gw_attn, gb_attn = gr[pre + "attn.c_attn.weight"], gr[pre + "attn.c_attn.bias"]
            np.matmul(dqkv.T, ln1.out, out=gw_attn)
            gw_attn[:c] *= scale
            np.matmul(self.ones, dqkv, out=gb_attn)
            gb_attn[:c] *= scale
            np.matmul(dqkv, self.ws[l][:, :c], out=tmp2)
            ln1.backward(tmp2, p[pre + "ln_1.weight"], gr[pre + "ln_1.weight"],
                         gr[pre + "ln_1.bias"], dres, tmp)
        np.sum(dres.reshape(b, t, c), axis=0, out=gr["wpe.weight"][:t])
        # token rows: a one-hot (V, B*T) matrix times the gradient, 5x faster than np.add.at
        oh = self.onehot
        oh[...] = 0.0
        oh[self.x.reshape(-1), self.rows] = 1.0
        np.matmul(oh, dres, out=gr["wte.weight"])

    def loss_and_grads(self):
        loss = self._forward()
        self._backward()
        return loss, {k: g.copy() for k, g in self.grads.items()}

    def step(self):
        loss = self._forward()
        self._backward()
        self.opt.update()
        return loss
