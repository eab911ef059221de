"""fx Nodes: one operation of a Graph (placeholder, get_attr, call_function, call_method,
call_module, output), linked in the graph's order, with the nodes it reads (`all_input_nodes`)
and the nodes reading it (`users`) kept in step with its args/kwargs."""
from __future__ import annotations

import types
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

__all__ = ["Node", "Argument", "Target", "map_arg", "map_aggregate", "has_side_effect"]

Target = Union[Callable[..., Any], str]
Argument = Optional[Union[tuple, list, dict, slice, range, "Node", str, int, float, bool,
                          complex, Any]]

_OPS = ("placeholder", "get_attr", "call_function", "call_method", "call_module", "output",
        "root")
_side_effectful = set()


def has_side_effect(fn):
    """Marks `fn` as impure: dead-code elimination keeps its calls (returns `fn`)."""
    _side_effectful.add(fn)
    return fn


def map_aggregate(a: Argument, fn: Callable[[Argument], Argument]) -> Argument:
    """Applies `fn` to each leaf of `a`, through tuples, lists, dicts and slices."""
    t = type(a)
    if t is tuple or (isinstance(a, tuple) and not hasattr(a, "_fields")):
        return tuple(map_aggregate(e, fn) for e in a)
    if isinstance(a, tuple):  # a named tuple keeps its type
        return t(*(map_aggregate(e, fn) for e in a))
    if isinstance(a, list):
        return [map_aggregate(e, fn) for e in a]
    if isinstance(a, dict):
        return {k: map_aggregate(v, fn) for k, v in a.items()}
    if isinstance(a, slice):
        return slice(map_aggregate(a.start, fn), map_aggregate(a.stop, fn),
                     map_aggregate(a.step, fn))
    return fn(a)


def map_arg(a: Argument, fn: Callable[["Node"], Argument]) -> Argument:
    """Applies `fn` to each Node in `a` (an arg structure), leaving other values as they are.

    Example::

        >>> map_arg((n1, [n2, 3]), lambda n: n.name)
        ('x', ['y', 3])
    """
    return map_aggregate(a, lambda x: fn(x) if isinstance(x, Node) else x)


def _qualified_name(fn) -> str:
    """How code and graph printouts name a function (`torch.relu`, `operator.add`)."""
    from ._names import qualified_name
    return qualified_name(fn)


