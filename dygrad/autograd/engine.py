"""Reverse-mode engine: dependency counting and a ready queue, no recursion.

Gradients travel as NumPy arrays, or as Tensors when `create_graph=True` (then every node's
backward records its own graph, which is what makes higher-order derivatives work).
"""
import sys

import numpy as np

from .grad_mode import STATE
from .node import AccumulateGrad

ndarray = np.ndarray
_getrefcount = sys.getrefcount


def _topo_deps(roots, stop=None):
    """Number of incoming edges of every node reachable from `roots` (not walking past the
    nodes in `stop`)."""
    deps = {}
    stack = list(roots)
    seen = set(stack)
    while stack:
        node = stack.pop()
        if stop is not None and node in stop:
            continue
        for nf, _ in node.next_functions:
            if nf is None:
                continue
            if nf in deps:
                deps[nf] += 1
            else:
                deps[nf] = 1
            if nf not in seen:
                seen.add(nf)
                stack.append(nf)
    return deps


def _needed(roots, targets, stop=None):
    """Nodes from which some target node can be reached (the only ones worth running)."""
    order = []
    stack = [(r, False) for r in roots]
    seen = set()
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        if stop is not None and node in stop:
            continue
        for nf, _ in node.next_functions:
            if nf is not None and nf not in seen:
                stack.append((nf, False))
    needed = set(targets)
    for node in order:  # post-order: children before parents
        if node in needed:
            continue
        for nf, _ in node.next_functions:
            if nf is not None and nf in needed:
                needed.add(node)
                break
    return needed


_wrap_fn = None


def _wrap(g):
    global _wrap_fn
    if _wrap_fn is None:
        from .._tensor import _wrap as w
        _wrap_fn = w
    return _wrap_fn(g)


def _as_tensor(g):
    return _wrap(g if type(g) is ndarray else np.asarray(g))


def _call_tensor_hooks(hooks, g, create_graph):
    """Tensor hooks see Tensors; an ordinary backward passes arrays, so wrap and unwrap."""
    if create_graph:
        for h in hooks:
            r = h(g)
            if r is not None:
                g = r
        return g
    t = _as_tensor(g)
    for h in hooks:
        r = h(t)
        if r is not None:
            t = r
    return t._data


def _run_pre_hooks(node, buf, create_graph):
    retain = []
    for kind, fn in node._pre_hooks.values():
        if kind == "node":
            wrapped = tuple(x if x is None or create_graph else _as_tensor(x) for x in buf)
            r = fn(wrapped)
            if r is not None:
                buf = [x if x is None or create_graph else x._data for x in r]
        elif kind == "retain":
            retain.append(fn)
        else:  # ("tensor", nr): a hook registered on a non-leaf tensor
            nr, hook = kind[1], fn
            if buf[nr] is not None:
                buf[nr] = _call_tensor_hooks((hook,), buf[nr], create_graph)
    for tensor_ref in retain:  # retain_grad runs after the user's hooks, as in PyTorch
        t = tensor_ref()
        if t is not None and buf[t._nr] is not None:
            _store_grad(t, buf[t._nr], create_graph, steal=False)
    return buf


def _store_grad(t, g, create_graph, steal):
    """Accumulates g into t.grad following PyTorch (in place unless building a graph)."""
    if type(g) is not ndarray and not create_graph:
        g = np.asarray(g)
    old = t._grad  # internal: the property's checks are for users
    if create_graph:
        gt = g if type(g) is not ndarray else _wrap(g)
        if gt._data.dtype != t._data.dtype:
            gt = gt.to(t.dtype)
        t._grad = gt if old is None else old + gt
        return
    if g.dtype != t._data.dtype:
        g = g.astype(t._data.dtype)
        steal = True
    if g.shape != t._data.shape:
        g = np.broadcast_to(g, t._data.shape)
        steal = False
    if old is None:
        # Keep the array when nothing else refers to it; copy otherwise, because the same
        # array may be handed to several inputs (e.g. by AddBackward) or live in a view.
        if not (steal and g.base is None and g.flags.writeable and g.flags.c_contiguous):
            g = g.copy()
        t._grad = _wrap(g)
    elif old.grad_fn is not None or old.requires_grad:
        t._grad = old + _wrap(g)
    else:
        od = old._data
        if od.dtype == g.dtype:
            np.add(od, g, out=od)
        else:
            od += g
        old._vc[0] += 1


