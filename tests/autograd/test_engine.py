import numpy as np
import pytest

import dygrad as torch
from dygrad.autograd.graph import format_graph, to_dot


def test_long_chain_no_recursion_error():
    x = torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_grad_accumulates_into_leaves():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_shared_gradient_arrays_are_not_aliased():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    (a * 2).sum().backward()  # accumulates in place into a.grad only
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 3.0])
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])


def test_shared_gradients_stay_unaliased_on_every_engine_path():
    """.grad keeps a gradient array only when nothing else holds it: not when one array goes to
    two leaves, not when a hook kept the tensor, in the plain loop and in the anomaly loop."""
    for anomaly in (False, True):
        a = torch.tensor([1.0, 2.0], requires_grad=True)
        b = torch.tensor([3.0, 4.0], requires_grad=True)
        kept = []
        b.register_hook(kept.append)
        with torch.autograd.set_detect_anomaly(anomaly):
            (a + b).sum().backward()
        a.grad.add_(1.0)
        np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])
        b.grad.add_(1.0)
        np.testing.assert_array_equal(kept[0].numpy(), [1.0, 1.0])
        np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0])


def test_second_backward_through_freed_graph_raises():
    x = torch.randn(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = torch.randn(3, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    g1 = x.grad.clone()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * g1.numpy(), rtol=1e-6)


def test_saved_tensors_released_after_backward():
    x = torch.randn(3, requires_grad=True)
    y = x * x
    node = y.grad_fn
    assert node._saved
    y.sum().backward()
    assert node._saved is None


def test_non_scalar_backward_needs_gradient():
    x = torch.randn(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*\[2, 3\]"):
        (x * 2).backward()
    (x * 2).backward(torch.ones(2, 3))
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 2.0))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        torch.ones(2).sum().backward()


def test_higher_order_derivatives():
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 4
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    (g2,) = torch.autograd.grad(g, x, create_graph=True)
    (g3,) = torch.autograd.grad(g2, x)
    assert g.item() == pytest.approx(32.0)
    assert g2.item() == pytest.approx(48.0)
    assert g3.item() == pytest.approx(48.0)


def test_hessian_vector_product():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 4))
    A = A + A.T
    x = torch.tensor(rng.standard_normal(4), requires_grad=True)
    v = torch.tensor(rng.standard_normal(4))
    At = torch.tensor(A)
    f = 0.5 * (x @ (At @ x)) + x.exp().sum()
    (g,) = torch.autograd.grad(f, x, create_graph=True)
    (hv,) = torch.autograd.grad(g, x, grad_outputs=v)
    expected = A @ v.numpy() + np.exp(x.detach().numpy()) * v.numpy()
    np.testing.assert_allclose(hv.numpy(), expected, rtol=1e-10)


def test_autograd_grad_does_not_touch_leaf_grads():
    x = torch.randn(3, requires_grad=True)
    w = torch.randn(3, requires_grad=True)
    (gx,) = torch.autograd.grad((x * w).sum(), x)
    assert x.grad is None and w.grad is None
    np.testing.assert_allclose(gx.numpy(), w.detach().numpy())


def test_autograd_grad_allow_unused():
    x = torch.randn(3, requires_grad=True)
    z = torch.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="not have been used"):
        torch.autograd.grad(x.sum(), [x, z])
    gx, gz = torch.autograd.grad(x.sum(), [x, z], allow_unused=True)
    assert gz is None
    gx, gz = torch.autograd.grad(x.sum(), [x, z], materialize_grads=True)
    np.testing.assert_allclose(gz.numpy(), 0)


