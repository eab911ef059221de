"""`dygrad train --nproc N`: the training loop of train.py on N MPI processes with
DistributedDataParallel.

train.py talks to a job object: `Solo` runs the single-process loop unchanged, `Ranks` is one
process of an N-process job. What the ranks do differently:

* `--batch-size` is per process, as in a torchrun script: each optimizer step averages the
  gradients of N x batch-size images. The learning rate is not scaled.
* Each epoch is shuffled by DistributedSampler(seed=--seed) with set_epoch(epoch): the order is a
  function of (seed, epoch, N), so a resumed run with the same N repeats an uninterrupted one.
* Printed and logged loss/accuracy are sums all-reduced over the ranks; the held-out split is
  evaluated in N shards whose confusion matrices are summed (the same numbers as one process).
* Only rank 0 reads checkpoints and the output dir, prints, and writes checkpoints (of the bare
  model, so they load in one process), metrics, plots and TensorBoard logs. Rank 0's decisions
  (configuration, resume state) are broadcast, so every rank trains the same run.
* A problem found by rank 0 before training (a bad option, unreadable data) is printed once and
  ends every rank with status 2; any other failure ends the whole job through `dygrad run`.
"""
import math
import os
import sys

import numpy as np

from . import CLIError
from .data import ImageArrayDataset, passthrough_collate
from .eval import evaluate, make_loader

__all__ = ["job_world_size", "check_processes", "relaunch", "Solo", "Ranks", "NullLogger"]


def job_world_size():
    """Number of processes of the MPI job this process belongs to; None outside one."""
    if os.environ.get("DYGRAD_RUN_ID") and os.environ.get("WORLD_SIZE"):  # set by dygrad run
        names = ("WORLD_SIZE",)
    else:  # a plain mpiexec: MPICH's and Open MPI's own variables
        names = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")
    for name in names:
        try:
            return int(os.environ[name])
        except (KeyError, ValueError):
            continue
    return None


def check_processes(nproc, world, ckpt_path=None):
    """Inside an MPI job of `world` processes, the run must be one for that many."""
    if world is None or nproc == world:
        return
    if ckpt_path is not None:
        raise CLIError(f"{ckpt_path} was trained on {nproc} process(es), and this MPI job has "
                       f"{world}; a resumed run keeps its settings. Fix: resume it with dygrad "
                       f"train --resume {ckpt_path} (outside dygrad run: it starts {nproc})")
    raise CLIError(f"--nproc {nproc} but this MPI job has {world} processes. Fix: drop --nproc "
                   "under dygrad run (the job's size is used), or start the run with dygrad "
                   f"train --nproc {nproc} instead")


def _without_nproc(argv):
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--nproc":
            skip = True
        elif not arg.startswith("--nproc="):
            out.append(arg)
    return out


_TTY_VAR = "DYGRAD_STDOUT_IS_TTY"


def relaunch(argv, nproc):
    """Starts `dygrad train argv` as an nproc-process job (through `dygrad run`) and returns its
    exit status. --nproc is dropped: inside the job the number of processes is the job's."""
    from ..distributed.launch import main as launch_main
    # mpiexec hands rank 0's output on through a pipe: tell it whether a terminal is at the end
    old = os.environ.get(_TTY_VAR)
    os.environ[_TTY_VAR] = "1" if _isatty(sys.stdout) else "0"
    try:
        return launch_main(["-n", str(nproc), "-m", "dygrad", "train", *_without_nproc(argv)],
                           prog="dygrad train")
    finally:
        if old is None:
            del os.environ[_TTY_VAR]
        else:
            os.environ[_TTY_VAR] = old


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Terminal:
    """Stands for rank 0's stdout when it reaches a terminal through mpiexec (for choose_mode)."""

    def isatty(self):
        return True


class NullLogger:
    """The TensorBoard logger of ranks other than 0."""
    backend = None

    def add_scalar(self, tag, value, step):
        pass

    def flush(self):
        pass

    def close(self):
        pass


