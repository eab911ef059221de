"""dygrad.compiler (torch.compiler): compile, reset, is_compiling, disable, list_backends.

`torch.compile(fn_or_module)` captures the function's operations on its first call with each
input signature and replays them afterwards as straight-line NumPy, forward and backward (see
dygrad.jit, which it is built on). Anything a replay could not repeat (a graph break in
PyTorch's words) makes that signature run eagerly; `explain` says why.
"""
from __future__ import annotations

from ..autograd.grad_mode import STATE
from ._compile import BACKENDS, InvalidBackend, Unsupported, compile  # noqa: F401
from ._module import OptimizedModule  # noqa: F401

__all__ = ["compile", "reset", "is_compiling", "is_dynamo_compiling", "disable", "list_backends",
           "explain", "OptimizedModule", "InvalidBackend", "Unsupported"]


def is_compiling() -> bool:
    """True while torch.compile is capturing a function (not under dygrad.jit.trace, as in
    PyTorch, where tracing is not compiling)."""
    trace = STATE.trace
    return trace is not None and trace.compiling


is_dynamo_compiling = is_compiling


def reset() -> None:
    """Drops nothing global: each compiled callable keeps its own captured plans (dygrad has no
    process-wide compile cache to clear)."""


def list_backends(exclude_tags=("debug", "experimental")) -> list[str]:
    """The backend names torch.compile accepts; 'eager' and 'aot_eager' are debug ones, left
    out unless exclude_tags is empty (as in PyTorch)."""
    debug = ("eager", "aot_eager")
    return sorted(b for b in BACKENDS if not (exclude_tags and "debug" in exclude_tags
                                               and b in debug))


def disable(fn=None, recursive: bool = True, *, reason: str | None = None):
    """Marks fn as not to be captured: called inside a compiled function it ends the capture
    (that input signature runs eagerly), as a graph break does in PyTorch.

    Example::

        >>> @torch.compiler.disable
        ... def log_it(x):
        ...     return x
    """
    if fn is None:
        return lambda f: disable(f, recursive, reason=reason)
    import functools

    @functools.wraps(fn)
    def not_captured(*args, **kwargs):
        trace = STATE.trace
        if trace is not None:
            why = f" ({reason})" if reason else ""
            trace.fail(f"{getattr(fn, '__qualname__', 'a function')} is marked with "
                       f"torch.compiler.disable{why}")
        return fn(*args, **kwargs)
    return not_captured


class ExplainOutput:
    """What explain() reports: graph breaks seen so far and their reasons."""

    def __init__(self, graphs: int, reasons: list[str]):
        self.graph_count = graphs
        self.graph_break_count = len(reasons)
        self.break_reasons = reasons

    def __repr__(self):
        lines = [f"Graph Count: {self.graph_count}",
                 f"Graph Break Count: {self.graph_break_count}"]
        lines += [f"  {r}" for r in self.break_reasons]
        return "\n".join(lines)


def explain(compiled) -> ExplainOutput:
    """The captured programs and graph breaks of a compiled function or module so far.
    (dygrad's own: PyTorch's `torch._dynamo.explain(fn)(*args)` runs the function to report.)

    Example::

        >>> f = torch.compile(lambda x: x * 2)
        >>> _ = f(torch.ones(2))
        >>> torch.compiler.explain(f).graph_break_count
        0
    """
    c = compiled.__dict__.get("_compiled") if isinstance(compiled, OptimizedModule) else \
        getattr(compiled, "_dygrad_compiled", None)
    if c is None:
        raise TypeError("explain: expected what torch.compile returned")
    graphs = sum(1 for e in c.traced._plans.values() if e != "eager")
    return ExplainOutput(graphs, list(c.breaks))
