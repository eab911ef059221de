"""DataLoader in the main process and with worker processes.

Worker tests use tiny datasets and two workers. Datasets live at module level so the 'spawn'
start method can pickle them.
"""
import gc
import os
import random
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import dygrad
from dygrad.utils.data import (BatchSampler, DataLoader, Dataset, IterableDataset,
                               SequentialSampler, TensorDataset, get_worker_info)
from dygrad.utils.data import dataloader as dataloader_module


class Numbers(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


class Pairs(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return {"x": np.full(2, i, np.float32), "y": i % 2}


class Pids(Numbers):
    def __getitem__(self, i):
        return os.getpid()


class Failing(Numbers):
    def __init__(self, n, exc):
        super().__init__(n)
        self.exc = exc

    def __getitem__(self, i):
        if i == 3:
            raise self.exc
        return i


class NeedsTwoArgs(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


class Slow(Numbers):
    def __getitem__(self, i):
        time.sleep(1.0)
        return i


class Dies(Numbers):
    def __getitem__(self, i):
        if i == 2:
            os._exit(7)
        return i


class Randoms(Numbers):
    def __getitem__(self, i):
        info = get_worker_info()
        return [random.random(), float(np.random.random()), dygrad.rand(1).item(), info.id,
                info.seed]


_init_id = None


def _record_init(worker_id):
    global _init_id
    _init_id = worker_id


def _failing_init(worker_id):
    raise ValueError(f"init failed in {worker_id}")


class WhoAmI(Numbers):
    def __getitem__(self, i):
        info = get_worker_info()
        return [i, info.id, info.num_workers, _init_id, type(info.dataset).__name__]


class Stream(IterableDataset):
    """range(start, stop); with shard=True each worker yields every num_workers-th item."""

    def __init__(self, start, stop, shard=True):
        self.start, self.stop, self.shard = start, stop, shard

    def __iter__(self):
        info = get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.start, self.stop))
        return iter(range(self.start + info.id, self.stop, info.num_workers))

    def __len__(self):
        return self.stop - self.start


def _gen(seed):
    return dygrad.Generator().manual_seed(seed)


def _as_lists(batches):
    return [b.tolist() if isinstance(b, dygrad.Tensor) else b for b in batches]


def _exited(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _alive(pids):
    return {p for p in pids if not _exited(p)}


def _wait_exited(pids, limit=15.0):
    deadline = time.monotonic() + limit
    while not all(_exited(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    return [p for p in pids if not _exited(p)]


# -- main process -------------------------------------------------------------------------------
def test_batches_and_len():
    loader = DataLoader(Numbers(7), batch_size=3)
    assert len(loader) == 3
    assert _as_lists(loader) == [[0, 1, 2], [3, 4, 5], [6]]
    dropped = DataLoader(Numbers(7), batch_size=3, drop_last=True)
    assert len(dropped) == 2 and _as_lists(dropped) == [[0, 1, 2], [3, 4, 5]]
    it = iter(loader)
    assert len(it) == 3 and iter(it) is it


def test_default_batch_size_is_one():
    batches = list(DataLoader(Numbers(3)))
    assert [b.tolist() for b in batches] == [[0], [1], [2]]
    assert batches[0].dtype == dygrad.int64


def test_collates_dicts():
    batch = next(iter(DataLoader(Pairs(), batch_size=4)))
    assert batch["x"].shape == (4, 2) and batch["x"].dtype == dygrad.float32
    assert batch["y"].tolist() == [0, 1, 0, 1]


def test_batch_size_none_converts_without_batching():
    assert list(DataLoader(Numbers(3), batch_size=None)) == [0, 1, 2]
    out = list(DataLoader([np.ones(2), np.zeros(2)], batch_size=None))
    assert isinstance(out[0], dygrad.Tensor) and out[0].dtype == dygrad.float64
    assert list(DataLoader([(1, 2.0)], batch_size=None)) == [[1, 2.0]]


def test_shuffle_is_reproducible_with_generator():
    a = _as_lists(DataLoader(Numbers(20), batch_size=4, shuffle=True, generator=_gen(3)))
    b = _as_lists(DataLoader(Numbers(20), batch_size=4, shuffle=True, generator=_gen(3)))
    assert a == b and sorted(sum(a, [])) == list(range(20))
    assert sum(a, []) != list(range(20))
    dygrad.manual_seed(1)
    c = _as_lists(DataLoader(Numbers(20), batch_size=4, shuffle=True))
    dygrad.manual_seed(1)
    assert _as_lists(DataLoader(Numbers(20), batch_size=4, shuffle=True)) == c


def test_sampler_and_batch_sampler():
    assert _as_lists(DataLoader(Numbers(10), batch_size=2, sampler=[9, 8, 7])) == [[9, 8], [7]]
    bs = BatchSampler(SequentialSampler(range(5)), 2, drop_last=False)
    loader = DataLoader(Numbers(5), batch_sampler=bs)
    assert loader.batch_size is None and loader.drop_last is False and len(loader) == 3
    assert _as_lists(loader) == [[0, 1], [2, 3], [4]]
    assert _as_lists(DataLoader(Numbers(5), batch_sampler=[[4, 0], [2]])) == [[4, 0], [2]]


def test_custom_collate_fn_and_getitems():
    class Batched(Numbers):
        def __getitems__(self, indices):
            return [("batched", i) for i in indices]

    loader = DataLoader(Batched(4), batch_size=2, collate_fn=lambda b: b)
    assert list(loader) == [[("batched", 0), ("batched", 1)], [("batched", 2), ("batched", 3)]]


CONFLICTS = [
    dict(batch_sampler=[[0]], batch_size=2), dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], sampler=[0]), dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True), dict(sampler=[0], shuffle=True),
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
    dict(persistent_workers=True), dict(num_workers=1, prefetch_factor=-1),
    dict(multiprocessing_context="fork"), dict(num_workers=1, multiprocessing_context="bogus"),
    dict(num_workers=1, multiprocessing_context=3),
]


@pytest.mark.parametrize("kwargs", CONFLICTS, ids=lambda kw: ",".join(kw))
def test_argument_errors_match_torch(kwargs):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        torch.utils.data.DataLoader([1, 2], **kwargs)
    with pytest.raises(theirs.type) as ours:
        DataLoader([1, 2], **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("kwargs", [dict(shuffle=True), dict(sampler=[0]),
                                    dict(batch_sampler=[[0]])], ids=lambda kw: ",".join(kw))
def test_iterable_dataset_argument_errors_match_torch(kwargs):
    torch = pytest.importorskip("torch")

    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter([1])

    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(TorchStream(), **kwargs)
    with pytest.raises(ValueError) as ours:
        DataLoader(Stream(0, 1), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_attributes_frozen_after_init():
    loader = DataLoader(Numbers(3), batch_size=2)
    for name in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                 "persistent_workers"):
        with pytest.raises(ValueError, match=f"{name} attribute should not be set after "
                                             "DataLoader is initialized"):
            setattr(loader, name, None)
    loader.num_workers = 0  # other attributes stay writable, as in PyTorch
    assert loader.multiprocessing_context is None
    ctx = DataLoader(Numbers(3), num_workers=1, multiprocessing_context="spawn")
    assert ctx.multiprocessing_context.get_start_method() == "spawn"


def test_timeout_without_workers_is_rejected():
    with pytest.raises(AssertionError, match="requires timeout == 0"):
        iter(DataLoader(Numbers(3), timeout=1))


def test_pin_memory_is_accepted():
    loader = DataLoader(Numbers(4), batch_size=2, pin_memory=True)
    with pytest.warns(UserWarning, match="no accelerator is found"):
        assert _as_lists(loader) == [[0, 1], [2, 3]]


def test_iterable_dataset_in_main_process():
    loader = DataLoader(Stream(0, 7), batch_size=3)
    assert len(loader) == 3 and _as_lists(loader) == [[0, 1, 2], [3, 4, 5], [6]]
    dropped = DataLoader(Stream(0, 7), batch_size=3, drop_last=True)
    assert len(dropped) == 2 and _as_lists(dropped) == [[0, 1, 2], [3, 4, 5]]
    assert list(DataLoader(Stream(0, 3), batch_size=None)) == [0, 1, 2]


def test_iterable_dataset_longer_than_its_len_warns():
    class Liar(Stream):
        def __len__(self):
            return 2

    loader = DataLoader(Liar(0, 3), batch_size=None)
    assert len(loader) == 2
    with pytest.warns(UserWarning, match="was reported to be 2"):
        assert list(loader) == [0, 1, 2]


def test_too_many_workers_warns(monkeypatch):
    monkeypatch.setattr(dataloader_module, "_cpu_count", lambda: 1)
    with pytest.warns(UserWarning, match="This DataLoader will create 2 worker processes"):
        DataLoader(Numbers(3), num_workers=2)


def test_worker_info_is_none_in_main_process():
    assert get_worker_info() is None


# -- worker processes ---------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [dict(batch_size=3), dict(batch_size=3, shuffle=True),
                                    dict(batch_size=4, drop_last=True), dict(batch_size=None),
                                    dict(batch_size=2, prefetch=1)],
                         ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_workers_keep_sampler_order(kwargs):
    kwargs = dict(kwargs)
    prefetch = kwargs.pop("prefetch", None)
    single = _as_lists(DataLoader(Numbers(23), generator=_gen(0), **kwargs))
    multi = _as_lists(DataLoader(Numbers(23), generator=_gen(0), num_workers=2,
                                 prefetch_factor=prefetch, **kwargs))
    assert multi == single


def test_workers_collate_dicts():
    batches = list(DataLoader(Pairs(), batch_size=4, num_workers=2))
    assert [b["y"].tolist() for b in batches] == [[0, 1, 0, 1], [0, 1]]
    assert batches[1]["x"].tolist() == [[4.0, 4.0], [5.0, 5.0]]


def test_prefetch_bounds_tasks_in_flight():
    it = iter(DataLoader(Numbers(100), batch_size=1, num_workers=2, prefetch_factor=3))
    assert it._send_idx == 6 and it._tasks_outstanding == 6
    next(it)
    assert it._send_idx == 7
    del it


def test_out_of_order_delivery():
    loader = DataLoader(Numbers(12), batch_size=2, num_workers=2, in_order=False)
    got = _as_lists(loader)
    assert sorted(map(tuple, got)) == [(i, i + 1) for i in range(0, 12, 2)]


def test_worker_error_is_reraised_with_traceback():
    loader = DataLoader(Failing(6, ValueError("bad index three")), num_workers=2)
    it = iter(loader)
    assert [next(it).tolist() for _ in range(3)] == [[0], [1], [2]]
    with pytest.raises(ValueError) as err:
        next(it)
    msg = str(err.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 1.\n"
                          "Original Traceback (most recent call last):")
    assert "in __getitem__" in msg and "ValueError: bad index three" in msg
    # the iterator carries on after the error, as PyTorch's does
    assert [b.tolist() for b in it] == [[4], [5]]


def test_worker_key_error_and_odd_exception_types():
    with pytest.raises(KeyError) as err:
        list(DataLoader(Failing(5, KeyError("k")), num_workers=2))
    assert "Caught KeyError in DataLoader worker process" in str(err.value)
    assert "\n" in str(err.value)  # shown as text, not as a repr'd string
    with pytest.raises(RuntimeError, match="Caught NeedsTwoArgs in DataLoader worker process"):
        list(DataLoader(Failing(5, NeedsTwoArgs(1, 2)), num_workers=2))


def test_worker_init_fn_and_worker_info():
    rows = _as_lists(DataLoader(WhoAmI(4), batch_size=None, num_workers=2,
                                worker_init_fn=_record_init))
    assert [r[0] for r in rows] == [0, 1, 2, 3]
    assert {r[1] for r in rows} == {0, 1}
    assert all(r[1] == r[3] for r in rows)  # worker_init_fn ran in that same worker first
    assert all(r[2] == 2 and r[4] == "WhoAmI" for r in rows)


def test_worker_init_fn_error_is_reported():
    with pytest.raises(ValueError, match="init failed in 0"):
        list(DataLoader(Numbers(4), num_workers=2, worker_init_fn=_failing_init))


def test_worker_seeds_differ_per_worker_and_follow_generator():
    def run(seed):
        return list(DataLoader(Randoms(4), batch_size=None, num_workers=2, generator=_gen(seed)))

    rows = run(0)
    w0 = [r for r in rows if r[3] == 0]
    w1 = [r for r in rows if r[3] == 1]
    assert w0 and w1
    assert w1[0][4] == w0[0][4] + 1  # seed = base seed + worker id
    for k in range(3):  # Python's random, NumPy's global RNG and dygrad's default generator
        assert w0[0][k] != w1[0][k]
    assert run(0) == rows
    assert run(1) != rows


def test_iterable_dataset_sharded_across_workers():
    loader = DataLoader(Stream(0, 20), batch_size=3, num_workers=2)
    items = sum(_as_lists(loader), [])
    assert sorted(items) == list(range(20))
    unbatched = list(DataLoader(Stream(0, 9), batch_size=None, num_workers=2))
    assert unbatched == [0, 1, 2, 3, 4, 5, 6, 7, 8]  # workers alternate, shards interleave


def test_iterable_dataset_unsharded_repeats_per_worker():
    items = sum(_as_lists(DataLoader(Stream(0, 5, shard=False), batch_size=2, num_workers=2)), [])
    assert sorted(items) == sorted(list(range(5)) * 2)


def test_iterable_dataset_drop_last_applies_per_worker():
    batches = _as_lists(DataLoader(Stream(0, 10), batch_size=3, drop_last=True, num_workers=2))
    assert batches == [[0, 2, 4], [1, 3, 5]]


def test_persistent_workers_survive_epochs():
    loader = DataLoader(Pids(8), batch_size=2, num_workers=2, persistent_workers=True)
    first = set(sum(_as_lists(loader), []))
    second = set(sum(_as_lists(loader), []))
    assert len(first) == 2 and first == second
    assert _alive(first) == first  # still alive between epochs
    values = DataLoader(Numbers(9), batch_size=2, num_workers=2, persistent_workers=True,
                        shuffle=True, generator=_gen(0))
    for batch in values:  # an epoch abandoned early...
        break
    epoch = sum(_as_lists(values), [])  # ...does not leak into the next one
    assert sorted(epoch) == list(range(9))
    del loader
    assert _wait_exited(first) == []


def test_persistent_workers_with_iterable_dataset():
    loader = DataLoader(Stream(0, 10), batch_size=2, num_workers=2, persistent_workers=True)
    for _ in range(2):
        assert sorted(sum(_as_lists(loader), [])) == list(range(10))


def _pids_of_first_batches(loader_iterable, stop_after=2):
    pids = set()
    for i, batch in enumerate(loader_iterable):
        pids.update(batch.tolist())
        if i + 1 == stop_after:
            break
    return pids


def test_no_orphans_after_break():
    pids = _pids_of_first_batches(DataLoader(Pids(40), batch_size=2, num_workers=2))
    assert len(pids) == 2 and os.getpid() not in pids
    assert _wait_exited(pids) == []


def test_no_orphans_after_del_iterator():
    it = iter(DataLoader(Pids(40), batch_size=2, num_workers=2))
    pids = {w.pid for w in it._workers}
    next(it)
    assert _alive(pids) == pids
    del it
    assert _wait_exited(pids) == []


def test_no_orphans_after_garbage_collection():
    it = iter(DataLoader(Pids(40), batch_size=2, num_workers=2))
    pids = {w.pid for w in it._workers}
    next(it)
    cycle = [it]
    cycle.append(cycle)
    del it, cycle
    gc.collect()
    assert _wait_exited(pids) == []


def test_no_orphans_after_exception_in_main_process():
    pids = set()

    def train():
        for batch in DataLoader(Pids(40), batch_size=2, num_workers=2):
            pids.update(batch.tolist())
            if len(pids) == 2:
                raise ArithmeticError("loss is nan")

    with pytest.raises(ArithmeticError):
        train()
    assert len(pids) == 2 and _wait_exited(pids) == []


def test_workers_exit_when_main_process_dies(tmp_path):
    script = tmp_path / "main.py"
    script.write_text(textwrap.dedent("""
        import os
        from dygrad.utils.data import DataLoader
        it = iter(DataLoader(list(range(100)), batch_size=2, num_workers=2))
        next(it)
        print(*(w.pid for w in it._workers), flush=True)
        os._exit(0)  # no cleanup at all, as if killed
    """))
    root = os.path.dirname(os.path.dirname(dygrad.__file__))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                         timeout=120, check=True)
    pids = [int(p) for p in out.stdout.split()]
    assert len(pids) == 2

    def gone(pid):  # an orphan that exited may linger as a zombie until init reaps it
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] == "Z"
        except FileNotFoundError:
            return True

    deadline = time.monotonic() + 30
    while not all(gone(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(gone(p) for p in pids)


def test_timeout_raises():
    it = iter(DataLoader(Slow(4), num_workers=2, timeout=0.2))
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.2 seconds"):
        next(it)
    del it


def test_dead_worker_is_reported():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited "
                                           r"unexpectedly"):
        list(DataLoader(Dies(6), num_workers=2))


def test_unpicklable_batch_is_reported():
    loader = DataLoader(Numbers(4), num_workers=2, collate_fn=lambda b: (lambda: b))
    with pytest.raises(Exception, match="while sending the batch to the main process"):
        next(iter(loader))


def test_spawn_start_method():
    data = TensorDataset(dygrad.arange(10.0), dygrad.arange(10) % 3)
    single = [[t.tolist() for t in b] for b in DataLoader(data, batch_size=4)]
    spawned = [[t.tolist() for t in b]
               for b in DataLoader(data, batch_size=4, num_workers=2,
                                   multiprocessing_context="spawn")]
    assert spawned == single