class Node:
    """One operation of a Graph.

    op: 'placeholder' | 'get_attr' | 'call_function' | 'call_method' | 'call_module' | 'output';
    target: the function (call_function), or the method name / attribute path / input name.

    Example::

        >>> gm = torch.fx.symbolic_trace(lambda x: torch.relu(x) + 1)
        >>> [n.op for n in gm.graph.nodes]
        ['placeholder', 'call_function', 'call_function', 'output']
    """

    def __init__(self, graph, name: str, op: str, target: Target, args: Tuple, kwargs: Dict,
                 return_type: Any = None) -> None:
        if op not in _OPS:
            raise ValueError(f"Node: unknown op {op!r}; expected one of {_OPS[:-1]}")
        if op == "call_function" and not callable(target):
            raise ValueError(f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                             f"{type(target).__name__} but a Callable is expected")
        if op in ("get_attr", "call_module", "call_method", "placeholder") and \
                not isinstance(target, str):
            raise ValueError(f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                             f"{type(target).__name__} but a str is expected")
        self.graph = graph
        self.name = name
        self.op = op
        self.target = target
        self._input_nodes: Dict[Node, None] = {}
        self._args: tuple = ()
        self._kwargs: dict = {}
        self.__update_args_kwargs(tuple(args), dict(kwargs))
        self.users: Dict[Node, None] = {}
        self.type = return_type
        self._prev = self
        self._next = self
        self._erased = False
        self.meta: Dict[str, Any] = {}

    # -- the linked list -----------------------------------------------------------------
    @property
    def next(self) -> "Node":
        return self._next

    @property
    def prev(self) -> "Node":
        return self._prev

    def prepend(self, x: "Node") -> None:
        """Moves `x` (a node of the same graph) to just before this node."""
        if x is self:
            return
        if x.graph is not self.graph:
            raise RuntimeError("Attempting to move a Node into a different Graph")
        x._remove_from_list()
        p = self._prev
        p._next, x._prev = x, p
        x._next, self._prev = self, x

    def append(self, x: "Node") -> None:
        """Moves `x` to just after this node."""
        self._next.prepend(x)

    def _remove_from_list(self):
        p, n = self._prev, self._next
        p._next, n._prev = n, p
        self._prev = self._next = self

    # -- arguments -----------------------------------------------------------------------
    @property
    def args(self) -> Tuple[Argument, ...]:
        return self._args

    @args.setter
    def args(self, a):
        self.__update_args_kwargs(tuple(a), self._kwargs)

    @property
    def kwargs(self) -> Dict[str, Argument]:
        return self._kwargs

    @kwargs.setter
    def kwargs(self, k):
        self.__update_args_kwargs(self._args, dict(k))

    @property
    def all_input_nodes(self) -> List["Node"]:
        """The nodes this one reads, in the order its args/kwargs name them (once each)."""
        return list(self._input_nodes)

    def update_arg(self, idx: int, arg: Argument) -> None:
        args = list(self._args)
        args[idx] = arg
        self.args = tuple(args)

    def update_kwarg(self, key: str, arg: Argument) -> None:
        self.kwargs = {**self._kwargs, key: arg}

    def __update_args_kwargs(self, args, kwargs):
        for old in self._input_nodes:
            old.users.pop(self, None)
        self._input_nodes = {}

        def collect(n):
            if n.graph is not self.graph:
                raise RuntimeError(f"Node {self.name} reads {n.name}, a node of another graph")
            self._input_nodes.setdefault(n)
            return n
        self._args = map_arg(args, collect)
        self._kwargs = map_arg(kwargs, collect)
        for n in self._input_nodes:
            n.users.setdefault(self)

    def replace_all_uses_with(self, replace_with: "Node",
                              delete_user_cb: Callable[["Node"], bool] = lambda u: True, *,
                              propagate_meta: bool = False) -> List["Node"]:
        """Makes every user of this node read `replace_with` instead; returns those users."""
        if propagate_meta:
            for k, v in self.meta.items():
                replace_with.meta.setdefault(k, v)
        changed = []
        for user in list(self.users):
            if user is replace_with or not delete_user_cb(user):
                continue
            user.replace_input_with(self, replace_with)
            changed.append(user)
        return changed

    def replace_input_with(self, old_input: "Node", new_input: "Node") -> None:
        """Makes this node read `new_input` wherever it read `old_input`."""
        def sub(n):
            return new_input if n is old_input else n
        self.__update_args_kwargs(map_arg(self._args, sub), map_arg(self._kwargs, sub))

    def normalized_arguments(self, *a, **k):
        return None

    # -- properties ----------------------------------------------------------------------
    @property
    def stack_trace(self) -> Optional[str]:
        return self.meta.get("stack_trace")

    @stack_trace.setter
    def stack_trace(self, trace):
        self.meta["stack_trace"] = trace

    def is_impure(self) -> bool:
        """Whether dead-code elimination must keep this node though nothing reads it."""
        if self.op in ("placeholder", "output"):
            return True
        if self.op == "call_function":
            # in-place functions (relu_) write into their input: never dropped as unused
            name = getattr(self.target, "__name__", "")
            return self.target in _side_effectful or getattr(
                self.target, "_fx_side_effect", False) or (name.endswith("_")
                                                      and not name.endswith("__"))
        if self.op == "call_method":
            return self.target.endswith("_") and not self.target.endswith("__")
        if self.op == "call_module":
            mod = self.graph.owning_module
            if mod is not None:
                try:
                    sub = mod.get_submodule(self.target)
                except AttributeError:
                    return False
                return bool(getattr(sub, "_is_impure", False))
        return False

    # -- printing ------------------------------------------------------------------------
    def _pretty_target(self):
        if self.op == "call_function":
            return _qualified_name(self.target)
        return self.target

    def format_node(self, placeholder_names: Optional[List[str]] = None,
                    maybe_return_typename: Optional[List[str]] = None, *,
                    include_tensor_metadata: bool = False) -> Optional[str]:
        """This node as the graph printout shows it
        (`%relu : [num_users=1] = call_function[target=torch.relu](args = (%x,), kwargs = {})`)."""
        if self.op == "placeholder":
            default = f"(default={self.args[0]})" if self.args else ""
            if placeholder_names is not None:
                placeholder_names.append(self.target + default)
                return None
            return (f"%{self.name} : [num_users={len(self.users)}] = placeholder[target="
                    f"{self.target}]{default}")
        if self.op == "output":
            return f"return {self.args[0]}"
        if self.op == "get_attr":
            return f"%{self.name} : [num_users={len(self.users)}] = get_attr[target={self.target}]"
        return (f"%{self.name} : [num_users={len(self.users)}] = {self.op}[target="
                f"{self._pretty_target()}](args = {_format_arg(self.args)}, kwargs = "
                f"{_format_arg(self.kwargs)})")

    def __repr__(self) -> str:
        return self.name

    def __getstate__(self):
        raise TypeError("an fx Node is pickled with its Graph (pickle the GraphModule)")


def _format_arg(arg, max_list_len=float("inf")) -> str:
    if isinstance(arg, Node):
        return "%" + str(arg)
    if isinstance(arg, tuple) and not hasattr(arg, "_fields"):
        items = ", ".join(_format_arg(a) for a in arg)
        return f"({items},)" if len(arg) == 1 else f"({items})"
    if isinstance(arg, list):
        return "[" + ", ".join(_format_arg(a) for a in arg) + "]"
    if isinstance(arg, dict):
        return "{" + ", ".join(f"{k}: {_format_arg(v)}" for k, v in arg.items()) + "}"
    if isinstance(arg, (types.FunctionType, types.BuiltinFunctionType)):
        return _qualified_name(arg)
    return str(arg)

