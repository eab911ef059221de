"""What an export records: the public op calls a model's forward makes, with their arguments.

A lowering needs PyTorch-level meaning (conv2d's stride and padding, view's target shape), which
the replay kernels of `dygrad.jit.trace` hide inside NumPy closures. So the export runs the model
once, eagerly and without gradients, under a profile hook that notes every call of a public op
function (`torch.*`, a Tensor method or operator, `torch.nn.functional.*`; the candidates the
jit's re-call mechanism knows) made from outside the op layer, with its arguments as the call
began and its result. Calls made inside the op layer are the op's own business. A graph capture
(the jit's `Trace`) runs at the same time only to note every tensor an op made, so that a tensor
made by something the hook did not see is an error rather than a silently frozen constant.
"""
from __future__ import annotations

import sys

from ..autograd.grad_mode import STATE
from ..jit import _recall
from ..jit._recorder import Trace
from ..nn.modules.module import Module
from ..utils._pytree import tensor_leaves

# operators and their op names; the reflected ones swap their two operands
_DUNDER = {"__add__": "add", "__iadd__": "add", "__sub__": "sub", "__isub__": "sub",
           "__mul__": "mul", "__imul__": "mul", "__truediv__": "div", "__itruediv__": "div",
           "__matmul__": "matmul", "__neg__": "neg", "__getitem__": "getitem",
           "__setitem__": "setitem", "__pow__": "pow", "__eq__": "eq", "__ne__": "ne",
           "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge",
           "__and__": "bitwise_and", "__or__": "bitwise_or", "__xor__": "bitwise_xor",
           "__iand__": "bitwise_and", "__ior__": "bitwise_or", "__ixor__": "bitwise_xor",
           "__invert__": "bitwise_not", "__abs__": "abs", "__floordiv__": "floor_divide",
           "__mod__": "remainder"}
_REFLECTED = {"__radd__": "add", "__rsub__": "sub", "__rmul__": "mul", "__rtruediv__": "div",
              "__rmatmul__": "matmul", "__rpow__": "pow",
              "__rand__": "bitwise_and", "__ror__": "bitwise_or", "__rxor__": "bitwise_xor",
              "__rfloordiv__": "floor_divide", "__rmod__": "remainder"}


class Call:
    """One public op call: its op name, arguments by parameter name (the first one, `self` for
    a Tensor method, is named `input`), and where in the model it was made."""
    __slots__ = ("name", "args", "ins", "outs", "where", "result", "versions", "seen", "live",
                 "frozen")

    def __init__(self, name, args, where):
        self.name = name
        self.args = args
        self.where = where      # the module path ("layer1.0.conv1"), "" for the model itself
        self.ins = {}           # id(tensor) -> the tensor, every Tensor among the arguments
        self.outs = []          # the Tensors of the result, in order
        self.result = None
        self.seen = {}          # id(tensor) -> its version counter as the call began
        self.versions = {}      # the same, for the operands the call wrote in place
        self.live = False       # an operand depends on the model's inputs
        self.frozen = None      # otherwise: the outputs' values as the call returned them

    def __getitem__(self, key):
        if key == "input" and key not in self.args:  # a first parameter named otherwise
            return self.input(0)
        return self.args[key]

    def get(self, key, default=None):
        return self[key] if key == "input" or key in self.args else default

    def input(self, pos=0):
        """The value of the pos-th parameter."""
        return list(self.args.values())[pos]


def _snapshot(x):
    if isinstance(x, list):
        return [_snapshot(y) for y in x]
    if type(x) is tuple:
        return tuple(_snapshot(y) for y in x)
    if isinstance(x, dict):
        return {k: _snapshot(y) for k, y in x.items()}
    return x


class _Made(Trace):
    """The jit's capture, kept only for the tensors made while the model ran."""

    def record(self, *a, **k):
        return None

    def wrapped(self, t):
        self.made[id(t)] = t

    def escape(self, what):
        pass


class Recording:
    def __init__(self, model):
        self.calls = []
        self.names = {id(m): n for n, m in model.named_modules()} if isinstance(model, Module) \
            else {}
        self.modules = []       # the module path stack
        self.open = {}          # frame -> Call, for the outermost op calls in progress
        self.made = None
        self.live = set()       # ids of the tensors computed from the model's inputs


def record(model, args, kwargs=None):
    """Runs model(*args, **kwargs) under no_grad, noting its public op calls; returns
    (Recording, out)."""
    kwargs = kwargs or {}
    from ..autograd.grad_mode import no_grad
    codes = dict(_recall._candidates())
    codes.update(_internal())
    rec = Recording(model)
    call_code = Module.__call__.__code__

    def profile(frame, event, arg):
        code = frame.f_code
        if event == "call":
            if code is call_code:
                rec.modules.append(rec.names.get(id(frame.f_locals.get("self")), "?"))
            elif code in codes and not rec.open_layer(frame):
                rec.open[frame] = _begin(codes[code], frame, rec)
        elif event == "return":
            if code is call_code:
                if rec.modules:
                    rec.modules.pop()
            else:
                c = rec.open.pop(frame, None)
                if c is not None:
                    c.result = arg
                    c.outs = tensor_leaves(arg)
                    # which operands the call wrote in place (their versions moved)
                    c.versions = {i: v for i, v in c.seen.items() if c.ins[i]._vc[0] != v}
                    c.live = any(i in rec.live for i in c.ins)
                    if c.live:
                        rec.live.update(id(t) for t in c.outs)
                    else:  # folded into constants: later in-place writes must not show
                        c.frozen = [t._data.copy() for t in c.outs]
                    rec.calls.append(c)

    rec.open_layer = lambda frame: bool(rec.open) or _recall._in_layer(
        frame.f_back.f_globals.get("__name__") if frame.f_back is not None else None)
    if sys.getprofile() is not None:
        raise RuntimeError("dygrad.onnx.export: another profiler (sys.setprofile) is active; "
                           "the export needs the profile hook to record the model's calls")
    inputs = tensor_leaves(list(args) + list(kwargs.values()))
    trace = _Made(inputs)
    rec.live.update(id(t) for t in inputs)
    old = STATE.trace
    with no_grad():
        STATE.trace = trace
        sys.setprofile(profile)
        try:
            out = model(*args, **kwargs)
        finally:
            sys.setprofile(None)
            STATE.trace = old
    rec.made = trace.made
    return rec, out


def _internal():
    """Op-layer helpers that modules call directly (not public ops), recorded like op calls so
    their results are lowered rather than made unseen: nn.Transformer*'s additive masks."""
    from ..ops import attention
    return {attention._additive_mask.__code__: attention._additive_mask}


def _begin(fn, frame, rec):
    name = fn.__name__
    code = frame.f_code
    loc = frame.f_locals
    n = code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & 0x04) + \
        bool(code.co_flags & 0x08)
    params = code.co_varnames[:n]
    args = {}
    for k, p in enumerate(params):
        if p in loc:
            # containers as they are now: the caller may append to a list after the call
            args["input" if k == 0 and p == "self" else p] = _snapshot(loc[p])
    if name in _REFLECTED:
        vals = list(args.values())
        args = {"input": vals[1], "other": vals[0]}
        name = _REFLECTED[name]
    elif name in _DUNDER:
        name = _DUNDER[name]
    elif name.endswith("_") and not name.startswith("_"):
        name = name[:-1]        # relu_, add_: the out-of-place op, whose result rebinds input
    c = Call(name, args, rec.modules[-1] if rec.modules else "")
    for t in tensor_leaves(list(args.values())):
        c.ins[id(t)] = t
        c.seen[id(t)] = t._vc[0]
    return c
