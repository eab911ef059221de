"""Activation checkpointing (torch.utils.checkpoint): run a piece of the model without keeping
what its ops save for backward, and run it again when backward reaches it.

Two variants, as in PyTorch:
- non-reentrant (`use_reentrant=False`, recommended): the function runs once with grad on; the
  nodes it made are noted (autograd/node.py COLLECT) and replaced by one CheckpointBackward
  node whose edges are the edges leaving that subgraph (inputs, parameters, any tensor the
  function read). The subgraph, and everything it saved, is dropped at once. Backward runs the
  function again with the forward's RNG state and backpropagates through the new subgraph,
  stopping at those edges, so gradients reach everything the function used and
  `torch.autograd.grad` works.
- reentrant (`use_reentrant=True`, PyTorch's default when not passed, with its warning): the
  function runs under no_grad; the node's edges are the tensor arguments only; backward runs
  a nested backward that accumulates into the parameters' `.grad` directly, so
  `torch.autograd.grad` through it is refused.

Either way the recomputation repeats the forward's arithmetic exactly, so gradients equal the
un-checkpointed ones bit for bit.
"""
from __future__ import annotations

import contextlib
import warnings
from typing import Any, Callable, Iterable

from .. import random as _random
from ..autograd import engine as _engine
from ..autograd import node as _node
from ..autograd.grad_mode import STATE, enable_grad, no_grad
from ..autograd.node import Node
from ._pytree import tensor_leaves

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError", "noop_context_fn",
           "detach_variable"]

_NO_EDGE = (None, 0)


class CheckpointError(RuntimeError):
    """The recomputation in backward did not match the forward (a nondeterministic function)."""


def noop_context_fn():
    """The default `context_fn`: no context around the forward or the recomputation."""
    return contextlib.nullcontext(), contextlib.nullcontext()


