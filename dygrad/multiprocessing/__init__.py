"""torch.multiprocessing: Python's `multiprocessing`, with tensors that processes share.

Everything of `multiprocessing` is here (Process, Pool, Event, Lock, Manager, Pipe,
set_start_method, get_context, cpu_count, current_process, ...), plus:

- tensors in shared memory (`Tensor.share_memory_()`, `Module.share_memory()`) travel to other
  processes -- as Process arguments, through queues and pipes, whatever the start method -- as
  references to that memory: a child's in-place writes are seen by the parent (Hogwild);
- tensors passed as arguments to a process being started ('spawn', 'forkserver') and those put
  on this module's `Queue`, `SimpleQueue` and `JoinableQueue` are first moved into shared
  memory in place, as PyTorch does (with 'fork' the child inherits a copy-on-write copy);
- `spawn` / `start_processes` run `fn(i, *args)` in fresh processes and raise
  `ProcessRaisedException` with the child's traceback when one fails.

Differences from PyTorch, plainly: the one sharing strategy is 'file_system' (files under
/dev/shm, removed by the process that made them when it exits: docs/multiprocessing.md); a
tensor that is not shared is *copied* when sent through a plain pipe or a context's queue
(`get_context(...).Queue()`), where PyTorch moves it to shared memory too.

Example::

    import torch.multiprocessing as mp

    def train(model):
        ...  # optimizer steps update model's shared parameters in place

    if __name__ == "__main__":
        mp.set_start_method("spawn", force=True)
        model.share_memory()
        ps = [mp.Process(target=train, args=(model,)) for _ in range(2)]
        for p in ps: p.start()
        for p in ps: p.join()
"""
import multiprocessing
from multiprocessing import *  # noqa: F401,F403  (PyTorch's module re-exports all of it)

from ._queues import JoinableQueue as _JoinableQueue, Queue as _Queue, \
    SimpleQueue as _SimpleQueue
from ._reductions import init_reductions
from .spawn import (ProcessContext, ProcessException, ProcessExitedException,  # noqa: F401
                    ProcessRaisedException, spawn, start_processes)

__all__ = sorted(set(multiprocessing.__all__) | {
    "spawn", "start_processes", "ProcessContext", "ProcessException", "ProcessRaisedException",
    "ProcessExitedException", "get_sharing_strategy", "set_sharing_strategy",
    "get_all_sharing_strategies"})

_STRATEGY = "file_system"
init_reductions()


def Queue(maxsize: int = 0):
    """A multiprocessing.Queue (of the default start method) that moves each tensor it sends
    into shared memory (`share_memory_()`, in place), so the receiver shares it."""
    return _Queue(maxsize, ctx=multiprocessing.get_context())


def JoinableQueue(maxsize: int = 0):
    """A multiprocessing.JoinableQueue that sends tensors through shared memory (see Queue)."""
    return _JoinableQueue(maxsize, ctx=multiprocessing.get_context())


def SimpleQueue():
    """A multiprocessing.SimpleQueue that sends tensors through shared memory (see Queue)."""
    return _SimpleQueue(ctx=multiprocessing.get_context())


def get_all_sharing_strategies() -> set[str]:
    """The ways CPU tensors can be shared here: {'file_system'} (named files under /dev/shm).
    PyTorch also has 'file_descriptor' (passing open descriptors), which dygrad does not.

    Example::

        >>> torch.multiprocessing.get_all_sharing_strategies()
        {'file_system'}
    """
    return {_STRATEGY}


def get_sharing_strategy() -> str:
    """The current strategy for sharing CPU tensors: always 'file_system'.

    Example::

        >>> torch.multiprocessing.get_sharing_strategy()
        'file_system'
    """
    return _STRATEGY


def set_sharing_strategy(new_strategy: str) -> None:
    """Selects how CPU tensors are shared. 'file_system' (the only one dygrad has) is
    accepted; 'file_descriptor' raises RuntimeError saying it is not available.

    Example::

        >>> torch.multiprocessing.set_sharing_strategy("file_system")
    """
    if new_strategy == _STRATEGY:
        return
    if new_strategy == "file_descriptor":
        raise RuntimeError("set_sharing_strategy('file_descriptor'): dygrad shares tensors "
                           "through named files only; use 'file_system'")
    raise AssertionError(f"set_sharing_strategy: unknown strategy {new_strategy!r}; the "
                         f"strategies are {sorted(get_all_sharing_strategies())}")
