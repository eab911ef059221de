"""Differential fuzz sweep: random programs on dygrad and PyTorch, summarised per family.

    python -m bench.fuzz --cases 300000 --seed 1 [--families binary,views] [--jobs 2]

Case i of the sweep is case i // F of family i % F (F = number of families), so a family's
cases are the same whichever other families run. Prints a progress line, then a table per
family; writes the summary as JSON to bench/results/fuzz_seed<S>.json and the first cases of
every failure class as standalone scripts (`python case.py`) to bench/results/fuzz_cases_seed<S>/.
"""
import os
import sys

if __name__ == "__main__":
    if __package__ in (None, ""):  # run as a script: import the package from the repo root
        sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_v, "1")   # before numpy is imported: tiny tensors, many cases

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

COLUMNS = ("ok", "both_raise", "mismatch", "dygrad_crash", "dygrad_no_raise", "harness_error",
           "known")
CHUNK = 250


def parse_args(argv):
    from dygrad.testing.fuzz import FAMILIES
    p = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__.split("\n")[0])
    p.add_argument("--cases", type=int, default=12000, help="total programs (all families)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--families", default=",".join(FAMILIES),
                   help=f"comma-separated subset of {','.join(FAMILIES)}")
    p.add_argument("--jobs", type=int, default=1, help="worker processes")
    p.add_argument("--out", default=None, help="summary JSON path")
    p.add_argument("--cases-dir", default=None, help="folder for failing-case scripts")
    p.add_argument("--keep", type=int, default=3, help="scripts kept per failure class")
    p.add_argument("--no-known", action="store_true",
                   help="count KNOWN_GAPS cases as failures instead of 'known'")
    args = p.parse_args(argv)
    args.families = [f for f in args.families.split(",") if f]
    bad = [f for f in args.families if f not in FAMILIES]
    if bad:
        p.error(f"unknown families {bad}; choose from {list(FAMILIES)}")
    return args


def chunks(args):
    """(family, seed, start, stop, keep) tasks covering the sweep's case numbers."""
    nf = len(args.families)
    out = []
    for k, fam in enumerate(args.families):
        n = args.cases // nf + (1 if k < args.cases % nf else 0)
        for start in range(0, n, CHUNK):
            out.append((fam, args.seed, start, min(start + CHUNK, n), args.keep, 20.0,
                        not args.no_known))
    # Interleave families so the progress line's mix is representative early on.
    out.sort(key=lambda t: (t[2], t[0]))
    return out


def sweep(args):
    from dygrad.testing.fuzz.sweep import _worker, run_chunk
    tasks = chunks(args)
    total = sum(t[3] - t[2] for t in tasks)
    per_fam = {f: Counter() for f in args.families}
    soft = {f: Counter() for f in args.families}
    classes, examples = Counter(), {}
    done, t0 = 0, time.time()

    def absorb(task, result):
        nonlocal done
        c, s, cl, ex = result
        per_fam[task[0]].update(c)
        soft[task[0]].update(s)
        classes.update(cl)
        for k, v in ex.items():
            examples.setdefault(k, []).extend(v)
            examples[k] = sorted(examples[k], key=lambda pr: pr[0].case)[:args.keep]
        done += task[3] - task[2]
        bad = sum(per_fam[f][o] for f in per_fam for o in COLUMNS[2:6])
        rate = done / max(time.time() - t0, 1e-9)
        print(f"\r{done}/{total} programs  {rate:.0f}/s  failures {bad}", end="",
              file=sys.stderr, flush=True)

    if args.jobs <= 1:
        for task in tasks:
            absorb(task, run_chunk(*task))
    else:
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(args.jobs) as pool:
            for task, result in pool.imap_unordered(_worker, tasks):
                absorb(task, result)
    print(file=sys.stderr)
    return per_fam, soft, classes, examples, time.time() - t0


def table(per_fam, soft):
    head = ["family", "cases"] + list(COLUMNS) + ["soft"]
    rows = []
    tot = Counter()
    for fam, c in per_fam.items():
        n = sum(c.values())
        tot.update(c)
        rows.append([fam, str(n)] + [str(c[o]) for o in COLUMNS] +
                    [" ".join(f"{k}={v}" for k, v in sorted(soft[fam].items()))])
    rows.append(["TOTAL", str(sum(tot.values()))] + [str(tot[o]) for o in COLUMNS] + [""])
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    fmt = "  ".join("{:<%d}" % w if i in (0, len(head) - 1) else "{:>%d}" % w
                    for i, w in enumerate(widths))
    return "\n".join(fmt.format(*r) for r in [head] + rows)


def write_cases(folder, examples):
    from dygrad.testing.fuzz import case_script
    os.makedirs(folder, exist_ok=True)
    paths = []
    for (fam, outcome, kind, op), lst in sorted(examples.items()):
        for prog, res in lst:
            name = re.sub(r"[^A-Za-z0-9_]+", "_", f"{fam}_{outcome}_{kind}_{op}_{prog.case}")
            path = os.path.join(folder, name + ".py")
            with open(path, "w") as f:
                f.write(case_script(prog, res))
            paths.append(path)
    return paths


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    root = os.path.dirname(os.path.abspath(__file__))
    out = args.out or os.path.join(root, "results", f"fuzz_seed{args.seed}.json")
    cases_dir = args.cases_dir or os.path.join(root, "results", f"fuzz_cases_seed{args.seed}")
    per_fam, soft, classes, examples, secs = sweep(args)
    print(table(per_fam, soft))
    n = sum(sum(c.values()) for c in per_fam.values())
    print(f"{n} programs in {secs:.0f} s ({n / max(secs, 1e-9):.0f}/s, {args.jobs} job(s))")
    print("\nfailure classes (family, outcome, kind, op): count")
    for key, cnt in classes.most_common():
        ex = examples.get(key, [])
        first = ex[0][1].detail[:150] if ex else ""
        print(f"  {cnt:6d}  {' / '.join(key)}  e.g. case {ex[0][0].case if ex else '?'}: {first}")
    paths = write_cases(cases_dir, examples)
    summary = {
        "seed": args.seed, "cases": n, "seconds": round(secs, 1), "jobs": args.jobs,
        "families": {f: dict(c) for f, c in per_fam.items()},
        "soft": {f: dict(c) for f, c in soft.items()},
        "classes": [{"family": k[0], "outcome": k[1], "kind": k[2], "op": k[3], "count": v,
                     "cases": [p.case for p, _ in examples.get(k, [])],
                     "detail": examples[k][0][1].detail if examples.get(k) else ""}
                    for k, v in classes.most_common()],
    }
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(summary, f, indent=1)
    print(f"\nsummary: {out}\nfailing-case scripts ({len(paths)}): {cases_dir}")
    hard = sum(per_fam[f][o] for f in per_fam for o in COLUMNS[2:6])
    return 1 if hard else 0


if __name__ == "__main__":
    sys.exit(main())