def detach_variable(inputs: tuple) -> tuple:
    """Detached copies of the tensors in `inputs` keeping their requires_grad."""
    if not isinstance(inputs, tuple):
        raise RuntimeError("Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    out = []
    for x in inputs:
        if not _is_tensor(x):
            out.append(x)
            continue
        d = x.detach()
        d.requires_grad = x.requires_grad
        out.append(d)
    return tuple(out)


def _is_tensor(x):
    from .._tensor import Tensor
    return isinstance(x, Tensor)


@contextlib.contextmanager
def _collecting(into):
    """Notes every node made in the block in `into` (see autograd/node.py COLLECT). The
    user's saved-tensor hooks are off meanwhile: what the function's ops save is dropped with
    its subgraph (PyTorch's checkpoint packs them with its own hooks, not the user's)."""
    prev = STATE.anomaly
    if not prev:
        STATE.anomaly = _COLLECTING
    _node.COLLECT.append(into)
    hooks = _node.HOOKS[:]
    _node.HOOKS.clear()
    try:
        yield into
    finally:
        _node.HOOKS[:] = hooks
        _node.COLLECT.pop()
        STATE.anomaly = prev


class _Marker:
    """Truthy stand-in for STATE.anomaly while collecting (anomaly mode itself stays off)."""

    def __bool__(self):
        return True


_COLLECTING = _Marker()


@contextlib.contextmanager
def _rng_as(state):
    """Runs the block with the global generator in `state` (None: as it is), then restores."""
    if state is None:
        yield
        return
    now = _random.get_rng_state()
    _random.set_rng_state(state)
    try:
        yield
    finally:
        _random.set_rng_state(now)


def _unique(ts):
    seen = set()
    return [t for t in ts if not (id(t) in seen or seen.add(id(t)))]


class CheckpointBackward(Node):
    """The node that stands for a checkpointed function's subgraph (non-reentrant)."""

    def __init__(self, next_functions, fn, args, kwargs, rng, ctx_fn, nout, metas, check):
        Node.__init__(self, next_functions)
        self.fn, self.args, self.kwargs, self.rng = fn, args, kwargs, rng
        self.ctx_fn, self._nout, self.metas, self.check = ctx_fn, nout, metas, check

    def _apply(self, grads, create_graph):
        self._unpack(True)   # raises when freed; checks the inputs were not changed in place
        nodes = []
        with _rng_as(self.rng), enable_grad(), _collecting(nodes), self.ctx_fn()[1]:
            out = self.fn(*self.args, **self.kwargs)
        inner = set(nodes)
        del nodes
        outs = _unique([t for t in tensor_leaves(out) if t.grad_fn in inner])
        if self.check and [(tuple(t.shape), t.dtype) for t in outs] != self.metas:
            raise CheckpointError(
                "torch.utils.checkpoint: Recomputed values for the following tensors have "
                "different metadata than during the forward pass: the function returned "
                f"{[(tuple(t.shape), t.dtype) for t in outs]} in backward but "
                f"{self.metas} in forward (is it nondeterministic?)")
        roots, gs = [], []
        for t, g in zip(outs, grads):
            if g is not None:
                roots.append(t._grad_node())
                gs.append(g)
        if not roots:
            return (None,) * len(self.next_functions)
        res = _engine.run_backward(roots, gs, False, create_graph,
                                   inputs=list(self.next_functions), accumulate=False,
                                   stop=True)
        return tuple(res)

    def _release_extra(self):
        self.fn = self.args = self.kwargs = self.rng = None


def _checkpoint_non_reentrant(fn, args, kwargs, preserve_rng_state, context_fn,
                              determinism_check):
    if not STATE.enabled:
        return fn(*args, **kwargs)
    rng = _random.get_rng_state() if preserve_rng_state else None
    fwd_ctx, _ = context_fn()
    nodes = []
    with _collecting(nodes), fwd_ctx:
        out = fn(*args, **kwargs)
    inner = {n for n in nodes if not isinstance(n, _node.AccumulateGrad)}
    del nodes
    outs = _unique([t for t in tensor_leaves(out) if t.grad_fn in inner])
    if not outs:
        return out
    # the edges leaving the subgraph, in the order they are met
    edges, seen, stack, visited = [], set(), [t.grad_fn for t in outs], set()
    while stack:
        n = stack.pop()
        if n in visited:
            continue
        visited.add(n)
        for e in n.next_functions:
            nf = e[0]
            if nf is None:
                continue
            if nf in inner:
                stack.append(nf)
            elif e not in seen:
                seen.add(e)
                edges.append(e)
    tensors = tuple(a for a in list(args) + list(kwargs.values()) if _is_tensor(a))
    node = CheckpointBackward(tuple(edges), fn, args, kwargs, rng, context_fn, len(outs),
                              [(tuple(t.shape), t.dtype) for t in outs],
                              determinism_check == "default")
    node.save(*tensors)
    for k, t in enumerate(outs):   # the outputs now hang off the one node
        t.grad_fn = node
        t._nr = k
    return out


class CheckpointFunctionBackward(Node):
    """The node of a reentrant checkpoint: edges to the tensor arguments only."""

    def __init__(self, next_functions, fn, args, rng, nout, positions):
        Node.__init__(self, next_functions)
        self.fn, self.args, self.rng, self._nout = fn, args, rng, nout
        self.positions = positions   # where the tensor arguments sit in args

    def _apply(self, grads, create_graph):
        if _engine.CAPTURING[0]:
            raise RuntimeError(
                "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() "
                "or passing an `inputs` parameter to .backward(). To resolve this error, you "
                "can either set use_reentrant=False, or call .backward() without passing the "
                "`inputs` argument.")
        saved = iter(self._unpack(True))
        args = list(self.args)
        for p in self.positions:
            args[p] = next(saved)
        args = list(detach_variable(tuple(args)))
        with _rng_as(self.rng), enable_grad():
            out = self.fn(*args)
        outs = out if isinstance(out, tuple) else (out,)
        roots, gs = [], []
        for t, g in zip([o for o in outs if _is_tensor(o)], grads):
            if g is not None and t.requires_grad:
                roots.append(t._grad_node())
                gs.append(g)
        if not roots:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is "
                               "not necessary")
        _engine.run_backward(roots, gs, False, create_graph)
        res = []
        for p in self.positions:
            g = args[p]._grad
            res.append(None if g is None else (g if create_graph else g._data))
        return tuple(res)

    def _release_extra(self):
        self.fn = self.args = self.rng = None


