"""Ops without a replay kernel replay by calling their public function again (jit/_recall.py):
results and gradients equal eager bit for bit; data-dependent shapes and values computed inside
the op layer never replay stale."""
import warnings

import numpy as np
import pytest

import dygrad as torch
import dygrad.nn.functional as F


@pytest.fixture(autouse=True)
def _strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _same_step(fn, make_inputs, steps=3):
    traced = torch.jit.trace(fn, make_inputs())
    for _ in range(steps):
        a = make_inputs()
        b = tuple(x.detach().clone().requires_grad_(x.requires_grad) for x in a)
        ya, yb = traced(*a), fn(*b)
        assert torch.equal(ya, yb)
        ya.backward()
        yb.backward()
        for x, z in zip(a, b):
            assert (x.grad is None) == (z.grad is None)
            if x.grad is not None:
                assert torch.equal(x.grad, z.grad)
    assert traced.reasons == []
    return traced


def _leaf(*shape):
    return torch.randn(*shape, dtype=torch.float64).requires_grad_()


@pytest.mark.parametrize("fn", [
    lambda x, y: F.mse_loss(x, y),
    lambda x, y: F.smooth_l1_loss(x, y, beta=0.5),
    lambda x, y: F.binary_cross_entropy_with_logits(x, y.sigmoid()),
    lambda x, y: (x.cumsum(1) * y.flip(0)).sum(),
    lambda x, y: (torch.roll(x, 1, 0) + y.tril()).pow(2).sum(),
    lambda x, y: torch.where(x > 0, x, y).sum(),
    lambda x, y: x.sort(dim=1)[0].mul(y).sum(),
    lambda x, y: (x.gather(1, torch.tensor([[0, 2], [1, 1], [2, 0]])) ** 2).sum(),
    lambda x, y: x.expand(2, 3, 3).sum() + y.logsumexp(1).sum(),
    # a comparison inside another op (prelu's x > 0) records its own kernel
    lambda x, y: F.prelu(x * y, torch.tensor([0.25])).sum(),
])
def test_ops_without_kernels_replay_exactly(fn):
    _same_step(fn, lambda: (_leaf(3, 3), _leaf(3, 3)))


def test_new_index_tensors_are_read_at_each_replay():
    w = torch.arange(12.0).reshape(4, 3)
    traced = torch.jit.trace(lambda w, i: w[i] * 2, (w, torch.tensor([1, 3])))
    for idx in ([0, 2], [3, 3]):
        i = torch.tensor(idx)
        assert torch.equal(traced(w, i), w[i] * 2)
    assert traced.reasons == []


def test_data_dependent_shapes_fall_back_to_eager():
    def f(x):
        return x[x > 0].sum() * 2

    traced = torch.jit.trace(f, torch.tensor([1.0, -1.0, 2.0]))
    for v in ([1.0, 2.0, 3.0], [-1.0, -2.0, 4.0], [5.0, 1.0, 1.0]):
        x = torch.tensor(v)
        assert torch.equal(traced(x), f(x))
    assert any("depends on the data" in r for r in traced.reasons)


def test_numbers_computed_inside_the_op_layer_are_not_constants():
    # nansum of a whole tensor makes a NumPy scalar inside the op layer: the replay must compute
    # it again, not reuse the captured one
    def f(x):
        return torch.nansum(x, 0) * x

    traced = torch.jit.trace(f, torch.tensor([1.0, float("nan"), 2.0]))
    x = torch.tensor([5.0, 1.0, float("nan")])
    assert np.array_equal(traced(x).numpy(), f(x).numpy(), equal_nan=True)
    assert traced(x)[0].item() == 30.0
