"""fx Graphs: an ordered, doubly linked list of Nodes, with the Python code they stand for.

The code of a GraphModule is written here, from the nodes alone: node names are made valid
identifiers when created, method and attribute names that are not identifiers are written as
getattr(obj, '<repr>'), and constants are written with repr() or bound as globals, so nothing a
user passes as text ever becomes code.
"""
from __future__ import annotations

import builtins
import contextlib
import keyword
import math
import operator
import re
from typing import Any, Callable, Dict, List, Optional

from ._names import qualified_name
from .node import Argument, Node, Target, map_arg, _format_arg

__all__ = ["Graph", "PythonCode", "CodeGen"]

# operator functions written as Python operators in generated code
_BINARY = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
           operator.floordiv: "//", operator.mod: "%", operator.pow: "**",
           operator.matmul: "@", operator.lshift: "<<", operator.rshift: ">>",
           operator.and_: "&", operator.or_: "|", operator.xor: "^", operator.eq: "==",
           operator.ne: "!=", operator.lt: "<", operator.le: "<=", operator.gt: ">",
           operator.ge: ">="}
_UNARY = {operator.neg: "-", operator.pos: "+", operator.invert: "~"}
_RESERVED = set(keyword.kwlist) | set(dir(builtins)) | {"self", "torch", "inf", "nan", "device",
                                                        "fx_pytree", "pytree"}


def _snake(name: str) -> str:
    out = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
    return out


class _Namespace:
    """Unique identifiers for node names (`add`, `add_1`, ...), never a keyword or builtin."""

    def __init__(self):
        self._used = set()
        self._next = {}

    def create_name(self, candidate: str) -> str:
        c = re.sub(r"[^0-9a-zA-Z_]+", "_", candidate) or "_unnamed"
        if c[0].isdigit():
            c = "_" + c
        m = re.match(r"(.*)_(\d+)$", c)
        base, num = (m.group(1), int(m.group(2))) if m and m.group(1) else (c, None)
        if num is None and c not in self._used and c not in _RESERVED:
            self._used.add(c)
            return c
        n = num if num is not None else self._next.get(base, 1)
        while True:
            name = f"{base}_{n}"
            if name not in self._used and name not in _RESERVED:
                break
            n += 1
        if num is None:
            self._next[base] = n + 1
        self._used.add(name)
        return name

    def associate(self, name: str):
        self._used.add(name)

    def release(self, name: str):
        self._used.discard(name)


