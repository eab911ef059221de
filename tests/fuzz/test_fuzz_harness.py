"""The fuzz harness itself: it must report every kind of planted difference, and reproduce."""
import contextlib
import io

import pytest

try:  # the parity oracle; the tests marked requires_torch skip without it
    import torch
    import torch.nn.functional as tF
except ImportError:
    torch = tF = None

from dygrad.testing.fuzz import (FAMILIES, KNOWN_GAPS, Program, case_script,  # noqa: E402
                                 compare_arrays, generate, run_program, run_source)
from dygrad.testing.fuzz import known as known_mod  # noqa: E402


class Planted:
    """PyTorch with some attributes replaced: a stand-in 'dygrad' with a known bug."""

    def __init__(self, **overrides):
        self.__dict__.update(overrides)

    def __getattr__(self, name):
        return getattr(torch, name)


def run(stmts, **overrides):
    prog = Program("test", 0, 0, ["rng = np.random.default_rng(0)"] + stmts)
    return run_program(prog, ((Planted(**overrides), tF), (torch, tF)))


A = "a = torch.tensor(rng.standard_normal((2, 3)).astype('float32'), requires_grad=True)"
B = "b = torch.tensor(rng.standard_normal((3,)).astype('float32'))"
ADD = "out = torch.add(a, b)"


@pytest.mark.requires_torch
def test_identical_libraries_are_ok():
    assert run([A, B, ADD]).outcome == "ok"


@pytest.mark.requires_torch
@pytest.mark.parametrize("fn, kind", [
    (lambda a, b: torch.add(a, b) + 1e-3, "value"),
    (lambda a, b: torch.add(a, b).double(), "dtype"),
    (lambda a, b: torch.add(a, b).unsqueeze(0), "shape"),
    (lambda a, b: torch.add(a, b).detach(), "requires_grad"),
    (lambda a, b: torch.add(a, b) * 2 - torch.add(a, b).detach(), "grad"),
    (lambda a, b: (a.data.add_(1), torch.add(a, b))[1], "value"),     # in-place effect on a
    (lambda a, b: [torch.add(a, b)], "type"),
])
def test_planted_mismatch_is_reported(fn, kind):
    res = run([A, B, ADD], add=fn)
    assert (res.outcome, res.kind) == ("mismatch", kind), res


@pytest.mark.requires_torch
def test_planted_nan_and_inf_differences():
    x = "x = torch.tensor([1.0, float('nan'), float('inf')])"
    assert run([x, "y = torch.exp(x)"], exp=lambda t: torch.exp(t).nan_to_num()).kind == "value"
    assert run([x, "y = torch.exp(x)"], exp=lambda t: torch.exp(t)).outcome == "ok"


@pytest.mark.requires_torch
def test_planted_int_difference_is_exact():
    x = "x = torch.tensor(rng.integers(0, 100, (5,)))"
    res = run([x, "y = torch.neg(x)"], neg=lambda t: -t + (t == t.max()).long())
    assert (res.outcome, res.kind) == ("mismatch", "value")


def _raise(*_a, **_k):
    raise RuntimeError("planted")


def _bad_exc(*_a, **_k):
    raise KeyError("planted")


@pytest.mark.requires_torch
def test_planted_raise_and_no_raise():
    assert run([A, B, ADD], add=_raise).outcome == "dygrad_crash"
    mm = "out = torch.mm(a, b)"   # (2,3) @ (3,) raises in PyTorch
    assert run([A, B, mm], mm=lambda a, b: a.sum()).outcome == "dygrad_no_raise"
    both = run([A, B, mm], mm=_raise)
    assert both.outcome == "both_raise" and not both.soft
    assert run([A, B, mm], mm=_bad_exc).soft == ["foreign_exc"]
    assert run([A, B, mm], mm=lambda *a: (_ for _ in ()).throw(ValueError("x"))).soft \
        == ["exc_type"]


@pytest.mark.requires_torch
def test_raise_at_a_later_statement_is_no_raise():
    mm = "out = torch.mm(a, b)"
    res = run([A, B, mm, "c = a * 2"], mm=lambda a, b: a.sum())
    assert res.outcome == "dygrad_no_raise" and "stmt 3" in res.detail


@pytest.mark.requires_torch
def test_backward_raise_mismatch():
    planted = lambda a, b: torch.add(a, b).detach().requires_grad_()  # noqa: E731
    # A leaf where PyTorch has a non-leaf: flagged before backward runs.
    assert run([A, B, ADD], add=planted).kind == "is_leaf"


@pytest.mark.requires_torch
def test_generator_bug_is_a_harness_error():
    assert run([A, "out = undefined_name + 1"]).outcome == "harness_error"
    assert run([A, "out = torch.no_such_function(a)"]).outcome == "harness_error"


def test_compare_arrays_tolerances():
    import numpy as np
    a = np.array([1.0, 2.0], dtype=np.float32)
    assert compare_arrays(a, a * (1 + 1e-6), "float32") is None
    assert compare_arrays(a, a * (1 + 1e-3), "float32") is not None
    assert compare_arrays(a.astype(np.float64), a * (1 + 1e-6), "float64") is not None
    assert compare_arrays(np.array([np.nan]), np.array([np.nan]), "float64") is None
    assert compare_arrays(np.array([np.inf]), np.array([-np.inf]), "float64") is not None


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_generation_is_reproducible(family):
    for case in range(20):
        p, q = generate(family, 3, case), generate(family, 3, case)
        assert p.source == q.source and p.tags == q.tags
        compile(p.source, "<fuzz>", "exec")
    assert generate(family, 3, 0).source != generate(family, 4, 0).source


def test_case_script_reproduces(monkeypatch):
    prog = generate("binary", 0, 5)
    script = case_script(prog)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(script, "case.py", "exec"), {"__name__": "__main__"})
    assert out.getvalue().split()[0] == run_source(prog.source).outcome


@pytest.mark.requires_torch
def test_known_gap_only_relabels_failures(monkeypatch):
    gap = ("planted", lambda p: "out = torch.add(a, b)" in p.stmts, "test entry")
    monkeypatch.setattr(known_mod, "KNOWN_GAPS", KNOWN_GAPS + [gap])
    from dygrad.testing.fuzz.runner import run_case
    prog = Program("test", 0, 0, ["rng = np.random.default_rng(0)", A, B, ADD])
    libs_bad = ((Planted(add=lambda a, b: torch.add(a, b) + 1), tF), (torch, tF))
    res = run_case(prog, libs_bad)
    assert (res.outcome, res.known) == ("known", "planted")
    assert run_case(prog, ((torch, tF), (torch, tF))).outcome == "ok"
