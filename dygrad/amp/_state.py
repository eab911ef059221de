"""Autocast's state and its policy table: which ops run in the region's low precision, which
in float32, which promote their floating inputs to the widest. The lists are PyTorch 2.13's CPU
policy, read op by op from running torch (tests/amp/test_autocast_parity.py checks every
entry against torch). Op entry points call `cast(name, *tensors)` only when `STATE.on` is
true, so code outside an autocast region pays one attribute test."""
from .._dtype import float32, float64
from ..autograd.grad_mode import STATE as _grad_mode

LOWER, FP32, PROMOTE = "lower", "fp32", "promote"

# PyTorch 2.13's CPU autocast policy (the same lists for bfloat16 and float16 on CPU)
POLICY = dict.fromkeys((
    "linear", "matmul", "mm", "bmm", "addmm", "baddbmm", "addbmm", "conv1d", "conv2d", "conv3d",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "prelu",
    "scaled_dot_product_attention", "einsum", "tensordot", "chain_matmul", "linalg.vecdot",
    "linalg.multi_dot", "lstm_layer", "rnn_layer"), LOWER)  # nn.LSTM, nn.RNN (not GRU)
POLICY.update(dict.fromkeys((
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "soft_margin_loss",
    "prod", "cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss",
    "triplet_margin_loss", "multi_margin_loss", "multilabel_margin_loss", "cdist", "trace",
    "quantile", "nanquantile"), FP32))
POLICY.update(dict.fromkeys(("index_copy",), PROMOTE))


class _State:
    __slots__ = ("on", "dtype", "cache_on", "cache", "depth")

    def __init__(self):
        self.on = False          # an enabled CPU autocast region is active
        self.dtype = None        # its low-precision dtype (bfloat16 or float16)
        self.cache_on = True
        self.cache = {}          # id(leaf) -> (leaf, its low-precision copy), for one region
        self.depth = 0           # nesting depth of autocast regions (the cache empties at 0)


STATE = _State()


def _eligible(t):
    # floating tensors other than float64 are cast, as PyTorch's autocast does on CPU
    d = getattr(t, "_data", None)
    return d is not None and d.dtype.kind in "fV" and d.dtype.itemsize != 8


def _to(t, dt):
    if t.dtype is dt:
        return t
    # a weight: cast once per region. Not under no_grad: a copy made there has no edge to the
    # weight, and reusing it later in the region with grad mode on would drop its gradient
    if STATE.cache_on and t._rg and t.grad_fn is None and _grad_mode.enabled:
        hit = STATE.cache.get(id(t))
        if hit is not None and hit[0] is t and hit[1].dtype is dt:
            return hit[1]
        out = t.to(dt)
        STATE.cache[id(t)] = (t, out)
        return out
    return t.to(dt)


def cast(name, *args):
    """args with the region's policy for op `name` applied (Tensors cast, others unchanged)."""
    kind = POLICY[name]
    if kind == LOWER:
        dt = STATE.dtype
    elif kind == FP32:
        dt = float32
    else:
        dt = None
        for a in args:
            if _eligible(a) or (getattr(a, "_data", None) is not None and a.dtype is float64):
                dt = a.dtype if dt is None else _wider(dt, a.dtype)
        if dt is None:
            return args
    return tuple(_to(a, dt) if _eligible(a) else a for a in args)


def _wider(a, b):
    from .._dtype import promote_types
    return promote_types(a, b)
