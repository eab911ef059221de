"""`torch._dynamo` for programs that reach for it: `config.recompile_limit` (alias
`cache_size_limit`), `reset`, `explain(fn)(*args)`, `disable`, `is_compiling`,
`list_backends` and `exc.Unsupported`, on dygrad's `torch.compile` (dygrad.compiler).

dygrad compiles by capture and replay, not by bytecode analysis: the other `config` switches
PyTorch has are accepted and stored but change nothing here.

Example::

    >>> import dygrad._dynamo as dynamo
    >>> def f(x):
    ...     return x.sin() + 1
    >>> dynamo.explain(f)(torch.ones(3)).graph_break_count
    0
"""
from __future__ import annotations

from ..compiler import ExplainOutput, disable, is_compiling, list_backends, reset
from . import config, exc

__all__ = ["config", "exc", "explain", "reset", "disable", "is_compiling", "list_backends"]


def explain(f, *extra_args, **extra_kwargs):
    """PyTorch's `torch._dynamo.explain(f)(*args, **kwargs)`: compiles `f`, runs it on the
    arguments and reports the captured programs and graph breaks (an `ExplainOutput` with
    `graph_count`, `graph_break_count` and `break_reasons`)."""
    from ..compiler import compile as _compile
    from ..compiler import explain as _explain

    def run(*args, **kwargs) -> ExplainOutput:
        compiled = _compile(f)
        compiled(*args, **kwargs)
        return _explain(compiled)

    if extra_args or extra_kwargs:  # the older spelling: explain(f, *args), deprecated there
        import warnings
        warnings.warn("explain(f, *args, **kwargs) is deprecated, use explain(f)(*args, **kwargs) "
                      "instead.  If you don't migrate, we may break your explain call in the "
                      "future if your user defined kwargs conflict with future kwargs added to "
                      "explain(f).", FutureWarning, stacklevel=2)
        return run(*extra_args, **extra_kwargs)
    return run
