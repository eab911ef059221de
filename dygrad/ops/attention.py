"""Attention: scaled_dot_product_attention and the multi-head attention forward."""
import math

import numpy as np

from .. import _creation
from .. import random as _random
from .._tensor import Tensor
from ._record import record, record1
from .dropout import _drawn
from . import nn_ops
from .attention_checks import check_sdpa, check_mha_shapes, check_mha_masks
from ..amp._state import STATE as _AC, cast as _autocast

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

# The masks below are recorded with their kernels (the additive forms of bool masks, the causal
# mask, the dropout draw), so that dygrad.jit replays attention as a whole.


def _keep(shape, p, npdt):
    """1 where a uniform draw of the default generator is >= p, else 0 (npdt)."""
    return (_random._uniform(shape, 0.0, 1.0, None, npdt) >= p).astype(npdt)


def _dropout(x, p, training):
    if not training or p == 0.0:
        return x
    d = x._data
    return x * _drawn(_keep, d.shape, p, d.dtype) * (1.0 / (1.0 - p))


def _safe_softmax_array(d, dim):
    """softmax of d along dim, with 0 (not NaN) in the rows that are -inf throughout: a query
    that may attend to no key gets no weight, as PyTorch's fused attention gives. The fix-up
    works on the row maxima and sums only."""
    m = d.max(axis=dim, keepdims=True)
    dead = m == -np.inf
    anydead = dead.any()
    if anydead:
        m[dead] = 0.0
    e = np.exp(d - m)
    s = e.sum(axis=dim, keepdims=True)
    if anydead:
        s[dead] = 1.0
    e /= s
    return e


def _safe_softmax(x):
    """_safe_softmax_array over the last dim, in the graph (softmax's backward holds: the 0 rows
    get 0 gradient)."""
    t, node = record1(_safe_softmax_array(x._data, -1), nn_ops.SoftmaxBackward0, x,
                      _safe_softmax_array, (x, -1))
    if node is not None:
        node.dim = -1
        node.save_output(t)
    return t


def _bias_of(md, npdt, masked):
    """The additive form (dtype npdt) of the bool mask md: -inf where md is `masked`, else 0."""
    return (np.where(md, -np.inf, 0.0) if masked else np.where(md, 0.0, -np.inf)).astype(npdt)


def _bool_bias(mask, npdt, masked):
    """_bias_of the bool tensor mask, as a (recorded) tensor."""
    return record(_bias_of(mask._data, npdt, masked), None, (), replay=_bias_of,
                  args=(mask, npdt, masked), name="mask_bias")[0]


def _causal(L, S):
    """The bool (L, S) mask of the future positions (above the diagonal), a recorded constant."""
    return record(_triu_mask(L, S), None, (), replay=_triu_mask, args=(L, S),
                  name="causal_mask")[0]


def _triu_mask(L, S):
    return np.triu(np.ones((L, S), dtype=bool), 1)


def _causal_bias(L, S, npdt):
    """-inf above the diagonal of an (L, S) array of dtype npdt, 0 elsewhere."""
    return _bias_of(_triu_mask(L, S), npdt, True)


def _additive_mask(mask, dtype):
    """Bool masks mark positions NOT allowed to attend (True = masked) -> -inf; float masks add
    (in the attention's dtype)."""
    if mask is None:
        return None
    if mask._data.dtype == np.bool_:
        return _bool_bias(mask, np.dtype(dtype), True)
    if mask._data.dtype != dtype:
        from .. import _dtype
        return mask.to(_dtype.from_numpy_dtype(np.dtype(dtype)))
    return mask


