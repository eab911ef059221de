"""Data-parallel LeNet-5 on MNIST: throughput on 1 process vs N ranks of DistributedDataParallel.

    python bench/distributed_bench.py                    # 1 process, then 2 ranks
    python bench/distributed_bench.py --nproc 1 2 4 --images 8192 --bucket-cap-mb 25 0.05

Weak scaling: every rank trains on batches of --batch images (the global batch grows with the
ranks) over its DistributedSampler share of the first --images MNIST training images. For each
configuration it prints samples/s (all ranks together), the speedup and scaling efficiency
against one plain process (no DDP), and splits a training step into compute (forward,
backward, optimizer) and communication: the time the last gradient hook spends waiting for
the all-reduces to finish, i.e. the communication backward did not hide. It also times a bare
all_reduce of the whole gradient for comparison. Each configuration runs in its own job
started by `python -m dygrad.distributed.launch` (the `dygrad run` launcher).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--nproc", type=int, nargs="+", default=[1, 2], help="rank counts to run")
    p.add_argument("--images", type=int, default=4096, help="MNIST training images used")
    p.add_argument("--batch", type=int, default=64, help="batch size of every rank")
    p.add_argument("--epochs", type=int, default=3,
                   help="epochs per configuration; the first one is warm-up, not timed")
    p.add_argument("--bucket-cap-mb", type=float, nargs="+", default=[25.0],
                   help="DDP bucket caps to compare (25 = PyTorch's default)")
    p.add_argument("--threads", type=int, default=None,
                   help="BLAS threads per rank (default: the launcher's cores // ranks)")
    p.add_argument("--json", default=None, help="also write the results here")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--out", default=None, help=argparse.SUPPRESS)
    return p.parse_args(argv)


# -- one configuration, inside the job ---------------------------------------------------------
def worker(args):
    sys.path.insert(0, ROOT)
    import numpy as np

    import dygrad
    import dygrad.distributed as dist
    import dygrad.nn.functional as F
    from bench.mnist import load_train
    from bench.workloads.lenet import build_lenet, lenet_params
    from dygrad.utils.data import DataLoader, DistributedSampler, TensorDataset

    if args.plain:
        rank, world = 0, 1
    else:
        dist.init_process_group()
        rank, world = dist.get_rank(), dist.get_world_size()
    x, y = load_train(args.images)
    data = TensorDataset(dygrad.from_numpy(x), dygrad.from_numpy(y))
    model, opt = build_lenet(dygrad, lenet_params(np.random.default_rng(0)))
    reducer = None
    if not args.plain:
        from dygrad.nn.parallel.distributed import DistributedDataParallel
        model = DistributedDataParallel(model, bucket_cap_mb=args.bucket_cap_mb[0])
        opt = dygrad.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        reducer = model.reducer
        sampler = DistributedSampler(data, shuffle=True, seed=0)
    else:
        sampler = None
    loader = DataLoader(data, batch_size=args.batch, sampler=sampler,
                        shuffle=sampler is None, drop_last=True)
    epochs = []
    for epoch in range(args.epochs):
        if sampler is not None:
            sampler.set_epoch(epoch)
            dist.barrier()
        wait0 = reducer.comm_wait_s if reducer else 0.0
        t_fb = t_opt = 0.0
        steps = 0
        start = time.perf_counter()
        for xb, yb in loader:
            t0 = time.perf_counter()
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            t1 = time.perf_counter()
            opt.step()
            t_opt += time.perf_counter() - t1
            t_fb += t1 - t0
            steps += 1
        wall = time.perf_counter() - start
        if sampler is not None:
            dist.barrier()  # the epoch ends when the slowest rank is done
            wall = time.perf_counter() - start
        wait = (reducer.comm_wait_s if reducer else 0.0) - wait0
        epochs.append({"wall_s": wall, "steps": steps, "samples": steps * args.batch * world,
                       "fwd_bwd_s": t_fb, "opt_s": t_opt, "comm_wait_s": wait})
    result = {"world": world, "plain": args.plain, "batch": args.batch, "epochs": epochs[1:],
              "bucket_cap_mb": None if args.plain else args.bucket_cap_mb[0],
              "buckets": [] if reducer is None else reducer.bucket_sizes(),
              "params": int(sum(p.numel() for p in model.parameters())),
              "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS")}
    if not args.plain:
        result["allreduce_grad_s"] = _time_allreduce(dist, dygrad, result["params"])
        everyone = [None] * world
        dist.all_gather_object(everyone, epochs[1:])
        result["rank_epochs"] = everyone
    if rank == 0:
        with open(args.out, "w") as f:
            json.dump(result, f)


def _time_allreduce(dist, dygrad, n, repeats=50):
    """Median seconds of one blocking all_reduce of n float32 (the whole gradient)."""
    t = dygrad.zeros(n)
    times = []
    for _ in range(repeats):
        dist.barrier()
        t0 = time.perf_counter()
        dist.all_reduce(t)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# -- the driver ----------------------------------------------------------------------------------
def _run(args, nproc, cap, plain):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    me = [os.path.abspath(__file__), "--worker", "--images", str(args.images), "--batch",
          str(args.batch), "--epochs", str(args.epochs), "--out", out]
    me += ["--plain"] if plain else ["--bucket-cap-mb", str(cap)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    threads = args.threads or max(1, (os.cpu_count() or 1) // nproc)
    if plain:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
        cmd = [sys.executable] + me
    else:
        cmd = [sys.executable, "-m", "dygrad.distributed.launch", "-n", str(nproc),
               "--threads", str(threads)] + me
    subprocess.run(cmd, check=True, env=env, cwd=ROOT)
    with open(out) as f:
        res = json.load(f)
    os.unlink(out)
    return res


def _summary(res):
    ep = res["epochs"]
    best = min(ep, key=lambda e: e["wall_s"])  # least disturbed by other load on the machine
    steps = best["steps"]
    return {"samples_per_s": best["samples"] / best["wall_s"],
            "step_ms": 1e3 * best["wall_s"] / steps,
            "compute_ms": 1e3 * (best["fwd_bwd_s"] + best["opt_s"] - best["comm_wait_s"]) / steps,
            "comm_wait_ms": 1e3 * best["comm_wait_s"] / steps}


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.worker:
        return worker(args)
    rows = []
    base = _run(args, 1, None, plain=True)
    rows.append(("1 process, no DDP", base, _summary(base)))
    for cap in args.bucket_cap_mb:
        for n in args.nproc:
            res = _run(args, n, cap, plain=False)
            rows.append((f"{n} rank{'s' if n > 1 else ''}, DDP, buckets {cap:g} MB", res,
                         _summary(res)))
    ref = rows[0][2]["samples_per_s"]
    print(f"\nLeNet-5, MNIST first {args.images} images, batch {args.batch} per rank, "
          f"{os.cpu_count()} cores; best of {args.epochs - 1} timed epochs")
    head = (f"{'configuration':34} {'samples/s':>10} {'speedup':>8} {'eff.':>6} "
            f"{'step ms':>8} {'compute':>8} {'comm wait':>10} {'buckets':>8} {'allreduce':>10}")
    print(head)
    print("-" * len(head))
    for name, res, s in rows:
        n = res["world"]
        speed = s["samples_per_s"] / ref
        ar = f"{1e3 * res['allreduce_grad_s']:.2f} ms" if "allreduce_grad_s" in res else "-"
        print(f"{name:34} {s['samples_per_s']:10.0f} {speed:8.2f} {speed / n:6.0%} "
              f"{s['step_ms']:8.1f} {s['compute_ms']:8.1f} {s['comm_wait_ms']:10.2f} "
              f"{len(res['buckets']):8d} {ar:>10}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"name": n, "result": r, "summary": s} for n, r, s in rows], f, indent=1)


if __name__ == "__main__":
    main()
