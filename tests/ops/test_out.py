"""out=: the result is written into the given tensor's own memory (views of it see it), in its
dtype when the result can be cast to it; PyTorch's errors otherwise."""
import numpy as np
import pytest

import dygrad


def _cases(lib):
    a = lib.tensor([1.0, -2.0, 3.0])
    return {
        "add": lambda y: lib.add(a, 1, out=y),
        "mul": lambda y: lib.mul(a, a, out=y),
        "neg": lambda y: lib.neg(a, out=y),
        "clamp": lambda y: lib.clamp(a, -1, 1, out=y),
        "max_pair": lambda y: lib.max(a, lib.zeros(3), out=y),
        "min_pair": lambda y: lib.min(a, lib.zeros(3), out=y),
    }


@pytest.mark.parametrize("name", list(_cases(dygrad)))
def test_out_writes_into_the_tensor_and_its_views(name):
    y = dygrad.zeros(3)
    first = y[:2]
    r = _cases(dygrad)[name](y)
    assert r is y
    np.testing.assert_array_equal(first.numpy(), y.numpy()[:2])
    torch = pytest.importorskip("torch")
    yt = torch.zeros(3)
    _cases(torch)[name](yt)
    np.testing.assert_allclose(y.numpy(), yt.numpy())


def test_out_keeps_its_dtype_and_refuses_unsafe_casts():
    y = dygrad.zeros(3)
    dygrad.add(dygrad.ones(3, dtype=dygrad.int64), 1, out=y)
    assert y.dtype == dygrad.float32 and y.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        dygrad.add(dygrad.ones(3), 1, out=dygrad.zeros(3, dtype=dygrad.int64))


def test_out_of_reductions_and_statistics():
    x = dygrad.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    v, i = dygrad.zeros(2), dygrad.zeros(2, dtype=dygrad.int64)
    dygrad.max(x, 1, out=(v, i))
    assert v.tolist() == [5.0, 7.0] and i.tolist() == [1, 0]
    n = dygrad.zeros(())
    dygrad.norm(dygrad.tensor([3.0, 4.0]), out=n)
    assert n.item() == 5.0
    q = dygrad.zeros(())
    dygrad.quantile(dygrad.tensor([1.0, 2.0, 3.0]), 0.5, out=q)
    assert q.item() == 2.0


def test_out_refuses_autograd_and_overlapping_memory():
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        dygrad.add(dygrad.ones(3, requires_grad=True), 1, out=dygrad.zeros(3))
    with pytest.raises(RuntimeError, match="single memory location"):
        dygrad.clamp(dygrad.ones(3), 0, 1, out=dygrad.zeros(3).expand(2, 3))
