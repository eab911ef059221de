"""Interpreter (run a GraphModule node by node, each kind of node through an overridable
method) and Transformer (the same walk, writing a new graph: a graph-to-graph pass)."""
from __future__ import annotations

import contextlib
from typing import Any, Dict, Iterator, List, Optional, Tuple

from .graph import Graph
from .graph_module import GraphModule
from .node import Argument, Node, Target, map_aggregate, map_arg
from .proxy import Proxy
from ._symbolic_trace import Tracer

__all__ = ["Interpreter", "Transformer"]


class Interpreter:
    """Runs a GraphModule's graph one node at a time: override `call_function`,
    `call_method`, `call_module` (or `run_node`) to change what a node does.

    Example::

        class NegateRelu(torch.fx.Interpreter):
            def call_function(self, target, args, kwargs):
                if target is torch.relu:
                    return -torch.relu(*args, **kwargs)
                return super().call_function(target, args, kwargs)

        NegateRelu(torch.fx.symbolic_trace(model)).run(x)
    """

    def __init__(self, module, garbage_collect_values: bool = True,
                 graph: Optional[Graph] = None):
        self.module = module
        self.submodules = dict(module.named_modules())
        self.graph = graph if graph is not None else module.graph
        self.env: Dict[Node, Any] = {}
        self.name = "Interpreter"
        self.garbage_collect_values = garbage_collect_values
        self.extra_traceback = True
        if garbage_collect_values:
            # free each value after the node that reads it last
            last: Dict[Node, Node] = {}
            for node in self.graph.nodes:
                for inp in node.all_input_nodes:
                    last[inp] = node
            self.user_to_last_uses: Dict[Node, List[Node]] = {}
            for value, user in last.items():
                self.user_to_last_uses.setdefault(user, []).append(value)

    def run(self, *args, initial_env: Optional[Dict[Node, Any]] = None,
            enable_io_processing: bool = True) -> Any:
        """Runs the graph on `args`; returns what its output node gives."""
        self.env = dict(initial_env) if initial_env is not None else {}
        self.args_iter: Iterator[Any] = iter(args)
        for node in self.graph.nodes:
            if node in self.env:
                continue
            try:
                self.env[node] = self.run_node(node)
            except Exception as e:
                if self.extra_traceback and not getattr(e, "_fx_noted", False):
                    msg = f"While executing {node.format_node()}"
                    e.args = ((f"{e.args[0]}\n\n{msg}" if e.args and isinstance(e.args[0], str)
                               else msg),) + tuple(e.args[1:])
                    try:
                        e._fx_noted = True
                    except AttributeError:
                        pass
                raise
            if self.garbage_collect_values:
                for dead in self.user_to_last_uses.get(node, []):
                    self.env.pop(dead, None)
            if node.op == "output":
                return self.env[node]
        return None

    def boxed_run(self, args_list):
        args = list(args_list)
        args_list.clear()
        return self.run(*args)

    @contextlib.contextmanager
    def _set_current_node(self, node):
        yield

    def run_node(self, n: Node) -> Any:
        """Runs one node: its args/kwargs from the environment, then the method named n.op."""
        with self._set_current_node(n):
            args, kwargs = self.fetch_args_kwargs_from_env(n)
            return getattr(self, n.op)(n.target, args, kwargs)

    # -- one method per kind of node -------------------------------------------------------
    def placeholder(self, target: Target, args: Tuple[Argument, ...], kwargs: Dict[str, Any]):
        if target.startswith("**"):
            return {}
        if target.startswith("*"):
            return list(self.args_iter)
        try:
            return next(self.args_iter)
        except StopIteration:
            if args:
                return args[0]
            raise RuntimeError(f"Expected positional argument for parameter {target}, but one "
                               "was not passed in!") from None

    def get_attr(self, target: Target, args, kwargs):
        return self.fetch_attr(target)

    def call_function(self, target: Target, args, kwargs):
        return target(*args, **kwargs)

    def call_method(self, target: Target, args, kwargs):
        self_obj, *args_tail = args
        return getattr(self_obj, target)(*args_tail, **kwargs)

    def call_module(self, target: Target, args, kwargs):
        return self.fetch_attr(target)(*args, **kwargs)

    def output(self, target: Target, args, kwargs):
        return args[0]

    # -- helpers ---------------------------------------------------------------------------
    def fetch_attr(self, target: str):
        """The attribute at the dotted path `target` of the module."""
        obj = self.module
        for i, atom in enumerate(target.split(".")):
            if not hasattr(obj, atom):
                raise RuntimeError("Node referenced nonexistent target "
                                   f"{'.'.join(target.split('.')[:i + 1])}")
            obj = getattr(obj, atom)
        return obj

    def fetch_args_kwargs_from_env(self, n: Node) -> Tuple[Tuple, Dict]:
        """The node's args and kwargs with each input node replaced by its value."""
        args = self.map_nodes_to_values(n.args, n)
        kwargs = self.map_nodes_to_values(n.kwargs, n)
        return args, kwargs

    def map_nodes_to_values(self, args: Argument, n: Node) -> Argument:
        def load(n_arg: Node) -> Any:
            if n_arg not in self.env:
                raise RuntimeError(f"Node {n} referenced nonexistent value {n_arg}! Run "
                                   "Graph.lint() to diagnose such issues")
            return self.env[n_arg]
        return map_arg(args, load)


class _TransformerTracer(Tracer):
    def __init__(self, graph: Graph):
        super().__init__()
        self.graph = graph
        self.tensor_attrs: Dict[int, str] = {}
        self._keep = []

    def is_leaf_module(self, m, module_qualified_name: str) -> bool:
        return True


class Transformer(Interpreter):
    """Writes a new GraphModule by running the graph on Proxies: each overridden method
    returns the Proxy of whatever it records instead (`transform()` gives the result).

    Example::

        class ReluToGelu(torch.fx.Transformer):
            def call_function(self, target, args, kwargs):
                if target is torch.relu:
                    target = torch.nn.functional.gelu
                return super().call_function(target, args, kwargs)

        new_gm = ReluToGelu(torch.fx.symbolic_trace(model)).transform()
    """

    def __init__(self, module):
        super().__init__(module)
        self.new_graph = Graph()
        self.tracer = _TransformerTracer(self.new_graph)
        self.tracer.root = module

    def placeholder(self, target, args, kwargs) -> Proxy:
        default = args[0] if args else ...
        return Proxy(self.new_graph.placeholder(target, default_value=default), self.tracer)

    def get_attr(self, target, args, kwargs) -> Proxy:
        return self.tracer.create_proxy("get_attr", target, args, kwargs)

    def call_module(self, target, args, kwargs) -> Any:
        submod = self.fetch_attr(target)
        return self.tracer.call_module(submod, submod.forward, args, kwargs)

    def call_function(self, target, args, kwargs) -> Any:
        return self.tracer.create_proxy("call_function", target, args, kwargs)

    def call_method(self, target, args, kwargs) -> Any:
        return self.tracer.create_proxy("call_method", target, args, kwargs)

    def transform(self) -> GraphModule:
        """The new GraphModule."""
        result = super().run(enable_io_processing=False)
        if result is not None:
            self.new_graph.output(map_aggregate(
                result, lambda a: a.node if isinstance(a, Proxy) else a))
        return GraphModule(self.module, self.new_graph)
