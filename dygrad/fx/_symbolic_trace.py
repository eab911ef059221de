"""Symbolic tracing: run a module's forward with Proxies for its inputs and record what it does.

While a trace runs, dygrad's functions record calls that get a Proxy (_patching.py), and
`nn.Module.__call__` and `__getattr__` are swapped so that leaf modules become call_module nodes
and parameters get_attr nodes. Everything is put back when the trace ends.
"""
from __future__ import annotations

import inspect
import math
from typing import Any, Callable, Dict, Optional, Union

from ._patching import (_Patcher, _Routing, _active, _patch_dygrad, _patch_wrapped,  # noqa: F401
                        _recording, _tracer_of, _wrapped_fns_to_patch)
from .graph import Graph
from .node import has_side_effect
from .proxy import Proxy, TracerBase, TraceError  # noqa: F401

__all__ = ["Tracer", "symbolic_trace", "wrap", "PH"]

PH = object()


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
            own = root.__dict__.get(self.traced_func_name)  # a GraphModule's generated forward
            if own is not None and getattr(own, "__self__", None) is root:
                fn = own.__func__
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

