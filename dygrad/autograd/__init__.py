"""dygrad.autograd: reverse-mode differentiation of the graph that ordinary Python builds."""
import numpy as np

from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,
                        is_inference_mode_enabled)
from .node import Node
from .engine import run_backward
from .function import Function, FunctionCtx, once_differentiable
from .anomaly_mode import detect_anomaly, set_detect_anomaly, is_anomaly_enabled
from .gradcheck import gradcheck, gradgradcheck
from . import functional, graph

__all__ = ["backward", "grad", "Variable", "Function", "no_grad", "enable_grad", "set_grad_enabled",
           "inference_mode", "detect_anomaly", "set_detect_anomaly", "gradcheck", "gradgradcheck",
           "functional", "once_differentiable"]


_T = []


def _tensor_cls():
    if not _T:
        from .._tensor import Tensor
        _T.append(Tensor)
    return _T[0]


def _make_grads(outputs, grad_outputs, create_graph, op):
    Tensor = _tensor_cls()
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs ({op}: output {i} has "
                    f"shape {list(out._data.shape)}; pass a gradient of that shape, e.g. "
                    "out.backward(torch.ones_like(out)))")
            if out._data.dtype.kind not in "fV":
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {out.dtype}")
            garr = np.ones(out._data.shape, out._data.dtype)
            grads.append(garr if not create_graph else _wrap(garr))
        else:
            if not isinstance(g, Tensor):
                g = _wrap(np.asarray(g, dtype=out._data.dtype))
            if g._data.shape != out._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {list(g._data.shape)} and "
                    f"output[{i}] has a shape of {list(out._data.shape)}.")
            gd = g._data if g._data.dtype == out._data.dtype else g._data.astype(out._data.dtype)
            if create_graph:
                grads.append(g if g._data.dtype == out._data.dtype else g.to(out.dtype))
            else:
                grads.append(gd)
    return grads


def _wrap(a):
    from .engine import _wrap as w
    return w(a)


def _as_seq(x):
    Tensor = _tensor_cls()
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None):
    tensors = _as_seq(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    grad_tensors = (None,) * len(tensors) if grad_tensors is None else _as_seq(grad_tensors) \
        if not isinstance(grad_tensors, (list, tuple)) else tuple(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    for t in tensors:
        if not t._rg:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn")
    if len(tensors) == 1 and grad_tensors[0] is None and tensors[0]._data.size == 1 \
            and not create_graph and tensors[0]._data.dtype.kind in "fV":
        out = tensors[0]
        grads = [np.ones(out._data.shape, out._data.dtype)]
    else:
        grads = _make_grads(tensors, grad_tensors, create_graph, "backward")
    roots = [t._grad_node() for t in tensors]
    if inputs is not None:
        inputs = _as_seq(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        caps = [t._grad_node() for t in inputs]
        res = run_backward(roots, grads, retain_graph, create_graph, inputs=caps, accumulate=False)
        from .engine import _store_grad
        for t, g in zip(inputs, res):
            if g is not None:
                _store_grad(t, g, create_graph, steal=False)
        return
    run_backward(roots, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    Tensor = _tensor_cls()
    outputs = _as_seq(outputs)
    inputs = _as_seq(inputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    else:
        grad_outputs = _as_seq(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    for i, t in enumerate(outputs):
        if not t._rg:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
    for i, t in enumerate(inputs):
        if not t._rg:
            raise RuntimeError(
                f"One of the differentiated Tensors (input {i}) does not require grad")
    grads = _make_grads(outputs, grad_outputs, create_graph, "grad")
    roots = [t._grad_node() for t in outputs]
    caps = [t._grad_node() for t in inputs]
    res = run_backward(roots, grads, retain_graph, create_graph, inputs=caps, accumulate=False)
    out = []
    for i, (t, g) in enumerate(zip(inputs, res)):
        if g is None:
            if materialize_grads:
                out.append(_wrap(np.zeros(t._data.shape, t._data.dtype)))
                continue
            if not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {i}, shape {list(t._data.shape)}) "
                    "appears to not have been used in the graph. Set allow_unused=True if this is "
                    "the desired behavior.")
            out.append(None)
            continue
        if isinstance(g, Tensor):
            if g._data.shape != t._data.shape:
                g = g.expand(t._data.shape) if g._data.size != 1 else g.reshape(t._data.shape)
            if g._data.dtype != t._data.dtype:
                g = g.to(t.dtype)
            out.append(g)
        else:
            g = np.asarray(g)
            if g.shape != t._data.shape:
                g = np.broadcast_to(g, t._data.shape).copy()
            if g.dtype != t._data.dtype:
                g = g.astype(t._data.dtype)
            out.append(_wrap(g))
    return tuple(out)


def Variable(data, requires_grad=False, volatile=False):
    """Legacy autograd.Variable: since PyTorch 0.4 it simply returns a Tensor."""
    from .._creation import as_tensor
    t = as_tensor(data) if not isinstance(data, _tensor_cls()) else data
    if requires_grad:
        if t.grad_fn is not None:
            return t
        t = t.detach() if t._rg else t
        t.requires_grad_(True)
    return t

from . import profiler  # noqa: E402,F401  (torch.autograd.profiler)
