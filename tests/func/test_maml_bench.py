"""bench/maml.py (the MAML example of docs/func.md) runs, and on a few meta-iterations gives
PyTorch's losses."""
import pytest

import dygrad
from bench import maml


def test_maml_bench_runs_on_dygrad_and_matches_torch():
    got = maml.run(dygrad, iters=3, dtype="float64", eval_tasks=3)
    assert got["post_10"] < got["pre"]  # adaptation helps even before meta-training
    torch = pytest.importorskip("torch")
    want = maml.run(torch, iters=3, dtype="float64", eval_tasks=3)
    for k in ("pre", "post_1", "post_10"):
        assert got[k] == pytest.approx(want[k], rel=1e-9)
