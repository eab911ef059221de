"""The graph nodes behind Module's full backward hooks.

A module with backward hooks routes its tensor inputs and outputs through identity nodes. The
output node sees grad_output first (backward pre-hooks run there); the input node then sees
grad_input and runs the full backward hooks, whose return value replaces grad_input.
"""
import warnings
import weakref

import numpy as np

from ..._tensor import Tensor, _wrap
from ...autograd.grad_mode import STATE
from ...autograd.node import Node

def _flatten_tensors(value):
    """The tensors of a forward result, in order, plus a function rebuilding it from new ones."""
    if isinstance(value, Tensor):
        return [value], lambda new: new[0]
    if isinstance(value, (tuple, list)) and any(isinstance(v, Tensor) for v in value):
        idx = [i for i, v in enumerate(value) if isinstance(v, Tensor)]

        def rebuild(new, value=value, idx=idx):
            out = list(value)
            for i, t in zip(idx, new):
                out[i] = t
            return type(value)(out) if not hasattr(value, "_fields") else type(value)(*out)
        return [value[i] for i in idx], rebuild
    return [], None


class _State:
    __slots__ = ("module", "full_hooks", "pre_hooks", "n_in", "in_shapes", "grad_output",
                 "input_node", "__weakref__")


def _to_tensors(grads, create_graph):
    return tuple(g if g is None or create_graph else _wrap(np.asarray(g)) for g in grads)


def _from_tensors(grads, create_graph):
    return [g if g is None or create_graph else g._data for g in grads]


def _replaced(res, grads, who, what):
    """A hook's return value as the new gradients (None keeps them), checked for their count."""
    if res is None:
        return grads
    res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
    if len(res) != len(grads):
        raise RuntimeError(f"{who} returned an invalid number of {what}, got {len(res)}, but "
                           f"expected {len(grads)}")
    return res


class _HookNode(Node):
    """An identity node with one output per tensor it routes, sharing the module's hook state."""

    def __init__(self, next_functions, state):
        Node.__init__(self, next_functions)
        self._nout = len(next_functions)
        self.state = state


class BackwardHookInput(_HookNode):
    """Identity over a module's tensor inputs; runs the full backward hooks."""

    def _apply(self, grads, create_graph):
        st = self.state
        grads = list(grads)
        for k, g in enumerate(grads):
            if g is None and self.next_functions[k][0] is None:
                z = np.zeros(*st.in_shapes[k])  # PyTorch materialises these as zeros
                grads[k] = _wrap(z) if create_graph else z
        gi = _to_tensors(grads, create_graph)
        go = st.grad_output if st.grad_output is not None else ()
        for hook in list(st.full_hooks()):
            gi = _replaced(hook(st.module, gi, go), gi, "Backward hook", "grad_input")
        out = _from_tensors(gi, create_graph)
        return tuple(None if self.next_functions[k][0] is None else out[k] for k in range(len(out)))


class BackwardHookOutput(_HookNode):
    """Identity over a module's tensor outputs; runs backward pre-hooks on grad_output."""

    def _apply(self, grads, create_graph):
        st = self.state
        go = _to_tensors(grads, create_graph)
        for hook in list(st.pre_hooks()):
            go = _replaced(hook(st.module, go), go, "Backward pre hook", "grad_output")
        st.grad_output = go
        if st.input_node is None:
            hooks = list(st.full_hooks())
            if hooks:
                warnings.warn(
                    "Full backward hook is firing when gradients are computed with respect to "
                    "module outputs since no inputs require gradients. See "
                    "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html#torch.nn."
                    "Module.register_full_backward_hook for more details.", stacklevel=2)
            gi = (None,) * st.n_in
            for hook in hooks:
                res = hook(st.module, gi, go)
                if res is not None and any(r is not None for r in res):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should "
                        "always return None or None for all gradients.")
        return tuple(_from_tensors(go, create_graph))


class BackwardHook:
    """Wires one forward call of a module into the two hook nodes."""

    def __init__(self, module, full_hooks, pre_hooks):
        st = _State()
        st.module = module
        st.full_hooks = full_hooks
        st.pre_hooks = pre_hooks
        st.grad_output = None
        st.input_node = None
        st.n_in = 0
        st.in_shapes = ()
        self.state = st

    def setup_input_hook(self, args):
        st = self.state
        tensors, rebuild = _flatten_tensors(tuple(args))
        st.n_in = len(tensors)
        if not tensors or not STATE.enabled or not any(t._rg for t in tensors):
            return args
        st.in_shapes = [(t._data.shape, t._data.dtype) for t in tensors]
        node = BackwardHookInput(tuple(t._grad_node() for t in tensors), st)
        st.input_node = weakref.ref(node)
        return rebuild(_routed(tensors, node))

    def setup_output_hook(self, result):
        tensors, rebuild = _flatten_tensors(result)
        if not tensors or not STATE.enabled or not any(t._rg for t in tensors):
            return result
        node = BackwardHookOutput(tuple(t._grad_node() for t in tensors), self.state)
        return rebuild(_routed(tensors, node))


def _routed(tensors, node):
    """The tensors that require grad replaced by aliases (same data and version counter) whose
    k-th output edge is `node`'s, so their gradients pass through the hook node."""
    new = []
    for k, t in enumerate(tensors):
        if t._rg:
            w = _wrap(t._data, True)
            w._vc = t._vc
            w.grad_fn = node
            w._nr = k
            new.append(w)
        else:
            new.append(t)
    return new


def ordered_hooks(*dicts):
    """Hooks of several registries (global first), as a fresh list."""
    out = []
    for d in dicts:
        out.extend(d.values())
    return out

