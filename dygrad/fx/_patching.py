"""The patching behind tracing: while a trace runs (or a GraphModule is called with Proxies),
dygrad's public functions, the Tensor operators and methods, the functions given to `wrap()` and
`math`'s functions record a node when a Proxy is among their arguments and run as usual
otherwise. Every change is undone when the trace ends, so nothing outside a trace pays for it.
"""
from __future__ import annotations

import builtins
import functools
import inspect
import math
import sys
import types
from typing import Any, Callable, Dict

from .. import _trampoline
from .node import map_aggregate
from .proxy import Proxy

_wrapped_fns_to_patch: Dict[tuple, dict] = {}
_NOT_RECORDED = {"is_tensor", "is_storage", "is_grad_enabled", "is_inference_mode_enabled",
                 "get_default_dtype", "set_default_dtype", "manual_seed", "seed", "initial_seed",
                 "compile", "typename", "set_printoptions", "get_rng_state", "set_rng_state",
                 "use_deterministic_algorithms", "set_num_threads", "get_num_threads",
                 "get_default_device", "set_default_device", "save", "load", "no_grad",
                 "enable_grad", "set_grad_enabled", "inference_mode"}
_NAMESPACES = ("dygrad", "dygrad.nn.functional", "dygrad.special", "dygrad.linalg", "dygrad.fft")
_wrappers: Dict[int, Callable] = {}
_active = [0]


def _tracer_of(args, kwargs):
    found = []

    def visit(a):
        if isinstance(a, Proxy) and not found:
            found.append(a.tracer)
        return a
    map_aggregate(args, visit)
    if kwargs:
        map_aggregate(kwargs, visit)
    return found[0] if found else None


def _recording(fn: Callable) -> Callable:
    """fn, recording a call_function node (target: fn itself) when a Proxy is among its args."""
    w = _wrappers.get(id(fn))
    if w is not None and w.__wrapped__ is fn:
        return w

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        tracer = _tracer_of(args, kwargs)
        if tracer is not None:
            return tracer.create_proxy("call_function", fn, args, kwargs)
        return fn(*args, **kwargs)
    _wrappers[id(fn)] = wrapper
    return wrapper


def _method_recording(name: str, fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        tracer = _tracer_of(args, kwargs)
        if tracer is not None:
            return tracer.create_proxy("call_method", name, (self,) + args, kwargs)
        return fn(self, *args, **kwargs)
    return wrapper


def _operator_deferring(fn: Callable) -> Callable:
    # `tensor + proxy`: Tensor's operator gives way, so Python calls the Proxy's reflected one
    @functools.wraps(fn)
    def wrapper(self, other):
        if isinstance(other, Proxy):
            return NotImplemented
        return fn(self, other)
    return wrapper


# While a trace runs, each public dygrad function's code is swapped for a trampoline: the
# function object stays the same, so references taken before the trace (`from torch import
# relu`, an activation stored on a module, nn.ReLU's `_fn`) record too, and the node's target is
# the function itself. The trampoline is compiled from a fixed template holding only the
# function's name (an identifier) and an int key; __fx_route__ is put in the function's module
# globals for the trace.
_swaps: Dict[int, tuple] = {}
_codes: Dict[int, Any] = {}


def __fx_route__(key, args, kwargs):
    fn, clone = _swaps[key]
    tracer = _tracer_of(args, kwargs)
    if tracer is not None:
        return tracer.create_proxy("call_function", fn, args, kwargs)
    return clone(*args, **kwargs)


def _swap_code(p, fn):
    key = id(fn)
    if key not in _swaps or _swaps[key][0] is not fn:
        _swaps[key] = (fn, _trampoline.clone(fn))
        _codes[key] = _trampoline.stub_code(fn, "__fx_route__", key)
    if "__signature__" not in fn.__dict__:  # inspect.signature(fn) still gives fn's own
        p.set(fn, "__signature__", inspect.signature(fn))
    p.set(fn.__globals__, "__fx_route__", __fx_route__, is_dict=True)
    p.set_code(fn, _codes[key])


class _Patcher:
    """Swaps attributes for the duration of a trace and puts every one back."""

    _MISSING = object()

    def __init__(self):
        self._undo = []

    def set(self, obj, name, value, is_dict=False):
        if is_dict:
            old = obj.get(name, self._MISSING)
            obj[name] = value
        else:
            old = obj.__dict__.get(name, self._MISSING)
            setattr(obj, name, value)
        self._undo.append((obj, name, old, is_dict))

    def set_code(self, fn, code):
        """Swaps a function's code (the function object, and every reference to it, stays)."""
        old = fn.__code__
        fn.__code__ = code
        self._undo.append((fn, "__code__", old, "code"))

    def restore(self):
        for obj, name, old, is_dict in reversed(self._undo):
            if is_dict == "code":
                obj.__code__ = old
            elif is_dict:
                if old is self._MISSING:
                    obj.pop(name, None)
                else:
                    obj[name] = old
            elif old is self._MISSING:
                delattr(obj, name)
            else:
                setattr(obj, name, old)
        self._undo = []


_OPERATORS = ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or",
              "xor", "lshift", "rshift", "eq", "ne", "lt", "le", "gt", "ge")


def _patch_dygrad(p: _Patcher):
    """Records calls of dygrad's functions and Tensor methods that get a Proxy."""
    from .._tensor import Tensor
    swapped = set()
    for mod_name in _NAMESPACES:
        mod = sys.modules.get(mod_name)
        if mod is None:
            continue
        d = mod.__dict__
        for name, value in list(d.items()):
            if name.startswith("_") or name in _NOT_RECORDED or id(value) in swapped:
                continue
            if _trampoline.swappable(value):
                _swap_code(p, value)
                swapped.add(id(value))
            elif isinstance(value, (types.FunctionType, types.BuiltinFunctionType)):
                p.set(d, name, _recording(value), is_dict=True)
    for name in _OPERATORS:
        for dunder in (f"__{name}__", f"__r{name}__"):
            fn = inspect.getattr_static(Tensor, dunder, None)
            if isinstance(fn, types.FunctionType):
                p.set(Tensor, dunder, _operator_deferring(fn))
    for name in dir(Tensor):
        if name.startswith("_"):
            continue
        fn = inspect.getattr_static(Tensor, name, None)
        if isinstance(fn, types.FunctionType):
            p.set(Tensor, name, _method_recording(name, fn))


def _patch_wrapped(p: _Patcher, fn_globals):
    """Functions given to wrap(), and math's functions where the traced code can see them."""
    for (_, name), g in list(_wrapped_fns_to_patch.items()):
        orig = g.get(name, getattr(builtins, name, None))
        if orig is not None and not getattr(orig, "_fx_wrapped", False):
            w = _recording(orig)
            p.set(g, name, w, is_dict=True)
    for mod in (math,):
        for name, value in list(vars(mod).items()):
            if callable(value) and not name.startswith("_"):
                p.set(mod, name, _recording(value))
                if fn_globals is not None and fn_globals.get(name) is value:
                    p.set(fn_globals, name, _recording(value), is_dict=True)


class _Routing:
    """The patches outside a Tracer (a GraphModule called with Proxies): dygrad's functions
    record into the Proxies' graph."""

    def __enter__(self):
        self.p = _Patcher()
        if _active[0] == 0:
            _patch_dygrad(self.p)
            _patch_wrapped(self.p, None)
        _active[0] += 1
        return self

    def __exit__(self, *exc):
        _active[0] -= 1
        self.p.restore()
