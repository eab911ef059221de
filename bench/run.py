"""Run the benchmark suite: dygrad vs PyTorch eager (CPU) vs hand-written NumPy, one run.

    python -m bench.run [--quick] [--only NAME ...] [--threads N] [--out PATH] [--full]

See bench/README.md for what each column means. The BLAS/OpenMP thread variables must be set
before numpy is imported, so this module sets them first and imports everything else after.
"""
import os
import sys


def _threads_from_argv(argv):
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "1"


if __name__ == "__main__":
    if __package__ in (None, ""):  # run as a script: import the package from the repo root
        sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from bench.frameworks import set_thread_env  # imports no numpy
    set_thread_env(_threads_from_argv(sys.argv[1:]))

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

SPECIAL = ("memory", "import")


def parse_args(argv):
    from bench.workloads import all_workloads
    names = [w.name for w in all_workloads()] + list(SPECIAL)
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    p.add_argument("--only", nargs="+", metavar="NAME", choices=names,
                   help=f"run only these ({', '.join(names)})")
    p.add_argument("--quick", action="store_true", help="fewer repetitions (about a minute)")
    p.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP/torch threads (1)")
    p.add_argument("--out", default=None,
                   help="JSON output path (default bench/results/latest.json)")
    p.add_argument("--full", action="store_true",
                   help="mnist_epoch over all 60,000 training images instead of the first "
                        "10,000 (2,000 with --quick)")
    p.add_argument("--rounds", type=int, default=None, help="override the number of rounds")
    p.add_argument("--budget", type=float, default=None,
                   help="override the per-workload time budget in seconds")
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    return p.parse_args(argv)


def mnist_images(args):
    """Images in the mnist_epoch subset: the first 10,000 (first 2,000 with --quick, all
    60,000 with --full)."""
    if args.full:
        return 60_000
    return 2_000 if args.quick else 10_000


def _short(exc):
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:200]


def _close(a, b, rtol):
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1.0)


def _check(rec, rtol):
    """Compare the first steps' losses: dygrad and floor against torch (floor vs dygrad if
    torch is unavailable)."""
    fws = rec["frameworks"]
    losses = {k: v["losses"] for k, v in fws.items() if "losses" in v}
    pairs = [("dygrad", "torch"), ("compiled", "torch"), ("floor", "torch")]
    if "torch" not in losses:
        pairs = [("floor", "dygrad")]
    pairs.append(("compiled", "dygrad"))  # bit for bit: rtol 0
    results, messages = {}, []
    for a, b in pairs:
        if a not in losses or b not in losses:
            continue
        la, lb = losses[a], losses[b]
        tol = 0.0 if (a, b) == ("compiled", "dygrad") else rtol
        ok = len(la) == len(lb) and all(_close(x, y, tol) for x, y in zip(la, lb))
        results[f"{a}_vs_{b}"] = "ok" if ok else "MISMATCH"
        if not ok:
            messages.append(f"loss MISMATCH {a} {la} vs {b} {lb} (rtol {tol:g})")
    bad = [k for k, v in results.items() if v != "ok"]
    summary = "n/a" if not results else ("ok" if not bad else "MISMATCH")
    rec["check"] = {"summary": summary, "rtol": rtol, "pairs": results, "messages": messages}


def _add_compiled(w, mod, data, rec, steps):
    """The same dygrad step under torch.compile (a fresh model: training changes weights).

    Its first call captures (eager), the next ones replay; its losses must equal eager
    dygrad's bit for bit. A step with a graph break runs eagerly and is reported with the
    reason, untimed.
    """
    try:
        runner = w.build(mod, data)
        compiled = runner.step = mod.compile(runner.step)
        losses = runner.losses(w.check_steps)  # as eager's: with dropout off where it checks so
        breaks = mod.compiler.explain(compiled).break_reasons
    except Exception as exc:
        rec["frameworks"]["compiled"] = {"status": f"n/a (error: {_short(exc)})",
                                         "trace": traceback.format_exc()}
        return
    if breaks:
        rec["frameworks"]["compiled"] = {"status": f"runs eagerly: {breaks[0]}"}
        return
    rec["frameworks"]["compiled"] = {"status": "ok", "losses": losses}
    steps["compiled"] = compiled


