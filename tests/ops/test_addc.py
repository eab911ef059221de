"""addcmul/addcdiv: one node with PyTorch's gradient formulas (full-size products summed down,
so infinities meet where PyTorch's do), float64 gradcheck and gradgradcheck."""
import numpy as np
import pytest

import dygrad
from dygrad.autograd import gradcheck, gradgradcheck


@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
def test_gradients_and_second_derivatives(op):
    f = getattr(dygrad, op)
    a = dygrad.randn(2, 3, dtype=dygrad.float64, requires_grad=True)
    b = dygrad.randn(3, dtype=dygrad.float64, requires_grad=True)
    c = (dygrad.rand(2, 1, dtype=dygrad.float64) + 0.5).requires_grad_()
    assert gradcheck(lambda x, y, z: f(x, y, z, value=0.7), (a, b, c))
    assert gradgradcheck(lambda x, y, z: f(x, y, z, value=0.7), (a, b, c))


def _inf_case(lib):
    t2 = lib.tensor(float("inf"), requires_grad=True)
    v2 = lib.zeros(2, 1)
    v2.addcmul_(t2 * 2, t2 * 2, value=0.5)
    (v2 * lib.tensor([[1.0], [-2.0]])).sum().backward()
    return t2.grad.item()


def test_broadcast_gradient_of_an_infinite_operand_is_nan_like_torch():
    assert np.isnan(_inf_case(dygrad))  # +inf and -inf meet in the sum over the broadcast
    torch = pytest.importorskip("torch")
    assert np.isnan(_inf_case(torch))


def test_non_tensor_operand_is_a_type_error():
    with pytest.raises(TypeError, match="tensor1"):
        dygrad.ones(2).addcmul_(2, dygrad.ones(2))


def test_lerp_dtype_rules_like_torch():
    with pytest.raises(RuntimeError, match="expected dtype float for `end` but got dtype double"):
        dygrad.lerp(dygrad.ones(2), dygrad.ones(2, dtype=dygrad.float64), 0.5)
    with pytest.raises(NotImplementedError, match="lerp_kernel_scalar"):
        dygrad.lerp(dygrad.ones(2, dtype=dygrad.int64), dygrad.ones(2, dtype=dygrad.int64), 1)
    assert dygrad.lerp(dygrad.ones(2), dygrad.zeros(2), 0.25).tolist() == [0.75, 0.75]
