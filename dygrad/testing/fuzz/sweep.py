"""Run many cases and aggregate them: counts per family and outcome, failure classes, examples.

A failure class is (family, outcome, sub-kind, op tag): a first cut at "the same bug". The first
few cases of each class are kept as (Program, Result) so the sweep can write them out as scripts.
"""
import signal
from collections import Counter

from .families import generate
from .runner import libraries, run_case


class CaseTimeout(BaseException):
    """Raised by the alarm inside a case that runs too long (not an Exception: the program's
    own exec must not swallow it)."""


def _alarm(_sig, _frame):
    raise CaseTimeout()


def op_tag(prog):
    ops = sorted(t for t in prog.tags if t.startswith("op:"))
    return ops[0][3:] if ops else "-"


def run_chunk(family, seed, start, stop, keep=3, timeout=20.0, use_known=True):
    """Run cases [start, stop) of `family`; return (counts, soft counts, classes, examples)."""
    libs = libraries()
    counts, soft, classes, examples = Counter(), Counter(), Counter(), {}
    use_alarm = hasattr(signal, "setitimer")
    if use_alarm:
        old = signal.signal(signal.SIGALRM, _alarm)
    try:
        for case in range(start, stop):
            prog = generate(family, seed, case)
            try:
                if use_alarm:
                    signal.setitimer(signal.ITIMER_REAL, timeout)
                res = run_case(prog, libs, use_known=use_known)
            except CaseTimeout:
                from .core import Result
                res = Result("harness_error", "timeout", f"case ran over {timeout} s")
            finally:
                if use_alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            counts[res.outcome] += 1
            soft.update(res.soft)
            if res.outcome not in ("ok", "both_raise"):
                key = (family, res.outcome, res.kind if res.outcome != "known" else res.known,
                       op_tag(prog))
                classes[key] += 1
                lst = examples.setdefault(key, [])
                if len(lst) < keep:
                    lst.append((prog, res))
    finally:
        if use_alarm:
            signal.signal(signal.SIGALRM, old)
    return counts, soft, classes, examples


def _worker(args):
    return args, run_chunk(*args)
