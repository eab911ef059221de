"""The Python code of a Graph, written from its nodes alone: node names are identifiers (made so
when nodes are created), method and attribute names that are not identifiers are written as
getattr(obj, '<repr>'), and constants are written with repr() or bound as globals, so nothing a
user passes as text ever becomes code."""
from __future__ import annotations

import builtins
import keyword
import math
import operator
import re
from typing import Any, Dict, List

from ._names import qualified_name, snake
from .node import Node

__all__ = ["CodeGen", "PythonCode"]

# operator functions written as Python operators in generated code
_BINARY = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
           operator.floordiv: "//", operator.mod: "%", operator.pow: "**",
           operator.matmul: "@", operator.lshift: "<<", operator.rshift: ">>",
           operator.and_: "&", operator.or_: "|", operator.xor: "^", operator.eq: "==",
           operator.ne: "!=", operator.lt: "<", operator.le: "<=", operator.gt: ">",
           operator.ge: ">="}
_UNARY = {operator.neg: "-", operator.pos: "+", operator.invert: "~"}

class PythonCode:
    """The source of `forward` and the globals it needs."""

    def __init__(self, src: str, globals_: Dict[str, Any]):
        self.src = src
        self.globals = globals_


def _attr_path(base: str, path: str) -> str:
    """`self.a.b`, with getattr(x, '0') for parts that are not identifiers."""
    out = base
    for part in path.split("."):
        if part.isidentifier() and not keyword.iskeyword(part):
            out += "." + part
        else:
            out = f"getattr({out}, {part!r})"
    return out


class CodeGen:
    """Writes a graph's nodes as the Python source of `def forward(self, ...)`."""

    _SAFE = (int, float, bool, str, bytes, type(None), complex, type(Ellipsis))

    def __init__(self):
        self._globals: Dict[str, Any] = {}

    def _global(self, candidate: str, obj: Any) -> str:
        for k, v in self._globals.items():
            if v is obj:
                return k
        name = re.sub(r"[^0-9a-zA-Z_]", "_", candidate)
        if name[0].isdigit():
            name = "_" + name
        base, i = name, 1
        while name in self._globals or name in self._node_names or keyword.iskeyword(name):
            name, i = f"{base}_{i}", i + 1
        self._globals[name] = obj
        return name

    def _fn_name(self, fn) -> str:
        q = qualified_name(fn)
        if q.startswith("torch.") and all(p.isidentifier() for p in q.split(".")):
            return q
        if q.startswith("builtins.") and getattr(builtins, q[9:], None) is fn:
            return q[9:]
        return self._global(q.replace(".", "_"), fn)

    def arg(self, a) -> str:
        if isinstance(a, Node):
            return a.name
        t = type(a)
        if t is float:
            if math.isinf(a):
                return "inf" if a > 0 else "-inf"
            if math.isnan(a):
                return "nan"
            return repr(a)
        if t in self._SAFE:
            return repr(a)
        if t is tuple:
            inner = ", ".join(self.arg(x) for x in a)
            return f"({inner},)" if len(a) == 1 else f"({inner})"
        if t is list:
            return "[" + ", ".join(self.arg(x) for x in a) + "]"
        if t is dict:
            return "{" + ", ".join(f"{self.arg(k)}: {self.arg(v)}" for k, v in a.items()) + "}"
        if t is slice:
            return f"slice({self.arg(a.start)}, {self.arg(a.stop)}, {self.arg(a.step)})"
        if isinstance(a, tuple) and hasattr(a, "_fields"):
            return f"{self._global(type(a).__name__, type(a))}({', '.join(self.arg(x) for x in a)})"
        mod = getattr(t, "__module__", "") or ""
        if t.__name__ == "dtype" and mod.startswith("dygrad"):
            return repr(a)  # torch.float32
        if callable(a) and hasattr(a, "__qualname__") and not isinstance(a, type) and \
                getattr(a, "__self__", None) is None:
            return self._fn_name(a)
        return self._global(snake(type(a).__name__) if not isinstance(a, type)
                            else a.__name__, a)

    def call_args(self, args, kwargs) -> str:
        parts = [self.arg(a) for a in args]
        extra = {}
        for k, v in kwargs.items():
            if isinstance(k, str) and k.isidentifier() and not keyword.iskeyword(k):
                parts.append(f"{k} = {self.arg(v)}")
            else:
                extra[k] = v
        if extra:
            parts.append("**" + self.arg(extra))
        return ", ".join(parts)

    def expr(self, node: Node) -> str:
        op, t = node.op, node.target
        if op == "get_attr":
            return _attr_path("self", t)
        if op == "call_module":
            return f"{_attr_path('self', t)}({self.call_args(node.args, node.kwargs)})"
        if op == "call_method":
            obj, rest = self.arg(node.args[0]), node.args[1:]
            if t.isidentifier() and not keyword.iskeyword(t):
                return f"{obj}.{t}({self.call_args(rest, node.kwargs)})"
            return f"getattr({obj}, {t!r})({self.call_args(rest, node.kwargs)})"
        # call_function
        if not node.kwargs:
            if t in _BINARY and len(node.args) == 2:
                return f"{self.arg(node.args[0])} {_BINARY[t]} {self.arg(node.args[1])}"
            if t in _UNARY and len(node.args) == 1:
                return f"{_UNARY[t]}{self.arg(node.args[0])}"
            if t is operator.getitem and len(node.args) == 2:
                return f"{self.arg(node.args[0])}[{self.arg(node.args[1])}]"
            if t is builtins.getattr and len(node.args) == 2 and isinstance(node.args[1], str) \
                    and node.args[1].isidentifier() and not keyword.iskeyword(node.args[1]):
                return f"{self.arg(node.args[0])}.{node.args[1]}"
        return f"{self._fn_name(t)}({self.call_args(node.args, node.kwargs)})"

    def generate(self, graph, root_name: str = "self") -> PythonCode:
        import dygrad
        self._globals = {"torch": dygrad, "inf": math.inf, "nan": math.nan,
                         "device": dygrad.device}
        nodes = list(graph.nodes)
        self._node_names = {n.name for n in nodes}
        last_use: Dict[Node, Node] = {}
        for n in nodes:
            for inp in n.all_input_nodes:
                last_use[inp] = n
        frees: Dict[Node, List[Node]] = {}
        for value, user in last_use.items():
            frees.setdefault(user, []).append(value)
        params, body, ret = [], [], "return None"
        for n in nodes:
            if n.op == "placeholder":
                t = n.target
                if not t.lstrip("*").isidentifier() or keyword.iskeyword(t.lstrip("*")):
                    raise RuntimeError(f"placeholder target {t!r} is not a Python identifier")
                params.append(t + (f" = {self.arg(n.args[0])}" if n.args else ""))
                if t.lstrip("*") != n.name:
                    body.append(f"{n.name} = {t.lstrip('*')}")
                continue
            if n.op == "output":
                ret = f"return {self.arg(n.args[0])}"
                continue
            line = f"{n.name} = {self.expr(n)}"
            dead = [v.name for v in frees.get(n, []) if v.op != "placeholder" or True]
            if not n.users:
                dead.append(n.name)
            if dead:
                line += ";  " + " = ".join(dead) + " = None"
            body.append(line)
        sig = ", ".join([root_name] + params)
        lines = [f"def forward({sig}):"] + ["    " + b for b in body] + ["    " + ret]
        src = "\n\n\n" + "\n".join(lines) + "\n    "
        return PythonCode(src, dict(self._globals))
