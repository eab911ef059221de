"""KNOWN_GAPS: dygrad bugs the fuzzer has found and that are not fixed yet.

Each entry is (name, predicate over a generated Program, one-line reason). A *failing* case that
matches an entry is reported as outcome "known" instead of a failure: the CI slice stays green
while the bug is open, and the sweep still counts it separately. A matching case that passes is
just "ok", so an entry never hides a correct answer. Remove an entry when its fix lands; every
entry has a minimal repro in docs/fuzzing.md's history or the report that added it.
Predicates see only the program (its family, tags and statement text), never the result.
"""


def _ops(family, *ops):
    """The program is from `family` and uses one of `ops` (its "op:" tags)."""
    tags = frozenset("op:" + o for o in ops)
    return lambda p: p.family == family and not tags.isdisjoint(p.tags)


def _family(family):
    return lambda p: p.family == family


# Entries as of the first sweep (seed 1, 120,000 cases, commit 276628b); repros for each are in
# the fuzz findings report. Coarse on purpose: one entry per family and cause, by op.
KNOWN_GAPS = [
    ("index", _ops("index", "index_put_acc", "index_put_", "masked_fill", "masked_fill_",
                   "index_add_", "index_fill_"),
     "index_put_/masked_fill dtype and broadcast validation, requires_grad of written tensors"),
    ("index-setitem", lambda p: p.family == "index" and bool({"setitem", "index_read"} & p.tags),
     "setitem of a grad-requiring value into a plain tensor (requires_grad), bad-index errors"),
    ("order", _ops("order", "unique", "scatter_reduce", "scatter_add", "scatter",
                   "scatter_value", "searchsorted", "take_along_dim", "kthvalue"),
     "scatter index-shape validation and backward, unique requires_grad, bool searchsorted"),
]


def known_gap(prog):
    """Name of the first KNOWN_GAPS entry matching `prog`, or ''."""
    for name, pred, _reason in KNOWN_GAPS:
        if pred(prog):
            return name
    return ""
