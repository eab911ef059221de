"""Turns a finished trace into straight-line Python: one forward function and one backward.

The forward is the recorded kernels in order, on bare arrays. The backward is the graph that the
eager run built, flattened: each node's own `backward` (the code eager backward runs) is called
in a fixed topological order with the arrays it saved, so gradients are computed by exactly the
code that eager mode uses, minus the engine's scheduling and the per-op tensor wrappers.
"""
import re
import sys

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.engine import _accumulate
from ..autograd.node import Node
from ..random import default_generator
from ..ops.elementwise import _Binary
from ._recorder import same_array
from . import _inline

ndarray = np.ndarray
_getrefcount = sys.getrefcount
_STANDARD = {"next_functions", "_saved", "_vers", "_sout", "_trace", "__weakref__", "__dict__"}


_FWD_VAR = re.compile(r"\b(v\d+|bn\d+(?:_\d+)?)\b")
_BWD_VAR = re.compile(r"\b(n\d+(?:_\d+)?)\b")


def _free_dead(lines, pattern):
    """Drops each array variable after the last top-level statement that reads it (not those
    the function returns): eager mode frees an intermediate as soon as nothing refers to it,
    and a replay holding every intermediate to the end needs several times the memory, whose
    fresh pages cost more than the arithmetic on them."""
    groups = []  # top-level statements: a line at the body's indent and its deeper lines
    for line in lines[1:]:
        if line.startswith("    ") and not line.startswith("     ") or not groups:
            groups.append([line])
        else:
            groups[-1].append(line)
    kept = set(pattern.findall(groups[-1][0])) if groups[-1][0].lstrip().startswith("return") \
        else set()
    last = {}
    for k, grp in enumerate(groups):
        for line in grp:
            for name in pattern.findall(line):
                last[name] = k
    out = [lines[0]]
    for k, grp in enumerate(groups):
        out += grp
        dead = sorted(n for n, j in last.items() if j == k and n not in kept)
        if dead and not grp[0].lstrip().startswith("return"):
            out.append(f"    {' = '.join(dead)} = None")
    return out


def _needed(op, needed):
    if op.out.vid in needed or (op.state is not None and op.state.vid in needed):
        return True
    return any(v.vid in needed for v in op.extra)


class NotReplayable(Exception):
    """The trace cannot be replayed; the message says why."""


def _post2(node, r):
    return node.finish(*r)


def _holds_data(x):
    if isinstance(x, (np.ndarray, Tensor)):
        return True
    if isinstance(x, (tuple, list)):
        return any(isinstance(y, (np.ndarray, Tensor)) for y in x)
    return False


def _check_node(node, stateful, applied=False):
    """A node is replayable when its backward reads data only through what it saved, or
    (stateful) through the fresh node its op's kernel returns at each replay."""
    cls = type(node)
    if node._pre_hooks or node._hooks:
        raise NotReplayable(f"{node.name()} has hooks registered on it")
    if applied and node._nout == 1:
        return "applied"  # its own _apply runs, on what it saved in this replay
    if node._nout != 1 or getattr(cls, "_multi", False):
        if not getattr(cls, "_multi", False):
            raise NotReplayable(f"{node.name()} has several outputs")
        kind = "multi"   # backward(grads, *saved): one gradient (or None) per output
    elif cls._apply is Node._apply or stateful:
        kind = "plain"
    elif isinstance(node, _Binary):
        kind = "binary"
    else:
        raise NotReplayable(f"{node.name()} has no replayable backward yet")
    if stateful:
        return kind
    names = set(node.__dict__)
    for k in cls.__mro__:
        names.update(getattr(k, "__slots__", ()))
    for name in names - _STANDARD:
        try:
            val = getattr(node, name)
        except AttributeError:
            continue
        if _holds_data(val):
            raise NotReplayable(f"{node.name()} keeps data of the run outside its saved tensors")
    return kind


