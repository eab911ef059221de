"""GraphModule: an nn.Module whose forward is the Python code generated from a Graph.

The attributes the graph reads (submodules, parameters, buffers, constants) are copied from the
root it was made from. `recompile()` writes the code again from the graph after edits. Pickling
(dygrad.save of the whole module) stores the graph as plain data (ops, names, attribute paths,
and functions by their public names, checked against the safe-checkpoint allowlist on load) and
the code is generated again when it loads: no source text is ever stored or read back.
"""
from __future__ import annotations

import builtins
import copy
import itertools
import linecache
import operator
import os
from typing import Any, Dict, Union

from ..nn import Module
from .graph import Graph, PythonCode
from .node import map_arg

__all__ = ["GraphModule"]

_counter = itertools.count()


def _copy_attr(src: Module, dst: Module, target: str):
    *prefix, field = target.split(".")
    for item in prefix:
        f = getattr(src, item)
        t = getattr(dst, item, None)
        if f is t:
            return
        if t is None:
            t = Module()
            setattr(dst, item, t)
        src, dst = f, t
    orig = getattr(src, field)
    if hasattr(src, "_buffers") and field in src._buffers:
        dst.register_buffer(field, orig, persistent=field not in src._non_persistent_buffers_set)
    else:
        setattr(dst, field, orig)


def _assign_attr(obj: Any, dst: Module, target: str):
    *prefix, field = target.split(".")
    for item in prefix:
        t = getattr(dst, item, None)
        if t is None:
            t = Module()
            setattr(dst, item, t)
        dst = t
    setattr(dst, field, obj)


