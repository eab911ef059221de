"""Autograd under vmap: `autograd.grad` of batched tensors, and `lift` for transforms that
differentiate inside a vmap (`vmap(grad(f))`).

A batched tensor's autograd history is its physical tensor's, so a gradient of batched outputs
with respect to batched inputs is one backward of the physical tensors (each sample's outputs
depend on its own inputs only). Two cases need more: an input not batched at an output's level
(its per-sample gradients would be summed), and a cotangent batched where its output is not
(`vmap(vjp_fn)(cotangents)`): those run one backward per sample of the innermost level and stack
the gradients. `grad` avoids the first case by entering its inputs *lifted* (batched at every
running level, `lift`), so per-sample gradients take one backward.
"""
from __future__ import annotations

from .._tensor import Tensor
from ._batched import BatchedTensor, LEVELS, wrap, levels_of, batch_size, _sample, _ORIG


def lift(x):
    """x batched at every running vmap level (an unbatched x expanded, no copy)."""
    if not LEVELS or not isinstance(x, Tensor):
        return x
    for lv in LEVELS:
        x = _lift_to(x, lv[0], lv[1])
    return x


def _lift_to(x, level, size):
    if type(x) is BatchedTensor:
        if x._lvl == level:
            return x
        if x._lvl > level:
            return wrap(_lift_to(x._bv, level, size), x._lvl)
    return wrap(x.unsqueeze(0).expand((size,) + tuple(x.shape)), level)


def _physical(x):
    while type(x) is BatchedTensor:
        x = x._bv
    return x


def _rewrap(g, levels):
    """A physical gradient with the batch structure `levels` (outermost wrapper first)."""
    for lv in reversed(levels):
        g = wrap(g, lv)
    return g


def _seq(x):
    return (x,) if isinstance(x, Tensor) else tuple(x)


def grad_hook(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
              only_inputs=True, allow_unused=None, is_grads_batched=False,
              materialize_grads=False):
    """`autograd.grad` while a vmap runs (the plain function when nothing is batched)."""
    orig = _ORIG["autograd_grad"]
    outs, ins = _seq(outputs), _seq(inputs)
    gouts = (None,) * len(outs) if grad_outputs is None else _seq(grad_outputs)
    if not any(type(t) is BatchedTensor for t in outs + ins + gouts):
        return orig(outputs, inputs, grad_outputs, retain_graph, create_graph, only_inputs,
                    allow_unused, is_grads_batched, materialize_grads)
    if is_grads_batched:
        raise RuntimeError("vmap: autograd.grad(is_grads_batched=True) inside vmap is not "
                           "supported")
    if retain_graph is None:
        retain_graph = create_graph
    out_levels = [set(levels_of(o)) for o in outs]
    used = set().union(*out_levels, *(levels_of(g) for g in gouts if isinstance(g, Tensor)))
    direct = all(used <= set(levels_of(x)) for x in ins) and all(
        not isinstance(g, Tensor) or set(levels_of(g)) <= ol for g, ol in zip(gouts, out_levels))
    if direct:
        return _direct(orig, outs, ins, gouts, retain_graph, create_graph, allow_unused,
                       materialize_grads)
    return _per_sample(outs, ins, gouts, max(used | {lv for x in ins for lv in levels_of(x)}),
                       create_graph, allow_unused, materialize_grads, retain_graph)


def _direct(orig, outs, ins, gouts, retain_graph, create_graph, allow_unused, materialize):
    from .. import _creation
    p_outs, p_gouts = [], []
    for o, g in zip(outs, gouts):
        po = _physical(o)
        if g is None:
            if o.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            pg = _creation.ones_like(po)
        else:
            pg = _physical(_lift_like(g, o))
        p_outs.append(po)
        p_gouts.append(pg)
    p_ins = [_physical(x) for x in ins]
    gs = orig(p_outs, p_ins, p_gouts, retain_graph, create_graph, True, allow_unused, False,
              materialize)
    return tuple(None if g is None else _rewrap(g, levels_of(x)) for g, x in zip(gs, ins))


def _lift_like(g, o):
    """Cotangent g batched as its output o is (levels o has and g lacks are expanded)."""
    if not isinstance(g, Tensor):
        from .. import _creation
        g = _creation.tensor(g)
    for lv in sorted(levels_of(o)):
        g = _lift_to(g, lv, batch_size(lv))
    return g


def _per_sample(outs, ins, gouts, level, create_graph, allow_unused, materialize, retain):
    """One backward per sample of `level`, gradients stacked (batched at `level`)."""
    from .. import _op_functions as F, _creation
    B = batch_size(level)
    per = []
    for i in range(B):
        o_i = tuple(_sample(o, level, i) for o in outs)
        g_i = tuple(_sample(g, level, i) for g in gouts)
        gs = grad_hook(o_i, ins, g_i if any(g is not None for g in g_i) else None,
                       retain_graph=True if i < B - 1 else retain, create_graph=create_graph,
                       allow_unused=True, materialize_grads=materialize)
        per.append([None if g is None else _sample(g, level, i) for g in gs])
    res = []
    for j, x in enumerate(ins):
        col = [p[j] for p in per]
        if all(c is None for c in col):
            if not allow_unused and not materialize:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {j}) appears to not have been "
                    "used in the graph. Set allow_unused=True if this is the desired behavior.")
            res.append(None)
            continue
        col = [_creation.zeros_like(_sample(x, level, 0)) if c is None else c for c in col]
        res.append(wrap(F.stack(col), level))
    return tuple(res)