class Graph:
    """The part of an eager graph a backward walks, in the order the replay runs it."""

    def __init__(self):
        self.order = []         # nodes, each before the nodes it sends gradients to
        self.kinds = []         # "plain" or "binary" per node
        self.saved = []         # per node: the Values its backward reads
        self.edges = []         # per node: (k, ("node", j) or ("src", Value))
        self.sources = []       # Values (args/externals) that receive gradients
        self.index = {}         # id(node) -> position in order
        self.out_shapes = []    # shape of each node's forward output
        self.states = []        # per node: the Value of its replayed state node, or None
        self.nouts = []         # per node: how many outputs it has


def analyze(trace, roots, leaves_only=False):
    """Walks back from root nodes through traced nodes to the arguments and captured tensors."""
    source_of = {}
    for v in trace.args + trace.externals:
        t = v.tensor
        if t._rg or t.grad_fn is not None:
            node, nr = t._grad_node()
            source_of[(id(node), nr)] = v
    order, seen = [], set()
    stack = [(r, False) for r in roots]
    while stack:  # iterative DFS; post-order reversed is a topological order
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        if id(node) not in trace.node_op:
            raise NotReplayable(f"the graph reaches {node.name()}, an operation that was not "
                                "traced")
        stack.append((node, True))
        for nf, nr in node.next_functions:
            if nf is not None and (id(nf), nr) not in source_of and id(nf) not in seen:
                stack.append((nf, False))
    order.reverse()
    order = _engine_order(roots, order, source_of) or order
    g = Graph()
    g.order = order
    g.index = {id(n): i for i, n in enumerate(order)}
    src_seen = set()
    for node in order:
        op = trace.node_op[id(node)]
        g.kinds.append(_check_node(node, op.state is not None, op.applied))
        g.states.append(op.state)
        g.nouts.append(node._nout)
        g.out_shapes.append(op.out.tensor._data.shape)
        vals = []
        vers = node._vers or ()
        for k, t in enumerate(() if op.applied else node._saved or ()):
            v = trace.by_id.get(id(t))
            if v is None:
                raise NotReplayable(f"{node.name()} saves a tensor that was not traced")
            if k < len(vers) and t._vc[0] != vers[k]:
                # eager backward raises here (modified by an inplace operation): so must we
                raise NotReplayable(f"{node.name()} saves a tensor that was changed in place")
            vals.append(v)
        if node._sout is not None and node._sout[1][0] != node._sout[2]:
            raise NotReplayable(f"{node.name()} saves its output, which was changed in place")
        if node._sout is not None and not op.applied:
            mine = [v for v in (op.out,) + op.extra if v.tensor._data is node._sout[0]]
            if not mine:
                raise NotReplayable(f"{node.name()} saves an array that was not traced")
            vals.append(mine[0])
        g.saved.append(vals)
        edges = []
        for k, (nf, nr) in enumerate(node.next_functions):
            if nf is None:
                continue
            src = source_of.get((id(nf), nr))
            if src is None:
                edges.append((k, ("node", g.index[id(nf)], nr)))
                continue
            if leaves_only and src.tensor.grad_fn is not None:
                raise NotReplayable("backward() inside the traced function would continue into "
                                    "the graph of an input that is not a leaf")
            if id(src) not in src_seen:
                src_seen.add(id(src))
                g.sources.append(src)
            edges.append((k, ("src", src, 0)))
        g.edges.append(edges)
    return g


def _engine_order(roots, nodes, source_of):
    """The order in which the autograd engine runs these nodes (a LIFO of the nodes whose
    gradients are complete, as autograd/engine.py schedules them), so that a gradient summed
    from several uses adds its terms in the eager order: float sums in another order can
    differ in the last bit."""
    inside = {id(n) for n in nodes}
    deps = dict.fromkeys(inside, 0)
    for n in nodes:
        for nf, nr in n.next_functions:
            if nf is not None and id(nf) in inside and (id(nf), nr) not in source_of:
                deps[id(nf)] += 1
    ready = [r for r in roots if deps[id(r)] == 0]
    ready.reverse()  # the first root runs first
    order = []
    while ready:
        n = ready.pop()
        order.append(n)
        for nf, nr in n.next_functions:
            if nf is not None and id(nf) in inside and (id(nf), nr) not in source_of:
                deps[id(nf)] -= 1
                if deps[id(nf)] == 0:
                    ready.append(nf)
    return order if len(order) == len(nodes) else None