def test_grad_wrt_intermediate():
    x = torch.randn(3, requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    (gh,) = torch.autograd.grad(y, h)
    np.testing.assert_allclose(gh.numpy(), 2 * h.detach().numpy())


def test_no_grad_and_decorators():
    x = torch.randn(3, requires_grad=True)
    with torch.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None

    @torch.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad

    @torch.enable_grad()
    def g(t):
        return t * 2

    with torch.no_grad():
        assert g(x).requires_grad
    with torch.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert torch.is_grad_enabled()
    with torch.inference_mode():
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_set_grad_enabled_as_function():
    torch.set_grad_enabled(False)
    try:
        assert not torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(True)
    assert torch.is_grad_enabled()


def test_detach_and_leaf_semantics():
    x = torch.randn(3, requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf
    d = y.detach()
    assert d.is_leaf and not d.requires_grad
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad = False
    z = torch.ones(2, dtype=torch.int64)
    with pytest.raises(RuntimeError, match="floating point"):
        z.requires_grad_()
    y.detach_()
    assert y.is_leaf and not y.requires_grad


def test_retain_grad_and_hooks():
    x = torch.randn(3, requires_grad=True)
    h = x * 2
    h.retain_grad()
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    x.register_hook(lambda g: g * 10)
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(seen[0], h.grad.numpy())
    np.testing.assert_allclose(x.grad.numpy(), 10 * 2 * 2 * h.detach().numpy(), rtol=1e-6)
    with pytest.warns(UserWarning, match="not a leaf Tensor"):  # as PyTorch: a likely mistake
        assert (x * 1).grad is None


def test_hook_modifies_gradient_on_nonleaf():
    x = torch.randn(3, requires_grad=True)
    h = x * 1
    handle = h.register_hook(lambda g: g * 0)
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 0)
    handle.remove()
    x.grad = None
    h2 = x * 1
    h2.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1)


def test_inplace_on_saved_tensor_raises():
    x = torch.randn(3, requires_grad=True)
    y = x * 2
    z = y * y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_inplace_on_saved_output_raises():
    x = torch.randn(3, requires_grad=True)
    y = x.exp()
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_on_leaf_requiring_grad_raises():
    x = torch.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with torch.no_grad():
        x.add_(1)


def test_inplace_rebases_history():
    x = torch.randn(3, requires_grad=True)
    y = x * 2
    y.mul_(3)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6.0)
    assert y._version == 1


def test_version_counter_shared_with_views():
    x = torch.randn(4)
    v = x[1:3]
    v.add_(1)
    assert x._version == 1


def test_control_flow_builds_different_graphs():
    def f(x, n):
        y = x
        for i in range(n):
            if y.sum().item() > 0:
                y = y * 2
            else:
                y = y - 1
        return y.sum()

    x = torch.tensor([0.5, 0.25], requires_grad=True)
    f(x, 3).backward()
    np.testing.assert_allclose(x.grad.numpy(), 8.0)
    x.grad = None
    x2 = torch.tensor([-3.0, 0.0], requires_grad=True)
    f(x2, 3).backward()
    # -3 + 0 -> sum -3: subtract; sum -5: subtract; sum -7: subtract -> gradient 1
    np.testing.assert_allclose(x2.grad.numpy(), 1.0)


def test_recursion_defines_graph():
    def power(x, n):
        return x if n == 1 else x * power(x, n - 1)

    x = torch.tensor(1.5, requires_grad=True)
    power(x, 5).backward()
    assert x.grad.item() == pytest.approx(5 * 1.5 ** 4, rel=1e-6)


def test_graph_inspection():
    a = torch.randn(2, requires_grad=True)
    b = torch.randn(2, requires_grad=True)
    loss = (a * b + a).sum()
    assert loss.grad_fn.name() == "SumBackward0"
    (add, _), = loss.grad_fn.next_functions
    assert add.name() == "AddBackward0"
    names = [n.name() for n, _ in add.next_functions]
    assert names == ["MulBackward0", "AccumulateGrad"]
    assert add.next_functions[1][0].variable is a
    text = format_graph(loss)
    assert "SumBackward0" in text and "AccumulateGrad (2,)" in text
    assert to_dot(loss).startswith("digraph")


def test_scalar_operand_next_functions_match_torch():
    x = torch.randn(2, requires_grad=True)
    nf = (x * 2).grad_fn.next_functions
    assert nf[0][0].name() == "AccumulateGrad" and nf[1] == (None, 0)


def test_backward_inputs_argument():
    a = torch.randn(2, requires_grad=True)
    b = torch.randn(2, requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert b.grad is None
    np.testing.assert_allclose(a.grad.numpy(), b.detach().numpy())


def test_detect_anomaly_names_op_and_forward_line():
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    with torch.autograd.detect_anomaly():
        y = x.sqrt() * 0  # sqrt backward at 0 gives inf * 0 = nan
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
    msg = str(info.value)
    assert "SqrtBackward0" in msg and "nan" in msg
    assert "x.sqrt() * 0" in msg


def test_gradcheck_detects_wrong_gradient():
    class Bad(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x  # should be 2 * x

    x = torch.randn(3, dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        torch.autograd.gradcheck(Bad.apply, (x,))
    assert torch.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
    assert torch.autograd.gradgradcheck(lambda t: (t * t * t).sum(), (x,))
