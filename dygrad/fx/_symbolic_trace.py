"""Symbolic tracing: run a module's forward with Proxies for its inputs and record what it does.

While a trace runs, dygrad's public functions (torch.*, torch.nn.functional.*, torch.special.*,
torch.linalg.*), the Tensor operators and methods, the functions given to `wrap()` and `math`'s
functions are swapped for versions that record a node when a Proxy is among their arguments
(and call the function otherwise); `nn.Module.__call__` and `__getattr__` are swapped so that
leaf modules become call_module nodes and parameters get_attr nodes. Everything is put back when
the trace ends, so nothing outside a trace pays for it.
"""
from __future__ import annotations

import builtins
import functools
import inspect
import math
import sys
import types
from typing import Any, Callable, Dict, Optional, Union

from .graph import Graph
from .node import Node, has_side_effect, map_aggregate
from .proxy import Proxy, TracerBase, TraceError  # noqa: F401

__all__ = ["Tracer", "symbolic_trace", "wrap", "PH"]

PH = object()
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
        clone = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__)
        clone.__kwdefaults__ = fn.__kwdefaults__
        clone.__dict__.update(fn.__dict__)
        src = f"def {fn.__name__}(*args, **kwargs):\n    return __fx_route__({key}, args, kwargs)\n"
        ns: Dict[str, Any] = {}
        exec(compile(src, "<fx trampoline>", "exec"), ns)  # noqa: S102 - fixed template
        _swaps[key] = (fn, clone)
        _codes[key] = ns[fn.__name__].__code__
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
            if isinstance(value, types.FunctionType) and not value.__code__.co_freevars:
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


@has_side_effect
def _assert_is_none(value, msg):
    assert value is None, msg


@has_side_effect
def _assert_concrete(value, expected, msg):
    if value is not expected and not (type(value) is type(expected) and value == expected):
        raise AssertionError(msg)


