"""dygrad's glibc malloc settings (dygrad/_malloc.py): freed arrays are reused instead of fresh
pages, and DYGRAD_MALLOC_TUNING=0 leaves malloc alone."""
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")

_CHURN = """
import resource, numpy as np, dygrad
from dygrad import _malloc
def churn():  # a step's pattern: many arrays alive at once, then all freed
    for _ in range(5):
        live = [np.ones(int(mb * 2**20) // 8) for mb in (0.5, 1, 2, 3, 1.5) * 6]
        del live
churn()
r0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
churn()
print(_malloc.applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - r0)
"""


def _run(env_value):
    env = dict(os.environ)
    env.pop("DYGRAD_MALLOC_TUNING", None)
    if env_value is not None:
        env["DYGRAD_MALLOC_TUNING"] = env_value
    out = subprocess.run([sys.executable, "-c", _CHURN], capture_output=True, text=True,
                         env=env, check=True).stdout.split()
    return out[0] == "True", int(out[1])


def test_freed_arrays_are_reused_without_page_faults():
    from dygrad import _malloc
    if not _malloc.applied:
        pytest.skip("not glibc")
    applied, faults = _run(None)
    # 5 rounds of 48 MiB in 30 arrays: ~60,000 page faults when freed memory goes back to the
    # system each round
    assert applied and faults < 2000


def test_opt_out_leaves_malloc_alone():
    applied, faults = _run("0")
    assert not applied and faults > 10000
