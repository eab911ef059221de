"""Every collective on 2 ranks (one `dygrad run -n 2` launch), checked against NumPy."""
import pytest

from dist_helpers import assert_check, needs_mpi, run_checks

pytestmark = needs_mpi

DTYPES = ["float32", "float64", "float16", "int64", "int32", "uint8", "bool"]
CHECKS = (["queries"] + [f"all_reduce_{d}" for d in DTYPES]
          + ["all_reduce_async_work", "all_reduce_noncontiguous", "all_reduce_requires_grad_leaf",
             "all_reduce_errors", "broadcast", "reduce", "all_gather", "all_gather_into_tensor",
             "reduce_scatter", "reduce_scatter_tensor", "gather", "scatter", "all_to_all_single",
             "all_to_all", "send_recv", "isend_irecv", "work_wait_timeout",
             "batch_isend_irecv", "barrier",
             "object_collectives", "new_group", "destroy_and_reinit"])


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run_checks("ranks_collectives.py", tmp_path_factory.mktemp("collectives"))


@pytest.mark.parametrize("name", CHECKS)
def test_collective(results, name):
    assert_check(results, name)


def test_no_unlisted_checks(results):
    assert set(results[0]) == set(CHECKS)