class Tracer(TracerBase):
    """Turns a module or function into a Graph (`Tracer().trace(m)`); subclass it to change
    which modules stay whole (`is_leaf_module`), how calls are recorded (`create_proxy`,
    `create_node`, `call_module`) or how values become arguments (`create_arg`).

    Example::

        class KeepReLU(torch.fx.Tracer):
            def is_leaf_module(self, m, qualname):
                return isinstance(m, torch.nn.ReLU) or super().is_leaf_module(m, qualname)
    """

    def __init__(self, autowrap_modules=(math,), autowrap_functions=(),
                 param_shapes_constant: bool = False) -> None:
        super().__init__()
        self._autowrap_modules = tuple(autowrap_modules)
        self._autowrap_functions = tuple(autowrap_functions)
        self.param_shapes_constant = param_shapes_constant
        self.submodule_paths: Optional[Dict[Any, str]] = None
        self.root = None
        self.scope = None
        self.module_stack = {}
        self.node_name_to_scope = {}

    # -- what becomes a node -------------------------------------------------------------
    def is_leaf_module(self, m, module_qualified_name: str) -> bool:
        """dygrad.nn's modules (Sequential aside) are recorded whole, as PyTorch's torch.nn."""
        from ..nn import Sequential
        mod = type(m).__module__
        return (mod.startswith("dygrad.nn") or mod.startswith("torch.nn")) and \
            not isinstance(m, Sequential)

    def path_of_module(self, mod) -> str:
        """The qualified name of submodule `mod` in the root ('layer1.0.conv1')."""
        if self.submodule_paths is None:
            self.submodule_paths = {}
            for name, m in self.root.named_modules(remove_duplicate=False):
                self.submodule_paths.setdefault(id(m), name)
        path = self.submodule_paths.get(id(mod))
        if path is None:
            raise NameError("module is not installed as a submodule")
        return path

    def call_module(self, m, forward: Callable[..., Any], args, kwargs) -> Any:
        """A leaf module becomes one call_module node; any other is traced through."""
        module_qualified_name = self.path_of_module(m)
        if not self.is_leaf_module(m, module_qualified_name):
            return forward(*args, **kwargs)
        return self.create_proxy("call_module", module_qualified_name, args, kwargs)

    def getattr(self, attr: str, attr_val: Any, parameter_proxy_cache: Dict[str, Any]):
        """A parameter read in forward becomes a get_attr node (one per parameter)."""
        from ..nn.parameter import Parameter
        if isinstance(attr_val, Parameter):
            for n, p in self.root.named_parameters():
                if attr_val is p:
                    if n not in parameter_proxy_cache:
                        parameter_proxy_cache[n] = self.create_proxy("get_attr", n, (), {})
                    return parameter_proxy_cache[n]
        return attr_val

    def create_arg(self, a: Any) -> Any:
        """Tensors of the root become get_attr nodes; other tensors are kept on the root as
        `_tensor_constant<i>`."""
        from .._tensor import Tensor
        from ..nn import Module
        if isinstance(a, Tensor):
            name = self.tensor_attrs.get(id(a))
            if name is None:
                i = 0
                while hasattr(self.root, f"_tensor_constant{i}"):
                    i += 1
                name = f"_tensor_constant{i}"
                object.__setattr__(self.root, name, a)
                self.tensor_attrs[id(a)] = name
                self._keep.append(a)
            return self.create_node("get_attr", name, (), {})
        if isinstance(a, Module):
            return self.create_node("get_attr", self.path_of_module(a), (), {})
        return super().create_arg(a)

    # -- tracing -------------------------------------------------------------------------
    def _collect_tensor_attrs(self):
        from .._tensor import Tensor
        self.tensor_attrs: Dict[int, str] = {}
        self._keep = []
        for prefix, m in self.root.named_modules():
            pre = prefix + "." if prefix else ""
            for k, v in list(m._parameters.items()) + list(m._buffers.items()):
                if v is not None:
                    self.tensor_attrs.setdefault(id(v), pre + k)
                    self._keep.append(v)
            for k, v in m.__dict__.items():
                if isinstance(v, Tensor):
                    self.tensor_attrs.setdefault(id(v), pre + k)
                    self._keep.append(v)

    def trace(self, root, concrete_args: Optional[Dict[str, Any]] = None) -> Graph:
        """The graph of `root` (a module's forward, or a function) on Proxy inputs."""
        from ..nn import Module
        if isinstance(root, Module):
            self.root = root
            fn = getattr(type(root), self.traced_func_name)
            self.traced_func_name = getattr(fn, "__name__", "forward")
        else:
            self.root = Module()
            fn = root
        self.submodule_paths = None
        self.graph = Graph(tracer_cls=type(self))
        self._collect_tensor_attrs()
        fn_globals = getattr(fn, "__globals__", None)
        args, kwargs = self._placeholders(fn, isinstance(root, Module), concrete_args or {})
        parameter_proxy_cache: Dict[str, Any] = {}
        p = _Patcher()
        tracer = self
        orig_call, orig_getattr = Module.__call__, Module.__getattr__

        def module_call_wrapper(mod, *a, **k):
            def forward(*a2, **k2):
                return orig_call(mod, *a2, **k2)
            return tracer.call_module(mod, forward, a, k)

        def module_getattr_wrapper(mod, attr):
            return tracer.getattr(attr, orig_getattr(mod, attr), parameter_proxy_cache)

        try:
            p.set(Module, "__call__", module_call_wrapper)
            p.set(Module, "__getattr__", module_getattr_wrapper)
            _patch_dygrad(p)
            _patch_wrapped(p, fn_globals)
            for f in self._autowrap_functions:
                g = getattr(f, "__globals__", None)
                if g is not None and g.get(f.__name__) is f:
                    p.set(g, f.__name__, _recording(f), is_dict=True)
            _active[0] += 1
            try:
                result = fn(*args, **kwargs)
            finally:
                _active[0] -= 1
            self.create_node("output", "output", (self.create_arg(result),), {},
                             type_expr=getattr(fn, "__annotations__", {}).get("return"))
        finally:
            p.restore()
        self.submodule_paths = None
        return self.graph

    def _placeholders(self, fn, is_method, concrete_args):
        sig = inspect.signature(fn)
        params = list(sig.parameters.values())
        if is_method:
            params = params[1:]
        args, kwargs = ([self.root] if is_method else []), {}
        for prm in params:
            name = prm.name
            if prm.kind is prm.VAR_POSITIONAL:
                self.create_proxy("placeholder", "*" + name, (), {})
                continue
            if prm.kind is prm.VAR_KEYWORD:
                self.create_proxy("placeholder", "**" + name, (), {})
                continue
            if name in concrete_args:
                value = concrete_args[name]
                ph = self.create_proxy("placeholder", f"{name}_1",
                                       (None,) if value is None else (), {})
                msg = f"{name} has been specialized to have value {value} but got another value"
                if value is None:
                    self.create_proxy("call_function", _assert_is_none, (ph, msg), {})
                elif isinstance(value, (bool, int, float, str)):
                    self.create_proxy("call_function", _assert_concrete, (ph, value, msg), {})
                val = value
            else:
                default = () if prm.default is prm.empty else (prm.default,)
                val = self.create_proxy("placeholder", name, default, {},
                                        type_expr=fn.__annotations__.get(name))
            if prm.kind is prm.KEYWORD_ONLY:
                kwargs[name] = val
            else:
                args.append(val)
        return args, kwargs


def wrap(fn_or_name: Union[str, Callable]):
    """Called at module scope: calls of this function (or of the global named so) in traced
    code are recorded as one call_function node instead of being traced through.

    Example::

        def clamp_len(x, n):            # uses Python control flow on its inputs
            return x[:n] if len(x) > n else x
        torch.fx.wrap(clamp_len)
    """
    frame = inspect.currentframe().f_back
    if frame.f_code.co_name != "<module>":
        raise NotImplementedError("wrap must be called at the top level of a module")
    if callable(fn_or_name):
        name = fn_or_name.__name__
        if name == "<lambda>":
            raise NotImplementedError("wrap() does not accept lambdas")
    elif isinstance(fn_or_name, str):
        name = fn_or_name
    else:
        raise TypeError("wrap() expects a function or the name of a global function")
    _wrapped_fns_to_patch[(id(frame.f_globals), name)] = frame.f_globals
    return fn_or_name


def symbolic_trace(root, concrete_args: Optional[Dict[str, Any]] = None):
    """The GraphModule of `root` (a module or a function): its forward recorded on Proxies.

    Example::

        >>> gm = torch.fx.symbolic_trace(torch.nn.Sequential(torch.nn.Linear(4, 2)))
        >>> print(gm.code.strip())
        def forward(self, input):
            _0 = getattr(self, "0")(input);  input = None
            return _0
    """
    from ..nn import Module
    from .graph_module import GraphModule
    tracer = Tracer()
    graph = tracer.trace(root, concrete_args)
    name = type(root).__name__ if isinstance(root, Module) else root.__name__
    return GraphModule(tracer.root, graph, name)


_ = (Node, TraceError)
