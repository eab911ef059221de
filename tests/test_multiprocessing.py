"""Shared-memory tensors and dygrad.multiprocessing (torch.multiprocessing).

Process tests run a small program in a fresh interpreter (children started with 'spawn'
re-import it as their main module), so what the parent saw after its children ran, and which
files are left in /dev/shm after it exits, are checked from outside.
"""
import gc
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import dygrad
import dygrad.multiprocessing as mp
from dygrad import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(tmp_path, code, *, as_torch=False):
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(code))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH")) if p)
    cmd = [sys.executable, "-m", "dygrad", "torch", str(script)] if as_torch else \
        [sys.executable, str(script)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _blocks(pid):
    from dygrad._shm import shm_dir
    return [f for f in os.listdir(shm_dir()) if f.startswith(f"dygrad_{pid}_")]


# -- in one process ----------------------------------------------------------------------------
def test_share_memory_keeps_tensor_and_is_idempotent():
    x = dygrad.arange(6, dtype=dygrad.float64).reshape(2, 3).requires_grad_()
    v = x._version
    assert not x.is_shared()
    assert x.share_memory_() is x
    assert x.is_shared() and x.dtype == dygrad.float64 and x.shape == (2, 3)
    assert x.requires_grad and x._version == v
    np.testing.assert_array_equal(x.detach().numpy(), np.arange(6.0).reshape(2, 3))
    arr = x._data
    x.share_memory_()
    assert x._data is arr  # idempotent: no second move


def test_views_follow_their_root_into_shared_memory():
    z = dygrad.zeros(4)
    w = z[1:3]
    w.share_memory_()  # sharing a view moves its whole root, as PyTorch shares the storage
    assert z.is_shared() and w.is_shared()
    w.fill_(7.0)
    assert z.tolist() == [0.0, 7.0, 7.0, 0.0]
    # a root in Fortran order keeps its strides, and a column view stays on it
    f = dygrad.from_numpy(np.asfortranarray(np.arange(6.0).reshape(2, 3)))
    col = f[:, 1]
    strides = f._data.strides
    col.share_memory_()
    assert f.is_shared() and f._data.strides == strides
    col.fill_(-1.0)
    assert f.tolist() == [[0.0, -1.0, 2.0], [3.0, -1.0, 5.0]]


def test_shared_tensors_pickle_by_reference_others_by_copy():
    x = dygrad.zeros(3).share_memory_()
    y = pickle.loads(pickle.dumps(x))
    assert y.is_shared() and np.shares_memory(x._data, y._data)
    sl = pickle.loads(pickle.dumps(x[1:]))  # a view travels as (block, offset, strides)
    sl.fill_(2.0)
    assert x.tolist() == [0.0, 2.0, 2.0]
    n = dygrad.ones(2)
    m = pickle.loads(pickle.dumps(n))
    assert not m.is_shared() and not np.shares_memory(n._data, m._data)
    p = nn.Parameter(dygrad.ones(2)).share_memory_()
    q = pickle.loads(pickle.dumps(p))
    assert type(q) is nn.Parameter and q.requires_grad and q.is_shared()


def test_module_share_memory_shares_parameters_and_buffers():
    m = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    params = list(m.parameters())
    assert m.share_memory() is m
    assert [p is q for p, q in zip(params, m.parameters())] == [True] * len(params)
    assert all(p.is_shared() for p in m.parameters())
    assert all(b.is_shared() for b in m.buffers())


def test_unsent_block_is_removed_when_freed():
    x = dygrad.zeros(5).share_memory_()
    mine = _blocks(os.getpid())
    del x
    gc.collect()
    assert len(_blocks(os.getpid())) == len(mine) - 1


def test_sharing_strategies():
    assert mp.get_all_sharing_strategies() == {"file_system"}
    assert mp.get_sharing_strategy() == "file_system"
    mp.set_sharing_strategy("file_system")
    with pytest.raises(RuntimeError, match="file_system"):
        mp.set_sharing_strategy("file_descriptor")
    for name in ("Process", "Queue", "SimpleQueue", "Pool", "Event", "Lock", "Manager",
                 "set_start_method", "get_start_method", "get_context", "cpu_count",
                 "current_process", "spawn", "start_processes", "ProcessRaisedException"):
        assert hasattr(mp, name), name


def test_import_dygrad_does_not_import_multiprocessing(tmp_path):
    out = _run(tmp_path, """
        import sys, dygrad
        print("dygrad.multiprocessing" in sys.modules, "dygrad._shm" in sys.modules)
        import dygrad.multiprocessing
        print(dygrad.multiprocessing is dygrad.multiprocessing)
    """)
    assert out.split() == ["False", "False", "True"]


# -- across processes --------------------------------------------------------------------------
def test_spawned_children_write_into_shared_tensors(tmp_path):
    # run as `dygrad torch prog.py`: the children import torch as dygrad through the boot hook
    out = _run(tmp_path, """
        import torch
        import torch.multiprocessing as mp

        def add_one(t):
            t.add_(1)

        def from_queue(q):
            q.get().mul_(3)

        if __name__ == "__main__":
            mp.set_start_method("spawn", force=True)
            shared = torch.zeros(3).share_memory_()
            plain = torch.ones(2)      # a Process argument is moved to shared memory (PyTorch)
            for t in (shared, plain):
                p = mp.Process(target=add_one, args=(t,))
                p.start(); p.join()
            q = mp.Queue()             # so is a tensor put on torch.multiprocessing's queues
            sent = torch.ones(2)
            p = mp.Process(target=from_queue, args=(q,))
            p.start(); q.put(sent); p.join()
            print(shared.tolist(), plain.tolist(), plain.is_shared(), sent.tolist())
    """, as_torch=True)
    assert out.strip() == "[1.0, 1.0, 1.0] [2.0, 2.0] True [3.0, 3.0]"


def test_hogwild_children_train_the_same_parameters(tmp_path):
    out = _run(tmp_path, """
        import dygrad as torch
        import dygrad.multiprocessing as mp

        def train(rank, model, lock, q):
            q.put((type(model.weight).__name__, model.weight.requires_grad,
                   model.weight.is_shared()))
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            x = torch.arange(8.0).reshape(2, 4)
            for _ in range(3):
                opt.zero_grad()
                model(x).sum().backward()   # gradients do not depend on the weights
                with lock:                  # no lost updates: the sum below is exact
                    opt.step()

        if __name__ == "__main__":
            mp.set_start_method("spawn", force=True)
            torch.manual_seed(0)
            model = torch.nn.Linear(4, 3)
            w0, b0 = model.weight.detach().clone(), model.bias.detach().clone()
            model.share_memory()
            lock, q = mp.Lock(), mp.SimpleQueue()
            ps = [mp.Process(target=train, args=(r, model, lock, q)) for r in range(2)]
            for p in ps: p.start()
            for p in ps: p.join()
            print(q.get(), q.get())
            gw = torch.arange(8.0).reshape(2, 4).sum(0)
            want_w = w0 - 2 * 3 * 0.1 * gw.expand(3, 4)
            want_b = b0 - 2 * 3 * 0.1 * 2
            print(torch.allclose(model.weight, want_w), torch.allclose(model.bias, want_b),
                  not torch.equal(model.weight, w0), type(model.weight).__name__)
    """)
    lines = out.strip().splitlines()
    assert lines[0] == "('Parameter', True, True) ('Parameter', True, True)"
    assert lines[1] == "True True True Parameter"


def test_unshared_tensor_through_a_plain_pipe_is_a_copy(tmp_path):
    out = _run(tmp_path, """
        import multiprocessing
        import dygrad as torch

        def child(conn):
            t = conn.recv()
            t.add_(5)
            conn.send((t.tolist(), t.is_shared()))

        if __name__ == "__main__":
            ctx = multiprocessing.get_context("spawn")
            a, b = ctx.Pipe()
            p = ctx.Process(target=child, args=(b,))
            p.start()
            x = torch.zeros(2)
            a.send(x)
            print(a.recv(), x.tolist(), x.is_shared())
            p.join()
    """)
    assert out.strip() == "([5.0, 5.0], False) [0.0, 0.0] False"


def test_spawn_reports_a_failing_child(tmp_path):
    out = _run(tmp_path, """
        import sys
        import dygrad.multiprocessing as mp

        def work(i, bad):
            if i == bad:
                raise ValueError(f"child {i} cannot go on")

        def leave(i):
            sys.exit(3)

        if __name__ == "__main__":
            print(mp.spawn(work, args=(5,), nprocs=2))
            try:
                mp.spawn(work, args=(1,), nprocs=2)
            except mp.ProcessRaisedException as e:
                print(e.error_index, "ValueError: child 1 cannot go on" in str(e),
                      str(e).startswith("\\n\\n-- Process 1 terminated with the following error:"))
            try:
                mp.spawn(leave, nprocs=1)
            except mp.ProcessExitedException as e:
                print(str(e), e.exit_code, e.signal_name)
            ctx = mp.start_processes(work, args=(5,), nprocs=1, join=False)
            while not ctx.join():
                pass
            print(type(ctx).__name__, len(ctx.pids()))
    """)
    assert out.strip().splitlines() == [
        "None", "1 True True", "process 0 terminated with exit code 3 3 None",
        "ProcessContext 1"]


def test_blocks_are_removed_when_their_creator_exits(tmp_path):
    out = _run(tmp_path, """
        import os
        import dygrad as torch
        import dygrad.multiprocessing as mp

        def touch(t):
            t.add_(1)

        if __name__ == "__main__":
            mp.set_start_method("spawn", force=True)
            kept = torch.zeros(4).share_memory_()
            sent = torch.nn.Linear(2, 2).share_memory()
            p = mp.Process(target=touch, args=(kept,))
            p.start(); p.join()
            print(os.getpid(), kept.tolist())
    """)
    pid, values = out.split(maxsplit=1)
    assert values.strip() == "[1.0, 1.0, 1.0, 1.0]"
    assert _blocks(pid) == []


def test_fork_and_forkserver_children_share(tmp_path):
    out = _run(tmp_path, """
        import dygrad as torch
        import dygrad.multiprocessing as mp

        def add_one(t, u):
            t.add_(1)
            u.add_(1)

        if __name__ == "__main__":
            for method in ("fork", "forkserver"):
                ctx = mp.get_context(method)
                shared, plain = torch.zeros(2).share_memory_(), torch.zeros(2)
                p = ctx.Process(target=add_one, args=(shared, plain))
                p.start(); p.join()
                # fork: the child's copy-on-write copy; forkserver pickles the arguments, so
                # the plain tensor moves to shared memory as with spawn
                print(method, shared.tolist(), plain.tolist())
    """)
    assert out.strip().splitlines() == ["fork [1.0, 1.0] [0.0, 0.0]",
                                        "forkserver [1.0, 1.0] [1.0, 1.0]"]
