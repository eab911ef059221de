"""dygrad.distributed in one process: errors before init_process_group, names and values
shared with PyTorch, the message without mpi4py, and a one-process MPI world."""
import subprocess
import sys

import pytest

import dygrad
import dygrad.distributed as dist
from dygrad.distributed import process_group
from dygrad.nn.parallel.distributed import DistributedDataParallel
from dygrad.utils.data import DistributedSampler
from dist_helpers import REPO, needs_mpi, rank_env

NOT_INIT = ("Default process group has not been initialized, please make sure to call "
            "init_process_group.")


@pytest.mark.parametrize("call", [
    lambda: dist.get_rank(), lambda: dist.get_world_size(), lambda: dist.get_backend(),
    lambda: dist.barrier(), lambda: dist.all_reduce(dygrad.ones(2)),
    lambda: dist.broadcast(dygrad.ones(2), src=0), lambda: dist.new_group([0]),
    lambda: DistributedDataParallel(dygrad.nn.Linear(2, 2))])
def test_queries_before_init_raise_torchs_error(call):
    assert not dist.is_initialized() and dist.group.WORLD is None
    with pytest.raises(ValueError) as e:
        call()
    assert str(e.value) == NOT_INIT


def test_sampler_before_init():
    if dist.is_available():  # it asks dygrad.distributed, which is not initialized
        with pytest.raises(ValueError) as e:
            DistributedSampler(range(4))
        assert str(e.value) == NOT_INIT
    else:
        with pytest.raises(RuntimeError, match="pass num_replicas and rank"):
            DistributedSampler(range(4))


def test_destroy_without_group():
    with pytest.raises(AssertionError, match="Process group cannot be None"):
        dist.destroy_process_group()


def test_availability():
    import importlib.util
    assert dist.is_available() is dist.is_mpi_available() is (
        importlib.util.find_spec("mpi4py") is not None)
    assert dist.is_gloo_available() is False and dist.is_nccl_available() is False


def test_reduce_op_members():
    names = ["SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR", "PREMUL_SUM"]
    assert [int(getattr(dist.ReduceOp, n)) for n in names] == list(range(9))
    assert repr(dist.ReduceOp.SUM) == "<RedOpType.SUM: 0>"
    assert str(dist.ReduceOp.AVG) == "RedOpType.AVG"
    assert dist.ReduceOp.SUM is dist.ReduceOp.RedOpType.SUM
    assert dist.ReduceOp(dist.ReduceOp.MAX) == dist.ReduceOp.MAX


def test_reduce_op_values_are_torchs():
    torch = pytest.importorskip("torch")
    names = ["SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR", "PREMUL_SUM"]
    for n in names:
        assert int(getattr(dist.ReduceOp, n)) == int(getattr(torch.distributed.ReduceOp, n))
        assert repr(getattr(dist.ReduceOp, n)) == repr(getattr(torch.distributed.ReduceOp, n))


def test_backend_names():
    assert dist.Backend("MPI") == "mpi" == dist.Backend.MPI
    assert dist.Backend("gloo") == dist.Backend.GLOO
    with pytest.raises(ValueError, match="Unknown backend 'tcp'"):
        dist.Backend("tcp")


def test_gpu_backends_are_refused_before_mpi_starts():
    with pytest.raises(RuntimeError, match="doesn't have NCCL built in.*backend='mpi'"):
        dist.init_process_group("nccl")
    assert not dist.is_initialized()


def test_missing_mpi4py_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    monkeypatch.setattr(process_group, "_MPI", None)
    with pytest.raises(ImportError, match=r"dygrad\.distributed needs MPI: pip install "
                                          r"dygrad\[distributed\]"):
        dist.init_process_group()
    assert not dist.is_initialized()


def test_work_without_requests_runs_its_finish_once():
    calls = []
    w = dist.Work([], lambda: calls.append(1), result=[dygrad.ones(1)])
    assert w.is_completed() and w.wait() and w.is_success() and calls == [1]
    assert w.wait() and calls == [1] and w.exception() is None
    failing = dist.Work([], lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failing.wait()
    assert not failing.is_success()


SINGLETON = """
import os
import numpy as np
import dygrad, dygrad.nn as nn, dygrad.distributed as dist
from dygrad.nn.parallel.distributed import DistributedDataParallel as DDP
try:
    dist.init_process_group(world_size=2)
except ValueError as e:
    assert "dygrad run -n 2" in str(e), e
else:
    raise SystemExit("world_size=2 in a 1-process job was accepted")
os.environ["WORLD_SIZE"] = "3"
try:
    dist.init_process_group()
except ValueError as e:
    assert "world_size=3" in str(e), e
else:
    raise SystemExit("WORLD_SIZE=3 in a 1-process job was accepted")
del os.environ["WORLD_SIZE"]
dist.init_process_group("gloo")
assert (dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (0, 1, "mpi")
t = dygrad.arange(4.0)
dist.all_reduce(t, op=dist.ReduceOp.AVG)
assert t.tolist() == [0.0, 1.0, 2.0, 3.0]
dygrad.manual_seed(0)
a = nn.Linear(3, 2)
dygrad.manual_seed(0)
b = DDP(nn.Linear(3, 2))
x = dygrad.randn(5, 3)
a(x).square().sum().backward()
b(x).square().sum().backward()
for p, q in zip(a.parameters(), b.parameters()):
    assert np.array_equal(p.grad.numpy(), q.grad.numpy())
dist.destroy_process_group()
print("singleton ok")
"""


@needs_mpi
def test_one_process_world_without_mpiexec():
    p = subprocess.run([sys.executable, "-c", SINGLETON], capture_output=True, text=True,
                       timeout=120, cwd=REPO, env=rank_env())
    assert p.returncode == 0, p.stderr
    assert "singleton ok" in p.stdout