class Solo:
    """One process: exactly the single-process training loop."""
    rank, world, is_main = 0, 1, True

    def stdout(self):
        return sys.stdout

    def from_main(self, fn):
        return fn()

    def main_first(self, fn):
        return fn(True)

    def wrap(self, model):
        return model

    def unwrap(self, model):
        return model

    def steps_per_epoch(self, n, batch_size):
        return math.ceil(n / batch_size)

    def train_loader(self, dataset, cfg, epoch, workers):
        from .train import epoch_seed
        return make_loader(dataset, cfg["batch_size"], workers, shuffle=True,
                           seed=epoch_seed(cfg["seed"], epoch))

    def sum(self, *values):
        return values

    def evaluate(self, model, dataset, num_classes, workers):
        return evaluate(model, dataset, num_classes, workers=workers)

    def close(self):
        pass


class Ranks:
    """This process's part of an N-process `dygrad train` job."""

    def __init__(self):
        from .. import distributed as dist
        # a program under dygrad run may call the CLI after joining the job itself
        self._owns_group = not dist.is_initialized()
        if self._owns_group:
            dist.init_process_group()
        self._dist = dist
        self.rank = dist.get_rank()
        self.world = dist.get_world_size()
        self.is_main = self.rank == 0

    def stdout(self):
        """The stream whose isatty() decides how rank 0 shows progress."""
        return _Terminal() if os.environ.get(_TTY_VAR) == "1" else sys.stdout

    def _agree(self, fn, share):
        """Runs fn(True) on rank 0; a CLIError there is printed once and ends every rank. With
        `share`, rank 0's result is sent to all ranks; without, the others then run fn(False)."""
        box, result = [None], None
        if self.is_main:
            try:
                result = fn(True)
                box[0] = ("ok", result if share else None)
            except CLIError as exc:
                # printed before the others hear of it: their exit aborts this process too
                print(f"dygrad train: error: {exc}", file=sys.stderr, flush=True)
                box[0] = ("error", str(exc))
        self._dist.broadcast_object_list(box, src=0)
        status, value = box[0]
        if status == "error":
            err = CLIError(value)
            err.reported = True
            raise err
        if self.is_main:
            return result
        return value if share else fn(False)

    def from_main(self, fn):
        """fn()'s result on rank 0, given to every rank."""
        return self._agree(lambda first: fn(), share=True)

    def main_first(self, fn):
        """fn(True) on rank 0 (e.g. to download data), then fn(False) on the others."""
        return self._agree(fn, share=False)

    def wrap(self, model):
        from ..nn.parallel import DistributedDataParallel
        return DistributedDataParallel(model)

    def unwrap(self, model):
        return model.module

    def steps_per_epoch(self, n, batch_size):
        return math.ceil(math.ceil(n / self.world) / batch_size)

    def train_loader(self, dataset, cfg, epoch, workers):
        from ..utils.data import DataLoader, DistributedSampler
        sampler = DistributedSampler(dataset, num_replicas=self.world, rank=self.rank,
                                     shuffle=True, seed=cfg["seed"])
        sampler.set_epoch(epoch)
        return DataLoader(dataset, batch_size=cfg["batch_size"], sampler=sampler,
                          num_workers=workers, collate_fn=passthrough_collate)

    def sum(self, *values):
        """The sums over all ranks of these numbers (float64, exact for counts < 2**53)."""
        from .. import float64, tensor
        t = tensor(values, dtype=float64)
        self._dist.all_reduce(t)
        return tuple(t.tolist())

    def evaluate(self, model, dataset, num_classes, workers):
        """(loss, accuracy, confusion matrix) of the whole split, each rank evaluating a
        contiguous shard of it with the bare model (no collectives per batch)."""
        bounds = np.linspace(0, len(dataset), self.world + 1).round().astype(int)
        lo, hi = bounds[self.rank], bounds[self.rank + 1]
        shard = ImageArrayDataset(dataset.images[lo:hi], dataset.labels[lo:hi],
                                  dataset.mean.ravel(), dataset.std.ravel())
        loss, _, cm = evaluate(self.unwrap(model), shard, num_classes, workers=workers)
        totals = self.sum(loss * (hi - lo), *cm.ravel().tolist())
        cm = np.rint(totals[1:]).astype(np.int64).reshape(num_classes, num_classes)
        n = max(int(cm.sum()), 1)
        return totals[0] / n, float(np.trace(cm)) / n, cm

    def close(self):
        self._dist.barrier()
        if self._owns_group:
            self._dist.destroy_process_group()