class GraphModule(Module):
    """A module made from a Graph: calling it runs the code generated from the graph.

    Example::

        >>> gm = torch.fx.symbolic_trace(lambda x: torch.relu(x) * 2)
        >>> gm(torch.tensor([-1.0, 3.0]))
        tensor([0., 6.])
    """

    def __init__(self, root: Union[Module, Dict[str, Any]], graph: Graph,
                 class_name: str = "GraphModule"):
        super().__init__()
        self.__dict__["_class_name"] = class_name
        if isinstance(root, Module):
            if hasattr(root, "training"):
                self.training = root.training
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    _copy_attr(root, self, node.target)
        elif isinstance(root, dict):
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    if node.target not in root:
                        raise RuntimeError(f"Node {node} referenced target {node.target} but "
                                           "that target was not provided in ``root``!")
                    _assign_attr(root[node.target], self, node.target)
        else:
            raise RuntimeError("Unsupported type " + str(root) + " passed for root!")
        self.__dict__["meta"] = {}
        self.graph = graph

    def _get_name(self):
        return self.__dict__.get("_class_name", "GraphModule")

    @property
    def graph(self) -> Graph:
        return self.__dict__["_graph"]

    @graph.setter
    def graph(self, g: Graph) -> None:
        if not isinstance(g, Graph):
            raise TypeError(f"GraphModule.graph must be a Graph, got {type(g).__name__}")
        self.__dict__["_graph"] = g
        g.owning_module = self
        self.recompile()

    @property
    def code(self) -> str:
        """The Python source of forward, generated from the graph."""
        return self.__dict__["_code"]

    def recompile(self) -> PythonCode:
        """Writes forward again from the graph (call it after editing the graph)."""
        python_code = self.graph.python_code(root_module="self")
        src = python_code.src
        filename = f"<eval_with_key>.{next(_counter)}"
        linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
        g = dict(python_code.globals)
        # the source was written by CodeGen from the graph's nodes, never taken from a user
        exec(compile(src, filename, "exec"), g)  # noqa: S102
        self.__dict__["_code"] = src
        self.__dict__["forward"] = g["forward"].__get__(self)
        return python_code

    def __call__(self, *args, **kwargs):
        from ._patching import _Routing, _tracer_of, _active
        if _active[0] == 0 and _tracer_of(args, kwargs) is not None:
            with _Routing():  # Proxies outside a trace: the code's calls record into their graph
                return super().__call__(*args, **kwargs)
        return super().__call__(*args, **kwargs)

    def print_readable(self, print_output: bool = True, include_stride: bool = False,
                       include_device: bool = False, colored: bool = False) -> str:
        """The module as a class definition with its generated forward (printed and returned)."""
        body = self.code.strip("\n").rstrip()
        lines = [f"class {self._get_name()}(torch.nn.Module):"]
        lines += ["    " + ln if ln else ln for ln in body.splitlines()]
        text = "\n".join(lines) + "\n"
        if print_output:
            print(text)
        return text

    def __str__(self) -> str:
        return (Module.__repr__(self) + "\n\n" + self.code +
                "\n# To see more debug info, please use `graph_module.print_readable()`")

    def delete_submodule(self, target: str) -> bool:
        *path, name = target.split(".")
        mod = self
        for item in path:
            if not hasattr(mod, item):
                return False
            mod = getattr(mod, item)
        if name not in mod._modules:
            return False
        delattr(mod, name)
        return True

    def add_submodule(self, target: str, m: Module) -> bool:
        *prefix, field = target.split(".")
        mod = self
        for item in prefix:
            sub = getattr(mod, item, None)
            if sub is None:
                sub = Module()
                setattr(mod, item, sub)
            if not isinstance(sub, Module):
                return False
            mod = sub
        setattr(mod, field, m)
        return True

    def delete_all_unused_submodules(self) -> None:
        used = set()
        for node in self.graph.nodes:
            if node.op in ("call_module", "get_attr"):
                parts = node.target.split(".")
                used.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        for name, _ in list(self.named_modules()):
            if name and name not in used:
                self.delete_submodule(name)

    def to_folder(self, folder: Union[str, os.PathLike], module_name: str = "FxModule"):
        """Writes module.py (the class with its generated forward and the submodule reprs as
        comments) and state_dict.pt (dygrad.save of the state dict) into `folder`."""
        import dygrad
        os.makedirs(folder, exist_ok=True)
        dygrad.save(self.state_dict(), os.path.join(folder, "state_dict.pt"))
        code = self.code.strip("\n").rstrip()
        text = ["import torch", "from torch.nn import *", "", "",
                f"class {module_name}(torch.nn.Module):", "    # submodules and parameters:"]
        text += ["    # " + ln for ln in repr(Module.__repr__(self)).strip("'").split("\\n")]
        text += ["    " + ln if ln else ln for ln in code.splitlines()]
        with open(os.path.join(folder, "module.py"), "w", encoding="utf-8") as f:
            f.write("\n".join(text) + "\n")

    # -- copying and pickling ------------------------------------------------------------
    def __deepcopy__(self, memo):
        res = GraphModule.__new__(type(self))
        memo[id(self)] = res
        skip = ("forward", "_graph", "_code")
        state = {k: v for k, v in self.__dict__.items() if k not in skip}
        res.__dict__.update(copy.deepcopy(state, memo))
        res.graph = copy.deepcopy(self.graph, memo)
        return res

    def __copy__(self):
        res = GraphModule(self, self.graph, self._get_name())
        return res

    def __getstate__(self):
        d = {k: v for k, v in self.__dict__.items() if k not in ("forward", "_graph", "_code")}
        d["_fx_graph_data"] = _graph_to_data(self.graph)
        return d

    def __setstate__(self, state):
        data = state.pop("_fx_graph_data")
        self.__dict__.update(state)
        self.graph = _graph_from_data(data)


# -- the graph as plain data ---------------------------------------------------------------
def _fx_functions():
    from . import _symbolic_trace, proxy
    return {"_assert_is_none": _symbolic_trace._assert_is_none,
            "_assert_concrete": _symbolic_trace._assert_concrete, "_setitem": proxy._setitem}


