"""Backward formulas inlined into replays: same bits as eager, no shared or reused gradient arrays."""
import warnings

import numpy as np
import pytest

import dygrad
from dygrad.jit import TracerWarning
from dygrad.jit._traced import TracedFunction


def _leaves(rng, shapes, dtype=np.float64):
    return [dygrad.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True)
            for s in shapes]


# each body reads leaves p[0], p[1], ... and returns a 0-dim loss
BODIES = {
    "mul_add": ([(4, 4), (4, 4)], lambda p: (p[0] * p[1] + p[0]).sum()),
    "shared_add": ([(3, 5), (3, 5)], lambda p: (p[0] + p[1]).sum()),  # one gradient, two leaves
    "broadcast": ([(4, 1), (1, 5), (5,)], lambda p: (p[0] * p[1] - p[2] / 2.5).sum()),
    "div_neg": ([(3, 4), (3, 4)], lambda p: (-(p[0] / (p[1].abs() + 1)) - p[1]).sum()),
    "scalar_ops": ([(6,)], lambda p: (p[0] * 3.0 - 1 + p[0] / 4).sum()),
    "views": ([(2, 3, 4)], lambda p: (p[0].permute(2, 0, 1).reshape(4, 6).t() * 2).sum()),
    "transpose_mm": ([(5, 3), (5, 4)], lambda p: (p[0].transpose(0, 1) @ p[1]).relu().sum()),
    "mean_root": ([(3, 3)], lambda p: (p[0] * p[0]).mean()),
    "sum_dim": ([(3, 4)], lambda p: (p[0].sum(dim=1) * p[0][:, 0]).sum()),
    "pass_through_leaf": ([(4,)], lambda p: p[0].sum()),
}


def _eager_grads(body, leaves):
    for t in leaves:
        t.grad = None
    loss = body(leaves)
    loss.backward()
    return loss.detach().numpy().copy(), [t.grad.numpy().copy() for t in leaves]


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_traced_step_gradients_are_eager_bits(name, dtype):
    shapes, body = BODIES[name]
    rng = np.random.default_rng(len(name))
    leaves = _leaves(rng, shapes, dtype)

    def step():
        for t in leaves:
            t.grad = None
        loss = body(leaves)
        loss.backward()
        return loss

    with warnings.catch_warnings():
        warnings.simplefilter("error", TracerWarning)
        traced = TracedFunction(step, name)
        for call in range(4):  # the trace, then replays on new values
            for t in leaves:
                t.data = dygrad.tensor(rng.standard_normal(t.shape).astype(dtype))
            want, want_g = _eager_grads(body, leaves)
            got = traced()
            np.testing.assert_array_equal(got.detach().numpy(), want)
            grads = [t.grad for t in leaves]
            for g, w in zip(grads, want_g):
                np.testing.assert_array_equal(g.numpy(), w)
            # gradients are independent arrays: writing one touches nothing else
            for g in grads:
                g.add_(1.0)
            for g, w in zip(grads, want_g):
                np.testing.assert_array_equal(g.numpy(), w + 1)
    assert not traced.reasons


def test_inlined_code_has_no_node_calls_for_common_nodes():
    a, b = _leaves(np.random.default_rng(0), [(4, 4), (4, 4)])

    def step():
        a.grad = None
        b.grad = None
        loss = (a * b + a).sum()
        loss.backward()
        return loss

    traced = TracedFunction(step)
    traced()
    assert ".backward(" not in traced.code


def test_replays_accumulate_into_existing_grads_and_run_hooks():
    rng = np.random.default_rng(3)
    a, b = _leaves(rng, [(3,), (3,)])
    seen = []

    def step():
        loss = (a * b + b).sum()  # no zero_grad: .grad accumulates across calls, as in eager
        loss.backward()
        return loss

    traced = TracedFunction(step)
    for _ in range(2):
        traced()
    np.testing.assert_array_equal(a.grad.numpy(), 2 * b.detach().numpy())
    np.testing.assert_array_equal(b.grad.numpy(), 2 * (a.detach().numpy() + 1))
    h = b.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 10)
    traced()
    h.remove()
    np.testing.assert_array_equal(seen[-1], a.detach().numpy() + 1)
    np.testing.assert_allclose(b.grad.numpy(), 12 * (a.detach().numpy() + 1))


def test_function_without_backward_inside_uses_inlined_graph_through_the_engine():
    rng = np.random.default_rng(4)
    x, y = _leaves(rng, [(3, 4), (3, 4)])

    def fn(x, y):
        return (x * y - x / 3).sum(dim=0), (x + y).t() - 1

    traced = dygrad.jit.trace(fn, (x, y))
    for _ in range(2):
        x.grad = y.grad = None
        u, v = traced(x, y)
        u.sum().backward()  # v receives no gradient: a None flows into the replayed backward
        np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy() - 1 / 3)
        np.testing.assert_array_equal(y.grad.numpy(), x.detach().numpy())
        x.grad = y.grad = None
        u, v = traced(x, y)
        (v * 2).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 4), 2.0))
        np.testing.assert_array_equal(y.grad.numpy(), np.full((3, 4), 2.0))
