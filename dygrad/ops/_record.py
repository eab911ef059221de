"""The one recording path: how an op's result array becomes a Tensor in the graph.

Every op ends by calling `record` (or `record_view` for a result that shares its input's memory):
it wraps the array, builds the backward Node when grad mode is on and an input requires grad,
and tells a running graph capture (`dygrad.jit.trace`) how to replay the op. The capture hook
lives here and nowhere else, so a new op gets it by recording its result::

    t, node = record(np.sin(x._data), SinBackward0, (x,), replay=np.sin)
    if node is not None:
        node.save(x)        # what backward needs, the op sets on the node
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..autograd.views import as_view

_NO_EDGE = (None, 0)
_new = object.__new__
ndarray = np.ndarray


def record(out, node_cls, inputs, *, float_out=False, replay=None, args=None, name=None,
           stateful=False):
    """Wraps the array `out` as an op's result; returns (tensor, node or None).

    inputs: the op's operands in the order its Node's backward returns their gradients
      (Tensors; a non-Tensor, e.g. a Python scalar operand, gets no gradient edge).
    node_cls: the Node class, built only when grad mode is on and an input requires grad.
    float_out: build the node only for a floating result (integer results have no gradient).
    replay: for a graph capture, a kernel with `kernel(*args)` giving `out` again from new
      input arrays; `args` are the Tensors and constants it takes (default: inputs). Or a tuple
      `(make, *params)`: `make(*params)` returns `(kernel, args)`, called only while a capture
      runs (so an op need not build a closure on every call). Ops that give no kernel make the
      capture fall back to eager (with the reason).
    name: what the capture calls the op (default: the kernel's name).
    stateful: the node keeps arrays of the run besides its saved tensors; the kernel then
      returns `(out, state)`, `state` a fresh node of the same class (made as `node_cls(())`)
      holding them, whose `backward` the replay calls with the saved tensors' arrays.
    """
    t = _result(out)
    node = None
    if STATE.enabled and (not float_out or out.dtype.kind in "fcV"):
        for x in inputs:
            if isinstance(x, Tensor) and x._rg:
                node = node_cls(tuple(map(_edge, inputs)))
                t._rg = True
                t.grad_fn = node
                break
    if STATE.trace is not None:
        _capture(t, inputs, replay, args, name, stateful)
    return t, node


# `record` for the hottest shapes of op, one operand or two (elementwise math, reductions,
# matmul): the same steps without the generic loop. The trailing parameters bind globals as
# locals; these run on every op call.
def record1(out, node_cls, x, replay=None, args=None, name=None,
            _state=STATE, _tensor=Tensor, _new=_new, _ndarray=ndarray):
    """`record` for an op of one Tensor operand `x`."""
    if type(out) is not _ndarray:
        out = np.asarray(out)
    t = _new(_tensor)
    t._data = out
    t._vc = [0]
    if _state.enabled and x._rg:
        node = node_cls((x._grad_node(),))
        t._rg = True
        t.grad_fn = node
    else:
        node = t.grad_fn = None
        t._rg = False
    if _state.trace is not None:
        _capture(t, (x,), replay, args, name)
    return t, node


def record2(out, node_cls, a, b, replay=None, args=None, name=None,
            _state=STATE, _tensor=Tensor, _new=_new, _ndarray=ndarray):
    """`record` for an op of a Tensor `a` and a Tensor or plain value `b`."""
    if type(out) is not _ndarray:
        out = np.asarray(out)
    t = _new(_tensor)
    t._data = out
    t._vc = [0]
    bt = isinstance(b, _tensor)
    if _state.enabled and (a._rg or (bt and b._rg)):
        node = node_cls((a._grad_node(), b._grad_node() if bt else _NO_EDGE))
        t._rg = True
        t.grad_fn = node
    else:
        node = t.grad_fn = None
        t._rg = False
    if _state.trace is not None:
        _capture(t, (a, b), replay, args, name)
    return t, node


def attach(out, node, nr=0, *, inputs=(), replay=None, args=None, name=None, stateful=False):
    """`record` for an op that builds its Node itself (edges of optional or listed operands):
    wraps `out` as output `nr` of `node`, which must not be None."""
    t = _result(out)
    t._rg = True
    t.grad_fn = node
    if nr:
        t._nr = nr
    if STATE.trace is not None:
        _capture(t, inputs, replay, args, name, stateful)
    return t


def attach_outputs(outs, node, *, inputs=(), replay=None, args=None, name=None, stateful=False):
    """`record` for an op of several outputs (a recurrent layer's output, h_n and c_n): wraps
    the arrays `outs` as outputs 0, 1, ... of `node` (None when no gradient is recorded) and
    returns them as a tuple. The replay kernel returns all the output arrays (then, when
    stateful, the fresh node); the node's class sets `_multi = True` and takes
    `backward(grads, *saved)` with one gradient (or None) per output."""
    ts = _outputs_of(tuple([_result(o) for o in outs]), node)
    if STATE.trace is not None:
        _capture_all(ts, inputs, replay, args, name, stateful)
    return ts


def record_view(x, arr, node_cls, replay=None, args=None, name=None,
                _state=STATE, _tensor=Tensor, _new=_new, _as_view=as_view):
    """`record` for a result that is a view of `x` (shares its memory and version counter, so
    in-place writes through either are seen by both and by autograd)."""
    t = _new(_tensor)
    t._data = arr
    t.grad_fn = None
    t._rg = False
    _as_view(t, x)  # gives t x's version counter
    if _state.enabled and x._rg:
        node = node_cls((x._grad_node(),))
        t._rg = True
        t.grad_fn = node
    else:
        node = None
    if _state.trace is not None:
        _capture(t, (x,), replay, args, name)
    return t, node


def record_pieces(x, arrays, node, kind, replay=None, args=None, name=None):
    """Several views of `x` made by one op (split, chunk, unbind): outputs 0, 1, ... of the
    shared `node` (None without grad); `kind`: their view kind (autograd/views.py). The replay
    kernel returns every piece."""
    ts = _outputs_of(tuple([as_view(_result(arr), x, kind) for arr in arrays]), node)
    if STATE.trace is not None:
        _capture_all(ts, (x,), replay, args, name, False)
    return ts


def _outputs_of(ts, node):
    """ts as outputs 0, 1, ... of node (left history-free when node is None)."""
    if node is not None:
        for nr, t in enumerate(ts):
            t._rg = True
            t.grad_fn = node
            if nr:
                t._nr = nr
    return ts


def _capture(t, inputs, replay, args, name, stateful=False):
    """The graph-capture hook, for every recorded op: tells the running capture what made `t`."""
    trace = STATE.trace
    # made while capturing: never mistaken for a tensor captured from outside, and an op
    # without a replay kernel makes the capture say so when its result is used
    if replay is not None:
        _capture_all((t,), inputs, replay, args, name, stateful)
        return
    trace.created(t)
    if trace.problem is None:
        # no kernel: the capture may still replay the op by calling its function again
        from ..jit._recall import recall_kernel
        found = recall_kernel(t)
        if found is not None:
            trace.record(found[0], found[1], t, found[0].__name__, True, applied=True)


def _capture_all(ts, inputs, replay, args, name, stateful):
    """`_capture` for the outputs of one op of several."""
    trace = STATE.trace
    for t in ts:
        trace.created(t)
    if replay is not None and ts:
        if type(replay) is tuple:
            replay, args = replay[0](*replay[1:])
        trace.record(replay, inputs if args is None else args, ts[0], name, stateful, ts[1:])


def _result(out):
    """A history-free tensor holding the array `out` (what _tensor._wrap makes, without its own
    capture hook: the recording functions call _capture)."""
    if type(out) is not ndarray:
        out = np.asarray(out)
    t = _new(Tensor)
    t._data = out
    t._vc = [0]
    t.grad_fn = None
    t._rg = False
    return t


def _edge(x):
    return x._grad_node() if isinstance(x, Tensor) else _NO_EDGE
