"""The main process's side of multi-process loading.

Tasks (batches of indices) are numbered in sampler order and dealt round-robin to the workers,
keeping at most ``prefetch_factor`` per worker in flight. Results arrive in any order on the
shared result pipe; early ones wait in ``_reorder`` until their turn (unless ``in_order=False``).
Workers are shut down when the epoch ends (unless persistent), when the iterator is deleted or
collected, and they exit on their own if the main process dies.
"""
import itertools
import os
import time
from multiprocessing.connection import wait as _wait

from . import dataloader as _dl
from ._worker import (ExceptionWrapper, _IterableDatasetStopIteration, _ResumeIteration,
                      _worker_loop)

# What an iterator needs to shut its workers down, kept reachable from here until it has: when
# the iterator dies in a reference cycle, the garbage collector would otherwise finalize these
# (stopping the queues' feeder threads, closing the pipe) before the iterator's __del__ runs.
_resources = {}


class _MultiProcessingDataLoaderIter(_dl._BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._shutdown = True  # until the workers exist, there is nothing to shut down
        # A forked worker holds a copy of this object; only the process that made it may shut
        # its workers down.
        self._owner_pid = os.getpid()
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if self._num_workers <= 0:
            raise AssertionError("num_workers must be greater than 0 for "
                                 "MultiProcessingDataLoaderIter")
        if self._prefetch_factor <= 0:
            raise AssertionError("prefetch_factor must be greater than 0 for "
                                 "MultiProcessingDataLoaderIter")
        ctx = loader.multiprocessing_context or _dl._default_mp_context()
        self._reader, writer = ctx.Pipe(duplex=False)
        # Kept for the iterator's lifetime: with 'spawn' a worker opens the lock only once it
        # has started, and the lock's name is released when the object is collected.
        self._result_lock = ctx.Lock()
        channel = (writer, self._result_lock)
        self._workers_done_event = ctx.Event()
        self._index_queues = []
        self._workers = []
        _resources[id(self)] = (self._reader, self._result_lock, self._workers_done_event,
                                self._index_queues, self._workers)
        self._shutdown = False
        try:
            for wid in range(self._num_workers):
                q = ctx.Queue()
                # the main process must never block at exit flushing indices nobody will read
                q.cancel_join_thread()
                w = ctx.Process(
                    target=_worker_loop,
                    args=(self._dataset_kind, self._dataset, q, channel, self._reader,
                          self._workers_done_event, self._auto_collation, self._collate_fn,
                          self._drop_last, self._base_seed, loader.worker_init_fn, wid,
                          self._num_workers, self._persistent_workers),
                    daemon=True)
                w.start()
                self._index_queues.append(q)
                self._workers.append(w)
        except BaseException:
            self._shutdown_workers()
            raise
        finally:
            # workers hold their own copies; ours would keep the pipe open after they are gone
            writer.close()
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        self._send_idx = 0          # id of the next task to send
        self._rcvd_idx = 0          # id of the next task to hand out
        self._task_info = {}        # task id -> worker id, for tasks not yet handed out
        self._reorder = {}          # task id -> (batch, worker id), arrived before its turn
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # Persistent workers: start a new epoch everywhere, and drop what is still in the
            # pipe from an epoch that was abandoned early (it precedes each worker's echo).
            for q in self._index_queues:
                q.put(_ResumeIteration())
            waiting = self._num_workers
            while waiting:
                tag, _ = self._get_data()
                if isinstance(tag, _ResumeIteration):
                    waiting -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    # -- receiving ---------------------------------------------------------------------------
    def _try_get_data(self, timeout):
        """(True, message) or (False, None) after ``timeout``; raises if a worker died."""
        watched = [w.sentinel for w, up in zip(self._workers, self._workers_status) if up]
        ready = _wait([self._reader, *watched], timeout)
        if self._reader in ready:
            try:
                return True, self._reader.recv()
            except EOFError:
                pass  # every worker is gone; report which below
        failed = [wid for wid, w in enumerate(self._workers)
                  if self._workers_status[wid] and not w.is_alive()]
        if failed:
            for wid in failed:
                self._mark_worker_as_unavailable(wid)
            pids = ", ".join(str(self._workers[wid].pid) for wid in failed)
            codes = ", ".join(str(self._workers[wid].exitcode) for wid in failed)
            raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly "
                               f"(exit code(s) {codes})")
        return False, None

    def _get_data(self):
        if self._timeout > 0:
            ok, data = self._try_get_data(self._timeout)
            if not ok:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
            return data
        while True:
            ok, data = self._try_get_data(_dl._STATUS_CHECK_INTERVAL)
            if ok:
                return data

    def _next_data(self):
        while True:
            # Skip tasks that will never be answered: sent to a worker whose stream has ended.
            while self._rcvd_idx < self._send_idx:
                idx = self._rcvd_idx
                if idx in self._reorder:
                    break
                wid = self._task_info.get(idx)
                if wid is not None:
                    if self._workers_status[wid]:
                        break
                    del self._task_info[idx]
                    self._tasks_outstanding -= 1
                    self._workers_num_tasks[wid] -= 1
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration

            if self._rcvd_idx in self._reorder:
                data, wid = self._reorder.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, wid)

            if self._shutdown or self._tasks_outstanding <= 0:
                raise AssertionError("Invalid iterator state: shutdown or no outstanding tasks "
                                     "when fetching next data")
            idx, data = self._get_data()
            wid = self._task_info.pop(idx, None)
            if wid is None:
                continue  # answer to a task already given up on
            self._tasks_outstanding -= 1
            if isinstance(data, _IterableDatasetStopIteration):
                self._workers_num_tasks[wid] -= 1
                if self._persistent_workers:
                    self._workers_status[wid] = False  # it waits for the next epoch
                else:
                    self._mark_worker_as_unavailable(wid)
                self._try_put_index()
                continue
            if idx == self._rcvd_idx:
                self._rcvd_idx += 1
                return self._process_data(data, wid)
            if not self._in_order:
                return self._process_data(data, wid)
            self._reorder[idx] = (data, wid)

    def _process_data(self, data, wid):
        self._workers_num_tasks[wid] -= 1
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    # -- sending -----------------------------------------------------------------------------
    def _try_put_index(self):
        max_tasks = self._prefetch_factor * self._num_workers
        if self._tasks_outstanding >= max_tasks:
            raise AssertionError("Number of outstanding tasks exceeded maximum allowed tasks")
        try:
            index = self._next_index()
        except StopIteration:
            return
        status = self._workers_status
        for _ in range(self._num_workers):
            wid = next(self._worker_queue_idx_cycle)
            if status[wid] and (self._in_order
                                or self._workers_num_tasks[wid] < max_tasks // sum(status)):
                break
        else:
            return  # no worker left to take it (every stream has ended)
        self._index_queues[wid].put((self._send_idx, index))
        self._task_info[self._send_idx] = wid
        self._workers_num_tasks[wid] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    # -- shutting down -----------------------------------------------------------------------
    def _mark_worker_as_unavailable(self, wid):
        self._index_queues[wid].put(None)
        self._workers_status[wid] = False

    def _shutdown_workers(self):
        if self._shutdown or _dl._python_exiting[0] or os.getpid() != self._owner_pid:
            # at interpreter exit multiprocessing terminates daemonic workers itself
            return
        self._shutdown = True
        try:
            self._workers_done_event.set()
            for q in self._index_queues:
                q.put(None)
            self._drain_until_workers_exit(_dl._STATUS_CHECK_INTERVAL)
            for q in self._index_queues:
                q.close()
        finally:
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                w.join(timeout=_dl._STATUS_CHECK_INTERVAL)  # also reaps the exited ones
            self._reader.close()
            _resources.pop(id(self), None)

    def _drain_until_workers_exit(self, limit):
        # A worker may be blocked writing a batch nobody reads; reading it lets it see the None.
        deadline = time.monotonic() + limit
        alive = [w.sentinel for w in self._workers if w.is_alive()]
        sources = [self._reader, *alive]
        while alive:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            ready = _wait(sources, left)
            if self._reader in ready:
                try:
                    self._reader.recv_bytes()
                except (EOFError, OSError):
                    sources.remove(self._reader)
            alive = [s for s in alive if s not in ready]
            sources = [s for s in sources if s not in ready or s is self._reader]

    def __del__(self):
        if not getattr(self, "_shutdown", True):
            self._shutdown_workers()