def _accumulate(node, g, create_graph, steal):
    """steal: the caller's one variable is the only reference to g, so .grad may keep it."""
    t = node.variable
    if t._hooks:
        h = _call_tensor_hooks(t._hooks.values(), g, create_graph)
        # references left when nothing else kept it: ours (g, h) and the caller's, or h alone
        steal = type(h) is ndarray and (_getrefcount(h) <= 4 and steal if h is g
                                        else _getrefcount(h) <= 2)
        g = h
    _store_grad(t, g, create_graph, steal and type(g) is ndarray)
    if t._post_hooks:
        for h in t._post_hooks.values():
            h(t)


# how many autograd.grad-style runs (gradients captured at `inputs`) are in progress: a
# reentrant checkpoint refuses to run inside one, as PyTorch's does
CAPTURING = [0]


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, inputs=None,
                 accumulate=True, allow_unused=False, stop=False):
    """Runs backward from `roots` (list of (node, output_nr)) with `root_grads`.

    When `inputs` is given (a list of (node, output_nr) to capture), returns the gradients
    flowing into those points, and with accumulate=False touches no leaf's `.grad`. stop=True:
    the captured nodes do not run and nothing past them is visited (a checkpoint's inner
    backward, whose inputs lead into the outer graph).
    """
    if STATE.trace is not None:
        STATE.trace.escape("backward() or autograd.grad()")
    root_nodes = []
    buffers = {}
    for (node, nr), g in zip(roots, root_grads):
        if node is None:
            continue
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node._nout
            root_nodes.append(node)
        buf[nr] = g if buf[nr] is None else buf[nr] + g

    stop = {n for n, _ in inputs if n is not None} if stop else None
    deps = _topo_deps(root_nodes, stop)
    ready = [n for n in root_nodes if n not in deps]
    return _execute(ready, buffers, deps, create_graph, retain_graph, inputs, accumulate,
                    root_nodes, stop)


def _execute(ready, buffers, deps, create_graph, retain_graph, inputs, accumulate, root_nodes,
             stop=None):
    """Runs the loop with grad mode set as backward needs it (on only to build a graph)."""
    prev_enabled = STATE.enabled
    STATE.enabled = create_graph
    if inputs is not None and stop is None:
        CAPTURING[0] += 1
    try:
        if inputs is None and STATE.anomaly is not True:   # (a checkpoint's marker: not on)
            _loop(ready, buffers, deps, create_graph, retain_graph)
            return None
        return _loop_general(ready, buffers, deps, create_graph, retain_graph, inputs, accumulate,
                             root_nodes, stop)
    finally:
        STATE.enabled = prev_enabled
        if inputs is not None and stop is None:
            CAPTURING[0] -= 1


def backward_root(node, nr, g, retain_graph):
    """`loss.backward()`: run_backward for one root and a plain (first-order) backward."""
    if STATE.trace is not None:
        STATE.trace.escape("backward() or autograd.grad()")
    if node._nout == 1:
        buf = [g]
    else:
        buf = [None] * node._nout
        buf[nr] = g
    buffers = {node: buf}
    buf = g = None
    # the root is ready at once: nothing it reaches leads back to it
    _execute([node], buffers, _topo_deps((node,)), False, retain_graph, None, True, [node])