def emit_backward(g, roots, val, ns, tag, indent="    "):
    """Code lines running graph g. roots: (node, expression of its incoming gradient, ones, sure,
    output number) where ones is the dtype of an implicit all-ones gradient (else None) and sure
    says the gradient cannot be None; val(Value) names an array (or a stateful op's node).
    Returns (lines, {id(source Value):
    variable holding its gradient}, the set of those variables that certainly hold an array,
    the temporaries to drop before gradients are stored)."""
    consts = [0]

    def const(value):
        name = f"{tag}C{consts[0]}"
        consts[0] += 1
        ns[name] = value
        return name

    src_var = {id(v): f"{tag}p{j}" for j, v in enumerate(g.sources)}
    state = {}   # variable -> "sure" (an array) or "maybe" (an array or None); absent: unset
    # variables that may hold a constant of the plan (or a view of one): never written in place
    # and never handed to code that might keep or modify it, without a copy first
    borrowed = set()
    assigned = set()  # every variable the lines set (dropped before gradients are stored)
    lines = []

    def give(var, expr, sure, pad, lent=False):
        """Adds a gradient contribution expr to var (None-valued contributions add nothing)."""
        st = state.get(var)
        assigned.add(var)
        if st is None:
            lines.append(f"{pad}{var} = {expr}")
            state[var] = "sure" if sure else "maybe"
            if lent:
                borrowed.add(var)
            return
        borrowed.discard(var)  # a sum is a new array
        if sure and st == "sure":
            lines.append(f"{pad}{var} = _add({var}, {expr})")
        elif sure:
            assigned.add("x")
            lines.append(f"{pad}x = {expr}")
            lines.append(f"{pad}{var} = x if {var} is None else {var} + x")
            state[var] = "sure"
        else:
            assigned.add("x")
            lines.append(f"{pad}x = {expr}")
            lines.append(f"{pad}if x is not None:")
            lines.append(f"{pad}    {var} = x if {var} is None else {var} + x")

    def gvar(i, nr):  # the gradient flowing into output nr of node i
        return f"{tag}n{i}" if not nr else f"{tag}n{i}_{nr}"

    def target(kind, t, nr):
        return gvar(t, nr) if kind == "node" else src_var[id(t)]

    ones_root = {}
    for node, expr, ones, sure, nr in roots:
        i = g.index[id(node)]
        var = gvar(i, nr)
        if ones is not None and len(roots) == 1 and not g.saved[i] and g.states[i] is None \
                and g.kinds[i] != "multi":
            # backward() of a loss with an implicit gradient of one, through a node that saved
            # nothing (sum, mean, a view): what it sends on is a constant, computed once
            ones_root[var] = _constant_grads(node, g.kinds[i], g.out_shapes[i], ones, const)
            state[var] = "sure"
            continue
        give(var, expr, sure, indent)
    for i, node in enumerate(g.order):
        var = f"{tag}n{i}"
        if g.kinds[i] == "multi":
            _emit_multi(i, node, g, [gvar(i, k) for k in range(g.nouts[i])], state, borrowed,
                        val, ns, tag, indent, lines, give, target, assigned)
            continue
        st = state.get(var)
        if st is None:
            continue
        pad = indent
        if st == "maybe":
            lines.append(f"{indent}if {var} is not None:")
            pad = indent + "    "
        saved = [val(v) for v in g.saved[i]]
        if g.states[i] is not None:
            exprs = None  # its backward reads the state node of this replay
        elif var in ones_root:
            exprs = ones_root[var]
            lent = set(range(len(exprs)))
        else:
            exprs = _inline.emit(node, var, saved, g.out_shapes[i], const)
            lent = set()
            if exprs is not None and var in borrowed:
                lent = {k for k, e in enumerate(exprs) if e is not None and _inline.is_view(e, var)}
        if exprs is not None:
            for k, (kind, t, nr) in g.edges[i]:
                if exprs[k] is not None:
                    give(target(kind, t, nr), exprs[k], st == "sure", pad, k in lent)
            continue
        if var in borrowed:
            lines.append(f"{pad}{var} = {var}.copy()")
        if g.states[i] is not None:
            name = val(g.states[i])
        else:
            name = f"{tag}T{i}"
            ns[name] = node
        args = "".join(", " + s for s in saved)
        assigned.add("r")
        if g.kinds[i] == "applied":
            lines.append(f"{pad}r = {name}._apply([{var}], False)")
        else:
            lines.append(f"{pad}r = {name}.backward({var}{args})")
        if g.kinds[i] in ("plain", "applied"):
            lines.append(f"{pad}if type(r) is not tuple:")
            lines.append(f"{pad}    r = (r,)")
        else:
            sa, sb = node.shapes
            oshape = g.out_shapes[i]
            if sa != oshape or sb != oshape or node.dtypes != (None, None):
                lines.append(f"{pad}r = _post2({name}, r)")
        for k, (kind, t, nr) in g.edges[i]:
            give(target(kind, t, nr), f"r[{k}]", False, pad)
    # a variable first set inside an `if` must exist afterwards: declare those up front
    first = [f"{indent}{var} = None" for var, st in state.items() if st == "maybe"]
    unset = [f"{indent}{v} = None" for v in src_var.values() if v not in state]
    sure = {v for v in src_var.values() if state.get(v) == "sure"}
    # what to drop before gradients are stored: the engine keeps a gradient nobody else holds
    # without a copy, which the replay decides by reference counts as the engine does
    temps = sorted(assigned - set(src_var.values()))
    return first + lines + unset, src_var, sure, temps


