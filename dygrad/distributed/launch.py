"""`dygrad run -n N script.py [args]`: starts an N-rank MPI job of a Python program.

It runs `mpiexec -n N python -m mpi4py -m dygrad.distributed._rank_entry script.py args`:
mpi4py's runner turns an unhandled exception (or a non-zero sys.exit) on any rank into
MPI_Abort, so the whole job ends at once, with that rank's traceback on stderr and a non-zero
exit status, instead of leaving the other ranks waiting forever in a collective. The rank
entry sets torchrun's variables (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE) from MPI.
Each rank gets max(1, cores // ranks_per_host) BLAS threads (OPENBLAS/OMP/MKL_NUM_THREADS),
unless the environment already sets them or --threads says otherwise, so N ranks do not
oversubscribe the machine's cores.
"""
import argparse
import importlib.util
import math
import os
import shlex
import shutil
import subprocess
import sys
import uuid

__all__ = ["main", "build_command", "threads_per_rank"]

_MISSING = "dygrad.distributed needs MPI: pip install dygrad[distributed]"
_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _parser(prog):
    p = argparse.ArgumentParser(
        prog=prog, description="Run a Python program as an N-process MPI job (one process per "
                               "rank), for dygrad.distributed and DistributedDataParallel.")
    p.add_argument("-n", "--nproc", "--nproc-per-node", "--nproc_per_node", dest="nproc",
                   type=int, default=1, help="number of processes (ranks) to start (default 1)")
    p.add_argument("--hostfile", default=None,
                   help="MPI hostfile listing the machines to spread the ranks over")
    p.add_argument("--threads", type=int, default=None,
                   help="BLAS threads per rank (default: cores // ranks on this host)")
    p.add_argument("--mpiexec", default=None,
                   help="the mpiexec to use (default: the one next to this Python, then PATH)")
    p.add_argument("--mpiexec-args", default="",
                   help="extra arguments for mpiexec, as one quoted string")
    p.add_argument("--dry-run", action="store_true", help="print the command and exit")
    p.add_argument("-m", "--module", action="store_true",
                   help="run the program as a module, like python -m")
    p.add_argument("program", help="the script (or module with -m) to run on every rank")
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the program")
    return p


def find_mpiexec(explicit=None):
    """The mpiexec to start jobs with: the given one, the one installed next to this Python
    (the `mpich` wheel's), then the first on PATH; None when there is none."""
    if explicit:
        return shutil.which(explicit) or (explicit if os.path.isfile(explicit) else None)
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.isfile(here) and os.access(here, os.X_OK):
        return here
    return shutil.which("mpiexec") or shutil.which("mpirun")


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _hosts_in(hostfile):
    n = 0
    with open(hostfile) as f:
        for line in f:
            if line.split("#", 1)[0].strip():
                n += 1
    return max(n, 1)


def threads_per_rank(nproc, hostfile=None, cores=None):
    """max(1, cores // ranks on this host): the BLAS threads each rank may use."""
    per_host = math.ceil(nproc / _hosts_in(hostfile)) if hostfile else nproc
    return max(1, (cores or _cores()) // max(per_host, 1))


def _is_open_mpi(mpiexec):
    try:
        out = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return "open mpi" in (out.stdout + out.stderr).lower()


def build_command(ns, mpiexec, env):
    """(argv, environment) that start the job described by parsed arguments `ns`; sets the BLAS
    thread variables in `env` (a copy of os.environ) unless they are already set."""
    threads = ns.threads or threads_per_rank(ns.nproc, ns.hostfile)
    for var in _THREAD_VARS:
        if ns.threads or not env.get(var):
            env[var] = str(threads)
    env.setdefault("DYGRAD_RUN_ID", uuid.uuid4().hex[:12])
    cmd = [mpiexec, "-n", str(ns.nproc)]
    if ns.hostfile:
        cmd += ["-hostfile", ns.hostfile]
    if _is_open_mpi(mpiexec):  # Open MPI forwards only the variables it is told about
        for var in _THREAD_VARS + ("DYGRAD_RUN_ID", "PYTHONPATH"):
            if var in env:
                cmd += ["-x", var]
    cmd += shlex.split(ns.mpiexec_args)
    cmd += [sys.executable, "-m", "mpi4py", "-m", "dygrad.distributed._rank_entry"]
    cmd += (["-m", ns.program] if ns.module else [ns.program]) + list(ns.args)
    return cmd, env


def main(argv=None, prog="dygrad run"):
    """Entry point of `dygrad run` (and `python -m dygrad.distributed.launch`): starts the job,
    waits for it and returns its exit status."""
    ns = _parser(prog).parse_args(sys.argv[1:] if argv is None else list(argv))
    if ns.nproc < 1:
        print(f"{prog}: -n must be at least 1, got {ns.nproc}", file=sys.stderr)
        return 2
    if ns.threads is not None and ns.threads < 1:
        print(f"{prog}: --threads must be at least 1, got {ns.threads}", file=sys.stderr)
        return 2
    if not ns.module and not os.path.isfile(ns.program):
        print(f"{prog}: can't open file {ns.program!r}: no such file", file=sys.stderr)
        return 2
    if ns.hostfile and not os.path.isfile(ns.hostfile):
        print(f"{prog}: can't open hostfile {ns.hostfile!r}: no such file", file=sys.stderr)
        return 2
    mpiexec = find_mpiexec(ns.mpiexec)
    if mpiexec is None:
        print(f"{prog}: {_MISSING} (no mpiexec found)", file=sys.stderr)
        return 1
    cmd, env = build_command(ns, mpiexec, dict(os.environ))
    if ns.dry_run:
        print(" ".join(shlex.quote(c) for c in cmd))
        return 0
    if importlib.util.find_spec("mpi4py") is None:
        print(f"{prog}: {_MISSING} (mpi4py is not installed)", file=sys.stderr)
        return 1
    proc = subprocess.Popen(cmd, env=env)
    interrupts = 0
    while True:
        try:
            rc = proc.wait()
            break
        except KeyboardInterrupt:
            # mpiexec got the Ctrl-C too and is ending the ranks; a second one insists
            interrupts += 1
            if interrupts > 1:
                proc.kill()
    return 128 - rc if rc < 0 else rc

if __name__ == "__main__":
    sys.exit(main(prog="python -m dygrad.distributed.launch"))