class _NodeList:
    """graph.nodes: iterates in order (erasing the current node while iterating is fine)."""

    def __init__(self, graph, direction="_next"):
        self._graph = graph
        self._dir = direction

    def __len__(self):
        return self._graph._len

    def __iter__(self):
        root = self._graph._root
        cur = getattr(root, self._dir)
        while cur is not root:
            if not cur._erased:
                yield cur
            cur = getattr(cur, self._dir)

    def __reversed__(self):
        return iter(_NodeList(self._graph, "_prev" if self._dir == "_next" else "_next"))

    def __repr__(self):
        return f"[{', '.join(n.name for n in self)}]"


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
        return self._global(_snake(type(a).__name__) if not isinstance(a, type)
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

    def generate(self, graph: "Graph", root_name: str = "self") -> PythonCode:
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


class Graph:
    """The nodes of a traced program, in order.

    Example::

        >>> g = torch.fx.Graph()
        >>> x = g.placeholder("x")
        >>> g.output(g.call_function(torch.relu, (x,)))
        >>> print(g.python_code("self").src.strip())
        def forward(self, x):
            relu = torch.relu(x);  x = None
            return relu
    """

    def __init__(self, owning_module=None, tracer_cls=None, tracer_extras=None):
        self._root = Node(self, "", "root", "", (), {})
        self._len = 0
        self._graph_namespace = _Namespace()
        self._owners = 0
        self._owning_module = owning_module
        self._tracer_cls = tracer_cls
        self._tracer_extras = tracer_extras
        self._insert = self._root.prepend
        self._codegen = CodeGen()

    @property
    def owning_module(self):
        return self._owning_module

    @owning_module.setter
    def owning_module(self, mod):
        self._owning_module = mod

    @property
    def nodes(self) -> _NodeList:
        return _NodeList(self)

    def find_nodes(self, *, op: str, target=None, sort: bool = True) -> List[Node]:
        return [n for n in self.nodes if n.op == op and (target is None or n.target == target)]

    # -- creating nodes ------------------------------------------------------------------
    def _target_name(self, op, target) -> str:
        if op == "call_function":
            name = getattr(target, "__name__", None) or type(target).__name__
            return _snake(name.strip("_")) if name.strip("_") else "fn"
        if op in ("call_module", "get_attr"):
            return target.replace(".", "_")
        if op == "placeholder":
            return target.lstrip("*") if not target.startswith("*") else "_" + target.lstrip("*")
        return target

    def create_node(self, op: str, target: Target, args: Optional[tuple] = None,
                    kwargs: Optional[dict] = None, name: Optional[str] = None,
                    type_expr: Optional[Any] = None) -> Node:
        """Makes a node and inserts it at the current insertion point (the end by default)."""
        args = () if args is None else args
        kwargs = {} if kwargs is None else kwargs
        if not isinstance(args, tuple):
            raise TypeError("create_node: args must be a tuple")
        if not isinstance(kwargs, dict):
            raise TypeError("create_node: kwargs must be a dict")
        candidate = name if name is not None else self._target_name(op, target)
        name = self._graph_namespace.create_name(candidate)
        n = Node(self, name, op, target, args, kwargs, type_expr)
        self._insert(n)
        self._len += 1
        return n

    def placeholder(self, name: str, type_expr=None, default_value=...) -> Node:
        args = () if default_value is ... else (default_value,)
        return self.create_node("placeholder", name, args=args, type_expr=type_expr)

    def get_attr(self, qualified_name: str, type_expr=None) -> Node:
        return self.create_node("get_attr", qualified_name, type_expr=type_expr)

    def call_module(self, module_name: str, args=None, kwargs=None, type_expr=None) -> Node:
        return self.create_node("call_module", module_name, args, kwargs, type_expr=type_expr)

    def call_method(self, method_name: str, args=None, kwargs=None, type_expr=None) -> Node:
        return self.create_node("call_method", method_name, args, kwargs, type_expr=type_expr)

    def call_function(self, the_function: Callable, args=None, kwargs=None,
                      type_expr=None) -> Node:
        return self.create_node("call_function", the_function, args, kwargs,
                                type_expr=type_expr)

    def output(self, result: Argument, type_expr=None) -> Node:
        return self.create_node("output", "output", (result,), type_expr=type_expr)

    # -- where new nodes go --------------------------------------------------------------
    @contextlib.contextmanager
    def _inserting(self, fn):
        old = self._insert
        self._insert = fn
        try:
            yield
        finally:
            self._insert = old

    def inserting_before(self, n: Optional[Node] = None):
        """`with graph.inserting_before(node):` new nodes go just before `node`."""
        if n is None:
            return self.inserting_after(self._root)
        if n.graph is not self:
            raise ValueError("Node to insert before is not in graph.")
        return self._inserting(n.prepend)

    def inserting_after(self, n: Optional[Node] = None):
        """`with graph.inserting_after(node):` new nodes go just after `node` (in order)."""
        if n is None:
            return self.inserting_before(self._root)
        if n.graph is not self:
            raise ValueError("Node to insert after is not in graph.")
        return self._inserting(n.append)

    # -- editing -------------------------------------------------------------------------
    def erase_node(self, to_erase: Node) -> None:
        """Removes a node nothing reads any more."""
        if to_erase.users:
            raise RuntimeError(f"Tried to erase Node {to_erase} but it still had "
                               f"{len(to_erase.users)} users in the graph: {to_erase.users}!")
        if to_erase.graph is not self:
            raise RuntimeError(f"Attempting to remove {to_erase} from wrong graph!")
        if to_erase._erased:
            return
        p, n = to_erase._prev, to_erase._next
        p._next, n._prev = n, p  # the erased node keeps its links: iteration goes on from it
        to_erase._erased = True
        self._len -= 1
        self._graph_namespace.release(to_erase.name)
        to_erase.args, to_erase.kwargs = (), {}

    def node_copy(self, node: Node, arg_transform: Callable[[Node], Argument] = lambda x: x) -> Node:
        """A copy of `node` (from any graph) here, its inputs mapped by `arg_transform`."""
        args = map_arg(node.args, arg_transform)
        kwargs = map_arg(node.kwargs, arg_transform)
        new = self.create_node(node.op, node.target, args, kwargs, node.name, node.type)
        new.meta = dict(node.meta)
        return new

    def graph_copy(self, g: "Graph", val_map: Dict[Node, Node], return_output_node=False):
        """Copies the nodes of `g` here (val_map: g's node -> its copy, filled in); returns the
        value g outputs, mapped."""
        for node in g.nodes:
            if node in val_map:
                continue
            if node.op == "output":
                rv = map_arg(node.args[0], lambda n: val_map[n])
                return (rv, node) if return_output_node else rv
            val_map[node] = self.node_copy(node, lambda n: val_map[n])
        return None

    def __deepcopy__(self, memo=None) -> "Graph":
        g = Graph(tracer_cls=self._tracer_cls)
        out = g.graph_copy(self, {}, return_output_node=True)
        if out is not None:
            rv, node = out
            g.output(rv, type_expr=node.type)
        return g

    def eliminate_dead_code(self, is_impure_node: Optional[Callable[[Node], bool]] = None) -> bool:
        """Erases nodes nothing reads and that have no side effects; True if any was erased."""
        changed = False
        for node in reversed(self.nodes):
            impure = is_impure_node(node) if is_impure_node is not None else node.is_impure()
            if not node.users and not impure:
                self.erase_node(node)
                changed = True
        return changed

    def lint(self) -> None:
        """Checks the graph is well formed: RuntimeError naming the first problem."""
        seen, names = set(), set()
        outputs = 0
        for node in self.nodes:
            if node.graph is not self:
                raise RuntimeError(f"Node '{node}' does not belong to this Graph!")
            if node.name in names:
                raise RuntimeError(f"Node redefined name {node.name}!")
            names.add(node.name)
            for inp in node.all_input_nodes:
                if inp.graph is not self:
                    raise RuntimeError(f"Argument '{inp}' of Node '{node}' does not belong to "
                                       "this Graph")
                if inp not in seen:
                    raise RuntimeError(f"Argument '{inp}' of Node '{node}' was used before it "
                                       "has been defined! Please check that Nodes in the graph "
                                       "are topologically ordered")
                if node not in inp.users:
                    raise RuntimeError(f"Node '{node}' reads '{inp}' but is not among its users")
            outputs += node.op == "output"
            seen.add(node)
        if outputs > 1:
            raise RuntimeError("Graph has more than one output node")
        mod = self._owning_module
        if mod is not None:
            for node in self.nodes:
                if node.op in ("get_attr", "call_module"):
                    obj = mod
                    for i, part in enumerate(node.target.split(".")):
                        if not hasattr(obj, part):
                            raise RuntimeError(f"Node {node} target {node.target} references "
                                               f"nonexistent attribute {part} of "
                                               f"{'.'.join(node.target.split('.')[:i]) or 'root'}")
                        obj = getattr(obj, part)

    # -- code and printing ---------------------------------------------------------------
    def python_code(self, root_module: str = "self", **kwargs) -> PythonCode:
        return CodeGen().generate(self, root_module)

    def __str__(self) -> str:
        placeholders: List[str] = []
        lines = []
        for n in self.nodes:
            s = n.format_node()
            if s is not None:
                lines.append("    " + s)
        return "graph():\n" + "\n".join(lines)

    def print_tabular(self) -> None:
        """Prints the nodes as a table (opcode, name, target, args, kwargs)."""
        rows = [["opcode", "name", "target", "args", "kwargs"]]
        for n in self.nodes:
            target = n._pretty_target() if n.op == "call_function" else n.target
            if n.op == "call_function" and callable(n.target):
                target = f"<function {getattr(n.target, '__name__', n.target)}>"
            rows.append([n.op, n.name, str(target), _format_arg(n.args).replace("%", ""),
                         _format_arg(n.kwargs).replace("%", "")])
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        fmt = "  ".join("{:<%d}" % w for w in widths)
        print(fmt.format(*rows[0]).rstrip())
        print("  ".join("-" * w for w in widths))
        for r in rows[1:]:
            print(fmt.format(*r).rstrip())
