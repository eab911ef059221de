"""The fused activation node and its recording: one node per activation (saving x), a replay
kernel for graph captures, float16 computed in float32 and rounded once (forward and backward)."""
import numpy as np

from ..autograd.views import check_no_overlap, written
from .._tensor import Tensor, _inplace
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from ._record import record1


_F16, _F32 = np.dtype(np.float16), np.dtype(np.float32)


class _Act(Node):
    """A fused activation's node: subclasses give `_grad(g, x)`, NumPy code that also runs on
    Tensors under create_graph=True. A float16 gradient is computed in float32 and rounded
    once, as the forward and PyTorch's kernels (in half throughout, gelu's gradient at -3. was
    1% off); doing it here rather than in _apply keeps the graph replay's backward the same."""
    __slots__ = ("p",)

    def backward(self, g, x):
        if type(g) is np.ndarray and g.dtype == _F16:
            return np.asarray(self._grad(g.astype(_F32), x.astype(_F32)), dtype=_F16)
        return self._grad(g, x)


def _act_kernel(d, fwd, p):
    """fwd(d, *p) in d's dtype; float16 computed in float32 and rounded once, as PyTorch's CPU
    kernels do (in half throughout, gelu(-3.) came out 8% off and sigmoid/selu a unit in the
    last place). Also the replay kernel of the activation."""
    out = fwd(d, *p) if d.dtype != _F16 else fwd(d.astype(_F32), *p)
    return out if out.dtype == d.dtype else out.astype(d.dtype)


def _act(x, op, fwd, node_cls, p=(), inplace=False, ints=False):
    """Runs fwd(ndarray, *p); records node_cls (saving x) when x requires grad. `ints`: the op
    also has integer kernels (hardtanh, relu6, threshold), with its parameters truncated."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    d = x._data
    if d.dtype.kind not in "fV" and not (ints and d.dtype.kind in "iu"):
        raise NotImplementedError(f"{op}: expected a floating-point input, got {x.dtype} (\"{op}\" is not "
                           "implemented for integer tensors)")
    if inplace:
        if STATE.enabled and x._rg:
            # compute from a copy: the node keeps the pre-activation values it needs
            return _inplace(x, _act(x.clone(), op, fwd, node_cls, p))
        if STATE.trace is not None:  # a graph capture records the op, then the in-place update
            return _inplace(x, _act(x, op, fwd, node_cls, p))
        check_no_overlap(d)
        np.copyto(d, fwd(d if d.dtype != _F16 else d.astype(_F32), *p), casting="unsafe")
        return written(x)
    t, node = record1(_act_kernel(d, fwd, p), node_cls, x, _act_kernel, (x, fwd, p), op)
    if node is not None:
        node.p = p
        node.save(x)
    return t
