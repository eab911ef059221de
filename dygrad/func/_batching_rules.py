"""vmap batching rules of the tensor ops: elementwise, reductions and other ops along a `dim`,
shape and view ops, joining and indexing.

A rule is `rule(level, op, args, kwargs)`, registered as `RULES["vmap"][name]` for the ops it
batches (see _batched.py): it rewrites the call on the physical tensors (batch dimension of
`level` in front, one more dimension than the sample's) and wraps the result; it returns
NotImplemented for a case it does not cover, which then runs the per-sample loop. Dimensions
given by the caller are the sample's (logical) ones: a rule shifts them past the batch dimension
after checking them against the sample's rank.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..ops._registry import rule
from ._batched import BatchedTensor, wrap, phys, _wrap_dim
from ._batching_bind import bind, call  # noqa: F401 - the rules' helpers


def is_b(x, level):
    return type(x) is BatchedTensor and x._lvl == level


def wrap_out(out, level):
    if isinstance(out, Tensor):
        return wrap(out, level)
    if isinstance(out, tuple):
        parts = [wrap_out(o, level) for o in out]
        return type(out)(*parts) if hasattr(out, "_fields") else type(out)(parts)
    if isinstance(out, list):
        return [wrap_out(o, level) for o in out]
    return out


def pad_to(x, level, nd):
    """x's physical tensor with ones inserted after the batch dimension up to sample rank nd
    (so it broadcasts as the sample did); unbatched x is returned as it is."""
    if not is_b(x, level):
        return x
    v = x._bv
    d = v.dim() - 1
    if d < nd:
        v = v.reshape((v.shape[0],) + (1,) * (nd - d) + tuple(v.shape[1:]))
    return v


# -- elementwise ----------------------------------------------------------------------------
def elementwise(level, op, args, kwargs):
    tensors = [a for a in args if isinstance(a, Tensor)]
    tensors += [a for a in kwargs.values() if isinstance(a, Tensor)]
    nd = max(t.dim() for t in tensors)
    if len({t.dtype for t in tensors}) > 1 and any(is_b(t, level) and t.dim() == 0
                                                   for t in tensors):
        # a 0-d sample would become a dimensioned physical tensor and promote differently
        return NotImplemented
    a = [pad_to(x, level, nd) if isinstance(x, Tensor) else x for x in args]
    k = {key: pad_to(v, level, nd) if isinstance(v, Tensor) else v for key, v in kwargs.items()}
    return wrap_out(op(*a, **k), level)


ELEMENTWISE = """abs acos acosh add addcdiv addcmul angle asin asinh atan atan2 atanh bitwise_and
bitwise_not bitwise_or bitwise_xor bitwise_left_shift bitwise_right_shift ceil clamp clamp_max
clamp_min copysign cos cosh deg2rad digamma div eq erf erfc erfinv exp exp2 expm1 float_power
floor floor_divide fmax fmin fmod frac ge gt heaviside hypot i0 isfinite isinf isnan isneginf
isposinf ldexp le lerp lgamma log log10 log1p log2 logaddexp logaddexp2 logical_and logical_not
logical_or logical_xor logit lt maximum minimum mul nan_to_num ne neg nextafter polygamma pow
rad2deg reciprocal remainder round rsqrt sgn sigmoid sign signbit sin sinc sinh sqrt square sub
tan tanh trunc xlogy relu relu6 leaky_relu elu selu celu gelu silu mish softplus softsign
hardtanh hardsigmoid hardswish hardshrink softshrink tanhshrink threshold logsigmoid rsub rdiv
rpow positive conj resolve_conj resolve_neg masked_fill tril triu where""".split()
for _n in ELEMENTWISE:
    rule("vmap", _n)(elementwise)


@rule("vmap", "where")
def _where(level, op, args, kwargs):
    if len(args) + len(kwargs) == 1:
        return NotImplemented  # where(cond) is nonzero: a dynamic shape
    return elementwise(level, op, args, kwargs)


@rule("vmap", "tril")
def _tril(level, op, args, kwargs):
    if not is_b(args[0], level) or args[0].dim() < 2:
        return NotImplemented
    return wrap(op(args[0]._bv, *args[1:], **kwargs), level)


rule("vmap", "triu")(_tril)


@rule("vmap", "masked_fill")
def _masked_fill(level, op, args, kwargs):
    b = bind(op, args, kwargs)
    if isinstance(b.arguments.get("value"), Tensor) and is_b(b.arguments["value"], level):
        return NotImplemented
    return elementwise(level, op, args, kwargs)


# -- ops along dimensions ---------------------------------------------------------------------
def _shift(d, nd):
    if isinstance(d, (tuple, list)):
        return tuple(_wrap_dim(int(i), nd) + 1 for i in d)
    return _wrap_dim(int(d), nd) + 1


def dim_rule(param="dim", none="all", inp=None):
    """Rule of an op reducing or working along `param` (sample dims shifted past the batch).
    none: what dim=None (or the op's empty default) means: "all" (every sample dim, as a
    tuple), "flat" (over the flattened sample), "keep" (the op needs no rewrite)."""
    def dim_batched(level, op, args, kwargs):
        b = bind(op, args, kwargs)
        names = list(b.signature.parameters)
        x_name = inp or names[0]
        x = b.arguments.get(x_name)
        if not is_b(x, level):
            return NotImplemented
        for k, v in b.arguments.items():
            if k != x_name and isinstance(v, Tensor) and is_b(v, level):
                return NotImplemented
        nd = x.dim()
        d = b.arguments.get(param, None)
        if isinstance(d, bool) or (isinstance(d, (tuple, list)) and
                                   any(not isinstance(i, int) or isinstance(i, bool) for i in d)):
            return NotImplemented  # an overload without a dim (var(x, True)), or dims as a list
        if nd == 0:
            return _zero_dim(level, op, b, x_name, param, d, none)
        b.arguments[x_name] = x._bv
        if d is None or (isinstance(d, (tuple, list)) and len(d) == 0 and none == "all"):
            if none == "keep":
                return wrap_out(call(op, b), level)
            if none == "all":
                b.arguments[param] = tuple(range(1, nd + 1))
            else:
                keep = b.arguments.get("keepdim", False)
                b.arguments[x_name] = x._bv.reshape(x._bv.shape[0], -1)
                b.arguments[param] = 1
                if keep:
                    b.arguments["keepdim"] = False
                    out = call(op, b)
                    shape = (x._bv.shape[0],) + (1,) * nd
                    return wrap_out(type(out)(*(o.reshape(shape) for o in out))
                                    if isinstance(out, tuple) else out.reshape(shape), level)
                return wrap_out(call(op, b), level)
        else:
            b.arguments[param] = _shift(d, nd)
        return wrap_out(call(op, b), level)
    return dim_batched


def _zero_dim(level, op, b, x_name, param, d, none):
    """A reduction of a 0-d sample (dim None, 0 or -1, as PyTorch allows): over a size-1 dim."""
    if not (d is None or d in (0, -1) or (isinstance(d, (tuple, list)) and
                                          all(i in (0, -1) for i in d))):
        return NotImplemented
    if d is None and none == "keep":
        return wrap_out(call(op, b), level)
    x = b.arguments[x_name]
    b.arguments[x_name] = x._bv.unsqueeze(1)
    b.arguments[param] = (1,) if isinstance(d, (tuple, list)) else 1
    if "keepdim" in b.arguments:
        b.arguments["keepdim"] = False
    out = call(op, b)

    def back(o):
        return o.squeeze(1) if isinstance(o, Tensor) and o.dim() == 2 else o
    if isinstance(out, tuple):
        out = type(out)(*map(back, out)) if hasattr(out, "_fields") else type(out)(map(back, out))
    else:
        out = back(out)
    return wrap_out(out, level)


for _n in ("sum", "mean", "nansum", "nanmean", "amax", "amin", "logsumexp", "var", "std",
           "var_mean", "std_mean", "count_nonzero"):
    rule("vmap", _n)(dim_rule())
rule("vmap", "norm")(dim_rule())
for _n in ("prod", "argmax", "argmin", "all", "any", "median", "nanmedian"):
    rule("vmap", _n)(dim_rule(none="flat"))
for _n in ("softmax", "log_softmax", "softmin", "cumsum", "cumprod", "logcumsumexp", "cummax",
           "cummin", "sort", "argsort", "topk", "kthvalue", "mode", "unbind", "glu", "normalize",
           "diff"):
    rule("vmap", _n)(dim_rule(none="keep"))
for _n in ("split", "chunk", "tensor_split"):
    rule("vmap", _n)(dim_rule(none="keep"))
rule("vmap", "flip")(dim_rule("dims"))
rule("vmap", "narrow")(dim_rule())
rule("vmap", "select")(dim_rule())
rule("vmap", "index_select")(dim_rule())


@rule("vmap", "max")
def _max(level, op, args, kwargs):
    other = args[1] if len(args) > 1 else kwargs.get("other", kwargs.get("dim"))
    if isinstance(other, Tensor):
        return elementwise(level, op, args, kwargs)
    return _max_dim(level, op, args, kwargs)


_max_dim = dim_rule(none="flat")
rule("vmap", "min")(_max)


@rule("vmap", "softmax")
def _softmax(level, op, args, kwargs):
    b = bind(op, args, kwargs)
    if b.arguments.get("dim") is None:
        return NotImplemented  # the legacy implicit dim depends on the rank (and warns)
    return _softmax_dim(level, op, args, kwargs)


_softmax_dim = dim_rule(none="keep")
rule("vmap", "log_softmax")(_softmax)
rule("vmap", "softmin")(_softmax)


# -- shape and view ops -------------------------------------------------------------------
def _sizes(rest):
    if len(rest) == 1 and isinstance(rest[0], (tuple, list)):
        return tuple(rest[0])
    return tuple(rest)


def _first_batched(level, args):
    x = args[0]
    if not is_b(x, level) or any(isinstance(a, Tensor) for a in args[1:]):
        return None
    return x


@rule("vmap", "reshape")
def _reshape(level, op, args, kwargs):
    x = _first_batched(level, args)
    shape = _sizes(args[1:]) if not kwargs else _sizes((kwargs.get("shape"),))
    if x is None or any(not isinstance(s, int) for s in shape):
        return NotImplemented
    if shape.count(-1) == 1 and x.numel() == 0:
        return NotImplemented
    return wrap(x._bv.reshape((x._bv.shape[0],) + shape), level)


@rule("vmap", "view")
def _view(level, op, args, kwargs):
    x = _first_batched(level, args)
    shape = _sizes(args[1:]) if not kwargs else _sizes((kwargs.get("size"),))
    if x is None or any(not isinstance(s, int) for s in shape) or \
            (shape.count(-1) == 1 and x.numel() == 0):
        return NotImplemented
    return wrap(x._bv.view((x._bv.shape[0],) + shape), level)


@rule("vmap", "flatten")
def _flatten(level, op, args, kwargs):
    b = bind(op, args, kwargs)
    x = b.arguments["input"]
    if not is_b(x, level) or x.dim() == 0:
        return NotImplemented
    nd = x.dim()
    s = _wrap_dim(b.arguments.get("start_dim", 0), nd)
    e = _wrap_dim(b.arguments.get("end_dim", -1), nd)
    return wrap(x._bv.flatten(s + 1, e + 1), level)


@rule("vmap", "unsqueeze")
def _unsqueeze(level, op, args, kwargs):
    b = bind(op, args, kwargs)
    x = b.arguments["input"]
    if not is_b(x, level):
        return NotImplemented
    return wrap(x._bv.unsqueeze(_wrap_dim(b.arguments["dim"], x.dim() + 1) + 1), level)


@rule("vmap", "squeeze")
def _squeeze(level, op, args, kwargs):
    b = bind(op, args, kwargs)
    x = b.arguments["input"]
    if not is_b(x, level):
        return NotImplemented
    d = b.arguments.get("dim")
    nd, shape = x.dim(), x.shape
    if d is None:
        dims = [i for i in range(nd) if shape[i] == 1]
    elif isinstance(d, (tuple, list)):
        dims = sorted({_wrap_dim(i, nd) for i in d if nd})
        dims = [i for i in dims if shape[i] == 1]
    else:
        if nd == 0:
            return NotImplemented
        dims = [_wrap_dim(d, nd)] if shape[_wrap_dim(d, nd)] == 1 else []
    v = x._bv
    for i in reversed(dims):
        v = v.squeeze(i + 1)
    return wrap(v, level)


@rule("vmap", "permute")
def _permute(level, op, args, kwargs):
    x = _first_batched(level, args)
    dims = _sizes(args[1:]) if not kwargs else _sizes((kwargs.get("dims"),))
    if x is None or len(dims) != x.dim():
        return NotImplemented
    return wrap(x._bv.permute((0,) + tuple(_wrap_dim(d, x.dim()) + 1 for d in dims)), level)


@rule("vmap", "transpose")
def _transpose(level, op, args, kwargs):
    b = bind(op, args, kwargs)
    x = b.arguments["input"]
    if not is_b(x, level) or x.dim() == 0:
        return NotImplemented
    nd = x.dim()
    return wrap(x._bv.transpose(_wrap_dim(b.arguments["dim0"], nd) + 1,
                                _wrap_dim(b.arguments["dim1"], nd) + 1), level)


rule("vmap", "swapaxes")(lambda level, op, args, kwargs: _transpose_any(level, args))
rule("vmap", "swapdims")(lambda level, op, args, kwargs: _transpose_any(level, args))


def _transpose_any(level, args):
    x, d0, d1 = args
    return wrap(x._bv.transpose(_wrap_dim(d0, x.dim()) + 1, _wrap_dim(d1, x.dim()) + 1), level)


@rule("vmap", "t")
def _t(level, op, args, kwargs):
    x = args[0]
    if not is_b(x, level) or x.dim() > 2:
        return NotImplemented
    return x if x.dim() < 2 else wrap(x._bv.transpose(1, 2), level)


@rule("vmap", "movedim")
def _movedim(level, op, args, kwargs):
    b = bind(op, args, kwargs)
    x = b.arguments["input"]
    if not is_b(x, level):
        return NotImplemented
    nd = x.dim()
    return wrap(x._bv.movedim(_shift(b.arguments["source"], nd),
                              _shift(b.arguments["destination"], nd)), level)


rule("vmap", "moveaxis")(_movedim)


@rule("vmap", "expand")
def _expand(level, op, args, kwargs):
    x = _first_batched(level, args)
    sizes = _sizes(args[1:]) if "size" not in kwargs else _sizes((kwargs["size"],))
    if x is None or len(sizes) < x.dim() or any(not isinstance(s, int) for s in sizes):
        return NotImplemented
    v = pad_to(x, level, len(sizes))
    return wrap(v.expand((v.shape[0],) + sizes), level)


@rule("vmap", "repeat")
def _repeat(level, op, args, kwargs):
    x = _first_batched(level, args)
    sizes = _sizes(args[1:])
    if x is None or kwargs or len(sizes) < x.dim():
        return NotImplemented
    return wrap(pad_to(x, level, len(sizes)).repeat((1,) + sizes), level)


@rule("vmap", "contiguous")
def _contiguous(level, op, args, kwargs):
    return args[0] if is_b(args[0], level) else NotImplemented


@rule("vmap", "cat")
def _cat(level, op, args, kwargs):
    b = bind(op, args, kwargs)
    ts = list(b.arguments["tensors"])
    if b.arguments.get("axis") is not None:
        return NotImplemented
    ref = next(t for t in ts if is_b(t, level))
    nd = ref.dim()
    if nd == 0 or any(t.dim() not in (nd,) for t in ts):
        return NotImplemented  # legacy 1-d empty tensors: the loop gives PyTorch's result
    B = ref._bv.shape[0]
    return wrap(op([phys(t, level, B) for t in ts], _wrap_dim(b.arguments.get("dim", 0), nd) + 1),
                level)


rule("vmap", "concat")(_cat)
rule("vmap", "concatenate")(_cat)


@rule("vmap", "stack")
def _stack(level, op, args, kwargs):
    b = bind(op, args, kwargs)
    ts = list(b.arguments["tensors"])
    if b.arguments.get("axis") is not None or not ts:
        return NotImplemented
    ref = next(t for t in ts if is_b(t, level))
    B = ref._bv.shape[0]
    return wrap(op([phys(t, level, B) for t in ts],
                   _wrap_dim(b.arguments.get("dim", 0), ref.dim() + 1) + 1), level)


# -- indexing -----------------------------------------------------------------------------
def _basic_key(key):
    """The key with a full slice for the batch dimension in front, or None when the key's
    advanced indices could move the batch dimension (or are batched themselves)."""
    if not isinstance(key, tuple):
        key = (key,)
    adv = [i for i, k in enumerate(key) if isinstance(k, (Tensor, list)) or
           (hasattr(k, "shape") and not isinstance(k, (int, slice)))]
    for k in key:
        if type(k) is BatchedTensor or isinstance(k, bool):
            return None
    if adv:
        if any(isinstance(k, int) for k in key) or adv != list(range(adv[0], adv[-1] + 1)):
            return None
    return (slice(None),) + key


@rule("vmap", "__getitem__")
def _getitem(level, op, args, kwargs):
    x, key = args
    k = _basic_key(key)
    if k is None or not is_b(x, level):
        return NotImplemented
    return wrap(x._bv[k], level)


@rule("vmap", "__setitem__")
def _setitem(level, op, args, kwargs):
    x, key, value = args
    if not is_b(x, level):
        from ._batched import _INPLACE, VmapError
        raise VmapError(_INPLACE)
    k = _basic_key(key)
    if k is None:
        return NotImplemented
    if isinstance(value, Tensor) and is_b(value, level):
        target = x._bv[k]
        nd = target.dim() - 1
        if value.dim() > nd:
            return NotImplemented
        value = pad_to(value, level, nd)
    x._bv[k] = value
    return None


@rule("vmap", "zeros_like")
def _like(level, op, args, kwargs):
    x = args[0]
    if not is_b(x, level) or any(is_b(a, level) for a in list(args[1:]) + list(kwargs.values())):
        return NotImplemented
    return wrap(op(x._bv, *args[1:], **kwargs), level)


for _n in ("ones_like", "full_like", "empty_like"):
    rule("vmap", _n)(_like)


@rule("vmap", "view_as")
def _view_as(level, op, args, kwargs):
    x, other = args
    return x.view(tuple(other.shape))


@rule("vmap", "reshape_as")
def _reshape_as(level, op, args, kwargs):
    x, other = args
    return x.reshape(tuple(other.shape))


@rule("vmap", "expand_as")
def _expand_as(level, op, args, kwargs):
    x, other = args
    return x.expand(tuple(other.shape))
