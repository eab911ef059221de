"""torch.compile on dygrad: capture once per input signature, replay the captured NumPy program.

A compiled callable keeps one plan per guard key: the shapes, dtypes and requires_grad of its
tensor arguments, its other arguments' values, grad mode, the default dtype and (for modules)
every submodule's training flag. A new key captures again (PyTorch's recompilation); a capture
that cannot be replayed (a graph break: `.item()`, `bool()` of a tensor, an op without a replay
kernel, hooks) makes that key run eagerly, with the reason logged to the `dygrad.compiler`
logger and kept for `dygrad.compiler.explain`; `fullgraph=True` raises instead.
"""
from __future__ import annotations

import functools
import logging

from ..jit._module import module_tracer
from ..jit._plan import NotReplayable
from ..jit._traced import TracedFunction

_LOG = logging.getLogger("dygrad.compiler")
MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")
# "eager" runs the function as written; the others replay the captured program
BACKENDS = ("inductor", "aot_eager", "cudagraphs", "eager")
_DEFAULT_RECOMPILE_LIMIT = 8


class InvalidBackend(RuntimeError):
    """torch.compile was given a backend name dygrad does not know."""

    def __init__(self, name):
        super().__init__(f"Invalid backend: {name!r}, see `torch._dynamo.list_backends()` for "
                         "available backends.")


class Unsupported(RuntimeError):
    """fullgraph=True and the function cannot be captured whole (the message says why)."""


def _check_args(mode, options, backend):
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified "
                           "at the same time.")
    if mode is not None and mode not in MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(MODES)}")
    if backend is None:
        return "inductor"
    if callable(backend) and not isinstance(backend, str):
        raise NotImplementedError(
            "torch.compile(backend=<callable>): custom backends receive a torch.fx.GraphModule, "
            "which dygrad does not build; use backend='inductor' (replay, the default) or "
            "'eager'")
    if backend not in BACKENDS:
        raise InvalidBackend(backend)
    return backend


class _Compiled:
    """The replayer behind a compiled function or module: a TracedFunction whose fallbacks are
    logged (or raise, with fullgraph=True), with PyTorch's recompile limit."""

    def __init__(self, fn, name, fullgraph, limit, module=None):
        self.fullgraph = fullgraph
        self.limit = limit
        self.breaks = []
        opts = dict(on_eager=self._fallback, limit=limit)
        if module is not None:
            self.traced = module_tracer(module, fn, name, **opts)
        else:
            self.traced = TracedFunction(fn, name, **opts)
        self.traced._compiling = True
        self.fn = fn

    def _fallback(self, reason):
        self.breaks.append(reason)
        if self.fullgraph:
            raise Unsupported(f"torch.compile(fullgraph=True): {reason}")
        _LOG.info("torch.compile(%s): graph break, this input signature runs eagerly: %s",
                  self.traced.__name__, reason)

    def __call__(self, *args, **kwargs):
        try:
            return self.traced(*args, **kwargs)
        except NotReplayable as e:  # only with fullgraph (on_eager raised)
            raise Unsupported(f"torch.compile(fullgraph=True): {e}") from None


def compile(model=None, *, fullgraph: bool = False, dynamic: bool | None = None,
            backend=None, mode: str | None = None, options: dict | None = None,
            name: str | None = None, disable: bool = False, recompile_limit: int | None = None,
            _module=None, **kwargs):
    """Compiles a function or nn.Module: the first call with each input signature captures it,
    later calls replay the captured program (forward, and backward() and optimizer steps
    inside the function) without per-op Python overhead. Results are bit for bit the eager
    ones. `dynamic` is accepted; each new input shape is captured again (shapes are
    specialised). Python control flow is frozen per signature, as PyTorch's guards freeze it,
    except that dygrad does not guard on Python globals or closed-over numbers: a function
    whose branches depend on them should pass them as arguments.

    Example::

        >>> model = torch.nn.Linear(4, 2)
        >>> fast = torch.compile(model)
        >>> out = fast(torch.ones(3, 4))
        >>> torch.equal(out, model(torch.ones(3, 4)))
        True
        >>> list(fast.state_dict())
        ['_orig_mod.weight', '_orig_mod.bias']
    """
    backend = _check_args(mode, options, backend)
    if recompile_limit is None:  # torch._dynamo.config's, where a program set it
        import sys
        cfg = sys.modules.get("dygrad._dynamo.config")
        recompile_limit = _DEFAULT_RECOMPILE_LIMIT if cfg is None else cfg.recompile_limit
    limit = int(recompile_limit)

    def wrap(fn):
        if disable or backend == "eager":
            return fn
        from ..nn.modules.module import Module
        if isinstance(fn, Module):
            from ._module import OptimizedModule
            return OptimizedModule(fn, _Compiled(fn, name or type(fn).__name__, fullgraph,
                                                 limit, module=fn))
        if not callable(fn):
            raise RuntimeError(f"torch.compile: expected a callable or an nn.Module, got "
                               f"{type(fn).__name__}")
        # _module: fn is that module's forward (Module.compile), whose flags guard the plans
        compiled = _Compiled(fn, name or getattr(fn, "__name__", "compiled"), fullgraph, limit,
                             module=_module)

        @functools.wraps(fn)
        def compiled_fn(*args, **kwargs):
            return compiled(*args, **kwargs)
        compiled_fn._dygrad_compiled = compiled
        return compiled_fn

    if model is None:
        return wrap
    return wrap(model)
