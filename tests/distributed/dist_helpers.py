"""Launching small multi-rank scripts for the dygrad.distributed tests.

Rank scripts live in scripts/. The ones built on scripts/_checks.py record every named check
as "ok" or the failed assertion in out_dir/rank<r>.json; any other error aborts the job, and
the test then shows that rank's traceback.
"""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dygrad.distributed.launch import find_mpiexec

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).resolve().parent / "scripts"

_missing = None
if importlib.util.find_spec("mpi4py") is None:
    _missing = "mpi4py is not installed (pip install dygrad[distributed])"
elif find_mpiexec() is None:
    _missing = "no mpiexec found (pip install dygrad[distributed] brings MPICH's)"

needs_mpi = pytest.mark.skipif(_missing is not None, reason=f"needs MPI: {_missing}")


def rank_env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.update(extra)
    return env


def launch(script, *args, n=2, timeout=120, env=None, launcher_args=()):
    """Runs `dygrad run -n n scripts/<script> args` and returns the CompletedProcess."""
    cmd = [sys.executable, "-m", "dygrad.distributed.launch", "-n", str(n), *launcher_args,
           str(SCRIPTS / script), *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO,
                          env=env or rank_env())


def run_checks(script, out_dir, *args, n=2):
    """Launches a check script and returns {rank: {check: "ok" | failure}}."""
    p = launch(script, out_dir, *args, n=n)
    if p.returncode != 0:
        raise AssertionError(f"{script} failed (exit {p.returncode})\nstdout:\n{p.stdout}\n"
                             f"stderr:\n{p.stderr}")
    results = {}
    for r in range(n):
        with open(Path(out_dir) / f"rank{r}.json") as f:
            results[r] = json.load(f)
    return results


def assert_check(results, name):
    for r, res in results.items():
        assert name in res, f"check {name!r} did not run on rank {r}"
        assert res[name] == "ok", f"rank {r}: {res[name]}"
