"""What runs inside a DataLoader worker process, and the messages it exchanges with the main one.

Protocol: the main process puts ``(task_id, index)`` on the worker's own index queue (None means
"exit", a _ResumeIteration starts a new epoch for persistent workers); the worker answers on the
shared result channel with ``(task_id, batch)`` where batch may be an ExceptionWrapper, or an
_IterableDatasetStopIteration once its copy of an IterableDataset is exhausted.

The result channel is one pipe that all workers write whole pickled messages to under a lock.
Pickling happens in the worker's own thread, so an unpicklable batch becomes an error for that
task instead of a hang, and the main process can wait on the pipe and on the workers' sentinels
together to notice a dead worker at once.
"""
import os
import pickle
import queue
import random
import sys
import traceback
from dataclasses import dataclass

import numpy as np

__all__ = ["WorkerInfo", "get_worker_info"]

# How often (seconds) an idle worker checks that the process that started it is still alive.
MP_STATUS_CHECK_INTERVAL = 1.0


class _DatasetKind:
    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
        cls = _IterableDatasetFetcher if kind == _DatasetKind.Iterable else _MapDatasetFetcher
        return cls(dataset, auto_collation, collate_fn, drop_last)


class _MapDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def fetch(self, index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        ds = self.dataset
        getitems = getattr(ds, "__getitems__", None)
        if getitems:
            data = getitems(index)
        else:
            data = [ds[i] for i in index]
        return self.collate_fn(data)


class _IterableDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset_iter = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        # index is a batch of placeholders: only its length matters.
        data = []
        for _ in index:
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker: its ``id`` in [0, num_workers),
    ``num_workers``, the ``seed`` its random generators were seeded with, and its own copy of
    the ``dataset``."""
    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str = "multiprocessing"


_worker_info = None


def get_worker_info():
    """The WorkerInfo of the current DataLoader worker process; None in the main process."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    seed: object = None


class _KeyErrorMessage(str):
    # KeyError shows repr() of its argument; this keeps a multi-line message readable.
    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process as its type and the
    formatted traceback text (traceback objects cannot be pickled)."""

    def __init__(self, exc_info=None, where="in background"):
        exc_type, exc, tb = exc_info if exc_info is not None else sys.exc_info()
        self.exc_type = exc_type
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc, tb))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            err = self.exc_type(msg)
        except Exception:
            # exception types whose constructor wants other arguments
            raise RuntimeError(msg) from None
        raise err

    def __reduce__(self):
        exc_type = self.exc_type
        try:
            pickle.dumps(exc_type)
        except Exception:
            # a class the main process cannot import (e.g. defined inside a function)
            exc_type = RuntimeError
        return _rebuild_exception_wrapper, (exc_type, self.exc_msg, self.where)


def _rebuild_exception_wrapper(exc_type, exc_msg, where):
    w = ExceptionWrapper.__new__(ExceptionWrapper)
    w.exc_type, w.exc_msg, w.where = exc_type, exc_msg, where
    return w


def _numpy_seed(base_seed, worker_id):
    """128 bits for np.random.seed, mixed from the base seed and worker id with NumPy's own
    SeedSequence (the same values PyTorch feeds NumPy in its workers)."""
    entropy = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(entropy).generate_state(4)


def _setup_worker(base_seed, worker_id):
    """Seeds every random generator a dataset might use; returns the worker's seed."""
    import dygrad
    # Workers run side by side: BLAS threads in each would oversubscribe the cores.
    dygrad.set_num_threads(1)
    seed = base_seed + worker_id
    random.seed(seed)
    dygrad.manual_seed(seed)
    np.random.seed(_numpy_seed(base_seed, worker_id))
    return seed


def _send(channel, idx, data, worker_id):
    writer, lock = channel
    try:
        payload = _dumps((idx, data))
    except Exception:
        err = ExceptionWrapper(where=f"in DataLoader worker process {worker_id} while "
                                     "sending the batch to the main process")
        payload = _dumps((idx, err))
    with lock:
        writer.send_bytes(payload)


def _dumps(obj):
    from multiprocessing.reduction import ForkingPickler
    return ForkingPickler.dumps(obj)


def _worker_loop(dataset_kind, dataset, index_queue, channel, reader, done_event,
                 auto_collation, collate_fn, drop_last, base_seed, init_fn, worker_id,
                 num_workers, persistent_workers):
    global _worker_info
    # Our inherited copy of the read end would keep the pipe open after the main process dies.
    reader.close()
    try:
        seed = _setup_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"
        init_error = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                  collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where=where)
        iteration_end = False
        parent = os.getppid()
        while True:
            try:
                msg = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                # the main process is shutting us down, or died and nobody will read results
                if done_event.is_set() or os.getppid() != parent:
                    break
                continue
            if msg is None:
                break
            if isinstance(msg, _ResumeIteration):
                iteration_end = False
                if init_error is None:
                    try:
                        fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset,
                                                              auto_collation, collate_fn,
                                                              drop_last)
                    except Exception:
                        init_error = ExceptionWrapper(where=where)
                _send(channel, msg, None, worker_id)
                continue
            if done_event.is_set() or iteration_end:
                # shutting down, or our stream ended: the main process does not wait for these
                continue
            idx, index = msg
            if init_error is not None:
                data = init_error
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if dataset_kind != _DatasetKind.Iterable:
                        data = ExceptionWrapper(where=where)
                    else:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                except Exception:
                    data = ExceptionWrapper(where=where)
            _send(channel, idx, data, worker_id)
            del data, msg, index  # do not hold on to the batch while waiting for the next task
    except KeyboardInterrupt:
        pass  # Ctrl-C reaches the whole process group; the main process reports it
    except (BrokenPipeError, EOFError, ConnectionResetError):
        pass  # the main process closed its end: it no longer wants results
