"""Timing: warm-up, then frameworks timed in alternating blocks, reported as medians with spread.

Every round runs one block of each candidate (dygrad, torch, floor), so slow drift on a shared
machine (another process waking up, thermal changes) lands on all candidates alike instead of
on whichever happened to run last. The order rotates each round so no candidate always follows
the same neighbour (cache state left behind by the previous block is then shared out too).

A block repeats the call `inner` times and records the mean per call; `inner` is chosen per
candidate from the warm-up so a block lasts about `block_s`, which keeps timer resolution and
loop overhead negligible for the microsecond workloads without making slow ones take forever.
"""
import gc
import math
import time
import traceback
from dataclasses import dataclass, field

perf = time.perf_counter


@dataclass
class Settings:
    rounds: int = 15          # blocks per candidate, at most
    min_rounds: int = 3       # even when the budget says fewer
    block_s: float = 0.04     # target duration of one block
    warmup_s: float = 0.3     # warm-up duration per candidate (at least one call)
    budget_s: float = 15.0    # rough cap on one workload's timed rounds (all candidates)


QUICK = Settings(rounds=5, min_rounds=2, block_s=0.01, warmup_s=0.05, budget_s=2.0)
DEFAULT = Settings()


@dataclass
class Timing:
    samples: list = field(default_factory=list)   # seconds per call, one per block
    inner: int = 0
    error: str = ""
    trace: str = ""

    def stats(self):
        if not self.samples:
            return {}
        s = sorted(self.samples)
        med = quantile(s, 0.5)
        return {
            "median_s": med,
            "min_s": s[0],
            "p10_s": quantile(s, 0.1),
            "p25_s": quantile(s, 0.25),
            "p75_s": quantile(s, 0.75),
            "p90_s": quantile(s, 0.9),
            "iqr_pct": 100.0 * (quantile(s, 0.75) - quantile(s, 0.25)) / med if med else 0.0,
            "blocks": len(s),
            "calls_per_block": self.inner,
            "samples_s": list(self.samples),
        }


def quantile(sorted_vals, q):
    """Linear-interpolated quantile of an already sorted list (same rule as numpy's default)."""
    if len(sorted_vals) == 1:
        return sorted_vals[0]
    pos = q * (len(sorted_vals) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (pos - lo)


def _short_error(exc):
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:200]


def _warm_up(fn, warmup_s):
    """Call fn until warmup_s has passed (at least once); return a per-call time estimate.

    Workloads have already run their check steps, so for slow ones a single further call is
    warm-up enough and the estimate is that call.
    """
    times = []
    start = perf()
    while not times or perf() - start < warmup_s:
        t0 = perf()
        fn()
        times.append(perf() - t0)
    tail = sorted(times[len(times) // 2:])
    return tail[len(tail) // 2]


def paired_ratios(num, den):
    """Per-round ratios num/den of two candidates' samples (same rounds, so the same machine
    conditions); the median of these is robust to drift that moves both together."""
    ratios = sorted(a / b for a, b in zip(num.samples, den.samples) if b > 0)
    if not ratios:
        return None
    return {"median": quantile(ratios, 0.5), "p25": quantile(ratios, 0.25),
            "p75": quantile(ratios, 0.75), "n": len(ratios)}


def time_alternating(candidates, settings=DEFAULT):
    """Time each callable in `candidates` (name -> fn) in alternating rounds.

    Returns name -> Timing. A candidate that raises is dropped from later rounds and keeps the
    error text; the others carry on.
    """
    results = {name: Timing() for name in candidates}
    live = {}
    est = {}
    for name, fn in candidates.items():
        try:
            est[name] = _warm_up(fn, settings.warmup_s)
            live[name] = fn
        except Exception as exc:  # report, never crash the whole run
            results[name].error = _short_error(exc)
            results[name].trace = traceback.format_exc()
    if not live:
        return results
    for name in live:
        results[name].inner = max(1, round(settings.block_s / max(est[name], 1e-9)))
    round_cost = sum(results[n].inner * est[n] for n in live)
    rounds = int(settings.budget_s // max(round_cost, 1e-9))
    rounds = max(settings.min_rounds, min(settings.rounds, rounds))

    names = list(live)
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            if name not in live:
                continue
            fn = live[name]
            n = results[name].inner
            # collect the previous block's young garbage here rather than inside a block; a
            # full collection would cost ~0.3 s with torch's objects on the heap
            gc.collect(1)
            try:
                t0 = perf()
                for _ in range(n):
                    fn()
                dt = perf() - t0
            except Exception as exc:
                results[name].error = _short_error(exc)
                results[name].trace = traceback.format_exc()
                del live[name]
                continue
            results[name].samples.append(dt / n)
    return results
