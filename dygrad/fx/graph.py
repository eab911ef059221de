"""fx Graphs: an ordered, doubly linked list of Nodes (the code they stand for is written by
_codegen.py). Node names are made valid identifiers here, when nodes are created."""
from __future__ import annotations

import builtins
import contextlib
import inspect
import keyword
import re
from typing import Any, Callable, Dict, List, Optional

from ._codegen import CodeGen, PythonCode
from ._names import snake
from .node import Argument, Node, Target, map_arg, _format_arg

__all__ = ["Graph", "PythonCode", "CodeGen"]

_RESERVED = set(keyword.kwlist) | set(dir(builtins)) | {"self", "torch", "inf", "nan", "device",
                                                        "fx_pytree", "pytree"}


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
            return snake(name.strip("_")) if name.strip("_") else "fn"
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
        # no default: left out, or inspect.Signature.empty as PyTorch's callers pass it
        args = () if default_value is ... or default_value is inspect.Signature.empty \
            else (default_value,)
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