def _loop(ready, buffers, deps, create_graph, retain_graph):
    """The common case: plain backward, no captured inputs, no anomaly mode."""
    pop = ready.pop
    push = ready.append
    Accumulate = AccumulateGrad
    while ready:
        node = pop()
        buf = buffers.pop(node, None)
        if node._pre_hooks and buf is not None:
            buf = _run_pre_hooks(node, buf, create_graph)
        if type(node) is Accumulate:
            if buf is not None and buf[0] is not None:
                g = buf[0]
                buf = None  # g alone now: the only reference unless it was handed out twice
                steal = _getrefcount(g) <= 2  # (not in the call: its argument list holds g)
                _accumulate(node, g, create_graph, steal)
            continue
        if buf is None or (buf[0] is None and (len(buf) == 1 or all(g is None for g in buf))):
            outs = None
        else:
            outs = node._apply(buf, create_graph)
            if node._hooks:
                outs = _run_node_hooks(node, outs, buf, create_graph)
        if not retain_graph:
            node._release()
        k = 0
        for nf, nr in node.next_functions:
            if nf is not None:
                if outs is not None:
                    g = outs[k]
                    if g is not None:
                        b = buffers.get(nf)
                        if b is None:
                            if nf._nout == 1:
                                buffers[nf] = [g]
                            else:
                                b = buffers[nf] = [None] * nf._nout
                                b[nr] = g
                        else:
                            old = b[nr]
                            b[nr] = g if old is None else old + g
                d = deps[nf] - 1
                deps[nf] = d
                if d == 0:
                    push(nf)
            k += 1
        # drop this frame's references, so that a gradient that only its buffer holds reaches
        # AccumulateGrad with the refcount that lets .grad keep it instead of a copy
        outs = g = buf = None


def _run_node_hooks(node, outs, buf, create_graph):
    for h in node._hooks.values():
        gi = tuple(x if x is None or create_graph else _as_tensor(x) for x in outs)
        go = tuple(x if x is None or create_graph else _as_tensor(x) for x in buf)
        r = h(gi, go)
        if r is not None:
            outs = tuple(x if x is None or create_graph else x._data for x in r)
    return outs


def _loop_general(ready, buffers, deps, create_graph, retain_graph, inputs, accumulate, root_nodes,
                  stop=None):
    capture = None
    needed = None
    results = None
    if inputs is not None:
        capture = {}
        for i, (node, nr) in enumerate(inputs):
            if node is not None:
                capture.setdefault(node, []).append((i, nr))
        needed = _needed(root_nodes, list(capture), stop)
        if stop is not None:
            needed -= stop
        results = [None] * len(inputs)
    anomaly = STATE.anomaly is True
    while ready:
        node = ready.pop()
        buf = buffers.pop(node, None)
        if buf is None:
            buf = [None] * node._nout
        if stop is not None and node in stop:
            # the edge of an outer graph: its gradient is the result; its hooks and all
            # past it run in the outer backward
            for i, nr in capture[node]:
                results[i] = buf[nr]
            continue
        if node._pre_hooks:
            buf = _run_pre_hooks(node, buf, create_graph)
        outs = None
        if capture is not None:
            hit = capture.get(node)
            if hit is not None:
                for i, nr in hit:
                    results[i] = buf[nr]
            if node in needed and (accumulate or type(node) is not AccumulateGrad):
                outs = _run_node(node, buf, create_graph, retain_graph, anomaly)
        else:
            outs = _run_node(node, buf, create_graph, retain_graph, anomaly)
        nfs = node.next_functions
        for k in range(len(nfs)):
            nf, nr = nfs[k]
            if nf is None:
                continue
            g = outs[k] if outs is not None else None
            if g is not None:
                b = buffers.get(nf)
                if b is None:
                    b = buffers[nf] = [None] * nf._nout
                old = b[nr]
                b[nr] = g if old is None else old + g
            d = deps[nf] - 1
            deps[nf] = d
            if d == 0:
                ready.append(nf)
        outs = g = buf = None  # as in _loop: leave gradients to their buffers alone
    return results


def _run_node(node, buf, create_graph, retain_graph, anomaly):
    if type(node) is AccumulateGrad:
        g = buf[0]
        if g is not None:
            buf[0] = None
            steal = _getrefcount(g) <= 2
            _accumulate(node, g, create_graph, steal)
        return None
    outs = None
    if not all(g is None for g in buf):
        if anomaly:
            from .anomaly_mode import run_checked
            outs = run_checked(node, buf, create_graph)
        else:
            outs = node._apply(buf, create_graph)
        if node._hooks:
            outs = _run_node_hooks(node, outs, buf, create_graph)
    if not retain_graph:
        node._release()
    return outs
