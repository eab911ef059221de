"""KNOWN_GAPS: dygrad bugs the fuzzer has found and that are not fixed yet.

Each entry is (name, predicate over a generated Program, one-line reason). A *failing* case that
matches an entry is reported as outcome "known" instead of a failure: the CI slice stays green
while the bug is open, and the sweep still counts it separately. A matching case that passes is
just "ok", so an entry never hides a correct answer. Remove an entry when its fix lands; every
entry has a minimal repro in docs/fuzzing.md's history or the report that added it.
Predicates see only the program (its family, tags and statement text), never the result.
"""


def _ops(family, *ops):  # noqa: F401 - the usual predicate for a new entry
    """The program is from `family` and uses one of `ops` (its "op:" tags)."""
    tags = frozenset("op:" + o for o in ops)
    return lambda p: p.family == family and not tags.isdisjoint(p.tags)


# Every family sweeps clean but for the entries below (see the issue-11 closing note).
# A new entry needs a minimal repro and a reason; remove it when the fix lands.
KNOWN_GAPS = [
    # bfloat16 matmul backward returns NumPy's float32 product unrounded (ml_dtypes' matmul
    # promotes), so the gradient reaching the autocast/`.to` cast's backward is more precise
    # than PyTorch's bfloat16 one; beyond tolerance only where terms cancel. Repro:
    # y = torch.randn(3, 4, requires_grad=True); w = torch.randn(4, 4).bfloat16()
    # (y.bfloat16() @ w).backward(torch.ones(3, 4).bfloat16()); y.grad is not bf16-rounded
    ("bf16_matmul_backward_unrounded", _ops("transforms", "autocast_matmul"),
     "bfloat16 mm/matmul/linear backward not rounded to bfloat16"),
]


def known_gap(prog):
    """Name of the first KNOWN_GAPS entry matching `prog`, or ''."""
    for name, pred, _reason in KNOWN_GAPS:
        if pred(prog):
            return name
    return ""