def _emit_multi(i, node, g, gvars, state, borrowed, val, ns, tag, indent, lines, give, target,
                assigned):
    """The call of a several-output node: backward(grads, *saved), grads holding None for the
    outputs that received no gradient (as the engine passes them)."""
    sts = [state.get(v) for v in gvars]
    if all(st is None for st in sts):
        return
    pad = indent
    if "sure" not in sts:
        cond = " or ".join(f"{v} is not None" for v, st in zip(gvars, sts) if st)
        lines.append(f"{indent}if {cond}:")
        pad = indent + "    "
    for v, st in zip(gvars, sts):
        if v in borrowed:
            lines.append(f"{pad}{v} = {v}.copy()" if st == "sure" else
                         f"{pad}{v} = None if {v} is None else {v}.copy()")
    grads = ", ".join(v if st else "None" for v, st in zip(gvars, sts))
    if g.states[i] is not None:
        name = val(g.states[i])
    else:
        name = f"{tag}T{i}"
        ns[name] = node
    args = "".join(", " + val(v) for v in g.saved[i])
    assigned.add("r")
    lines.append(f"{pad}r = {name}.backward([{grads}]{args})")
    lines.append(f"{pad}if type(r) is not tuple:")
    lines.append(f"{pad}    r = (r,)")
    for k, (kind, t, nr) in g.edges[i]:
        give(target(kind, t, nr), f"r[{k}]", False, pad)


def _constant_grads(node, kind, shape, dtype, const):
    """Names of the (read-only) gradients node sends on for an incoming gradient of ones."""
    r = node.backward(np.ones(shape, dtype))
    if kind == "plain":
        r = r if type(r) is tuple else (r,)
    else:
        r = node.finish(*r)
    names = []
    for x in r:
        if isinstance(x, ndarray):
            x.setflags(write=False)
        names.append(None if x is None else const(x))
    return tuple(names)


