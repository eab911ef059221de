"""A second backward through a freed graph, retain_grad checks, and gradients of piecewise-
linear activations under create_graph, as PyTorch 2.13 behaves."""
import pytest

import dygrad
import dygrad.nn.functional as F
from dygrad.autograd import gradgradcheck

FREED = ["x * 3", "x / 2", "x[[0, 1]]", "x.max()", "x.amax(0)", "dygrad.where(x > 0, x, x * 2)",
         "x.masked_fill(x > 0, 0.0)", "x.gather(1, dygrad.zeros(2, 1, dtype=dygrad.long))",
         "x.sort(0)[0]", "x.topk(1)[0]", "x.exp()", "x * x"]
KEPT = ["x + 1", "x - x", "-x", "x.sum()", "x.t()", "x.view(-1)", "x.flip(0)"]


def _x():
    return dygrad.tensor([[0.5, 1.5, 2.0], [3.0, 0.25, 1.0]], requires_grad=True)


@pytest.mark.parametrize("expr", FREED)
def test_second_backward_through_saved_state_raises(expr):
    x = _x()
    y = eval(expr, {"x": x, "dygrad": dygrad}).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


@pytest.mark.parametrize("expr", KEPT)
def test_second_backward_without_saved_state_runs(expr):
    x = _x()
    y = eval(expr, {"x": x, "dygrad": dygrad}).sum()
    y.backward()
    y.backward()
    assert x.grad is not None


def test_retain_grad_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="can't retain_grad"):
        dygrad.ones(2).retain_grad()


@pytest.mark.parametrize("act", [F.relu, F.hardtanh, F.leaky_relu, F.relu6, F.hardsigmoid,
                                 F.hardshrink, F.softshrink,
                                 lambda t: F.threshold(t, 0.1, 20.0)])
def test_piecewise_linear_gradients_stay_in_the_graph(act):
    x = dygrad.tensor([0.7, -0.3, 2.5, 4.0], dtype=dygrad.float64, requires_grad=True)
    gx, = dygrad.autograd.grad(act(x).sum(), x, create_graph=True)
    assert gx.requires_grad  # PyTorch's formulas read the input: a second derivative is zeros
    gg, = dygrad.autograd.grad((gx * gx).sum(), x)
    assert gg.tolist() == [0.0] * 4
    assert gradgradcheck(act, (x,))
