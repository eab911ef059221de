import numpy as np
import pytest

import dygrad as torch


class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class MulConst(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, g):
        assert ctx.needs_input_grad == (True, False)
        return g * ctx.k, None


def test_custom_function_forward_backward():
    x = torch.randn(4, dtype=torch.float64, requires_grad=True)
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp(x.detach().numpy()))
    assert torch.autograd.gradcheck(Exp.apply, (x,))


def test_custom_function_non_tensor_args_and_needs_input_grad():
    x = torch.randn(3, requires_grad=True)
    MulConst.apply(x, 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3.0)


def test_custom_function_double_backward():
    x = torch.randn(3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradgradcheck(Exp.apply, (x,))


def test_custom_function_multiple_outputs():
    class Split(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * 2 + gb * 3

    x = torch.randn(3, requires_grad=True)
    a, b = Split.apply(x)
    (a.sum() + 0 * b.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), 2.0 + 0.0)
    x.grad = None
    a, b = Split.apply(x)
    a.sum().backward()  # b's gradient is materialised as zeros
    np.testing.assert_allclose(x.grad.numpy(), 2.0)


def test_setup_context_style():
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x

    x = torch.randn(3, requires_grad=True)
    Square.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy(), rtol=1e-6)


def test_variable_legacy_spelling():
    v = torch.autograd.Variable(torch.randn(2, 2), requires_grad=True)
    assert isinstance(v, torch.Tensor) and v.requires_grad and v.is_leaf
    (v * v).sum().backward()
    assert v.grad is not None


def test_functional_jacobian_hessian():
    from dygrad.autograd.functional import jacobian, hessian
    x = torch.tensor([1.0, 2.0], dtype=torch.float64)
    J = jacobian(lambda t: t ** 2, x)
    np.testing.assert_allclose(J.numpy(), np.diag([2.0, 4.0]))
    H = hessian(lambda t: (t ** 3).sum(), x)
    np.testing.assert_allclose(H.numpy(), np.diag([6.0, 12.0]))
