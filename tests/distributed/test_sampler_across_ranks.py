"""DistributedSampler asking dygrad.distributed for rank and world size, on 2 ranks."""
import pytest

from dist_helpers import assert_check, needs_mpi, run_checks

pytestmark = needs_mpi

CHECKS = ([f"partition_n{n}_shuffle{s}" for n in (12, 13) for s in (False, True)]
          + ["dataloader_epochs_workers0", "dataloader_epochs_workers2"])


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run_checks("ranks_sampler.py", tmp_path_factory.mktemp("sampler"))


@pytest.mark.parametrize("name", CHECKS)
def test_sampler(results, name):
    assert_check(results, name)
