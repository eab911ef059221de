"""Replaying an op that gives no replay kernel, by calling its function again.

When an op records its result without a kernel while a capture runs, the capture looks up the
call stack for the public op function (torch.*, Tensor method, torch.nn.functional.*) that the
user's code called (the caller is outside the op layer: a value computed inside the op layer,
e.g. a Python number taken from an array, is never mistaken for a constant) and whose arguments
are all values a replay can repeat: Tensors (which become the kernel's inputs), Python scalars,
strings, dtypes, functions and classes, and tuples/lists of these. The kernel calls that function again on Tensors wrapping the replay's arrays and
returns the result's array and its fresh grad_fn, whose own `_apply` the replayed backward
calls (so the node's saved tensors and state are this replay's). The result is no faster than
eager, but the rest of the function still replays.

The arguments are the ones the function was called with: while a capture runs, a profile
hook (sys.setprofile, only then) notes them as each candidate function starts, since the frame
may have rebound its parameters since. Without that note (another profiler is active), a
function that rebinds a parameter is not re-called. Nor is one given an array or another
mutable object.
"""
from __future__ import annotations

import dis
import sys
import types

import numpy as np

from .._dtype import dtype as _Dtype
from .._tensor import Tensor, _wrap
from ._plan import NotReplayable
from ._recorder import same_array

_CODES = None       # code object -> function, for the candidate functions
_REBINDS = {}       # code object -> whether the function assigns to one of its parameters
_seen = set()       # ids of the modules whose functions _CODES holds
_MAX_DEPTH = 16
_SCALARS = (bool, int, float, complex, str, type(None), _Dtype, np.dtype, slice,
            type(Ellipsis), types.FunctionType, types.BuiltinFunctionType, type, np.ufunc)
# the op layer: code here calls ops with values it computed from data
_LAYER = ("dygrad.ops", "dygrad.nn.functional", "dygrad._functions", "dygrad._op_functions",
          "dygrad._tensor", "dygrad._ns_", "dygrad.special", "dygrad.linalg", "dygrad._creation",
          "dygrad._ranges")


def _in_layer(name):
    return name is not None and name.startswith(_LAYER)


def _candidates():
    global _CODES
    if _CODES is None:
        _CODES = {}
        for klass in Tensor.__mro__[:-1]:  # the methods, from the mixins too
            _add_public(vars(klass))
    # modules load lazily: pick up those that appeared since the last look
    for name, mod in list(sys.modules.items()):
        if mod is None or id(mod) in _seen or not _in_layer(name):
            continue
        _seen.add(id(mod))
        _add_public(vars(mod))
    return _CODES


def _add_public(namespace):
    for key, fn in list(namespace.items()):
        if key.startswith("_") and not key.startswith("__"):
            continue
        while isinstance(fn, types.FunctionType):
            if _in_layer(fn.__module__):
                _CODES.setdefault(fn.__code__, fn)
            fn = getattr(fn, "__wrapped__", None)


_ENTRY = {}         # frame -> (its parameters as the call began, generator position then)


def _rng_position():
    from ..random import default_generator
    return default_generator._rng.bit_generator.state["state"]["state"]


def _profile(frame, event, arg):
    if event == "call":
        code = frame.f_code
        if code in _CODES:
            _ENTRY[frame] = (dict(frame.f_locals), _rng_position())
    elif event == "return":
        if _ENTRY:
            _ENTRY.pop(frame, None)


def start_capture():
    """Notes candidate functions' arguments until stop_capture(token); returns the token."""
    if sys.getprofile() is not None:  # the user's profiler wins; rebinding functions then fail
        return False
    _candidates()
    sys.setprofile(_profile)
    return True


def stop_capture(token):
    if token:
        sys.setprofile(None)
        _ENTRY.clear()


def _rebinds(code):
    r = _REBINDS.get(code)
    if r is None:
        n = code.co_argcount + code.co_kwonlyargcount + \
            bool(code.co_flags & 0x04) + bool(code.co_flags & 0x08)
        params = set(code.co_varnames[:n])
        r = any(ins.opname in ("STORE_FAST", "DELETE_FAST", "STORE_DEREF", "DELETE_DEREF")
                and ins.argval in params for ins in dis.get_instructions(code))
        _REBINDS[code] = r
    return r