def _checkpoint_reentrant(fn, args, preserve_rng_state):
    positions = [i for i, a in enumerate(args) if _is_tensor(a)]
    needs = STATE.enabled and any(args[i].requires_grad for i in positions)
    if STATE.enabled and not needs:
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      UserWarning, stacklevel=3)
    rng = _random.get_rng_state() if preserve_rng_state and needs else None
    with no_grad():
        out = fn(*args)
    if not needs:
        return out
    from ..ops._record import attach_outputs
    outs = out if isinstance(out, tuple) else (out,)
    tpos = [k for k, o in enumerate(outs) if _is_tensor(o)]
    node = CheckpointFunctionBackward(
        tuple(args[i]._grad_node() if args[i].requires_grad else _NO_EDGE for i in positions),
        fn, tuple(None if _is_tensor(a) else a for a in args), rng, len(tpos), positions)
    node.save(*[args[i] for i in positions])
    floating = [k for k in tpos if outs[k]._data.dtype.kind in "fc"]
    wrapped = attach_outputs([outs[k]._data for k in tpos], node)
    res = list(outs)
    for k, w in zip(tpos, wrapped):
        if k not in floating:   # an integer output carries no gradient
            w._rg = False
            w.grad_fn = None
        res[k] = w
    return tuple(res) if isinstance(out, tuple) else res[0]


def checkpoint(function: Callable, *args: Any, use_reentrant: bool | None = None,
               context_fn: Callable = noop_context_fn, determinism_check: str = "default",
               debug: bool = False, preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """Runs `function(*args, **kwargs)` without keeping what its ops save for backward; backward
    runs it again (with the forward's RNG state, so dropout draws the same masks) and
    backpropagates through the rerun. Gradients equal the un-checkpointed ones bit for bit.

    use_reentrant: pass it explicitly (not passing it warns, and means True, as in PyTorch);
    False is recommended: keyword arguments, any output structure, `torch.autograd.grad`, and
    gradients for every tensor the function uses. True: tensor outputs of a tuple (or one
    tensor) only, positional arguments only, gradients to parameters accumulated by a nested
    backward. `context_fn` (non-reentrant only) returns two context managers, one around the
    forward and one around the recomputation. `determinism_check="default"` compares the
    recomputed outputs' shapes and dtypes with the forward's ("none" to skip). `debug` is
    accepted and changes nothing.

    Example::

        >>> from torch.utils.checkpoint import checkpoint
        >>> h = checkpoint(block, x, use_reentrant=False)   # block's activations not kept
        >>> h.sum().backward()
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
            "exception. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.", UserWarning, stacklevel=2)
        use_reentrant = True
    if determinism_check not in ("default", "none"):
        raise ValueError("determinism_check should be one of ['default', 'none'], but got "
                         f"{determinism_check}")
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        return _checkpoint_reentrant(function, args, preserve_rng_state)
    return _checkpoint_non_reentrant(function, args, kwargs, preserve_rng_state, context_fn,
                                     determinism_check)


def checkpoint_sequential(functions: Iterable[Callable] | Any, segments: int, input: Any,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Any:
    """Runs a sequence of functions (or an nn.Sequential's modules) in `segments` chunks,
    checkpointing every chunk but the last (whose activations backward needs first anyway).

    Example::

        >>> from torch.utils.checkpoint import checkpoint_sequential
        >>> out = checkpoint_sequential(model, 4, x, use_reentrant=False)
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should "
            "be passed explicitly. In version 2.9 we will raise an exception if use_reentrant "
            "is not passed. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.", UserWarning, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if hasattr(functions, "children") and callable(functions.children):
        functions = list(functions.children())
    functions = list(functions)

    def run(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
