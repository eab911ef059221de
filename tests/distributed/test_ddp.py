"""DistributedDataParallel on 2 ranks (one launch) against a single process on the whole batch,
and a checkpoint written by rank 0 loaded here, in a single process."""
import json

import numpy as np
import pytest

import dygrad
import dygrad.nn as nn
from dist_helpers import assert_check, needs_mpi, run_checks

pytestmark = needs_mpi

CHECKS = ["wrap_broadcasts_rank0_state", "state_dict_keys", "gradients_are_averaged",
          "parity_sgd", "parity_adam", "parity_sgd_small_buckets_grad_view",
          "parity_adam_grad_view_zeroed_in_place", "parity_adam_small_buckets",
          "no_sync_accumulation", "find_unused_parameters", "static_graph",
          "unused_parameter_without_find_raises", "validation_forward_between_forward_and_backward",
          "buckets_rebuilt_in_gradient_order", "buffers_follow_rank0", "process_group_of_one",
          "constructor_errors", "checkpoint_from_rank0"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp")
    return out, run_checks("ranks_ddp.py", out)


@pytest.mark.parametrize("name", CHECKS)
def test_ddp(run, name):
    assert_check(run[1], name)


def test_no_unlisted_checks(run):
    assert set(run[1][0]) == set(CHECKS)


def test_rank0_checkpoint_loads_in_one_process(run):
    out, _ = run
    state = dygrad.load(out / "model.dyg")
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(),
                          nn.Linear(8, 3))
    model.load_state_dict(state)
    report = json.loads((out / "report.json").read_text())
    with dygrad.no_grad():
        got = model(dygrad.tensor(report["probe_input"])).numpy()
    np.testing.assert_allclose(got, np.array(report["probe_output"], np.float32), rtol=1e-6)
