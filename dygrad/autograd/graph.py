"""Seeing the graph a step built: walk grad_fn.next_functions, print it, or write Graphviz DOT."""
__all__ = ["walk", "format_graph", "to_dot"]


def walk(root):
    """Yields (node, depth) over the graph reachable from a tensor or node, iteratively."""
    node = getattr(root, "grad_fn", root)
    if node is None:
        return
    seen = set()
    stack = [(node, 0)]
    while stack:
        n, d = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        yield n, d
        for nf, _ in reversed(n.next_functions):
            if nf is not None:
                stack.append((nf, d + 1))


def _label(n):
    from .node import AccumulateGrad
    if isinstance(n, AccumulateGrad):
        v = n.variable
        return f"AccumulateGrad {tuple(v._data.shape)} {v.dtype}"
    return n.name()


def format_graph(root):
    """An indented text picture of the graph (one line per node, leaves show shape and dtype)."""
    return "\n".join("  " * d + _label(n) for n, d in walk(root))


def to_dot(root, name="graph"):
    """The graph in Graphviz DOT (render with `dot -Tpng`)."""
    lines = [f"digraph {name} {{", '  node [shape=box, fontname="Helvetica"];']
    ids = {}
    for n, _ in walk(root):
        ids[id(n)] = f"n{len(ids)}"
        lines.append(f'  {ids[id(n)]} [label="{_label(n)}"];')
    for n, _ in walk(root):
        for nf, _ in n.next_functions:
            if nf is not None:
                lines.append(f"  {ids[id(nf)]} -> {ids[id(n)]};")
    lines.append("}")
    return "\n".join(lines)
