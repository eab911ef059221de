"""vmap's randomness: random factories (torch.rand, randn, ...) and dropout under `vmap`.

randomness="error" raises on any random draw (the generator lookup `dygrad.random._rng` is
intercepted while a vmap runs: _batching_intercept._rng_hook); "same" draws one sample's values
and shares them across the batch; "different" draws independent values per sample. Ops without a rule here
go through the per-sample loop, which restores the generator state before each sample under
"same" (so every sample draws the same values) and lets it advance under "different".
"""
from __future__ import annotations

from ..ops._registry import rule
from ._batched import LEVELS, BatchedTensor, Op, VmapError, levels_of, max_level, wrap


def _different_levels():
    return [lv for lv in LEVELS if lv[2] == "different"]


def _factory(fn):
    """A random factory (no tensor input): unbatched under "same", one draw per sample of every
    "different" level (stacked and batched at those levels) under "different"."""
    op = Op(fn.__name__, fn)

    def vmap_intercept(*args, **kwargs):
        if max_level(args, kwargs):  # normal(mean_tensor, std): an op on batched tensors
            return op(*args, **kwargs)
        levels = _different_levels() if LEVELS else ()
        if not levels:
            return fn(*args, **kwargs)
        from .. import _op_functions as F
        n = 1
        for lv in levels:
            n *= lv[1]
        draws = [fn(*args, **kwargs) for _ in range(n)]
        out = F.stack(draws) if n else fn(*args, **kwargs).unsqueeze(0)[:0]
        out = out.reshape(tuple(lv[1] for lv in levels) + tuple(out.shape[1:]))
        for lv in levels:  # lowest level innermost: P's dim 0 is the outermost vmap's
            out = wrap(out, lv[0])
        return out
    vmap_intercept.__name__ = fn.__name__
    vmap_intercept.__wrapped__ = fn
    return vmap_intercept


def _inplace_random(fn):
    """An in-place random fill (uniform_, normal_, ...): under "different" randomness the tensor
    must be batched at every such level (PyTorch's error otherwise: its samples would get the
    same values); batched tensors go through the per-sample loop."""
    op = Op(fn.__name__, fn)

    def vmap_intercept(*args, **kwargs):
        if LEVELS and args:
            have = levels_of(args[0])
            if any(lv[0] not in have for lv in _different_levels()):
                raise VmapError(
                    "vmap: Cannot ask for different inplace randomness on an unbatched tensor. "
                    "This will appear like same randomness. If this is necessary for your usage, "
                    "please file an issue with functorch.")
        if max_level(args, kwargs):
            return op(*args, **kwargs)
        return fn(*args, **kwargs)
    vmap_intercept.__name__ = fn.__name__
    vmap_intercept.__wrapped__ = fn
    return vmap_intercept


def factories():
    """(function, wrapper) for each random factory and in-place random fill vmap intercepts."""
    from ..ops import sampling, sampling_inplace
    out = [(getattr(sampling, n), _factory(getattr(sampling, n)))
           for n in ("rand", "randn", "randint", "randperm", "normal") if hasattr(sampling, n)]
    for name, fn in vars(sampling_inplace).items():
        if name.endswith("_") and not name.startswith("_") and callable(fn) and \
                getattr(fn, "__module__", "") == sampling_inplace.__name__:
            out.append((fn, _inplace_random(fn)))
    return out


def _mode(level):
    for lv in LEVELS:
        if lv[0] == level:
            return lv[2]
    return "error"


def _like_rule(level, fn, args, kwargs):
    x = args[0]
    if type(x) is not BatchedTensor or x._lvl != level:
        return NotImplemented
    if _mode(level) == "same":
        return fn(_one_sample(x), *args[1:], **kwargs)
    return wrap(fn(x._bv, *args[1:], **kwargs), level)


def _one_sample(x):
    """A plain tensor of x's logical shape and dtype (values unused)."""
    from .. import _creation
    return _creation.zeros(tuple(x.shape), dtype=x.dtype)


for _n in ("rand_like", "randn_like", "randint_like"):
    rule("vmap", _n)(_like_rule)


@rule("vmap", "dropout")
def _dropout_rule(level, fn, args, kwargs):
    x = args[0]
    if type(x) is not BatchedTensor or x._lvl != level or kwargs.get("inplace"):
        return NotImplemented
    if len(args) > 3 and args[3]:  # inplace=True positionally
        return NotImplemented
    if _mode(level) == "same":
        from .. import _creation
        mask = fn(_creation.ones(tuple(x.shape), dtype=x.dtype), *args[1:], **kwargs)
        return x * mask
    return wrap(fn(x._bv, *args[1:], **kwargs), level)



def _fill_rule(level, op, args, kwargs):
    """An in-place random fill of a batched tensor: independent values for every element under
    "different"; one sample's draw written into every sample under "same"."""
    x = args[0]
    if type(x) is not BatchedTensor or x._lvl != level or max_level(args[1:], kwargs):
        return NotImplemented
    if _mode(level) == "same":
        from ._batched import write_into
        return write_into(x, op(_one_sample(x), *args[1:], **kwargs))
    op(x._bv, *args[1:], **kwargs)
    return x


for _n in ("uniform_", "normal_", "bernoulli_", "exponential_", "geometric_", "cauchy_",
           "log_normal_", "random_"):
    rule("vmap", _n)(_fill_rule)
