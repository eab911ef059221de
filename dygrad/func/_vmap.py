"""`torch.func.vmap`: runs a function written for one sample over a batch, by batching rules
(see _batched.py for how ops on batched tensors are dispatched)."""
from __future__ import annotations

import functools
from typing import Any, Callable

from .._tensor import Tensor
from . import _batching_intercept as _b
from ._batched import BatchedTensor, LEVELS, wrap

_LOADED: list = []


def _load_rules():
    if not _LOADED:
        from . import _batching_rules, _batching_nn, _batching_random  # noqa: F401 - register
        _LOADED.append(True)


# -- pytrees (tuples, lists, dicts, namedtuples; anything else is a leaf) ----------------------
def _flatten(tree):
    if isinstance(tree, (list, tuple)):
        leaves, specs = [], []
        for x in tree:
            lv, sp = _flatten(x)
            leaves += lv
            specs.append(sp)
        return leaves, (type(tree), len(tree), specs)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for k in tree:
            lv, sp = _flatten(tree[k])
            leaves += lv
            specs.append(sp)
        return leaves, (dict, list(tree), specs)
    return [tree], None


def _unflatten(leaves, spec, it=None):
    it = iter(leaves) if it is None else it
    if spec is None:
        return next(it)
    kind, keys, specs = spec
    items = [_unflatten(None, s, it) for s in specs]
    if kind is dict:
        return dict(zip(keys, items))
    if hasattr(kind, "_fields"):
        return kind(*items)
    return kind(items)


def _broadcast_dims(dims, spec, what, fname):
    """dims (an int/None or a tree matching a prefix of spec) for every leaf of spec."""
    if dims is None or isinstance(dims, int):
        return [dims] * _count(spec)
    if spec is None:
        raise ValueError(f"{what} is not compatible with the structure of the inputs")
    kind, keys, specs = spec
    if kind is dict:
        if not isinstance(dims, dict) or set(dims) != set(keys):
            raise ValueError(f"{what} is not compatible with the structure of the inputs")
        sub = [dims[k] for k in keys]
    else:
        if not isinstance(dims, (list, tuple)) or len(dims) != len(specs):
            raise ValueError(f"{what} is not compatible with the structure of the inputs")
        sub = list(dims)
    out = []
    for d, s in zip(sub, specs):
        out += _broadcast_dims(d, s, what, fname)
    return out


def _count(spec):
    return 1 if spec is None else sum(_count(s) for s in spec[2])


def _name(func):
    return getattr(func, "__name__", repr(func))