def run_workload(w, fws, settings):
    from bench import frameworks, harness, report
    rec = {"name": w.name, "title": w.title,
           "targets": {"dygrad/torch": w.target_torch, "dygrad/floor": w.target_floor},
           "frameworks": {}}
    data = w.make_data()
    steps = {}
    for name, (mod, err) in fws.items():
        reason = frameworks.na_reason(mod, err, w.requires)
        if reason:
            rec["frameworks"][name] = {"status": reason}
            continue
        try:
            runner = w.build(mod, data)
            losses = runner.losses(w.check_steps)
        except Exception as exc:
            rec["frameworks"][name] = {"status": f"n/a (error: {_short(exc)})",
                                       "trace": traceback.format_exc()}
            continue
        rec["frameworks"][name] = {"status": "ok", "losses": losses}
        steps[name] = runner.step
        if name == "dygrad":
            _add_compiled(w, mod, data, rec, steps)
    floor = w.floor(data)
    if floor is not None:
        # a floor with dropout checks through its own `losses` (dropout off, as the runners')
        check = getattr(floor, "losses", None)
        losses = (check(w.check_steps) if check is not None
                  else [float(floor.step()) for _ in range(w.check_steps)])
        rec["frameworks"]["floor"] = {"status": "ok", "losses": losses}
        steps["floor"] = floor.step
    _check(rec, w.rtol)
    timings = harness.time_alternating(steps, settings)
    rec["paired_ratios"] = {
        f"{a}/{b}": harness.paired_ratios(timings[a], timings[b])
        for a, b in (("dygrad", "torch"), ("dygrad", "floor"), ("torch", "floor"),
                     ("compiled", "torch"), ("compiled", "floor"))
        if a in timings and b in timings}
    for name, tm in timings.items():
        info = rec["frameworks"][name]
        if tm.error:
            info.update(status=f"n/a (error while timing: {tm.error})", trace=tm.trace)
        info.update(tm.stats())
    return report.summarize(rec)


def main(argv=None):
    numpy_early = "numpy" in sys.modules  # then the BLAS thread variables came too late
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from bench import frameworks, harness, memory, report, startup
    from bench.workloads import all_workloads

    workloads = all_workloads(mnist_images=mnist_images(args))
    if args.list:
        for w in workloads:
            print(f"{w.name:12s} {w.title}")
        print("memory       peak RSS of " + ", ".join(memory.WORKLOADS) + " per framework")
        print("import       import dygrad vs import torch")
        return 0
    # subprocesses (memory, import) inherit these; this process set them before numpy if it
    # was started as the entry point
    frameworks.set_thread_env(args.threads)
    selected = set(args.only or [w.name for w in workloads] + list(SPECIAL))
    base = harness.QUICK if args.quick else harness.DEFAULT
    settings = harness.Settings(**vars(base))
    if args.rounds is not None:
        settings.rounds = args.rounds
        settings.min_rounds = min(settings.min_rounds, args.rounds)
    if args.budget is not None:
        settings.budget_s = args.budget

    t_start = time.perf_counter()
    fws = {name: frameworks.load(name, args.threads) for name in frameworks.NAMES}
    torch_mod = fws["torch"][0]
    meta = {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "argv": sys.argv[1:] if argv is None else list(argv),
        "options": vars(args),
        "settings": vars(settings),
        "environment": frameworks.environment(),
        "threads": dict(frameworks.thread_info(torch_mod),
                        numpy_imported_before_thread_env=numpy_early),
        "versions": {name: getattr(mod, "__version__", None) if mod else err
                     for name, (mod, err) in fws.items()},
    }
    results = {"meta": meta, "workloads": [], "memory": [], "import": None}

    for w in workloads:
        if w.name not in selected:
            continue
        print(f"[bench] {w.name}: {w.title} ...", file=sys.stderr, flush=True)
        results["workloads"].append(run_workload(w, fws, settings))
    if "memory" in selected:
        names = [n for n in memory.WORKLOADS]
        print(f"[bench] memory: {', '.join(names)} ...", file=sys.stderr, flush=True)
        results["memory"] = memory.measure(names, args.threads, quick=args.quick,
                                           mnist_images=mnist_images(args))
    if "import" in selected:
        print("[bench] import time ...", file=sys.stderr, flush=True)
        results["import"] = startup.measure(reps=3 if args.quick else 7)
    meta["elapsed_s"] = time.perf_counter() - t_start

    sys.stderr.flush()
    print()
    thr = meta["threads"]
    print(f"threads: env {args.threads}, torch {thr.get('torch_num_threads', '-')}; "
          f"timings are medians per call; IQR% = (p75-p25)/median")
    if results["workloads"]:
        print(report.timed_table(results["workloads"]))
    if results["memory"]:
        print()
        print(report.memory_table(results["memory"]))
    if results["import"]:
        print()
        print(report.import_table(results["import"]))

    out = args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                                   "latest.json")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=1)
    print(f"\nraw numbers: {out}  ({meta['elapsed_s']:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
