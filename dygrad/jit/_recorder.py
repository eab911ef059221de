"""What a trace records while the user's function runs eagerly once.

Every op records its result through dygrad/ops/_record.py, whose capture hook calls
`record(kernel, inputs, out)` for the ops that give a replay kernel: `kernel(*input_arrays)` must
give `out`'s array again for new inputs of the same shapes and dtypes. Everything else that could make a replay differ from running the function
(a tensor made by an op that does not record, a value turned into a Python number, an in-place
write, a backward inside the function) marks the trace as not replayable, with the reason.
"""
import numpy as np

from .._tensor import Tensor


class Value:
    """One array of the trace: an argument, a captured tensor, or an op's output."""
    __slots__ = ("vid", "kind", "index", "tensor")

    def __init__(self, vid, kind, index, tensor):
        self.vid = vid          # position in Trace.values; names the array `v{vid}` in code
        # "arg", "ext" (captured from outside), "out", or "grad" (the .grad of the Value
        # `index`, read after the function's backward(): the replay reads it afresh)
        self.kind = kind
        self.index = index      # position among the arguments / externals
        self.tensor = tensor


class Op:
    __slots__ = ("kernel", "ins", "out", "node", "name", "kind", "graph", "extra", "state",
                 "applied", "keep")

    def __init__(self, kernel, ins, out, node, name, kind="op"):
        self.kernel = kernel    # callable on arrays and constants
        self.ins = ins          # list of Value or ("const", obj)
        self.out = out          # Value of the (first) output tensor
        self.extra = ()         # Values of the further outputs of a several-output op
        # a stateful op's kernel also returns a fresh node holding what its backward reads
        # besides the saved tensors: this Value names it (its tensor is None)
        self.state = None
        # the state node is the op's own node from calling its function again (jit/_recall.py):
        # the replayed backward runs its _apply, on what it saved itself
        self.applied = False
        # the kernel has an effect besides its outputs (it updates an operand in place, or draws
        # from the generator): replays run it even when nothing uses its outputs
        self.keep = False
        self.node = node        # the output's grad_fn (None when no gradient is recorded)
        self.name = name
        # "op"; "clear_grad" (ins[0].grad = None); "backward" (of ins[0]); "effect" (kernel()
        # updates the tensors of ins in place, e.g. optimizer.step())
        self.kind = kind
        self.graph = None       # for "backward": the analysed graph (see _plan.analyze)


