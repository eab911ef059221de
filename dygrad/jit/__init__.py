"""dygrad.jit: trace a function or module once, then replay it without per-op overhead.

`dygrad.jit.trace(fn, example_inputs)` runs `fn` eagerly while recording the operations it
performs, and turns them into one straight-line NumPy forward and one backward (see `.code`).
Later calls with inputs of the same shapes, dtypes and requires_grad replay that code: the
results and gradients are the eager ones, without building a graph node per op. As with
PyTorch's tracer, Python control flow is frozen at trace time, and tensors the function closes
over are captured by reference (their current values are read at every call).

A function that does something a replay cannot repeat (an op without a replay kernel, `.item()`
or `bool()` on a tensor, an in-place write, a backward inside the function) is not replayed: it
runs eagerly, with a TracerWarning that says why. Results are the same either way.
"""
from ..autograd.grad_mode import STATE
from ..nn.modules.module import Module
from ._traced import TracedFunction, TracedFunctionBackward, TracerWarning  # noqa: F401
from ._module import TracedModule
from ._save import LoadedModule, load, save

__all__ = ["trace", "TracedModule", "TracedFunction", "TracedFunctionBackward", "TracerWarning",
           "is_tracing", "save", "load", "LoadedModule"]


def is_tracing():
    """True while dygrad.jit.trace is recording a function."""
    return STATE.trace is not None


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None,
          check_tolerance=1e-05, strict=True, _force_outplace=False, _module_class=None,
          _compilation_unit=None, example_kwarg_inputs=None, _store_inputs=True):
    """Traces `func` (a function or an nn.Module) on example inputs and returns its replayer.

    example_inputs is a tensor or a tuple of positional arguments; example_kwarg_inputs a dict
    of keyword arguments. The trace is checked at once: replaying it must reproduce the eager
    outputs bit for bit, or the function runs eagerly.
    """
    if isinstance(func, Module):
        traced = TracedModule(func)
    elif callable(func):
        traced = TracedFunction(func)
    else:
        raise TypeError(f"dygrad.jit.trace: expected a function or an nn.Module, got "
                        f"{type(func).__name__}")
    if example_inputs is None and example_kwarg_inputs is None:
        raise RuntimeError("dygrad.jit.trace: example_inputs or example_kwarg_inputs is needed "
                           "(pass () for a function of no arguments)")
    if example_inputs is None:
        args = ()
    elif isinstance(example_inputs, tuple):
        args = example_inputs
    else:
        args = (example_inputs,)
    traced(*args, **(example_kwarg_inputs or {}))
    return traced
