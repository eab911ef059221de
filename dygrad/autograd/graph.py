"""Seeing the graph a step built: walk grad_fn.next_functions, print it, or write Graphviz DOT."""
__all__ = ["walk", "format_graph", "to_dot", "saved_bytes", "track_memory",
           "saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks"]

from . import node as _node


class saved_tensors_hooks:
    """Context in which every tensor an op saves for backward goes through `pack_hook`, and
    backward receives what `unpack_hook` returns for it.

    `pack_hook(tensor) -> Any` runs when the op records (grad mode off); `unpack_hook(packed)
    -> Tensor` runs when backward (or a custom Function's `saved_tensors`) needs the tensor,
    each time it needs it. Nested contexts: the innermost pair applies. The pack hook must not
    modify its input in place, and the unpack hook must return a Tensor of the saved one's
    shape and dtype (what it returns is used as it is; in-place changes made to the original
    after packing are not detected, as in PyTorch). What nodes keep beside their saved tensors
    (dropout masks, a normalisation's statistics) does not go through the hooks.

    Example::

        >>> def pack(t): return t.to(torch.float16)        # keep half the bytes
        >>> def unpack(t): return t.to(torch.float32)
        >>> with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        ...     y = (x.exp() * w).sum()
        >>> y.backward()
    """

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if _node.DISABLED[0] is not None:
            raise RuntimeError(_node.DISABLED[0])
        _node.HOOKS.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc):
        _node.HOOKS.pop()
        return False


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors kept in CPU memory until backward needs them. PyTorch moves them off the
    GPU; dygrad's tensors already live in CPU memory, so this keeps them as they are (an
    independent copy when `pin_memory=True`, as pinning makes one). Accepts PyTorch's
    arguments, so programs that offload activations run unchanged.

    Example::

        >>> with torch.autograd.graph.save_on_cpu(pin_memory=True):
        ...     loss = model(x).sum()
        >>> loss.backward()
    """

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack(t):
            return (t.device, t.detach().clone() if pin_memory else t)

        def unpack(packed):
            device, t = packed
            return t.to(device)

        super().__init__(pack, unpack)


class disable_saved_tensors_hooks:
    """Context in which entering saved_tensors_hooks (or save_on_cpu) raises RuntimeError with
    `error_message` (for code whose saved tensors must stay as they are).

    Example::

        >>> with torch.autograd.graph.disable_saved_tensors_hooks("not here"):
        ...     with torch.autograd.graph.save_on_cpu():   # RuntimeError: not here
        ...         pass
    """

    def __init__(self, error_message: str) -> None:
        self.error_message = error_message

    def __enter__(self):
        self._prev = _node.DISABLED[0]
        _node.DISABLED[0] = self.error_message
        return self

    def __exit__(self, *exc):
        _node.DISABLED[0] = self._prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with disable_saved_tensors_hooks(self.error_message):
                return fn(*args, **kwargs)
        return wrapper


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


# -- memory ---------------------------------------------------------------------------------
def _root_array(a):
    """The array that owns a's memory (a view's base chain followed to its end)."""
    while isinstance(a.base, _ndarray()):
        a = a.base
    return a


def _ndarray():
    import numpy as np
    return np.ndarray


def _node_arrays(node, out):
    """Appends every array `node` keeps for its backward to `out`: its saved tensors (through
    saved-tensor hooks: what pack returned), its saved output, and arrays held in attributes
    (masks, normalised inputs, indices). The leaf a node's edge leads to is not saved by it."""
    from .node import AccumulateGrad
    if isinstance(node, AccumulateGrad):
        return
    stack = [node._saved or (), node._sout]
    for cls in type(node).__mro__:
        for name in cls.__dict__.get("__slots__", ()):
            if name not in ("next_functions", "__weakref__", "__dict__", "variable"):
                stack.append(getattr(node, name, None))
    d = getattr(node, "__dict__", None)
    if d:
        stack.extend(v for k, v in d.items() if k not in ("_saved", "_sout"))
    nd = _ndarray()
    while stack:
        v = stack.pop()
        if v is None:
            continue
        if isinstance(v, nd):
            out.append(v)
        elif isinstance(v, (tuple, list)):
            stack.extend(v)
        elif type(v).__name__ in ("Tensor", "Parameter") or hasattr(v, "_data"):
            data = getattr(v, "_data", None)
            if isinstance(data, nd):
                out.append(data)