# -- vmap ------------------------------------------------------------------------------------
def vmap(func: Callable, in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable:
    """Vectorizing map: `vmap(func)(*inputs)` runs `func`, written for one sample, over the
    dimension `in_dims` of the inputs at once and stacks the results along `out_dims`.

    in_dims: an int (the batch dimension of every tensor input), None (not batched), or a
      tuple/list/dict matching the inputs' structure with an int or None per input (or per
      subtree). out_dims: the same for the outputs (None: an output that is the same for every
      sample). randomness: what random ops do inside: "error" (raise), "same" (one draw shared
      by the batch) or "different" (independent draws per sample). chunk_size: run the batch in
      chunks of this many samples (saves memory). Nested vmaps batch over several dimensions;
      `vmap(grad(f))` gives per-sample gradients. Ops with a batching rule run once on the
      whole batch; any other op runs sample by sample, with a warning naming it.

    Example::

        >>> x, w = torch.randn(8, 3), torch.randn(3)
        >>> torch.func.vmap(torch.dot, in_dims=(0, None))(x, w).shape
        torch.Size([8])
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")
    if not callable(func):
        raise RuntimeError(f"vmap(f): f must be callable, got {type(func).__name__}")

    @functools.wraps(func)
    def vmapped(*args, **kwargs):
        return _call(func, in_dims, out_dims, randomness, chunk_size, args, kwargs)
    return vmapped


def _call(func, in_dims, out_dims, randomness, chunk_size, args, kwargs):
    fname = _name(func)
    where = f"vmap({fname}, in_dims={in_dims}, ...)(<inputs>)"
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) tuple "
                         f"matching the structure of inputs, got: {type(in_dims)}.")
    if not args:
        raise ValueError(f"vmap({fname})(<inputs>): got no inputs. Maybe you forgot to add "
                         "inputs, or you are trying to vmap over a function with no inputs. The "
                         "latter is unsupported.")
    leaves, spec = _flatten(tuple(args))
    if isinstance(in_dims, tuple) and len(in_dims) != len(args):
        raise ValueError(f"{where}: in_dims is not compatible with the structure of `inputs`. "
                         f"in_dims has {len(in_dims)} entries but inputs has {len(args)}.")
    try:
        dims = _broadcast_dims(in_dims, spec, "in_dims", fname)
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from None
    size = None
    for x, d in zip(leaves, dims):
        if d is None:
            continue
        if not isinstance(d, int):
            raise ValueError(f"{where}: Got in_dim={d} for an input but in_dim must be either "
                             "an integer dimension or None.")
        if not isinstance(x, Tensor):
            raise ValueError(f"{where}: Got in_dim={d} for an input but the input is of type "
                             f"{type(x)}. We cannot vmap over non-Tensor arguments, please use "
                             "None as the respective in_dim")
        n = x.dim()
        if not -n <= d < n:
            raise ValueError(f"{where}: Got in_dim={d} for some input, but that input is a "
                             f"Tensor of dimensionality {n} so expected in_dim to satisfy "
                             f"-{n} <= in_dim < {n}.")
        s = x.shape[d]
        if size is None:
            size = s
        elif s != size:
            sizes = [x.shape[dd] for x, dd in zip(leaves, dims) if dd is not None]
            raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                             f"dimension, got sizes {sizes} for the mapped dimension")
    if size is None:
        raise ValueError(f"vmap({fname}, in_dims={in_dims}, ...)(<inputs>): at least one input "
                         "must be batched (in_dims all None)")
    if chunk_size is not None and chunk_size < size:
        return _chunked(func, in_dims, out_dims, randomness, chunk_size, leaves, dims, spec,
                        size, kwargs)
    return _run(func, out_dims, randomness, leaves, dims, spec, size, kwargs)


def _run(func, out_dims, randomness, leaves, dims, spec, size, kwargs):
    _load_rules()
    level = (LEVELS[-1][0] + 1) if LEVELS else 1
    LEVELS.append([level, size, randomness])
    _b.install()
    user = _b.patch_globals(func)
    try:
        batched = [x if d is None else wrap(x.movedim(d, 0) if d else x, level)
                   for x, d in zip(leaves, dims)]
        out = _b.target_wrapper(func)(*_unflatten(batched, spec), **kwargs)
        return _unwrap_outputs(func, out, out_dims, level, size)
    finally:
        LEVELS.pop()
        _b.unpatch(user)
        _b.uninstall()


def _unwrap_outputs(func, out, out_dims, level, size):
    fname = _name(func)
    leaves, spec = _flatten(out)
    try:
        dims = _broadcast_dims(out_dims, spec, "out_dims", fname)
    except ValueError:
        raise ValueError(f"vmap({fname}, ...): out_dims is not compatible with the structure of "
                         "`outputs`.") from None
    res = []
    for x, d in zip(leaves, dims):
        if not isinstance(x, Tensor):
            if d is None:
                res.append(x)
                continue
            raise ValueError(f"vmap({fname}, ...): `{fname}` must only return Tensors, got type "
                             f"{type(x)}. Did you mean to set out_dims= to None for output?")
        batched = type(x) is BatchedTensor and x._lvl == level
        if d is None:
            if batched:
                raise ValueError(f"vmap({fname}, ...): `{fname}` can not return a "
                                 "BatchedTensor when out_dim is None")
            res.append(x)
            continue
        v = x._bv if batched else x.unsqueeze(0).expand((size,) + tuple(x.shape))
        n = v.dim()
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, "
                             f"{n - 1}], but got {d})")
        res.append(v.movedim(0, d) if d % n else v)
    return _unflatten(res, spec)


def _chunked(func, in_dims, out_dims, randomness, chunk, leaves, dims, spec, size, kwargs):
    outs = []
    for start in range(0, size, chunk):
        n = min(chunk, size - start)
        part = [x if d is None else x.narrow(d, start, n) for x, d in zip(leaves, dims)]
        outs.append(_run(func, out_dims, randomness, part, dims, spec, n, kwargs))
    flat = [_flatten(o) for o in outs]
    spec_out = flat[0][1]
    dims_out = _broadcast_dims(out_dims, spec_out, "out_dims", _name(func))
    from .. import _op_functions as F
    res = []
    for i, d in enumerate(dims_out):
        items = [f[0][i] for f in flat]
        res.append(items[0] if d is None else F.cat(items, d))
    return _unflatten(res, spec_out)