def _repeat_heads(x, n):
    """x (..., H, S, E) with each head repeated n times in place: (..., H * n, S, E)."""
    if n == 1:
        return x
    return x.repeat_interleave(n, dim=-3)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value over the last two dims; scale defaults to 1 /
    sqrt(E), is_causal masks future positions (top-left aligned: query i sees keys 0..i).

    attn_mask broadcasts to (..., L, S): a bool mask marks the positions that MAY attend (True),
    a float mask (float32 or the query's dtype) is added to the scores. A query row that may attend to
    nothing gets zero weights (a zero output), as in PyTorch. enable_gqa lets key and value have
    fewer heads (dim -3) than the query, each serving a group of query heads. dropout_p drops
    attention weights whenever it is > 0 (this function has no training flag).

    Example::

        >>> import dygrad.nn.functional as F
        >>> q = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
        >>> v = torch.tensor([[[1.0, 2.0], [3.0, 4.0]]])
        >>> F.scaled_dot_product_attention(q, q, v, is_causal=True)
        tensor([[[1.0000, 2.0000],
                 [2.3395, 3.3395]]])
        >>> q, k, v = torch.ones(2, 4, 5, 8), torch.ones(2, 4, 6, 8), torch.ones(2, 4, 6, 3)
        >>> F.scaled_dot_product_attention(q, k, v).shape
        torch.Size([2, 4, 5, 3])
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        query, key, value, attn_mask = _autocast('scaled_dot_product_attention', query, key, value, attn_mask)
    check_sdpa(query, key, value, attn_mask, is_causal, enable_gqa)
    L, S = query.shape[-2], key.shape[-2]
    if enable_gqa and query.dim() >= 3 and key.dim() >= 3:
        key = _repeat_heads(key, query.shape[-3] // key.shape[-3])
        value = _repeat_heads(value, query.shape[-3] // value.shape[-3])
    sc = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * sc
    if is_causal:
        npdt = scores._data.dtype
        scores = scores + record(_causal_bias(L, S, npdt), None, (), replay=_causal_bias,
                                 args=(L, S, npdt), name="causal_bias")[0]
    if attn_mask is not None:
        if attn_mask._data.dtype == np.bool_:
            # in SDPA a True entry means "may attend" (the opposite of nn.MultiheadAttention)
            scores = scores + _bool_bias(attn_mask, scores._data.dtype, False)
        elif attn_mask._data.dtype != scores._data.dtype:
            # a float32 mask on float64 or float16 attention: added in the attention's dtype
            scores = scores + attn_mask.to(scores.dtype)
        else:
            scores = scores + attn_mask
    attn = _safe_softmax(scores)
    attn = _dropout(attn, dropout_p, True)
    return attn @ value


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int,
                                 num_heads: int, in_proj_weight: Tensor | None,
                                 in_proj_bias: Tensor | None, bias_k: Tensor | None,
                                 bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float,
                                 out_proj_weight: Tensor, out_proj_bias: Tensor | None,
                                 training: bool = True, key_padding_mask: Tensor | None = None,
                                 need_weights: bool = True, attn_mask: Tensor | None = None,
                                 use_separate_proj_weight: bool = False,
                                 q_proj_weight: Tensor | None = None,
                                 k_proj_weight: Tensor | None = None,
                                 v_proj_weight: Tensor | None = None,
                                 static_k: Tensor | None = None, static_v: Tensor | None = None,
                                 average_attn_weights: bool = True,
                                 is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """The computation of nn.MultiheadAttention: projects query, key and value (in_proj_weight, or
    the q/k/v_proj_weight when use_separate_proj_weight), runs scaled dot-product attention in
    num_heads heads and projects the result with out_proj_weight.

    Inputs are (L, N, E) (sequence first), or (L, E) unbatched. Masks: key_padding_mask (N, S)
    and attn_mask (L, S) or (N * num_heads, L, S); True (bool) marks a position that may NOT be
    attended, a float mask is added to the scores. is_causal is a hint that attn_mask is the
    causal mask (an attn_mask is required with it); without key_padding_mask and with
    need_weights=False the causal mask is used in its place, as PyTorch does. Returns (output
    (L, N, E), the attention weights (after dropout) averaged over the heads (N, L, S), or per
    head (N, num_heads, L, S), or None when need_weights is False). With need_weights=False a
    query that may attend to nothing gets a zero attention output (NaN weights otherwise).

    Example::

        >>> import dygrad.nn.functional as F
        >>> _ = torch.manual_seed(0)
        >>> E, heads = 4, 2
        >>> x = torch.randn(3, 1, E)
        >>> w_in, w_out = torch.randn(3 * E, E), torch.randn(E, E)
        >>> out, attn = F.multi_head_attention_forward(
        ...     x, x, x, E, heads, w_in, None, None, None, False, 0.0, w_out, None)
        >>> out.shape, attn.shape
        (torch.Size([3, 1, 4]), torch.Size([1, 3, 3]))
    """
    from .shape import cat
    from .pad import pad_constant
    if not check_mha_shapes(query, key, value, key_padding_mask, attn_mask, num_heads):
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
        unbatched = True
    else:
        unbatched = False
    tgt_len, bsz, embed_dim = query.shape
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        # the hint stands for the mask: the causal mask is used, the given one is not read
        attn_mask = _causal(tgt_len, key.shape[0])
    kpm_bool, am_bool = check_mha_masks(query, key, value, key_padding_mask, attn_mask, num_heads,
                                        use_separate_proj_weight, need_weights)
    if kpm_bool is not None and am_bool is not None and kpm_bool != am_bool:
        import warnings
        warnings.warn("Support for mismatched key_padding_mask and attn_mask is deprecated. Use same "
                      "type for both instead.", UserWarning, stacklevel=3)
    if not use_separate_proj_weight:
        wq, wk, wv = in_proj_weight.chunk(3, 0)
    else:
        wq, wk, wv = q_proj_weight, k_proj_weight, v_proj_weight
    bq = bk = bv = None
    if in_proj_bias is not None:
        bq, bk, bv = in_proj_bias.chunk(3, 0)

    def lin(x, w, b):
        if _AC.on:  # autocast region: a projection is a linear (its bias cast with it)
            x, w, b = _autocast("linear", x, w, b)
        y = x @ w.t()
        return y + b if b is not None else y

    q = lin(query, wq, bq)
    k = lin(key, wk, bk)
    v = lin(value, wv, bv)
    amask = _additive_mask(attn_mask, q._data.dtype)
    kpm = _additive_mask(key_padding_mask, q._data.dtype)
    if bias_k is not None and bias_v is not None:
        k = cat([k, bias_k.expand(1, bsz, embed_dim)], 0)
        v = cat([v, bias_v.expand(1, bsz, embed_dim)], 0)
        if amask is not None:
            amask = pad_constant(amask, (0, 1))
        if kpm is not None:
            kpm = pad_constant(kpm, (0, 1))
    # (L, N, E) -> (N * heads, L, head_dim)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, "static_k", bsz * num_heads, head_dim)
    v = _heads(v, static_v, "static_v", bsz * num_heads, head_dim)
    if add_zero_attn:
        k = cat([k, _creation.zeros((bsz * num_heads, 1, head_dim), dtype=k.dtype)], 1)
        v = cat([v, _creation.zeros((bsz * num_heads, 1, head_dim), dtype=v.dtype)], 1)
        if amask is not None:
            amask = pad_constant(amask, (0, 1))
        if kpm is not None:
            kpm = pad_constant(kpm, (0, 1))
    src_len = k.shape[1]
    scores = (q * (1.0 / math.sqrt(head_dim))) @ k.transpose(1, 2)
    if amask is not None:
        am = amask if amask.dim() == 3 else amask.unsqueeze(0)
        scores = scores + am
    if kpm is not None:
        scores = (scores.reshape(bsz, num_heads, tgt_len, src_len)
                  + kpm.reshape(bsz, 1, 1, src_len)).reshape(bsz * num_heads, tgt_len, src_len)
    # PyTorch computes the weights it returns with a plain softmax (NaN rows where nothing may be
    # attended) and, without them, by fused attention (zero rows there)
    attn = nn_ops.softmax(scores, -1) if need_weights else _safe_softmax(scores)
    attn = _dropout(attn, dropout_p, training)
    out = attn @ v  # (N*h, L, hd)
    out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = lin(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    weights = None
    if need_weights:
        weights = attn.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
    if unbatched:
        out = out.squeeze(1)
        weights = weights.squeeze(0) if weights is not None else None
    return out, weights


def _heads(x, static, name, bh, head_dim):
    """The projected key or value (S, N, E) as (N * heads, S, head_dim), or `static` in its
    place (given already in that layout)."""
    if static is None:
        return x.reshape(x.shape[0], bh, head_dim).transpose(0, 1)
    if static.dim() != 3 or static.shape[0] != bh or static.shape[2] != head_dim:
        raise AssertionError(f"expecting {name} of shape (batch size * num_heads, source length, "
                             f"head_dim) = ({bh}, S, {head_dim}), but got {tuple(static.shape)}")
    return static


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_mask_bias(g, mask, dt, masked):
    """The additive form of a mask in dtype dt: a bool mask gives -inf where it equals `masked`
    (True in nn.MultiheadAttention's masks, False in SDPA's), 0 elsewhere."""
    if mask._data.dtype != np.bool_:
        v = g.value(mask)
        return v if mask._data.dtype == dt else g.to(v, dt)
    inf, zero = g.const(np.asarray(-np.inf, dt)), g.const(np.asarray(0, dt))
    return g.op("Where", [g.value(mask), inf, zero] if masked else [g.value(mask), zero, inf])


def _onnx_causal(g, lq, lk, L, S, dt):
    """The (L, S) causal bias, -inf above the diagonal, from the run-time lengths lq and lk
    (1-D values), so a dynamic sequence axis gets its own mask (Trilu: opset 14+)."""
    if g.opset < 14:  # the traced lengths
        return g.const(_causal_bias(L, S, dt))
    full = g.op("Expand", [g.const(np.asarray(-np.inf, dt)), g.op("Concat", [lq, lk], axis=0)])
    return g.op("Trilu", [full, g.const(np.asarray(1, np.int64))], upper=1)


def _onnx_attend(g, q, k, v, scale, bias, safe, nd, dt):
    """softmax(q * scale @ k^T + bias) @ v over the last two axes of nd-D values; `safe`: a
    row that may attend to nothing gets 0 weights, not NaN (PyTorch's fused attention)."""
    perm = list(range(nd - 2)) + [nd - 1, nd - 2]
    scores = g.op("MatMul", [g.op("Mul", [q, g.const(np.asarray(scale, dt))]),
                             g.op("Transpose", [k], perm=perm)])
    for b in bias:
        scores = g.op("Add", [scores, b])
    attn = g.op("Softmax", [scores], axis=-1)
    if safe and bias:
        attn = g.op("Where", [g.op("IsNaN", [attn]), g.const(np.zeros((), dt)), attn])
    return g.op("MatMul", [attn, v]), attn


@_rule("onnx", "scaled_dot_product_attention")
def _onnx_sdpa(g, c):
    q, k, v = c["query"], c["key"], c["value"]
    if c.get("dropout_p", 0.0) or q.dim() < 2 or (c.get("enable_gqa") and q.dim() >= 3 and
                                                   q.shape[-3] != k.shape[-3]):
        return None
    dt = q._data.dtype
    scale = c.get("scale")
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    qv, kv = g.value(q), g.value(k)
    bias = []
    if c.get("is_causal"):
        bias.append(_onnx_causal(g, g.dims(qv, [-2]), g.dims(kv, [-2]), q.shape[-2],
                                 k.shape[-2], dt))
    if c.get("attn_mask") is not None:
        bias.append(_onnx_mask_bias(g, c["attn_mask"], dt, False))
    return _onnx_attend(g, qv, kv, g.value(v), scale, bias, True, q.dim(), dt)[0]


def _onnx_proj(g, x, w, b):
    """x @ w^T + b for constant w (rows of a parameter) and b."""
    y = g.op("MatMul", [x, g.const(np.ascontiguousarray(w.T))])
    return y if b is None else g.op("Add", [y, g.const(b)])


@_rule("onnx", "multi_head_attention_forward")
def _onnx_mha(g, c):
    """nn.MultiheadAttention's computation decomposed: projections (MatMul/Add), heads as
    (N, heads, L, head_dim) by Reshape/Transpose with run-time sizes, masked softmax, output
    projection; the averaged (or per-head) weights when the call returned them."""
    q, k, v = c["query"], c["key"], c["value"]
    if any(c.get(a) is not None for a in ("bias_k", "bias_v", "static_k", "static_v")) or \
            c.get("add_zero_attn") or (c.get("training", True) and c.get("dropout_p", 0.0)):
        return None
    sep = c.get("use_separate_proj_weight")
    weights = [c["q_proj_weight"], c["k_proj_weight"], c["v_proj_weight"], c["out_proj_weight"]] \
        if sep else [c["in_proj_weight"], c["out_proj_weight"]]
    biases = [c.get("in_proj_bias"), c.get("out_proj_bias")]
    if any(g.is_live(t) for t in weights + biases):
        return None  # projections computed from the inputs
    h, E, dt = int(c["num_heads"]), q.shape[-1], q._data.dtype
    hd = E // h
    unbatched = q.dim() == 2
    ws = weights[:3] if sep else [weights[0][i * E:(i + 1) * E] for i in range(3)]
    b = biases[0]
    heads = []
    for x, i in zip((q, k, v), range(3)):
        xv = g.value(x)
        if unbatched:
            xv = g.op("Unsqueeze", [xv, g.ints([1])])
        y = _onnx_proj(g, xv, ws[i]._data, None if b is None else b._data[i * E:(i + 1) * E])
        y = g.op("Reshape", [y, g.ints([0, 0, h, hd])])               # (L, N, h, hd)
        heads.append(g.op("Transpose", [y], perm=[1, 2, 0, 3]))     # (N, h, L, hd)
    am, kpm = c.get("attn_mask"), c.get("key_padding_mask")
    need = c.get("need_weights", True)
    bias = []
    if c.get("is_causal") and kpm is None and not need:
        lq, lk = g.dims(g.value(q), [0]), g.dims(g.value(k), [0])
        bias.append(_onnx_causal(g, lq, lk, q.shape[0], k.shape[0], dt))
    elif am is not None:
        m = _onnx_mask_bias(g, am, dt, True)
        if am.dim() == 3:  # (N * heads, L, S)
            m = g.op("Reshape", [m, g.ints([-1, h] + list(am.shape[1:]))])
        bias.append(m)
    if kpm is not None:  # (N, S) or (S,) unbatched
        m = _onnx_mask_bias(g, kpm, dt, True)
        bias.append(g.op("Unsqueeze", [m, g.ints([1, 2] if kpm.dim() == 2 else [0, 1, 2])]))
    out, attn = _onnx_attend(g, *heads, 1.0 / math.sqrt(hd), bias, not need, 4, dt)
    out = g.op("Reshape", [g.op("Transpose", [out], perm=[2, 0, 1, 3]), g.ints([0, 0, E])])
    ob = c.get("out_proj_bias")
    out = _onnx_proj(g, out, weights[-1]._data, None if ob is None else ob._data)
    if unbatched:
        out = g.op("Squeeze", [out, g.ints([1])])
    if len(c.outs) == 1:
        return out
    if c.get("average_attn_weights", True):
        attn = g.reduce("ReduceMean", attn, [1], False)
    if unbatched:
        attn = g.op("Squeeze", [attn, g.ints([0])])
    return [out, attn]


@_rule("onnx", "_additive_mask")
def _onnx_additive_mask(g, c):
    """nn.Transformer*'s masks in additive form: -inf where a bool mask is True."""
    return _onnx_mask_bias(g, c["mask"], np.dtype(c["dtype"]), True)