def emit_leaf_acc(tensor, var, sure, like, ns, indent="    "):
    """Lines storing the gradient in var into the leaf `tensor` (an expression), as
    AccumulateGrad does; the common case (an empty .grad, no hooks, an array only var holds)
    keeps the array without a copy, decided as the engine's _store_grad decides it."""
    lines = []
    pad = indent
    if not sure:
        lines.append(f"{indent}if {var} is not None:")
        pad = indent + "    "
    # the leaf's shape and dtype are guarded (argument key, captured-tensor guard): constants
    k = len([n for n in ns if n.startswith("LS")])
    ns[f"LS{k}"], ns[f"LD{k}"] = like.shape, like.dtype
    lines += [
        f"{pad}t = {tensor}",
        f"{pad}if (t._grad is None and t._hooks is None and t._post_hooks is None and "
        f"type({var}) is _ndarray and {var}.dtype == LD{k} and {var}.shape == LS{k} and "
        f"_getrefcount({var}) <= 2 and {var}.base is None and (f := {var}.flags).writeable "
        f"and f.c_contiguous):",
        f"{pad}    n = _new(_Tensor)  # _wrap({var}), inlined",
        f"{pad}    n._data = {var}",
        f"{pad}    n._rg = False",
        f"{pad}    n.grad_fn = None",
        f"{pad}    n._vc = [0]",
        f"{pad}    t._grad = n",
        f"{pad}else:",
        f"{pad}    f = _getrefcount({var}) <= 2  # only this variable holds it",
        f"{pad}    _accumulate(t._grad_node()[0], {var}, False, f)",
    ]
    return lines


