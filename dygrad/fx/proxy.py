"""fx Proxies: stand-ins for values while a program is traced. Every operation on a Proxy
(operators, attribute access, method calls, dygrad functions) adds a Node to its tracer's graph
and returns a Proxy of the result."""
from __future__ import annotations

import builtins
import dis
import inspect
import operator
from typing import Any, Callable, Dict, Optional, Tuple

from .graph import Graph
from .node import Node, Target, has_side_effect

__all__ = ["TraceError", "TracerBase", "GraphAppendingTracer", "Proxy", "Attribute"]


_TENSOR_FIELDS = frozenset({"_data", "_rg", "_vc", "_base", "_version"})


class TraceError(ValueError):
    """A traced program did something a symbolic trace cannot record (control flow on a
    traced value, iterating one of unknown length)."""


class TracerBase:
    """What Proxies need from a tracer: making nodes and turning values into node arguments."""

    graph: Graph
    record_stack_traces = False
    check_mutable_operations = False
    trace_asserts = False
    proxy_buffer_attributes = False
    traced_func_name = "forward"
    scope = None

    def create_node(self, kind: str, target: Target, args: Tuple, kwargs: Dict,
                    name: Optional[str] = None, type_expr: Optional[Any] = None) -> Node:
        return self.graph.create_node(kind, target, args, kwargs, name, type_expr)

    def proxy(self, node: Node) -> "Proxy":
        return Proxy(node, self)

    def create_proxy(self, kind: str, target: Target, args: Tuple, kwargs: Dict,
                     name: Optional[str] = None, type_expr: Optional[Any] = None,
                     proxy_factory_fn: Optional[Callable[[Node], "Proxy"]] = None) -> "Proxy":
        """Records `target(*args, **kwargs)` as a node of kind `kind`; returns its Proxy."""
        args_ = self.create_arg(args)
        kwargs_ = self.create_arg(kwargs)
        if not isinstance(args_, tuple):
            raise TypeError("create_proxy: args must be a tuple")
        if not isinstance(kwargs_, dict):
            raise TypeError("create_proxy: kwargs must be a dict")
        node = self.create_node(kind, target, args_, kwargs_, name, type_expr)
        return self.proxy(node) if proxy_factory_fn is None else proxy_factory_fn(node)

    def create_arg(self, a: Any) -> Any:
        """A value as a node argument: Proxies become their nodes, containers are mapped."""
        if isinstance(a, Proxy):
            return a.node
        if isinstance(a, Node):
            return a
        if isinstance(a, tuple):
            if hasattr(a, "_fields"):
                return type(a)(*(self.create_arg(e) for e in a))
            return tuple(self.create_arg(e) for e in a)
        if isinstance(a, list):
            return [self.create_arg(e) for e in a]
        if isinstance(a, dict):
            out = {}
            for k, v in a.items():
                k = self.create_arg(k)
                if isinstance(k, Node):
                    raise RuntimeError("Keys for dictionaries used as an argument cannot contain "
                                       f"a Node. Got key: {k}")
                out[k] = self.create_arg(v)
            return out
        if isinstance(a, slice):
            return slice(self.create_arg(a.start), self.create_arg(a.stop),
                         self.create_arg(a.step))
        if isinstance(a, range):
            return range(self.create_arg(a.start), self.create_arg(a.stop),
                         self.create_arg(a.step))
        from .._tensor import Tensor
        if isinstance(a, Tensor):
            raise NotImplementedError(
                "a tensor can be an argument of a traced call only when the tracer has a root "
                "module to hold it (torch.fx.Tracer); GraphAppendingTracer has none")
        return a

    def to_bool(self, obj: "Proxy") -> bool:
        raise TraceError("symbolically traced variables cannot be used as inputs to control flow")

    def iter(self, obj: "Proxy"):
        raise TraceError("Proxy object cannot be iterated. This can be attempted when the Proxy "
                         "is used in a loop or as a *args or **kwargs function argument. See "
                         "the torch.fx docs on pytorch.org for a more detailed explanation of "
                         "what types of control flow can be traced, and check out the Proxy "
                         "docstring for help troubleshooting Proxy iteration errors")

    def keys(self, obj: "Proxy"):
        return Attribute(obj, "keys")()


class GraphAppendingTracer(TracerBase):
    """A tracer that appends to an existing graph (Proxies made by hand: Proxy(node))."""

    def __init__(self, graph: Graph):
        super().__init__()
        self.graph = graph
        self.scope = None
        self.module_stack = {}
        self.node_name_to_scope = {}


def _find_tracer(args, kwargs):
    found = []

    def visit(a):
        if isinstance(a, Proxy):
            found.append(a.tracer)
        return a
    from .node import map_aggregate
    map_aggregate(args, visit)
    map_aggregate(kwargs, visit)
    return found[0] if found else None


