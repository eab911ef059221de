"""vmap batching rules of matrix products and the common nn.functional ops: matmul family,
linear, convolution, pooling, normalization, embedding and losses (see _batching_rules.py for
what a rule is).

The batch of a sample that is itself a batch (a conv input [N, C, H, W]) folds into the op's own
batch dimension; a batched weight (an ensemble, or the per-sample copies `grad` differentiates)
becomes a grouped convolution or a batched matmul.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..ops._registry import rule
from ._batched import VmapError, phys
from ._batching_rules import bind, call, is_b, wrap, wrap_out, pad_to


def _ops():
    from .. import _op_functions
    return _op_functions


# -- matrix products -----------------------------------------------------------------------
def batched_matmul(level, a, b):
    """matmul of the samples a and b (either batched at `level`), by matmul's own rules on
    1-d operands and broadcasting of the leading dimensions."""
    F = _ops()
    na, nb = a.dim(), b.dim()
    if na == 0 or nb == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    ra, rb = max(na, 2), max(nb, 2)
    r = max(ra, rb)

    def prep(x, n, vec_axis):
        if is_b(x, level):
            v = x._bv
            if n == 1:
                v = v.unsqueeze(vec_axis)
            d = v.dim() - 1
            if d < r:
                v = v.reshape((v.shape[0],) + (1,) * (r - d) + tuple(v.shape[1:]))
            return v
        return x.unsqueeze(vec_axis) if n == 1 else x
    out = F.matmul(prep(a, na, 0 if not is_b(a, level) else 1), prep(b, nb, -1))
    if nb == 1:
        out = out.squeeze(-1)
    if na == 1:
        out = out.squeeze(-1 if nb == 1 else -2)
    return wrap(out, level)


@rule("vmap", "matmul")
def _matmul(level, op, args, kwargs):
    b = bind(op, args, kwargs)
    x, y = list(b.arguments.values())[:2]
    if not (isinstance(x, Tensor) and isinstance(y, Tensor)) or len(b.arguments) > 2:
        return NotImplemented
    return batched_matmul(level, x, y)


def _fixed_rank(n1, n2):
    def product(level, op, args, kwargs):
        b = bind(op, args, kwargs)
        x, y = list(b.arguments.values())[:2]
        if x.dim() != n1 or y.dim() != n2 or len(b.arguments) > 2:
            return NotImplemented
        return batched_matmul(level, x, y)
    return product


rule("vmap", "mm")(_fixed_rank(2, 2))
rule("vmap", "bmm")(_fixed_rank(3, 3))
rule("vmap", "mv")(_fixed_rank(2, 1))
rule("vmap", "dot")(_fixed_rank(1, 1))


@rule("vmap", "outer")
def _outer(level, op, args, kwargs):
    x, y = args[:2]
    if kwargs or x.dim() != 1 or y.dim() != 1:
        return NotImplemented
    return batched_matmul(level, x.unsqueeze(-1), y.unsqueeze(0))


rule("vmap", "ger")(_outer)


@rule("vmap", "addmm")
def _addmm(level, op, args, kwargs):
    b = bind(op, args, kwargs)
    inp, m1, m2 = b.arguments["input"], b.arguments["mat1"], b.arguments["mat2"]
    beta, alpha = b.arguments.get("beta", 1), b.arguments.get("alpha", 1)
    if m1.dim() != 2 or m2.dim() != 2 or isinstance(beta, Tensor) or isinstance(alpha, Tensor):
        return NotImplemented
    out = batched_matmul(level, m1, m2)
    if alpha != 1:
        out = out * alpha
    if beta == 0:
        return out
    return out + (inp if beta == 1 else inp * beta)


@rule("vmap", "linear")
def _linear(level, op, args, kwargs):
    b = bind(op, args, kwargs)
    x, w, bias = b.arguments["input"], b.arguments["weight"], b.arguments.get("bias")
    if x.dim() == 0 or w.dim() not in (1, 2):
        return NotImplemented
    if is_b(x, level) and not is_b(w, level) and (bias is None or not is_b(bias, level)):
        return wrap(op(x._bv, w, bias), level)  # leading dims of linear take the batch
    out = batched_matmul(level, x, w.t() if w.dim() == 2 else w)
    return out if bias is None else out + bias


# -- convolution and pooling ---------------------------------------------------------------
def _fold(x, level, k):
    """x ([N, C, *k spatial] or [C, *k spatial] per sample) with the batch folded into N;
    returns (tensor, unfold) where unfold(out) puts the batch back in front."""
    v = x._bv
    B = v.shape[0]
    if x.dim() == k + 1:
        return v, lambda o: o
    n = v.shape[1]
    return v.reshape((B * n,) + tuple(v.shape[2:])), \
        lambda o: o.reshape((B, n) + tuple(o.shape[1:]))


def _conv(k):
    def conv_batched(level, op, args, kwargs):
        b = bind(op, args, kwargs)
        x, w, bias = b.arguments["input"], b.arguments["weight"], b.arguments.get("bias")
        if x.dim() not in (k + 1, k + 2):
            return NotImplemented
        if not is_b(w, level) and not (bias is not None and is_b(bias, level)):
            v, unfold = _fold(x, level, k)
            b.arguments["input"] = v
            return wrap(unfold(call(op, b)), level)
        # batched weight: one grouped convolution over the samples' channels
        groups = b.arguments.get("groups", 1)
        B = w._bv.shape[0] if is_b(w, level) else bias._bv.shape[0]
        unbatched_sample = x.dim() == k + 1
        xv = phys(x, level, B)
        if unbatched_sample:
            xv = xv.unsqueeze(1)
        n, c = xv.shape[1], xv.shape[2]
        xv = xv.transpose(0, 1).reshape((n, B * c) + tuple(xv.shape[3:]))
        wv = phys(w, level, B)
        wv = wv.reshape((B * wv.shape[1],) + tuple(wv.shape[2:]))
        b.arguments["input"], b.arguments["weight"] = xv, wv
        b.arguments["groups"] = groups * B
        if bias is not None:
            b.arguments["bias"] = phys(bias, level, B).reshape(-1)
        out = call(op, b)
        out = out.reshape((n, B, -1) + tuple(out.shape[2:])).transpose(0, 1)
        return wrap(out.squeeze(1) if unbatched_sample else out, level)
    return conv_batched


rule("vmap", "conv1d")(_conv(1))
rule("vmap", "conv2d")(_conv(2))
rule("vmap", "conv3d")(_conv(3))


def _pool(k):
    def pool_batched(level, op, args, kwargs):
        x = args[0]
        if not is_b(x, level) or x.dim() not in (k + 1, k + 2) or \
                any(is_b(a, level) for a in list(args[1:]) + list(kwargs.values())):
            return NotImplemented
        v, unfold = _fold(x, level, k)
        out = op(v, *args[1:], **kwargs)
        if isinstance(out, tuple):
            return wrap_out(type(out)(*(unfold(o) for o in out))
                            if hasattr(out, "_fields") else tuple(unfold(o) for o in out), level)
        return wrap(unfold(out), level)
    return pool_batched


for _k in (1, 2, 3):
    for _n in ("max_pool", "avg_pool", "adaptive_avg_pool", "adaptive_max_pool", "lp_pool"):
        rule("vmap", f"{_n}{_k}d")(_pool(_k))
    rule("vmap", f"max_pool{_k}d_with_indices")(_pool(_k))


# -- normalization, embedding ---------------------------------------------------------------
@rule("vmap", "layer_norm")
def _layer_norm(level, op, args, kwargs):
    b = bind(op, args, kwargs)
    x = b.arguments["input"]
    if not is_b(x, level) or any(is_b(b.arguments.get(n), level) for n in ("weight", "bias")):
        return NotImplemented
    b.arguments["input"] = x._bv
    return wrap(call(op, b), level)


@rule("vmap", "batch_norm")
def _batch_norm(level, op, args, kwargs):
    b = bind(op, args, kwargs)
    x = b.arguments["input"]
    stats = [b.arguments.get(n) for n in ("running_mean", "running_var")]
    if b.arguments.get("training", False) and is_b(x, level) and \
            any(s is not None and not is_b(s, level) for s in stats):
        raise VmapError(
            "Batch norm got a batched tensor as input while the running_mean or running_var, "
            "which will be updated in place, were not batched.\nIf you are using a module and "
            "do not need eval mode, please set `track_running_stats` to be False.If you are "
            "using a prebuilt module and do not need eval mode, please see the functorch "
            "website for resources on how to patch your module to work with vmap")
    if b.arguments.get("training", False) or not is_b(x, level) or x.dim() < 2 or \
            any(is_b(b.arguments.get(n), level) for n in ("weight", "bias", "running_mean",
                                                           "running_var")):
        return NotImplemented
    v = x._bv  # eval mode: a per-channel affine map; the batch folds into N
    B, n = v.shape[0], v.shape[1]
    b.arguments["input"] = v.reshape((B * n,) + tuple(v.shape[2:]))
    return wrap(call(op, b).reshape(tuple(v.shape)), level)


@rule("vmap", "embedding")
def _embedding(level, op, args, kwargs):
    b = bind(op, args, kwargs)
    idx_name = "input" if "input" in b.arguments else "indices"
    idx, w = b.arguments[idx_name], b.arguments["weight"]
    if is_b(w, level) or b.arguments.get("max_norm") is not None:
        return NotImplemented
    b.arguments[idx_name] = idx._bv
    return wrap(call(op, b), level)


# -- losses ------------------------------------------------------------------------------
def _reduce(out, reduction, level):
    """The per-sample reduction of an unreduced loss ([B, ...] physical)."""
    if reduction == "none":
        return wrap(out, level)
    flat = out.reshape(out.shape[0], -1)
    return wrap(flat.sum(1) if reduction == "sum" else flat.mean(1), level)


def _pointwise_loss(level, op, args, kwargs):
    b = bind(op, args, kwargs)
    x, t = b.arguments["input"], b.arguments["target"]
    reduction = b.arguments.get("reduction", "mean")
    if b.arguments.get("size_average") is not None or b.arguments.get("reduce") is not None \
            or tuple(x.shape) != tuple(t.shape) or reduction not in ("none", "mean", "sum") \
            or any(is_b(b.arguments.get(n), level) for n in ("weight", "pos_weight")) \
            or (b.arguments.get("weight") is not None and reduction == "mean"
                and op.name in ("binary_cross_entropy",)):
        return NotImplemented
    B = (x if is_b(x, level) else t)._bv.shape[0]
    b.arguments["input"], b.arguments["target"] = phys(x, level, B), phys(t, level, B)
    b.arguments["reduction"] = "none"
    w = b.arguments.get("weight")
    if w is not None:
        b.arguments["weight"] = pad_to(w, level, x.dim())
    return _reduce(call(op, b), reduction, level)


for _n in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "soft_margin_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits"):
    rule("vmap", _n)(_pointwise_loss)


def _class_loss(level, op, args, kwargs):
    """cross_entropy / nll_loss with class-index or probability targets: the unreduced loss
    of the folded batch, then each sample's mean over its counted targets."""
    b = bind(op, args, kwargs)
    x, t = b.arguments["input"], b.arguments["target"]
    reduction = b.arguments.get("reduction", "mean")
    weight = b.arguments.get("weight")
    if b.arguments.get("size_average") is not None or b.arguments.get("reduce") is not None \
            or reduction not in ("none", "mean", "sum") or weight is not None \
            or x.dim() not in (1, 2) or t.dim() not in (x.dim() - 1, x.dim()) \
            or (t.dim() == x.dim() and b.arguments.get("label_smoothing", 0.0)):
        return NotImplemented
    B = (x if is_b(x, level) else t)._bv.shape[0]
    xv, tv = phys(x, level, B), phys(t, level, B)
    probs = t.dim() == x.dim()
    if x.dim() == 2:  # [B, N, C] -> [B*N, C]
        n = xv.shape[1]
        xv = xv.reshape((B * n,) + tuple(xv.shape[2:]))
        tv = tv.reshape((B * n,) + tuple(tv.shape[2:]))
    else:
        n = 1
    b.arguments["input"], b.arguments["target"] = xv, tv
    b.arguments["reduction"] = "none"
    out = call(op, b).reshape(B, n)
    if reduction == "none":
        return wrap(out.reshape(B) if x.dim() == 1 else out, level)
    if reduction == "sum" or (probs and reduction == "sum"):
        return wrap(out.sum(1), level)
    if probs:
        return wrap(out.mean(1), level)
    counted = (tv.reshape(B, n) != b.arguments.get("ignore_index", -100)).to(out.dtype)
    return wrap(out.sum(1) / counted.sum(1), level)


rule("vmap", "cross_entropy")(_class_loss)
rule("vmap", "nll_loss")(_class_loss)
