"""torch.autograd.profiler: `profile` collects the ranges opened with `record_function` while it
is active and prints them as PyTorch's table does (name, self/total CPU time, calls). dygrad
records user ranges only, not one event per op.

Example::

    with torch.autograd.profiler.profile() as prof:
        with torch.profiler.record_function("step"):
            y = model(x)
    print(prof)
"""
from ..ops import profiler as _ops

__all__ = ["profile", "record_function"]


class record_function:
    """A named profiler range: a context manager (or decorator) around the code it times."""

    def __init__(self, name: str, args=None):
        self.name = name
        self.args = args
        self.record = None

    def __enter__(self):
        self.record = _ops._record_function_enter(self.name, self.args)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        _ops._record_function_exit(self.record)
        self.record = None

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapped(*a, **k):
            with record_function(self.name, self.args):
                return fn(*a, **k)
        return wrapped


class profile:
    """Collects record_function ranges while active; str() gives the table."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False,
                 with_flops=False, profile_memory=False, with_stack=False, with_modules=False,
                 use_kineto=False, use_cpu=True, experimental_config=None, acc_events=False,
                 custom_trace_id_callback=None):
        self.enabled = enabled
        self._events = []

    def __enter__(self):
        if self.enabled:
            _ops._listeners.append(self)
        return self

    def __exit__(self, *exc):
        if self in _ops._listeners:
            _ops._listeners.remove(self)
        return False

    def events(self):
        return [e for e in self._events if e.end is not None]

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        return self

    def table(self, sort_by=None, row_limit=100, **kwargs) -> str:
        ev = self.events()
        total = sum(e.end - e.start for e in ev if not any(
            o is not e and o.start <= e.start and e.end <= o.end for o in ev)) or 1e-12
        rows = []
        for e in ev[:row_limit]:
            tot = e.end - e.start
            child = sum(o.end - o.start for o in ev if o is not e and e.start <= o.start
                        and o.end <= e.end)
            self_t = max(tot - child, 0.0)
            rows.append((e.name, f"{100 * self_t / total:.2f}%", _us(self_t),
                         f"{100 * tot / total:.2f}%", _us(tot), _us(tot), "1"))
        head = ("Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
                "# of Calls")
        widths = [max([len(head[i])] + [len(r[i]) for r in rows]) + 2 for i in range(7)]
        line = "  ".join("-" * w for w in widths)
        fmt = lambda r: "  ".join(c.rjust(w) for c, w in zip(r, widths))  # noqa: E731
        out = [line, fmt(head), line] + [fmt(r) for r in rows] + [line,
                                                                  f"Self CPU time total: {_us(total)}"]
        return "\n".join(out) + "\n"

    def __str__(self):
        return self.table()


def _us(seconds):
    return f"{seconds * 1e6:.3f}us"
