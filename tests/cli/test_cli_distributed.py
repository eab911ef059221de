"""`dygrad run` and `dygrad train --nproc`: MPI jobs started from the dygrad command."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dygrad import load
from dygrad.cli import main
from dygrad.cli.distributed import _without_nproc, job_world_size
from dygrad.distributed.launch import find_mpiexec
from dygrad.vision.models import get_model

REPO = Path(__file__).resolve().parents[2]
QUICK = ["--limit-train", "512", "--limit-eval", "256", "--no-progress"]

_missing = None
if importlib.util.find_spec("mpi4py") is None:
    _missing = "mpi4py is not installed (pip install dygrad[distributed])"
elif find_mpiexec() is None:
    _missing = "no mpiexec found (pip install dygrad[distributed] brings MPICH's)"
needs_mpi = pytest.mark.skipif(_missing is not None, reason=f"needs MPI: {_missing}")


def dygrad(*argv, cwd, timeout=120):
    """`python -m dygrad argv` in cwd, as a user would type it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    for var in ("DYGRAD_RUN_ID", "WORLD_SIZE", "RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE"):
        env.pop(var, None)  # not inside a job already
    return subprocess.run([sys.executable, "-m", "dygrad", *map(str, argv)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_help_lists_run(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "run       run a Python program as an N-process MPI job" in out
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    assert "--nproc P" in out and "batch size per process" in out


def test_nproc_is_dropped_when_relaunching():
    assert _without_nproc(["--nproc", "2", "--epochs", "1", "--nproc=3", "--name", "x"]) == \
        ["--epochs", "1", "--name", "x"]


def test_job_world_size(monkeypatch):
    for var in ("DYGRAD_RUN_ID", "WORLD_SIZE", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE"):
        monkeypatch.delenv(var, raising=False)
    assert job_world_size() is None
    monkeypatch.setenv("WORLD_SIZE", "4")  # e.g. left in the shell: not a dygrad run job
    assert job_world_size() is None
    monkeypatch.setenv("DYGRAD_RUN_ID", "abc")
    assert job_world_size() == 4
    monkeypatch.delenv("DYGRAD_RUN_ID")
    monkeypatch.setenv("PMI_SIZE", "3")  # a plain mpiexec (MPICH)
    assert job_world_size() == 3


@needs_mpi
def test_run_passes_arguments_through(tmp_path):
    script = tmp_path / "hello.py"
    script.write_text("import sys\nimport dygrad.distributed as dist\n"
                      "dist.init_process_group()\n"
                      "r, n = dist.get_rank(), dist.get_world_size()\n"
                      "print(f'rank {r} of {n}: {sys.argv[1:]}')\n"
                      "dist.destroy_process_group()\n")
    p = dygrad("run", "-n", "2", script, "-n", "5", "--epochs", "1", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    for r in range(2):
        assert f"rank {r} of 2: ['-n', '5', '--epochs', '1']" in p.stdout


@pytest.fixture(scope="module")
def two_rank_run(tmp_path_factory):
    if _missing:
        pytest.skip(f"needs MPI: {_missing}")
    cwd = tmp_path_factory.mktemp("ddp")
    p = dygrad("train", "--nproc", "2", *QUICK, "--epochs", "1", "--output-dir", "run", cwd=cwd)
    assert p.returncode == 0, f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return cwd, p


def test_train_nproc_2_writes_one_set_of_artifacts(two_rank_run):
    cwd, p = two_rank_run
    out = p.stdout
    assert out.count(" train\n") == 1  # the header: rank 0 alone prints
    assert out.count("epoch 1/1  train loss") == 1
    assert ("parallel   2 processes (DistributedDataParallel over MPI): batch 64 per process, "
            "128 per step") in out
    names = set(os.listdir(cwd / "run"))
    assert names >= {"last.ckpt", "best.ckpt", "metrics.jsonl", "metrics.csv", "config.json"}
    assert names <= {"last.ckpt", "best.ckpt", "metrics.jsonl", "metrics.csv", "config.json",
                     "curves.png", "tensorboard"}  # no leftovers of other ranks
    assert set(os.listdir(cwd)) <= {"run", "ev"}  # ev: the eval test's
    lines = (cwd / "run" / "metrics.jsonl").read_text().splitlines()
    history = [json.loads(line) for line in lines]
    assert len(history) == 1 and history[0]["step"] == 4  # 512 images / (2 ranks x 64)
    assert json.loads((cwd / "run" / "config.json").read_text())["nproc"] == 2


def test_train_nproc_2_checkpoint_loads_in_one_process(two_rank_run):
    cwd, p = two_rank_run
    ckpt = load(cwd / "run" / "best.ckpt")
    assert ckpt["config"]["nproc"] == 2 and ckpt["epoch"] == 1
    state = ckpt["model_state_dict"]
    assert not any(k.startswith("module.") for k in state)
    model = get_model("lenet5")
    model.load_state_dict(state)

    # `dygrad eval` on it gives the accuracy the run printed and logged (the run evaluated the
    # held-out split in two shards)
    e = dygrad("eval", cwd / "run" / "best.ckpt", "--limit", "256", "--output-dir", "ev",
               cwd=cwd)
    assert e.returncode == 0, e.stderr
    result = json.loads((cwd / "ev" / "best-eval.json").read_text())
    rec = json.loads((cwd / "run" / "metrics.jsonl").read_text())
    assert result["samples"] == 256
    assert result["accuracy"] == rec["val_acc"]
    assert result["loss"] == pytest.approx(rec["val_loss"], rel=1e-6)
    assert f"held-out loss {rec['val_loss']:.4f} acc {result['accuracy']:.2%}  |" in p.stdout


@needs_mpi
def test_resume_keeps_processes_and_is_exact(tmp_path):
    small = ["--limit-train", "256", "--limit-eval", "64", "--batch-size", "32", "--model", "mlp",
             "--scheduler", "none", "--quiet"]
    p = dygrad("train", "--nproc", "2", *small, "--epochs", "2", "--output-dir", "whole",
               cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    p = dygrad("train", "--nproc", "2", *small, "--epochs", "1", "--output-dir", "split",
               cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    # no --nproc: a resumed run keeps its number of processes
    p = dygrad("train", "--resume", "split", "--epochs", "2", "--quiet", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    a, b = load(tmp_path / "whole" / "last.ckpt"), load(tmp_path / "split" / "last.ckpt")
    assert b["epoch"] == 2 and b["config"]["nproc"] == 2
    for key, value in a["model_state_dict"].items():
        assert np.array_equal(value.numpy(), b["model_state_dict"][key].numpy()), key
    assert a["history"][-1]["val_acc"] == b["history"][-1]["val_acc"]


def test_resume_refuses_other_process_count(tmp_path, capsys):
    assert main(["train", *QUICK, "--model", "mlp", "--epochs", "1", "--scheduler", "none",
                 "--quiet", "--output-dir", str(tmp_path / "one")]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(tmp_path / "one"), "--nproc", "2", "--epochs",
                 "2"]) == 2
    err = capsys.readouterr().err
    assert "--nproc 2 differs from the resumed run's 1" in err


@needs_mpi
@pytest.mark.parametrize("argv, message", [
    (["train", "--nproc", "2", "--model", "nope"], "argument --model: invalid choice: 'nope'"),
    # found by rank 0 inside the job: printed once, every rank ends
    (["train", "--nproc", "2", "--dataset", "mnist", "--data-dir", "missing", *QUICK],
     "missing does not exist. Fix: pass --data-dir"),
    (["run", "-n", "2", "-m", "dygrad", "train", "--nproc", "3", *QUICK],
     "--nproc 3 but this MPI job has 2 processes"),
])
def test_failures_end_the_job_with_the_message(tmp_path, argv, message):
    p = dygrad(*argv, "--output-dir", "out", cwd=tmp_path, timeout=60)
    assert p.returncode == 2, p.stderr
    assert p.stderr.count(message) == 1, p.stderr
    assert "Traceback" not in p.stderr
    assert not (tmp_path / "out").exists()
