"""replace_pattern: find every non-overlapping occurrence of a pattern's dataflow in a
GraphModule and put a replacement's nodes in its place."""
from __future__ import annotations

from typing import Callable, Dict, List, NamedTuple, Union

from .graph_module import GraphModule
from .node import Node, map_arg

__all__ = ["Match", "replace_pattern"]


class Match(NamedTuple):
    anchor: Node                 # the node the pattern's output matched
    nodes_map: Dict[Node, Node]  # pattern node -> matched node


def _as_gm(fn) -> GraphModule:
    if isinstance(fn, GraphModule):
        return fn
    from ._symbolic_trace import symbolic_trace
    return symbolic_trace(fn)


def _same_value(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:
        return a is b


class _Matcher:
    def __init__(self, pattern_graph):
        self.placeholders = [n for n in pattern_graph.nodes if n.op == "placeholder"]
        out = next(n for n in pattern_graph.nodes if n.op == "output")
        if not isinstance(out.args[0], Node):
            raise NotImplementedError("replace_pattern: the pattern must return one value")
        self.anchor = out.args[0]

    def match(self, gn: Node):
        self.map: Dict[Node, object] = {}
        if not self._match(self.anchor, gn):
            return None
        return self.map

    def _match_arg(self, pa, ga) -> bool:
        if isinstance(pa, Node):
            if pa.op == "placeholder":
                return self._bind(pa, ga)
            return isinstance(ga, Node) and self._match(pa, ga)
        if isinstance(pa, (list, tuple)):
            return isinstance(ga, (list, tuple)) and len(pa) == len(ga) and \
                all(self._match_arg(x, y) for x, y in zip(pa, ga))
        if isinstance(pa, dict):
            return isinstance(ga, dict) and pa.keys() == ga.keys() and \
                all(self._match_arg(pa[k], ga[k]) for k in pa)
        return not isinstance(ga, Node) and _same_value(pa, ga)

    def _bind(self, pn, value) -> bool:
        if pn in self.map:
            return self.map[pn] is value
        self.map[pn] = value
        return True

    def _match(self, pn: Node, gn: Node) -> bool:
        if pn in self.map:
            return self.map[pn] is gn
        if pn.op == "placeholder":
            return self._bind(pn, gn)
        if pn.op != gn.op or pn.target != gn.target or len(pn.args) != len(gn.args):
            return False
        if pn.op == "output":
            return False
        self.map[pn] = gn
        if not self._match_arg(list(pn.args), list(gn.args)) or \
                not self._match_arg(dict(pn.kwargs), dict(gn.kwargs)):
            del self.map[pn]
            return False
        return True


def replace_pattern(gm: GraphModule, pattern: Union[Callable, GraphModule],
                    replacement: Union[Callable, GraphModule]) -> List[Match]:
    """Replaces each non-overlapping match of `pattern`'s dataflow (its operations from inputs
    to its one output) in `gm` with `replacement` (same inputs, by position); recompiles `gm`.

    Example::

        def pattern(x):
            return torch.neg(torch.neg(x))

        def replacement(x):
            return x

        torch.fx.replace_pattern(gm, pattern, replacement)
    """
    pgm, rgm = _as_gm(pattern), _as_gm(replacement)
    matcher = _Matcher(pgm.graph)
    graph = gm.graph
    taken = set()
    matches = []
    for gn in list(graph.nodes):
        if gn in taken or gn.op in ("placeholder", "output"):
            continue
        m = matcher.match(gn)
        if m is None:
            continue
        inner = {pn: g for pn, g in m.items() if pn.op != "placeholder"}
        inner_nodes = set(inner.values())
        if inner_nodes & taken:
            continue
        # a matched node other than the anchor read by anything outside the match would lose
        # its value: such a match is not replaced
        if any(u not in inner_nodes for g in inner_nodes if g is not gn for u in g.users):
            continue
        taken |= inner_nodes
        matches.append(Match(anchor=gn, nodes_map=dict(m)))
    rph = [n for n in rgm.graph.nodes if n.op == "placeholder"]
    if len(rph) != len(matcher.placeholders):
        raise ValueError(f"replace_pattern: the pattern takes {len(matcher.placeholders)} inputs "
                         f"and the replacement {len(rph)}")
    for match in matches:
        val_map = {r: match.nodes_map[p] for r, p in zip(rph, matcher.placeholders)}
        for n in rgm.graph.nodes:
            if n.op == "get_attr" and not hasattr(gm, n.target.split(".")[0]):
                from .graph_module import _copy_attr
                _copy_attr(rgm, gm, n.target)
        with graph.inserting_before(match.anchor):
            out = graph.graph_copy(rgm.graph, val_map)
        match.anchor.replace_all_uses_with(out)
        inner = [g for p, g in match.nodes_map.items() if p.op != "placeholder"]
        for node in reversed(list(graph.nodes)):
            if node in inner and not node.users:
                graph.erase_node(node)
    gm.recompile()
    return matches


_ = map_arg
