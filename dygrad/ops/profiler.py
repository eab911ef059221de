"""torch.ops.profiler: the two calls a `record_function` range is made of, as functions a traced
graph (torch.fx) can hold (they are kept by dead-code elimination: `_fx_side_effect`)."""
import time

__all__ = ["_record_function_enter", "_record_function_exit"]

_listeners = []  # the active dygrad.autograd.profiler.profile objects


class _Handle:
    __slots__ = ("name", "start", "end", "args")

    def __init__(self, name, args):
        self.name, self.args = name, args
        self.start, self.end = time.perf_counter(), None


def _record_function_enter(name, args=None):
    """Opens a profiler range named `name`; returns its handle."""
    h = _Handle(str(name), args)
    for p in _listeners:
        p._events.append(h)
    return h


def _record_function_exit(handle):
    """Closes the range `handle` opened by _record_function_enter."""
    if not isinstance(handle, _Handle):  # an fx Proxy records the call instead
        from .._overrides import handle_failed_call
        return handle_failed_call(_record_function_exit, {"handle": handle}, TypeError(
            f"_record_function_exit(): expected a profiler handle, got {type(handle).__name__}"))
    handle.end = time.perf_counter()
    return None


_record_function_enter._fx_side_effect = _record_function_exit._fx_side_effect = True
