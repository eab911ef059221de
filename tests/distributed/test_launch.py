"""`dygrad run` (dygrad.distributed.launch.main): the command it builds, what each rank sees,
and a failing rank ending the whole job."""
import json
import os
import subprocess
import sys

import pytest

from dygrad.distributed import launch
from dist_helpers import REPO, SCRIPTS, launch as launch_script, needs_mpi, rank_env

THREAD_VARS = ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"]


def test_threads_per_rank(tmp_path):
    assert launch.threads_per_rank(2, cores=8) == 4
    assert launch.threads_per_rank(3, cores=8) == 2
    assert launch.threads_per_rank(16, cores=8) == 1
    hosts = tmp_path / "hosts"
    hosts.write_text("# two machines\nnode1:4\n\nnode2:4\n")
    assert launch.threads_per_rank(4, hostfile=str(hosts), cores=8) == 4


def _dry_run(capsys, *argv):
    rc = launch.main(["--dry-run", "--mpiexec", sys.executable, *argv])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return out.out.split()


def test_dry_run_command(capsys, tmp_path):
    script = str(SCRIPTS / "ranks_env.py")
    cmd = _dry_run(capsys, "-n", "3", script, "--lr", "0.1", "-m", "x")
    assert cmd[:3] == [sys.executable, "-n", "3"]
    tail = [sys.executable, "-m", "mpi4py", "-m", "dygrad.distributed._rank_entry", script,
            "--lr", "0.1", "-m", "x"]
    assert cmd[-len(tail):] == tail
    hosts = tmp_path / "hosts.txt"
    hosts.write_text("node1:2\n")
    cmd = _dry_run(capsys, "--nproc-per-node", "2", "--hostfile", str(hosts), "-m",
                   "dygrad.cli", "train", "cfg.toml")
    assert cmd[1:5] == ["-n", "2", "-hostfile", str(hosts)]
    assert cmd[-4:] == ["-m", "dygrad.cli", "train", "cfg.toml"]


def test_blas_threads_in_environment():
    ns = launch._parser("dygrad run").parse_args(["-n", "2", "x.py"])
    cmd, env = launch.build_command(ns, "mpiexec", {"PATH": "/bin"})
    want = str(launch.threads_per_rank(2))
    assert [env[v] for v in THREAD_VARS] == [want] * 3
    _, env = launch.build_command(ns, "mpiexec", {"OMP_NUM_THREADS": "7"})
    assert env["OMP_NUM_THREADS"] == "7" and env["OPENBLAS_NUM_THREADS"] == want
    ns = launch._parser("dygrad run").parse_args(["-n", "2", "--threads", "5", "x.py"])
    _, env = launch.build_command(ns, "mpiexec", {"OMP_NUM_THREADS": "7"})
    assert [env[v] for v in THREAD_VARS] == ["5"] * 3


def test_bad_arguments(capsys, tmp_path):
    script = str(SCRIPTS / "ranks_env.py")
    assert launch.main(["-n", "0", script]) == 2
    assert "-n must be at least 1" in capsys.readouterr().err
    assert launch.main(["-n", "2", str(tmp_path / "missing.py")]) == 2
    assert "can't open file" in capsys.readouterr().err
    assert launch.main(["--hostfile", str(tmp_path / "nohosts"), script]) == 2
    assert "can't open hostfile" in capsys.readouterr().err
    assert launch.main(["--mpiexec", str(tmp_path / "no-mpiexec"), script]) == 1
    assert "pip install dygrad[distributed]" in capsys.readouterr().err


def _env_without_threads(**extra):
    env = rank_env(**extra)
    for v in THREAD_VARS:
        if v not in extra:
            env.pop(v, None)
    return env


def _seen(out_dir, n=2):
    return [json.loads((out_dir / f"env{r}.json").read_text()) for r in range(n)]


@needs_mpi
def test_each_rank_gets_its_variables_and_arguments(tmp_path):
    p = launch_script("ranks_env.py", tmp_path, "--flag", "a b", env=_env_without_threads())
    assert p.returncode == 0, p.stderr
    want = str(launch.threads_per_rank(2))
    for r, seen in enumerate(_seen(tmp_path)):
        assert (seen["RANK"], seen["LOCAL_RANK"], seen["WORLD_SIZE"], seen["LOCAL_WORLD_SIZE"]) \
            == (str(r), str(r), "2", "2")
        assert (seen["rank"], seen["world_size"]) == (r, 2)
        assert [seen[v] for v in THREAD_VARS] == [want] * 3
        assert seen["argv"] == [str(tmp_path), "--flag", "a b"]
        assert os.path.realpath(seen["path0"]) == os.path.realpath(SCRIPTS)
        assert seen["torchelastic"] is True


@needs_mpi
def test_module_mode_and_thread_override(tmp_path):
    cmd = [sys.executable, "-m", "dygrad.distributed.launch", "-n", "2", "--threads", "3",
           "-m", "ranks_env", str(tmp_path)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=SCRIPTS,
                       env=_env_without_threads(OMP_NUM_THREADS="9"))
    assert p.returncode == 0, p.stderr
    for seen in _seen(tmp_path):
        assert [seen[v] for v in THREAD_VARS] == ["3"] * 3


@needs_mpi
def test_a_failing_rank_ends_the_job_with_its_traceback():
    # rank 0 waits in an all_reduce rank 1 never joins: only the launcher can end it. The
    # timeout only guards against a hang; how fast the job ends is measured in bench/.
    p = launch_script("ranks_fail.py", "raise", timeout=120)
    assert p.returncode != 0
    assert "rank 0 was not stopped" not in p.stdout
    assert "[rank 1] failed" in p.stderr
    assert "Traceback (most recent call last)" in p.stderr
    assert 'ranks_fail.py", line' in p.stderr
    assert "ValueError: deliberate failure on rank 1" in p.stderr
    assert "mpi4py/run.py" not in p.stderr  # the launcher's own frames are left out


@needs_mpi
@pytest.mark.parametrize("how, code", [("exit", 3), ("kill", None)])
def test_a_rank_exiting_or_killed_ends_the_job(how, code):
    p = launch_script("ranks_fail.py", how, timeout=30)
    assert p.returncode != 0
    if code is not None:
        assert p.returncode == code
    assert "rank 0 was not stopped" not in p.stdout


def test_module_entry_help():
    """python -m dygrad.distributed.launch is the same launcher as `dygrad run`."""
    p = subprocess.run([sys.executable, "-m", "dygrad.distributed.launch", "--help"],
                       capture_output=True, text=True, timeout=60, cwd=REPO, env=rank_env())
    assert p.returncode == 0 and "--nproc" in p.stdout and "-m, --module" in p.stdout