def saved_bytes(tensor) -> int:
    """Bytes of the distinct arrays the graph behind `tensor` keeps for backward.

    Walks every node reachable from `tensor.grad_fn` and adds up the memory of what each keeps
    for its backward: saved inputs and outputs (a saved weight counts; a leaf's `.grad` does
    not), and the arrays nodes keep in attributes (dropout masks, normalised inputs). An array
    saved by several nodes, or a view saved beside its base, counts once: arrays are
    deduplicated by the buffer that owns their memory, and a buffer counts whole. With
    saved-tensor hooks active, what `pack` returned is counted (a tensor or array in it), so
    compression shows. After `backward()` (without retain_graph) the graph has freed its
    state and this returns 0.

    Example::

        >>> x = torch.randn(256, 1024, requires_grad=True)
        >>> y = torch.nn.functional.gelu(x * 2).sum()
        >>> torch.autograd.graph.saved_bytes(y) > 0
        True
    """
    seen = {}
    for node, _ in walk(tensor):
        arrays = []
        _node_arrays(node, arrays)
        for a in arrays:
            r = _root_array(a)
            seen[id(r)] = (r, a)
    total = 0
    for r, a in seen.values():
        total += r.nbytes
    return total


class track_memory:
    """Records the peak bytes allocated while the block runs, above what was held at its start.

    It uses Python's `tracemalloc`, which NumPy reports every array allocation to, so the
    number covers the arrays tensors hold (and the Python objects made in the block, which
    are small beside them). Tracing slows the block down (a few tens of percent on large
    tensors, more on small ones); use it to measure, not in a training loop you time. On
    Linux it also gives the process's peak resident memory over the block (`peak_rss_bytes`,
    from /proc/self/status VmHWM after resetting it), which counts everything the process
    touched, allocator caches included.

    Attributes, set when the block ends: `peak_bytes` (peak above the start), `end_bytes`
    (still held at the end, above the start), `peak_rss_bytes` (None off Linux).

    Example::

        >>> with torch.autograd.graph.track_memory() as mem:
        ...     loss = model(x).sum(); loss.backward()
        >>> mem.peak_bytes
        52428800
    """

    _active = []   # the trackers whose blocks are running, outermost first

    def __init__(self):
        self.peak_bytes = None
        self.end_bytes = None
        self.peak_rss_bytes = None
        self._started = False
        self._start = self._max = 0

    @staticmethod
    def _note_peak():
        # a nested tracker resets tracemalloc's peak: the enclosing ones keep what they saw
        import tracemalloc
        cur, peak = tracemalloc.get_traced_memory()
        for t in track_memory._active:
            t._max = max(t._max, peak)
        return cur

    def __enter__(self):
        import tracemalloc
        self._started = not tracemalloc.is_tracing()
        if self._started:
            tracemalloc.start()
        self._start = self._max = self._note_peak()
        tracemalloc.reset_peak()
        track_memory._active.append(self)
        self._rss = _reset_hwm()   # (a nested block's RSS peak resets the enclosing one's too)
        return self

    def __exit__(self, *exc):
        import tracemalloc
        cur = self._note_peak()
        track_memory._active.remove(self)
        if self._started:
            tracemalloc.stop()
        self.peak_bytes = max(self._max - self._start, 0)
        self.end_bytes = cur - self._start
        if self._rss:
            hwm = _status_kb("VmHWM")
            self.peak_rss_bytes = None if hwm is None else hwm * 1024
        return False


def _status_kb(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_hwm():
    """Resets the process's peak RSS to its current RSS (Linux); whether that worked."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False