class Plan:
    """A replayable trace: generated code and what it needs from the caller."""

    def __init__(self, trace, outputs):
        trace.check_versions()
        if trace.problem is not None:
            raise NotReplayable(trace.problem)
        vc_users = {}
        for v in trace.values:
            if v.tensor is not None:
                vc_users.setdefault(id(v.tensor._vc), {})[id(v.tensor)] = v
        returned = {id(o) for o in outputs}
        out_values = []
        for o in outputs:
            v = trace.by_id.get(id(o))
            if v is None or v.kind != "out":
                raise NotReplayable("the function returns a tensor that none of its traced "
                                    "operations computed (an input, or a captured tensor)")
            # a view of an intermediate nothing else returns (`flatten` ending a model) is an
            # ordinary output: the caller cannot reach its base to write through it
            if any(k != id(o) and (w.kind != "out" or k in returned)
                   for k, w in vc_users[id(o._vc)].items()):
                raise NotReplayable("the function returns a view of another tensor")
            if o.grad_fn is not None and o._nr != 0 and \
                    not getattr(type(o.grad_fn), "_multi", False):
                raise NotReplayable("an output is not the first output of its operation")
            out_values.append(v)
        self.ext = [v.tensor for v in trace.externals]
        self.out_diff = [o.grad_fn is not None for o in outputs]
        self.out_index = {v.vid: k for k, v in enumerate(out_values)}
        self.n_diff = sum(self.out_diff)
        self.consumed = None    # shared grad_fn of outputs whose graph a backward() consumed
        self.sources = []
        self.residuals = []
        self.bwd = None
        self.bwd_code = ""
        self.stepped = any(op.kind == "backward" for op in trace.ops)
        if self.stepped:
            inner = next(op.graph for op in trace.ops if op.kind == "backward")
            for o in outputs:
                if o.grad_fn is not None and id(o.grad_fn) not in inner.index:
                    raise NotReplayable("an output has a graph that the backward() inside the "
                                        "function did not consume")
        else:
            roots = [o.grad_fn for o in outputs if o.grad_fn is not None]
            if roots:
                self._build_backward(analyze(trace, roots), outputs)
        self._build_forward(trace, out_values)
        # residuals the user can reach (inputs, captured tensors, outputs): in-place changes to
        # them before backward must raise, as they do in eager mode
        self.visible = []
        for v in self.residuals:
            if v.kind in ("arg", "ext"):
                self.visible.append((v.kind, v.index))
            elif v.vid in self.out_index:
                self.visible.append(("out", self.out_index[v.vid]))

    def _build_backward(self, g, outputs):
        res_index = {}

        def val(v):
            if v.vid not in res_index:
                res_index[v.vid] = len(self.residuals)
                self.residuals.append(v)
            return f"s{res_index[v.vid]}"

        ns = {"_post2": _post2, **_inline.HELPERS}
        roots, params = [], []
        for o in outputs:
            if o.grad_fn is not None:
                params.append(f"g{len(params)}")
                roots.append((o.grad_fn, params[-1], None, False, o._nr))
        if len(roots) == 1:  # the engine runs a one-output node only with a gradient
            roots[0] = roots[0][:3] + (True, roots[0][4])
        lines, src_var, _, _ = emit_backward(g, roots, val, ns, "")
        self.sources = [(v.kind, v.index) for v in g.sources]
        params += [f"s{j}" for j in range(len(self.residuals))]
        ret = "".join(src_var[id(v)] + ", " for v in g.sources)
        code = [f"def backward({', '.join(params)}):"] + lines + [f"    return ({ret})"]
        self.bwd_code = "\n".join(_free_dead(code, _BWD_VAR)) + "\n"
        exec(compile(self.bwd_code, "<dygrad.jit backward>", "exec"), ns)
        self.bwd = ns["backward"]

    # -- forward ------------------------------------------------------------------------------
    def _build_forward(self, trace, out_values):
        self.fwd_code, self.fwd = self._emit_forward(trace, out_values, True)
        # the replay must give what the eager run gave, bit for bit, on the same inputs (checked
        # on the forward alone: replaying a backward() would accumulate gradients again)
        pure = all(op.kind == "op" for op in trace.ops)
        check = self.fwd if pure else self._emit_forward(trace, out_values, False)[1]

        def as_run(v):  # the tensor as the traced run read it (before an effect wrote it)
            arr = trace.before.get(v.vid)
            if arr is None:
                return v.tensor
            t = _wrap(arr, v.tensor._rg)
            t.grad_fn = v.tensor.grad_fn
            return t
        rng = default_generator._rng.bit_generator
        now = rng.state
        rng.state = trace.rng  # random kernels draw again what the traced run drew
        try:
            outs, _ = check([as_run(v) for v in trace.args],
                            [as_run(v) for v in trace.externals])
        finally:
            rng.state = now
        for arr, v in zip(outs, out_values):
            if not same_array(np.asarray(arr), v.tensor._data):
                raise NotReplayable("replaying the recorded operations does not reproduce "
                                    "the eager result")

    def _emit_forward(self, trace, out_values, full):
        needed = {v.vid for v in out_values} | {v.vid for v in self.residuals}
        live = []
        for op in reversed(trace.ops):  # drop ops whose results nothing uses
            if op.kind == "op" and not op.keep and not _needed(op, needed) or \
                    op.kind != "op" and not full:
                continue
            live.append(op)
            if op.kind == "backward":
                for vals in op.graph.saved:
                    needed.update(v.vid for v in vals)
                needed.update(v.vid for v in op.graph.states if v is not None)
            for x in op.ins:
                if not isinstance(x, tuple):
                    needed.add(x.vid)
        live.reverse()
        ns = {"_asarray": np.asarray, "_post2": _post2, "_ones": np.ones,
              "_array": np.array, "_ndarray": ndarray, "_getrefcount": _getrefcount,
              "_new": object.__new__, "_Tensor": Tensor, "_accumulate": _accumulate,
              **_inline.HELPERS}
        lines = ["def forward(A, E):"]
        for j, t in enumerate(trace.none_grads if full else ()):
            ns[f"G{j}"] = t
            lines.append(f"    if G{j}._grad is not None:")
            lines.append("        return None")
        for v in trace.args:
            if v.vid in needed:
                lines.append(f"    v{v.vid} = A[{v.index}]._data")
        for v in trace.externals:
            # a captured tensor is read afresh each call; if it changed shape, dtype or
            # requires_grad the plan no longer fits and the caller traces again
            t = v.tensor
            j = v.index
            ns[f"S{j}"], ns[f"D{j}"] = t._data.shape, t._data.dtype
            lines.append(f"    e = E[{j}]")
            lines.append(f"    v{v.vid} = e._data")
            lines.append(f"    if v{v.vid}.shape != S{j} or v{v.vid}.dtype != D{j} or e._rg is not "
                         f"{t._rg} or e.grad_fn is {'not ' if t.grad_fn is None else ''}None:")
            lines.append("        return None")

        def tensor_of(v):
            return f"A[{v.index}]" if v.kind == "arg" else f"E[{v.index}]"

        grads = [v for v in trace.values if v.kind == "grad"]
        bound = set()

        def bind_grads(indent="    "):
            # .grad values read after the backward(): the replay's gradients (in the check,
            # the arrays the traced run read)
            for v in grads:
                if v.vid in needed and v.vid not in bound:
                    bound.add(v.vid)
                    if full:
                        lines.append(f"{indent}v{v.vid} = {tensor_of(v.index)}._grad._data")
                    else:
                        ns[f"GA{v.vid}"] = trace.grad_arrays[v.vid]
                        lines.append(f"{indent}v{v.vid} = GA{v.vid}")

        if not full:
            bind_grads()
        consts = 0
        effect_seen = False
        for i, op in enumerate(live):
            if op.kind != "op":
                effect_seen = True
            elif op.applied:
                op.kernel.after_effect = effect_seen
            if op.kind == "write":
                target, r = op.ins
                where = (f"{tensor_of(target.index)}._grad._data" if target.kind == "grad"
                         else f"{tensor_of(target)}._data")
                ns["_copyto"] = np.copyto
                lines.append(f"    _copyto({where}, v{r.vid})  # in-place update")
                continue
            if op.kind == "clear_grad":  # replays never run inside a trace: skip the setter
                lines.append(f"    {tensor_of(op.ins[0])}._grad = None")
                continue
            if op.kind == "effect":
                ns[f"k{i}"] = op.kernel
                lines.append(f"    k{i}()  # {op.name}")
                for v in op.ins:  # later ops see the tensors as the effect left them
                    if v.kind in ("arg", "ext"):
                        lines.append(f"    v{v.vid} = {tensor_of(v)}._data")
                continue
            if op.kind == "backward":
                g = op.graph
                root = op.ins[0]
                d = root.tensor._data
                ones = None
                if len(op.ins) > 1:
                    expr = f"v{op.ins[1].vid}"
                else:
                    ones = d.dtype
                    ns["_root_dtype"] = d.dtype
                    expr = ("_array(1, _root_dtype)" if d.ndim == 0 else
                            f"_ones({d.shape!r}, _root_dtype)")
                blines, src_var, sure, temps = emit_backward(
                    g, [(root.tensor.grad_fn, expr, ones, True, root.tensor._nr)],
                    lambda v: f"v{v.vid}", ns, "b")
                lines.append("    # backward()")
                lines += blines
                if temps:
                    lines.append(f"    {' = '.join(temps)} = None")
                for v in g.sources:
                    var = src_var[id(v)]
                    lines += emit_leaf_acc(tensor_of(v), var, var in sure, v.tensor._data, ns)
                bind_grads()
                continue
            ns[f"k{i}"] = op.kernel
            names = []
            for x in op.ins:
                if isinstance(x, tuple):
                    ns[f"c{consts}"] = x[1]
                    names.append(f"c{consts}")
                    consts += 1
                else:
                    names.append(f"v{x.vid}")
            expr = f"k{i}({', '.join(names)})"
            outs = (op.out,) + op.extra
            if len(outs) == 1 and op.state is None:
                if op.out.tensor._data.ndim == 0:
                    expr = f"_asarray({expr})"
                lines.append(f"    v{op.out.vid} = {expr}  # {op.name}")
                continue
            targets = [f"v{v.vid}" for v in outs] + ([f"v{op.state.vid}"] if op.state else [])
            lines.append(f"    {', '.join(targets)} = {expr}  # {op.name}")
            for v in outs:
                if v.tensor._data.ndim == 0:
                    lines.append(f"    v{v.vid} = _asarray(v{v.vid})")
        outs = "".join(f"v{v.vid}, " for v in out_values)
        res = "".join(f"v{v.vid}, " for v in self.residuals)
        lines.append(f"    return ({outs}), ({res})")
        code = "\n".join(_free_dead(lines, _FWD_VAR)) + "\n"
        self.ops = [op for op in live if op.kind == "op"]
        exec(compile(code, "<dygrad.jit forward>", "exec"), ns)
        return code, ns["forward"]
