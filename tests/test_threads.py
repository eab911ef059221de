"""set_num_threads / get_num_threads change NumPy's BLAS pool for real (through threadpoolctl),
with PyTorch's argument checks."""
import numpy as np
import pytest

import dygrad


@pytest.fixture
def restore_threads():
    before = dygrad.get_num_threads()
    yield
    dygrad.set_num_threads(before)


def test_set_num_threads_sets_the_blas_pool(restore_threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    for n in (1, 2):
        dygrad.set_num_threads(n)
        assert dygrad.get_num_threads() == n
        blas = [p["num_threads"] for p in threadpoolctl.threadpool_info()
                if p["user_api"] == "blas"]
        assert blas and set(blas) == {n}
    a = np.ones((64, 64), np.float32)
    assert (dygrad.from_numpy(a) @ dygrad.from_numpy(a)).sum().item() == 64.0 ** 3


@pytest.mark.parametrize("bad, message", [
    (0, "expects a positive integer"), (-2, "expects a positive integer"),
    (2.5, "expects an int, but got float"), ("2", "expects an int, but got str"),
    (True, "expects an int, but got bool")])
def test_bad_thread_counts_raise_as_pytorch(bad, message):
    with pytest.raises(RuntimeError, match=message):
        dygrad.set_num_threads(bad)


def test_interop_threads_are_set_once():
    from dygrad import _threads
    saved = _threads._interop
    try:
        _threads._interop = None
        assert dygrad.get_num_interop_threads() == 1
        dygrad.set_num_interop_threads(2)
        assert dygrad.get_num_interop_threads() == 2
        with pytest.raises(RuntimeError, match="cannot set number of interop threads"):
            dygrad.set_num_interop_threads(3)
    finally:
        _threads._interop = saved


def test_same_errors_as_pytorch():
    torch = pytest.importorskip("torch")
    for bad in (0, -1, 2.5, "2", True):
        with pytest.raises(RuntimeError) as want:
            torch.set_num_threads(bad)
        with pytest.raises(RuntimeError) as got:
            dygrad.set_num_threads(bad)
        assert str(got.value) == str(want.value)