class Trace:
    def __init__(self, args):
        self.values = []
        self.by_id = {}         # id(tensor) -> Value
        self.made = {}          # id(tensor) -> tensor, every tensor built while tracing
        self.ops = []
        self.node_op = {}       # id(node) -> Op
        self.args = []
        self.externals = []
        self.versions = []      # (tensor, version when first seen): in-place writes show here
        self.grads = {}         # id -> .grad tensors read while tracing (never replayable inputs)
        self.backwards = 0
        self.none_grads = []    # tensors whose .grad was read as None (see grad_read)
        self.cleared = set()    # ids of tensors whose .grad the function set to None
        self.problem = None
        self.before = {}        # vid -> array before an effect wrote it in place
        self.grad_arrays = {}   # vid of a "grad" Value -> its array as first read
        # the default generator as the function found it: the plan's check replays random
        # kernels (dropout masks) from here, so they draw what the traced run drew
        self.rng = _default_rng_state()
        self.compiling = False  # a capture for torch.compile (not dygrad.jit.trace)
        for t in args:
            self.args.append(self._add(t, "arg", len(self.args)))

    # -- what ops call --------------------------------------------------------------------------
    def created(self, t):
        self.made[id(t)] = t

    def inplace(self, t, result):
        """An op wrote `result` (its out-of-place value) into the traced intermediate t: the
        replay computes result and uses it as t's value from here on (earlier readers keep the
        earlier value, as in eager). An input, a captured tensor, or a tensor with views stays
        a write the replay cannot repeat: the version check reports it."""
        if self.problem is not None:
            return
        v = self.by_id.get(id(t))
        r = self.by_id.get(id(result))
        if v is None or r is None or r.kind != "out" or t._base is not None \
                or t._vfam is not None or (t._views and any(w() is not None for w in t._views)):
            return
        if v.kind != "out":
            # a parameter's (or its .grad's) values updated outside autograd (p.data.add_(...),
            # under no_grad): the replay writes the result into that tensor's array
            if result.grad_fn is not None or v.kind == "arg":
                return
            self.ops.append(Op(None, [v, r], None, None, "write", "write"))
            self.by_id[id(v.tensor)] = r
        else:
            r.tensor = t
        self.by_id[id(t)] = r
        self.versions = [(x, t._vc[0] if x is t else ver) for x, ver in self.versions]

    def before_write(self, t):
        """t is about to be written in place: a captured tensor's values as the function found
        them are kept for the plan's check (which replays the function's reads of them)."""
        self._keep_before(self.by_id.get(id(t)))

    def _keep_before(self, v):
        """Keeps the array of v (an argument or captured tensor) as it is before a write."""
        if v is not None and v.kind in ("arg", "ext") and v.vid not in self.before:
            self.before[v.vid] = v.tensor._data.copy()

    def alias(self, t, of):
        """t shares of's array outside autograd (x.data): the same Value stands for both."""
        if self.problem is None:
            v = self._value_of(of)
            if v is not None:
                self.by_id[id(t)] = v
                # a write through t that the capture does not record shows in its version
                self.versions.append((t, t._vc[0]))

    def wrapped(self, t):
        """t was made without the recording path (an op wrapping its array itself): the op may
        still replay by calling its function again (jit/_recall.py)."""
        self.made[id(t)] = t
        if self.problem is None:
            from ._recall import recall_kernel
            found = recall_kernel(t)
            if found is not None:
                self.record(found[0], found[1], t, found[0].__name__, True, applied=True)

    def escape(self, what):
        self.fail(f"{what} turns a traced value into a Python value or runs autograd, which a "
                  "replay could not repeat")

    def fail(self, reason):
        if self.problem is None:
            self.problem = reason

    def record(self, kernel, inputs, out, name=None, stateful=False, extra=(), applied=False):
        """out (a Tensor) is kernel(*arrays of inputs); inputs are Tensors or constants.

        extra: the further outputs of an op with several (the kernel returns them all, in
        order); stateful: the kernel returns a fresh node for the backward after them."""
        if self.problem is not None:
            return
        ins = []
        for x in inputs:
            if isinstance(x, Tensor):
                v = self._value_of(x)
                if v is None:
                    return
                ins.append(v)
            else:
                ins.append(("const", x))
        node = out.grad_fn
        op = Op(kernel, ins, None, node, name or getattr(kernel, "__name__", "op"))
        op.applied = applied
        # a re-called function may draw random numbers: it runs in every replay, used or not,
        # so the generator moves on as in eager
        op.keep = op.keep or (applied and kernel.draws)
        op.out = self._add(out, "out", len(self.ops))
        if extra:
            op.extra = tuple(self._add(t, "out", len(self.ops)) for t in extra)
        if stateful:
            op.state = Value(len(self.values), "state", len(self.ops), None)
            self.values.append(op.state)
        self.ops.append(op)
        if node is not None:
            self.node_op[id(node)] = op

    def grad_read(self, t, g):
        if g is not None and self.backwards and id(g) not in self.by_id and self.problem is None:
            # a gradient the function's backward() computed: a value the replay reads from .grad
            src = self.by_id.get(id(t))
            graph = next((op.graph for op in reversed(self.ops) if op.kind == "backward"), None)
            if src is not None and graph is not None and any(v is src for v in graph.sources):
                self.grad_arrays[len(self.values)] = g._data.copy()  # for the plan's check
                self._add(g, "grad", src)
                return
        if g is None:
            # code may branch on it (optimizer.zero_grad skips a None .grad): the plan holds
            # only while this .grad is still None, so replays check it and trace again if not
            if id(t) not in self.cleared:
                self.none_grads.append(t)
            return
        if id(g) not in self.grads:
            self.grads[id(g)] = g
            self.versions.append((g, g._vc[0]))

    def grad_write(self, t, value):
        if self.problem is not None:
            return
        if value is not None:
            self.fail("assigning a tensor to .grad is not replayable (only .grad = None is)")
            return
        v = self._value_of(t)
        if v is not None:
            self.cleared.add(id(t))
            self.ops.append(Op(None, [v], None, None, "clear_grad", "clear_grad"))

    def record_backward(self, root, gradient, retain_graph, create_graph, inputs):
        """loss.backward() inside the traced function: analysed now, while the graph is intact."""
        if self.problem is not None:
            return
        if create_graph or retain_graph or inputs is not None:
            self.fail("backward() with retain_graph, create_graph or inputs is not replayable")
            return
        if self.backwards:
            self.fail("more than one backward() in a traced function is not replayable")
            return
        self.backwards += 1
        v = self.by_id.get(id(root))
        if v is None and id(root) in self.made:
            self._value_of(root)  # says which operation made it
            return
        if v is None or v.kind != "out" or root.grad_fn is None:
            self.fail("backward() of a tensor that the traced operations did not compute")
            return
        ins = [v]
        if gradient is not None:
            if not isinstance(gradient, Tensor) or gradient._data.shape != root._data.shape or \
                    gradient._data.dtype != root._data.dtype:
                self.fail("backward(gradient) with a gradient unlike its tensor is not replayable")
                return
            g = self._value_of(gradient)
            if g is None:
                return
            ins.append(g)
        elif root._data.size != 1:
            return  # eager raises its own error for this
        op = Op(None, ins, None, None, "backward", "backward")
        from ._plan import NotReplayable, analyze
        try:
            op.graph = analyze(self, [root.grad_fn], leaves_only=True)
        except NotReplayable as e:
            self.fail(str(e))
            return
        self.ops.append(op)

    def effect(self, fn, writes, name):
        """Runs fn(), which updates the tensors `writes` in place (an optimizer step), with
        tracing suspended, and records it to be called again at the same point of each replay."""
        from ..autograd.grad_mode import STATE
        written = [v for t in writes for v in (self.by_id.get(id(t)),) if v is not None]
        # the plan checks its forward against this run on the arrays as they were before fn
        for v in written:
            self._keep_before(v)
        old = [(t, t._vc[0]) for t in writes]
        STATE.trace = None
        try:
            result = fn()
        finally:
            STATE.trace = self
        self._moved(old)
        if self.problem is None:
            self.ops.append(Op(fn, written, None, None, name, "effect"))
        return result

    def writes(self, fn, tensors):
        """Runs fn(), the eager part of an op whose replay kernel takes `tensors` as operands and
        updates them in place as fn does (batch norm's running statistics). The plan's check of
        the forward then runs that kernel on copies of them as they were before fn (not on the
        tensors themselves, which would be updated twice), and fn's writes are not in-place
        changes that make the trace fail."""
        if self.problem is None:
            for t in tensors:
                self._keep_before(self._value_of(t))
        old = [(t, t._vc[0]) for t in tensors]
        result = fn()
        self._moved(old)
        return result

    def keep(self, t):
        """The op that made t has an effect besides t (see Op.keep): replays always run it."""
        v = self.by_id.get(id(t))
        if v is not None and v.kind == "out":
            self.ops[v.index].keep = True

    def _moved(self, old):
        """The tensors of old ((tensor, version) pairs) were written on purpose: their new versions,
        and those of their views (which share their version counters), are the expected ones."""
        moved = {id(t._vc) for t, ver in old if t._vc[0] != ver}
        self.versions = [(t, t._vc[0] if id(t._vc) in moved else ver) for t, ver in self.versions]

    def constant(self, t):
        """t wraps a Python scalar of the function's code: the same value at every replay."""
        arr = t._data

        def constant():
            return arr
        self.record(constant, (), t)

    # -- bookkeeping ----------------------------------------------------------------------------
    def _add(self, t, kind, index):
        v = Value(len(self.values), kind, index, t)
        self.values.append(v)
        self.by_id[id(t)] = v
        self.versions.append((t, t._vc[0]))
        return v

    def _value_of(self, t):
        v = self.by_id.get(id(t))
        if v is not None:
            return v
        if id(t) in self.grads:
            self.fail("a .grad tensor is used inside the traced function")
            return None
        if id(t) in self.made:
            fn = t.grad_fn
            how = f" (its grad_fn is {fn.name()})" if fn is not None else ""
            self.fail(f"a tensor{how} comes from an operation that tracing cannot replay yet")
            return None
        v = self._add(t, "ext", len(self.externals))
        self.externals.append(v)
        return v

    def check_versions(self):
        for t, ver in self.versions:
            if t._vc[0] != ver:
                self.fail(f"a tensor of shape {list(t._data.shape)} was changed in place")
                return


def _default_rng_state():
    from ..random import default_generator
    return default_generator._rng.bit_generator.state


def same_array(a, b):
    """Bit-for-bit equality, NaNs in the same places counting as equal."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind in "fV":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))
