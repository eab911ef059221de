"""Smoke tests of the benchmark suite: every workload runs, and all implementations agree.

No timing assertions: only that each workload runs once, that dygrad and the NumPy floors
compute PyTorch's losses (and, for the floors, gradients and updated weights) from the same
weights, and that a missing dygrad feature is reported instead of crashing the run.
"""
import json
import types

import numpy as np
import pytest

try:  # the parity oracle; the tests marked requires_torch skip without it
    import torch
except ImportError:
    torch = None

from bench import frameworks, harness, memory, mnist, startup  # noqa: E402
from bench.run import main, run_workload  # noqa: E402
from bench.workloads import MnistEpoch, all_workloads  # noqa: E402
from bench.workloads._common import Workload  # noqa: E402

# the epoch workload on a 256-image prefix (4 batches) so it stays fast
WORKLOADS = [w for w in all_workloads() if w.name != "mnist_epoch"] + [MnistEpoch(n_images=256)]
# workloads with a hand-written NumPy version (some have one without a dygrad/floor target)
FLOORED = [w for w in WORKLOADS if type(w).floor is not Workload.floor]
needs_mnist = pytest.mark.skipif(not mnist.available(), reason="MNIST files not present")


def _ids(w):
    return w.name


def _marks(w):
    return [needs_mnist] if w.name == "mnist_epoch" else []


def _assert_close_tree(actual, expected, rtol, atol_scale, what):
    assert set(actual) == set(expected), what
    for k in expected:
        atol = atol_scale * max(1.0, float(np.abs(expected[k]).max()))
        np.testing.assert_allclose(actual[k], expected[k], rtol=rtol, atol=atol,
                                   err_msg=f"{what} {k}")


@pytest.mark.requires_torch
@pytest.mark.parametrize("w", FLOORED, ids=_ids)
def test_floor_matches_torch(w):
    data = w.make_data()
    runner = w.build(torch, data)
    floor = w.floor(data)
    # dropout off on both sides (PyTorch's eval mode; a floor's `training` flag)
    if getattr(runner, "model", None) is not None:
        runner.model.eval()
    if hasattr(floor, "training"):
        floor.training = False
    loss_t, grads_t = runner.loss_and_grads()
    loss_f, grads_f = floor.loss_and_grads()
    assert loss_f == pytest.approx(loss_t, rel=1e-4, abs=1e-5)
    _assert_close_tree(grads_f, grads_t, 1e-3, 1e-5, "gradient")
    # a full step (with the optimizer update, where the workload has one) from the same state
    runner.step()
    floor.step()
    # Adam's first update is about lr * sign(grad), so near-zero gradients make single
    # elements differ by a fraction of lr=1e-3
    _assert_close_tree(floor.params, runner.param_values(), 1e-4, 1e-4, "parameter")


@pytest.mark.requires_torch
@pytest.mark.parametrize("w", [pytest.param(w, marks=_marks(w)) for w in WORKLOADS], ids=_ids)
def test_dygrad_matches_torch(w):
    import dygrad
    reason = frameworks.na_reason(dygrad, "", w.requires)
    if reason:
        pytest.skip(f"{w.name}: dygrad {reason}")
    data = w.make_data()
    expected = w.build(torch, data).losses(w.check_steps)
    got = w.build(dygrad, data).losses(w.check_steps)
    np.testing.assert_allclose(got, expected, rtol=w.rtol, atol=1e-5)


@pytest.mark.requires_torch
def test_floor_losses_do_not_depend_on_framework_state():
    # the floor keeps its own copies: stepping the framework must not move the floor's weights
    w = next(w for w in WORKLOADS if w.name == "mlp_b64")
    data = w.make_data()
    floor = w.floor(data)
    before = {k: v.copy() for k, v in floor.params.items()}
    w.build(torch, data).step()
    _assert_close_tree(floor.params, before, 0, 0, "floor parameter")
    _assert_close_tree(w.make_data()["params"], data["params"], 0, 0, "data")


