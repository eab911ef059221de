"""Code trampolines, shared by torch.fx's tracing and vmap: while a transform runs, a function's
code is swapped for a stub that hands every call to a router. The function object stays the
same, so every reference to it (another module's `from ... import`, a closure, a default
argument, an attribute of a module) is routed too; a clone keeps running the function's own
code. The stub is compiled from a fixed template holding only an identifier and an int key.
"""
from __future__ import annotations

import types
from typing import Any, Callable, Dict

FILENAME = "<dygrad trampoline>"


def swappable(fn: Any) -> bool:
    """Whether fn's code can be swapped: a Python function without closure cells, not already
    a trampoline."""
    return (isinstance(fn, types.FunctionType) and not fn.__code__.co_freevars
            and fn.__code__.co_filename != FILENAME)


def clone(fn: Callable) -> Callable:
    """A copy of fn (its code, globals, defaults, attributes) that runs fn's own code while
    fn's is swapped."""
    c = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__)
    c.__kwdefaults__ = fn.__kwdefaults__
    c.__dict__.update(fn.__dict__)
    c.__qualname__ = fn.__qualname__
    c.__doc__ = fn.__doc__
    return c


def stub_code(fn: Callable, router: str, key: int):
    """The code of `def <fn's name>(*args, **kwargs): return <router>(key, args, kwargs)`;
    `router` is looked up in fn's module globals when the stub runs."""
    name = fn.__name__ if fn.__name__.isidentifier() else "trampoline"
    src = f"def {name}(*args, **kwargs):\n    return {router}({int(key)}, args, kwargs)\n"
    ns: Dict[str, Any] = {}
    exec(compile(src, FILENAME, "exec"), ns)  # noqa: S102 - fixed template
    return ns[name].__code__
