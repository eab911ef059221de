"""Work: the handle an `async_op=True` collective returns, over MPI non-blocking requests.

A Work keeps the NumPy buffers MPI reads and writes alive until it completes, and then runs
the op's finishing step once (copying into non-contiguous or listed output tensors, dividing
for AVG, casting back, bumping version counters), whichever of wait() or is_completed() sees
the completion first.
"""
import time

__all__ = ["Work"]


class Work:
    __slots__ = ("_reqs", "_finish", "_result", "_buffers", "_done", "_exc", "_status",
                 "_source", "__weakref__")

    def __init__(self, reqs, finish=None, result=(), buffers=(), status=None):
        self._reqs = reqs
        self._finish = finish
        self._result = list(result)
        self._buffers = buffers  # only held: MPI owns them until the requests complete
        self._done = False
        self._exc = None
        self._status = status
        self._source = -1

    def _complete(self):
        self._done = True
        self._buffers = None
        if self._status is not None:
            self._source = self._status.Get_source()
        fin, self._finish = self._finish, None
        if fin is not None:
            try:
                fin()
            except BaseException as e:  # reported by wait(), like a failed PyTorch Work
                self._exc = e

    def wait(self, timeout=None):
        """Blocks until the operation finished; returns True. A `timeout` (seconds or a
        timedelta) raises RuntimeError when it passes first."""
        if not self._done:
            reqs = self._reqs
            if timeout is None or _seconds(timeout) <= 0:
                _waitall(reqs, self._status)
            else:
                deadline = time.monotonic() + _seconds(timeout)
                while not _testall(reqs, self._status):
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"Work.wait: the operation did not finish within {_seconds(timeout)} s")
                    time.sleep(1e-4)
            self._complete()
        if self._exc is not None:
            raise self._exc
        return True

    def is_completed(self):
        """Non-blocking: True once the operation finished (its outputs are then ready)."""
        if not self._done and _testall(self._reqs, self._status):
            self._complete()
        return self._done

    def is_success(self):
        if not self._done:
            raise RuntimeError("Work.is_success: the operation has not completed yet")
        return self._exc is None

    def exception(self):
        return self._exc

    def source_rank(self):
        """The rank a receive got its message from (recv from any source)."""
        if not self._done:
            raise RuntimeError("Work.source_rank: the operation has not completed yet")
        return self._source

    def result(self):
        """The output tensors of the operation."""
        return self._result

    def synchronize(self):
        self.wait()

    def __repr__(self):
        return f"<Work {'completed' if self._done else 'pending'}>"


def _seconds(t):
    return t.total_seconds() if hasattr(t, "total_seconds") else float(t)


_MPI = None


def _req_class():
    global _MPI
    if _MPI is None:
        from mpi4py import MPI
        _MPI = MPI
    return _MPI.Request


def _waitall(reqs, status):
    if len(reqs) == 1:
        reqs[0].Wait(status)
    elif reqs:
        _req_class().Waitall(reqs)


def _testall(reqs, status):
    if not reqs:
        return True
    if len(reqs) == 1:
        return reqs[0].Test(status)
    return _req_class().Testall(reqs)