def _encode_target(t):
    """Python's operator and builtin functions (and fx's own checks) are stored by name and
    looked up in those modules on load; any other function is pickled by reference, which the
    safe checkpoint loader resolves only for dygrad's functions and allowlisted ones."""
    name = getattr(t, "__name__", None)
    if isinstance(name, str):
        if getattr(operator, name, None) is t:
            return ("__operator__", name)
        if getattr(builtins, name, None) is t:
            return ("__builtins__", name)
        if _fx_functions().get(name) is t:
            return ("__fx__", name)
    return t


def _decode_target(t):
    if isinstance(t, tuple) and len(t) == 2 and isinstance(t[1], str):
        allowed = {"__operator__": (operator, _OPERATOR_OK), "__builtins__": (builtins, _BUILTIN_OK)}
        if t[0] in allowed:
            mod, ok = allowed[t[0]]
            if t[1] not in ok:
                raise _refused(f"the function {t[0].strip('_')}.{t[1]}")
            return getattr(mod, t[1])
        if t[0] == "__fx__" and t[1] in _fx_functions():
            return _fx_functions()[t[1]]
    return t


# what a loaded graph may call from Python's operator and builtins modules: arithmetic,
# comparisons, indexing and plain conversions, never anything that runs code or reaches the
# interpreter (operator.call, methodcaller, eval, type, ...)
_OPERATOR_OK = frozenset(
    "add sub mul truediv floordiv mod pow matmul lshift rshift and_ or_ xor eq ne lt le gt ge neg "
    "pos invert abs not_ truth getitem setitem contains concat is_ is_not index".split())
_BUILTIN_OK = frozenset("getattr len abs min max sum round int float bool tuple list dict slice "
                        "range isinstance".split())


def _refused(what):
    from .._safe_globals import UnsafeGlobalError
    return UnsafeGlobalError(f"GraphModule checkpoint: {what} is not loaded (a loaded graph may "
                             "not reach private or dunder attributes, or call code-running "
                             "functions)")


def _check_loaded_node(op, target, args):
    """A graph from a file runs when the module is called: it may not walk to private or dunder
    attributes (x.__class__.__subclasses__() ... is how Python sandboxes are escaped)."""
    if op in ("call_method", "get_attr", "call_module"):
        private = "_" if op == "call_method" else "__"
        if not isinstance(target, str) or any(p.startswith(private) for p in target.split(".")):
            raise _refused(f"the {op} target {target!r}")
    if op == "call_function" and target is builtins.getattr:
        if len(args) < 2 or not isinstance(args[1], str) or args[1].startswith("_"):
            raise _refused("getattr of a private or dunder attribute")


def _graph_to_data(graph: Graph):
    index = {n: i for i, n in enumerate(graph.nodes)}
    out = []
    for n in graph.nodes:
        enc = lambda a: ("__node__", index[a])  # noqa: E731
        target = _encode_target(n.target) if n.op == "call_function" else n.target
        out.append((n.op, n.name, target, map_arg(n.args, enc), map_arg(n.kwargs, enc)))
    return out


def _graph_from_data(data) -> Graph:
    g = Graph()
    nodes = []

    def dec(a):
        if isinstance(a, tuple) and len(a) == 2 and a[0] == "__node__" and isinstance(a[1], int):
            return nodes[a[1]]
        if isinstance(a, tuple):
            return tuple(dec(x) for x in a)
        if isinstance(a, list):
            return [dec(x) for x in a]
        if isinstance(a, dict):
            return {k: dec(v) for k, v in a.items()}
        if isinstance(a, slice):
            return slice(dec(a.start), dec(a.stop), dec(a.step))
        return a
    for op, name, target, args, kwargs in data:
        if op == "call_function":
            target = _decode_target(target)
        _check_loaded_node(op, target, args)
        n = g.create_node(op, target, dec(args), dec(kwargs), name)
        nodes.append(n)
    return g
