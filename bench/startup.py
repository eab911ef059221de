"""(9) Import time: `import dygrad` vs `import torch`, each in a fresh interpreter.

Each sample is the perf_counter time around the import statement inside a new process, so
interpreter start-up is excluded and everything the import pulls in (numpy included) counts.
`import numpy` is measured the same way as context: dygrad cannot import faster than numpy.
Frameworks alternate, and the first round is discarded (it pays for a cold file cache and
writes the bytecode cache: PYTHONDONTWRITEBYTECODE is dropped for the children, since with it
every round would recompile whatever changed since the last cache was written, which an
installed package never does).
"""
import os
import subprocess
import sys

from .harness import quantile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_S = 0.2
CODE = ("import time; t0 = time.perf_counter(); import {mod}; "
        "print(repr(time.perf_counter() - t0))")


def _one(mod):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run([sys.executable, "-c", CODE.format(mod=mod)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(tail[:200])
    return float(proc.stdout.strip().splitlines()[-1])


def measure(reps=7):
    samples = {"dygrad": [], "torch": [], "numpy": []}
    errors = {}
    for r in range(reps + 1):
        for mod in samples:
            if mod in errors:
                continue
            try:
                t = _one(mod)
            except RuntimeError as exc:
                errors[mod] = str(exc)
                continue
            if r:
                samples[mod].append(t)
    rec = {"target_s": TARGET_S, "reps": reps, "frameworks": {}}
    for mod, s in samples.items():
        if mod in errors:
            rec["frameworks"][mod] = {"status": f"n/a (import failed: {errors[mod]})"}
            continue
        s = sorted(s)
        rec["frameworks"][mod] = {"status": "ok", "median_s": quantile(s, 0.5),
                                  "p10_s": quantile(s, 0.1), "p90_s": quantile(s, 0.9),
                                  "samples_s": s}
    d = rec["frameworks"]["dygrad"].get("median_s")
    t = rec["frameworks"]["torch"].get("median_s")
    rec["ratio"] = d / t if d is not None and t else None
    rec["verdict"] = "n/a" if d is None else ("met" if d <= TARGET_S else "missed")
    return rec