def _layout(x, tensors):
    """x with its Tensors replaced by their positions in `tensors`; None if x holds a value a
    replay could not repeat."""
    if isinstance(x, Tensor):
        tensors.append(x)
        return ("T", len(tensors) - 1, x._rg)
    if isinstance(x, (tuple, list)):
        parts = []
        for y in x:
            p = _layout(y, tensors)
            if p is None:
                return None
            parts.append(p)
        return ("S", type(x), tuple(parts))
    if isinstance(x, _SCALARS):
        return ("C", x)
    return None


def _build(lay, arrays):
    kind = lay[0]
    if kind == "T":
        return _wrap(arrays[lay[1]], lay[2])
    if kind == "S":
        return lay[1](_build(p, arrays) for p in lay[2])
    return lay[1]


class ShapeChanged(RuntimeError):
    """A re-called op's result has another shape than when captured (its shape depends on the
    data, as nonzero's or x[mask]'s): the rest of the captured program no longer fits."""

    def __init__(self, msg, after_effect):
        super().__init__(msg)
        self.after_effect = after_effect


class Recall:
    """The kernel: fn(*args, **kwargs) again, on Tensors wrapping new arrays."""

    def __init__(self, fn, args_lay, kwargs_lay, like):
        self.shape = like.shape
        self.after_effect = False  # set by the plan: an in-place effect runs before this op
        self.draws = False         # the function drew from the default generator
        self.fn = fn
        self.args_lay = args_lay
        self.kwargs_lay = kwargs_lay
        self.__name__ = fn.__name__
        self.like = like      # the traced result's array, until the first call picks it out
        self.pick = None

    def __call__(self, *arrays):
        args = [_build(a, arrays) for a in self.args_lay]
        kwargs = {k: _build(v, arrays) for k, v in self.kwargs_lay.items()}
        res = self.fn(*args, **kwargs)
        if self.pick is None:
            self.pick = self._choose(res)
            self.like = None
        t = res if self.pick == -1 else res[self.pick]
        if t._data.shape != self.shape:
            raise ShapeChanged(
                f"{self.__name__} gave a result of shape {list(t._data.shape)} where the "
                f"captured call gave {list(self.shape)} (a shape that depends on the data)",
                self.after_effect)
        return t._data, t.grad_fn

    def _choose(self, res):
        # the first call is the plan's check, on the traced inputs: the result is found by value
        if isinstance(res, Tensor) and same_array(res._data, self.like):
            return -1
        if isinstance(res, (tuple, list)):
            for k, r in enumerate(res):
                if isinstance(r, Tensor) and same_array(r._data, self.like):
                    return k
        raise NotReplayable(f"{self.__name__} computes a tensor it does not return, which "
                            "tracing cannot replay yet")


def recall_kernel(t):
    """(kernel, inputs) re-calling the innermost op function on the stack, or None."""
    codes = _candidates()
    frame = sys._getframe(2)
    for _ in range(_MAX_DEPTH):
        if frame is None:
            return None
        fn = codes.get(frame.f_code)
        if fn is not None and _in_layer(frame.f_back.f_globals.get("__name__")):
            fn = None  # called by another op: its arguments may be data computed there
        entry = _ENTRY.get(frame)
        loc, draws = entry if entry is not None else (None, False)
        if loc is None and fn is not None and not _rebinds(frame.f_code):
            loc = frame.f_locals
        if fn is not None and loc is not None:
            found = _from_frame(fn, frame.f_code, loc, t)
            if found is not None:
                # it drew random numbers: every replay runs it, used or not, so the generator
                # moves on as in eager
                found[0].draws = entry is not None and draws != _rng_position()
                return found
        frame = frame.f_back
    return None


def _from_frame(fn, code, loc, t):
    npos = code.co_argcount
    names = code.co_varnames
    tensors = []
    args_lay = []
    for name in names[:npos]:
        lay = _layout(loc[name], tensors)
        if lay is None:
            return None
        args_lay.append(lay)
    k = npos + code.co_kwonlyargcount
    kwargs_lay = {}
    for name in names[npos:k]:
        lay = _layout(loc[name], tensors)
        if lay is None:
            return None
        kwargs_lay[name] = lay
    if code.co_flags & 0x04:  # *args
        for x in loc[names[k]]:
            lay = _layout(x, tensors)
            if lay is None:
                return None
            args_lay.append(lay)
        k += 1
    if code.co_flags & 0x08:  # **kwargs
        for key, x in loc[names[k]].items():
            lay = _layout(x, tensors)
            if lay is None:
                return None
            kwargs_lay[key] = lay
    return Recall(fn, args_lay, kwargs_lay, t._data), tensors
