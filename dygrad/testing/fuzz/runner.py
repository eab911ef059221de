"""Entry points around core.run_program: library loading, known gaps, standalone scripts."""
import ast

from .core import FAILURES, Program, Result, run_program
from .known import known_gap

_LIBS = None


def libraries():
    """((dygrad, dygrad.nn.functional), (torch, torch.nn.functional)), imported once."""
    global _LIBS
    if _LIBS is None:
        import torch
        # Small tensors: PyTorch's intra-op thread pool costs ~10x more than the ops themselves
        # on a busy machine, and the results do not depend on it.
        torch.set_num_threads(1)
        import torch.nn.functional as tF

        import dygrad
        import dygrad.nn.functional as dF
        _LIBS = ((dygrad, dF), (torch, tF))
    return _LIBS


def run_case(prog, libs=None, use_known=True):
    """Run one Program; a failure covered by KNOWN_GAPS becomes outcome 'known'."""
    try:
        res = run_program(prog, libs or libraries())
    except Exception as e:  # noqa: BLE001 - a harness bug must never count as ok
        return Result("harness_error", "harness", f"{type(e).__name__}: {e}")
    if use_known and res.outcome in FAILURES and res.outcome != "harness_error":
        name = known_gap(prog)
        if name:
            res.known, res.outcome = name, "known"
    return res


def split_statements(source):
    """Top-level statements of `source` as separate texts (a `with` block stays whole)."""
    lines = source.splitlines()
    return ["\n".join(lines[n.lineno - 1:n.end_lineno]) for n in ast.parse(source).body]


def run_source(source, family="script", seed=0, case=0, tol=1.0):
    """Run program text (e.g. an edited case script) and return its Result."""
    prog = Program(family, seed, case, split_statements(source), frozenset(), tol)
    return run_case(prog, use_known=False)


_FOOTER = '''

if __name__ == "__main__":
    # Runs SOURCE once with torch=dygrad and once with torch=PyTorch and prints the first
    # difference. To step through it on one library: `import numpy as np, dygrad as torch,
    # dygrad.nn.functional as F` (or the same with torch), then exec(SOURCE).
    from dygrad.testing.fuzz import run_source
    res = run_source(SOURCE, {family!r}, {seed!r}, {case!r}, tol={tol!r})
    print(res.outcome, res.kind, res.detail, *res.soft)
'''


def case_script(prog, res=None):
    """A standalone `python case.py` reproduction of `prog` (with its result as a comment)."""
    head = [f"# dygrad fuzz case: family={prog.family} seed={prog.seed} case={prog.case}"]
    if res is not None:
        head.append(f"# outcome: {res.outcome} {res.kind} {res.known}".rstrip())
        head += ["#   " + line for line in res.detail.splitlines()]
    src = prog.source.replace("\\", "\\\\").replace("'''", "\\'\\'\\'")
    body = "\n".join(head) + f"\nSOURCE = '''\\\n{src}'''\n"
    return body + _FOOTER.format(family=prog.family, seed=prog.seed, case=prog.case,
                                 tol=prog.tol)
