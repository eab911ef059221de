"""Profile one workload's dygrad step under cProfile and print the top functions.

    python -m bench.profile WORKLOAD [--steps N] [--sort tottime|cumtime|ncalls] [--top K]
                                     [--framework dygrad|torch] [--out FILE.prof]

The workload is built and warmed up first (outside the profile), so what is printed is the
steady-state cost of STEPS calls of the timed unit. --out saves the raw stats for snakeviz or
pstats. BLAS threads follow --threads (default 1), as in bench.run.
"""
import os
import sys

if __name__ == "__main__":
    # `python bench/profile.py` puts bench/ first on sys.path, where this file would shadow the
    # stdlib `profile` module that cProfile imports; use the repository root instead
    _root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(
            os.path.abspath(__file__)):
        sys.path[0] = _root
    _threads = "1"
    for _i, _a in enumerate(sys.argv):
        if _a == "--threads" and _i + 1 < len(sys.argv):
            _threads = sys.argv[_i + 1]
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _threads

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402


def main(argv=None):
    from bench import frameworks
    from bench.workloads import all_workloads, by_name

    names = [w.name for w in all_workloads()]
    p = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n")[0])
    p.add_argument("workload", choices=names)
    p.add_argument("--framework", default="dygrad", choices=frameworks.NAMES)
    p.add_argument("--steps", type=int, default=None,
                   help="profiled calls (default: about 2 seconds' worth)")
    p.add_argument("--sort", default="tottime", choices=("tottime", "cumtime", "ncalls"))
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default=None, help="also save the raw profile here")
    args = p.parse_args(argv)

    mod, err = frameworks.load(args.framework, args.threads)
    w = by_name(args.workload)
    reason = frameworks.na_reason(mod, err, w.requires)
    if reason:
        print(f"{w.name}: {args.framework} {reason}")
        return 1
    runner = w.build(mod, w.make_data())
    runner.step()  # first call: lazy set-up, caches
    calls, t0 = 0, time.perf_counter()
    while calls < 2 or time.perf_counter() - t0 < 0.3:
        runner.step()
        calls += 1
    per_call = (time.perf_counter() - t0) / calls
    steps = args.steps or max(1, min(10_000, round(2.0 / max(per_call, 1e-9))))

    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        runner.step()
    prof.disable()
    print(f"{w.name} ({w.title}) with {args.framework}: {steps} calls, "
          f"~{per_call * 1e3:.3f} ms/call unprofiled")
    stats = pstats.Stats(prof).sort_stats(args.sort)
    stats.print_stats(args.top)
    if args.out:
        stats.dump_stats(args.out)
        print(f"raw profile: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