class Proxy:
    """A traced value: operations on it are recorded in its tracer's graph.

    Control flow on a Proxy (`if x.sum() > 0:`) cannot be recorded and raises TraceError; use
    concrete_args, or wrap the function that branches with torch.fx.wrap.

    Example::

        >>> g = torch.fx.Graph()
        >>> x = torch.fx.Proxy(g.placeholder("x"))
        >>> y = torch.relu(x) + 1
        >>> g.output(y.node)
    """

    __array_ufunc__ = None  # NumPy defers to the Proxy's reflected operators

    def __init__(self, node: Node, tracer: Optional[TracerBase] = None):
        if tracer is None:
            tracer = GraphAppendingTracer(node.graph)
        self.tracer = tracer
        self.node = node

    def __repr__(self) -> str:
        return f"Proxy({self.node.name})"

    def __getattr__(self, k: str) -> "Attribute":
        # dunders, and the private fields of dygrad's Tensor that op internals read, are not
        # traced: an op given a Proxy fails at once (and the call is handed to
        # __torch_function__) instead of leaving stray getattr nodes in the graph
        if (k.startswith("__") and k.endswith("__")) or k in _TENSOR_FIELDS:
            raise AttributeError(f"'Proxy' object has no attribute '{k}'")
        return Attribute(self, k)

    def __getstate__(self):
        return self.__dict__

    def __setstate__(self, d):
        self.__dict__ = d

    def __deepcopy__(self, memo):
        raise TraceError("a Proxy cannot be deep-copied while tracing")

    def __call__(self, *args, **kwargs) -> "Proxy":
        return self.tracer.create_proxy("call_method", "__call__", (self,) + args, kwargs)

    def __iter__(self):
        frame = inspect.currentframe().f_back
        code = frame.f_code
        # `a, b = proxy` unpacks a known number of values: record one getitem each
        for ins in dis.get_instructions(code):
            if ins.offset == frame.f_lasti:
                if ins.opname == "UNPACK_SEQUENCE":
                    return (self[i] for i in range(ins.argval))
                break
        return self.tracer.iter(self)

    def __bool__(self) -> bool:
        return self.tracer.to_bool(self)

    def __len__(self):
        raise RuntimeError("'len' is not supported in symbolic tracing by default. If you want "
                           "this call to be recorded, please call torch.fx.wrap('len') at "
                           "module scope")

    def __array__(self, *a, **k):
        raise TraceError(f"{self!r}: a traced value cannot be converted to a NumPy array")

    def __index__(self):
        raise TraceError(f"{self!r}: a traced value cannot be used as a Python int")

    def __hash__(self):
        return id(self)

    def keys(self):
        return self.tracer.keys(self)

    def __setitem__(self, key, value):
        self.tracer.create_proxy("call_function", _setitem, (self, key, value), {})

    @classmethod
    def __torch_function__(cls, orig_method, types=None, args=(), kwargs=None):
        kwargs = kwargs or {}
        tracer = _find_tracer(args, kwargs)
        if tracer is None:
            return NotImplemented
        from .._tensor import Tensor
        name = getattr(orig_method, "__name__", None)
        if name is not None and getattr(Tensor, name, None) is orig_method:
            return tracer.create_proxy("call_method", name, args, kwargs)
        return tracer.create_proxy("call_function", orig_method, args, kwargs)


@has_side_effect
def _setitem(obj, key, value):
    obj[key] = value


class Attribute(Proxy):
    """`proxy.name`: a getattr node made when first used as a value; calling it records a
    method call instead."""

    def __init__(self, root: Proxy, attr: str):
        self.root = root
        self.attr = attr
        self.tracer = root.tracer
        self._node = None

    @property
    def node(self):
        if self._node is None:
            self._node = self.tracer.create_proxy("call_function", builtins.getattr,
                                                  (self.root, self.attr), {}).node
        return self._node

    def __call__(self, *args, **kwargs):
        return self.tracer.create_proxy("call_method", self.attr, (self.root,) + args, kwargs)


_BINARY = ("add", "sub", "mul", "floordiv", "truediv", "mod", "pow", "lshift", "rshift",
           "and_", "or_", "xor", "matmul")
_COMPARE = ("eq", "ne", "lt", "gt", "le", "ge")


def _install():
    def binary(target):
        def impl(self, rhs):
            return self.tracer.create_proxy("call_function", target, (self, rhs), {})
        return impl

    def reflected(target):
        def impl(self, lhs):
            return self.tracer.create_proxy("call_function", target, (lhs, self), {})
        return impl

    def unary(target):
        def impl(self):
            return self.tracer.create_proxy("call_function", target, (self,), {})
        return impl

    for name in _BINARY + _COMPARE + ("getitem",):
        target = getattr(operator, name)
        dunder = name.rstrip("_")
        setattr(Proxy, f"__{dunder}__", binary(target))
        if name in _BINARY:
            setattr(Proxy, f"__r{dunder}__", reflected(target))
    for name in ("neg", "pos", "invert", "abs"):
        setattr(Proxy, f"__{name}__", unary(getattr(operator, name)))


_install()