@pytest.mark.requires_torch
def test_missing_api_is_reported_not_raised():
    fake = types.ModuleType("fakefw")
    fake.tensor = torch.tensor
    w = next(w for w in WORKLOADS if w.name == "matmul_relu")
    assert frameworks.missing(fake, w.requires) == [
        "fakefw.relu", "fakefw.Tensor.backward", "fakefw.Tensor.sum", "fakefw.Tensor.__matmul__"]
    assert frameworks.na_reason(fake, "", ("nn.GRU",)) == "n/a (missing: fakefw.nn.GRU)"
    assert frameworks.na_reason(None, "import failed: boom", ()) == "n/a (import failed: boom)"
    assert frameworks.na_reason(torch, "", w.requires) == ""

    tiny = harness.Settings(rounds=1, min_rounds=1, block_s=0.0, warmup_s=0.0, budget_s=0.0)
    rec = run_workload(w, {"dygrad": (fake, ""), "torch": (torch, "")}, tiny)
    fw = rec["frameworks"]
    assert fw["dygrad"]["status"].startswith("n/a (missing: fakefw.relu")
    assert fw["torch"]["median_s"] > 0 and fw["floor"]["median_s"] > 0
    assert rec["check"]["pairs"] == {"floor_vs_torch": "ok"}
    assert rec["ratios"]["dygrad/torch"] is None and rec["verdict"]["dygrad/torch"] == "n/a"


def test_harness_alternates_and_survives_errors():
    calls = []

    def broken():
        raise ValueError("nope")

    res = harness.time_alternating(
        {"a": lambda: calls.append("a"), "b": lambda: calls.append("b"), "bad": broken},
        harness.Settings(rounds=3, min_rounds=3, block_s=0.0, warmup_s=0.0, budget_s=0.0))
    assert res["bad"].error == "ValueError: nope" and not res["bad"].samples
    assert len(res["a"].samples) == 3 and len(res["b"].samples) == 3
    # one warm-up call each, then blocks alternate with the order rotating: a b, b a, a b
    assert calls == ["a", "b"] + ["a", "b", "b", "a", "a", "b"]
    vals = [3.0, 1.0, 4.0, 1.5, 9.0]
    for q in (0.1, 0.25, 0.5, 0.9):
        assert harness.quantile(sorted(vals), q) == pytest.approx(np.quantile(vals, q))


@needs_mnist
def test_mnist_subset_loader():
    x, y = mnist.load_train(10)
    assert x.shape == (10, 1, 28, 28) and x.dtype == np.float32
    assert y.dtype == np.int64 and y.tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert x.flags.writeable


@pytest.mark.requires_torch
def test_cli_writes_json(tmp_path, capsys, monkeypatch):
    for var in frameworks.THREAD_VARS:  # main() sets these; restore them afterwards
        monkeypatch.setenv(var, "1")
    threads = torch.get_num_threads()
    out = tmp_path / "r.json"
    try:
        assert main(["--only", "elementwise", "--quick", "--rounds", "1", "--budget", "0",
                     "--out", str(out)]) == 0
    finally:
        torch.set_num_threads(threads)
    table = capsys.readouterr().out
    assert "elementwise" in table and "(≤0.5)" in table
    rec = json.loads(out.read_text())
    (wl,) = rec["workloads"]
    assert wl["name"] == "elementwise"
    assert wl["frameworks"]["torch"]["median_s"] > 0
    assert wl["frameworks"]["floor"]["median_s"] > 0
    assert rec["meta"]["threads"]["torch_num_threads"] == 1
    assert rec["meta"]["threads"]["env"]["OPENBLAS_NUM_THREADS"] == "1"


@pytest.mark.requires_torch  # measures a torch workload
def test_memory_child_reports_peak():
    rec = memory.run_child("torch", "mlp_b64", 1, 1, 256)
    assert rec["status"] == "ok"
    assert rec["peak_kb"] >= rec["workload_peak_kb"] >= rec["baseline_kb"] > 0


def test_import_time_sample():
    assert 0 < startup._one("numpy") < 60
