"""`spawn` and `start_processes`: run `fn(i, *args)` in `nprocs` fresh processes and report a
child's failure in the parent as PyTorch's `torch.multiprocessing.spawn` does."""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import signal
import sys
import time
import warnings
from typing import Any, Callable

__all__ = ["spawn", "start_processes", "ProcessContext", "ProcessException",
           "ProcessRaisedException", "ProcessExitedException"]


class ProcessException(Exception):
    """A process started by `spawn`/`start_processes` failed; `error_index` is its rank and
    `error_pid` its process id."""

    def __init__(self, msg: str, error_index: int, error_pid: int):
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.error_pid = error_pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid)


class ProcessRaisedException(ProcessException):
    """A child raised: the message holds the child's formatted traceback."""


class ProcessExitedException(ProcessException):
    """A child exited with a nonzero code (or was killed by a signal) without raising in `fn`."""

    def __init__(self, msg: str, error_index: int, error_pid: int, exit_code: int,
                 signal_name: str | None = None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid, self.exit_code,
                            self.signal_name)


def _wrap(fn, i, args, error_queue):
    # runs in the child: the traceback text goes back to the parent (tracebacks don't pickle)
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass  # the parent is being interrupted too; it reports that itself
    except Exception:
        import traceback
        error_queue.put(traceback.format_exc())
        sys.exit(1)


class ProcessContext:
    """The processes of one `start_processes(..., join=False)` call; `join()` waits for them.

    Example::

        ctx = torch.multiprocessing.start_processes(fn, nprocs=2, join=False)
        while not ctx.join():
            pass
    """

    def __init__(self, processes, error_queues):
        self.processes = processes
        self.error_queues = error_queues
        self.sentinels = {p.sentinel: i for i, p in enumerate(processes)}

    def pids(self) -> list[int]:
        """The children's process ids, by rank."""
        return [int(p.pid) for p in self.processes]

    def join(self, timeout: float | None = None, grace_period: float | None = None) -> bool:
        """Waits up to `timeout` seconds (None: until one changes) for the children. Returns
        True once all exited cleanly, False while some still run. When one failed, the others
        are terminated (SIGTERM, then SIGKILL after `grace_period` seconds) and
        ProcessRaisedException (it raised: its traceback) or ProcessExitedException (nonzero
        exit code or a signal) is raised for the first that failed."""
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(list(self.sentinels), timeout=timeout)
        error_index = None
        for s in ready:
            index = self.sentinels.pop(s)
            p = self.processes[index]
            p.join()
            if p.exitcode != 0:
                error_index = index
                break
        if error_index is None:
            return not self.sentinels
        self._stop_others(grace_period)
        failed = self.processes[error_index]
        queue = self.error_queues[error_index]
        if queue.empty():
            code = failed.exitcode
            if code < 0:
                name = signal.Signals(-code).name
                raise ProcessExitedException(
                    f"process {error_index} terminated with signal {name}", error_index,
                    failed.pid, code, name)
            raise ProcessExitedException(
                f"process {error_index} terminated with exit code {code}", error_index,
                failed.pid, code)
        trace = queue.get()
        msg = f"\n\n-- Process {error_index} terminated with the following error:\n{trace}"
        raise ProcessRaisedException(msg, error_index, failed.pid)

    def _stop_others(self, grace_period):
        alive = [p for p in self.processes if p.is_alive()]
        for p in alive:
            p.terminate()
        deadline = time.monotonic() + (grace_period or 0)
        for p in alive:
            p.join(max(deadline - time.monotonic(), 0) if grace_period is not None else None)
            if p.is_alive():
                p.kill()
                p.join()
        self.sentinels.clear()


def start_processes(fn: Callable[..., Any], args: tuple = (), nprocs: int = 1,
                    join: bool = True, daemon: bool = False,
                    start_method: str = "spawn") -> ProcessContext | None:
    """Starts `nprocs` processes with `start_method`, process i running `fn(i, *args)`.
    With `join` it waits for all and returns None (raising as `ProcessContext.join` does when
    one fails); without, it returns the ProcessContext. `fn` must be importable by the children
    (defined at a module's top level).

    Example::

        def work(rank, total):
            print(rank, total)

        if __name__ == "__main__":
            torch.multiprocessing.start_processes(work, args=(2,), nprocs=2)
    """
    ctx = multiprocessing.get_context(start_method)
    error_queues, processes = [], []
    for i in range(nprocs):
        q = ctx.SimpleQueue()
        p = ctx.Process(target=_wrap, args=(fn, i, args, q), daemon=daemon)
        p.start()
        error_queues.append(q)
        processes.append(p)
    context = ProcessContext(processes, error_queues)
    if not join:
        return context
    while not context.join():
        pass
    return None


def spawn(fn: Callable[..., Any], args: tuple = (), nprocs: int = 1, join: bool = True,
          daemon: bool = False, start_method: str = "spawn") -> ProcessContext | None:
    """`start_processes` with the 'spawn' start method: process i runs `fn(i, *args)`; a child
    that raises makes the parent raise ProcessRaisedException with the child's traceback.

    Example::

        def train(rank, model):
            ...  # Hogwild: every child updates model's shared parameters in place

        if __name__ == "__main__":
            model.share_memory()
            torch.multiprocessing.spawn(train, args=(model,), nprocs=2)
    """
    if start_method != "spawn":
        warnings.warn(f"spawn() is meant for start_method='spawn' (got {start_method!r}); "
                      f"use torch.multiprocessing.start_processes(start_method="
                      f"{start_method!r}) for another", FutureWarning, stacklevel=2)
    return start_processes(fn, args, nprocs, join, daemon, start_method)
