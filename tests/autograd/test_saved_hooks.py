"""saved_tensors_hooks, save_on_cpu, disable_saved_tensors_hooks: PyTorch's semantics (pack at
record time with grad mode off, unpack's result used by backward, innermost pair applies)."""
import numpy as np
import pytest

import dygrad as torch
from dygrad.autograd.graph import (disable_saved_tensors_hooks, save_on_cpu, saved_bytes,
                                   saved_tensors_hooks)


def _step(ctx=None, seed=0):
    torch.manual_seed(seed)
    m = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.LayerNorm(16), torch.nn.Tanh(),
                            torch.nn.Linear(16, 3))
    x = torch.randn(5, 8, requires_grad=True)
    if ctx is None:
        y = m(x).exp().sum()
    else:
        with ctx:
            y = m(x).exp().sum()
    y.backward()
    return [x.grad.numpy()] + [p.grad.numpy() for p in m.parameters()]


def test_identity_hooks_and_save_on_cpu_give_equal_gradients():
    ref = _step()
    for ctx in (saved_tensors_hooks(lambda t: t, lambda t: t),
                saved_tensors_hooks(lambda t: t.detach().clone(), lambda t: t),
                save_on_cpu(), save_on_cpu(pin_memory=True)):
        for a, b in zip(ref, _step(ctx)):
            assert np.array_equal(a, b)


def test_compression_round_trip():
    x = torch.randn(64, 32, requires_grad=True)
    with saved_tensors_hooks(lambda t: t.to(torch.float16), lambda t: t.to(torch.float32)):
        y = (x.exp() * 2).sum()
    full = saved_bytes((x.exp() * 2).sum())
    assert saved_bytes(y) * 2 == full      # what pack returned is what the graph keeps
    y.backward()
    ref = x.detach().exp().to(torch.float16).to(torch.float32) * 2
    assert np.array_equal(x.grad.numpy(), ref.numpy())


def test_pack_sees_grad_mode_off_and_unpack_runs_per_backward():
    log = []
    x = torch.randn(3, requires_grad=True)

    def pack(t):
        log.append(("pack", torch.is_grad_enabled()))
        return t

    def unpack(t):
        log.append("unpack")
        return t
    with saved_tensors_hooks(pack, unpack):
        y = x.sin().sum()
    assert log == [("pack", False)]
    y.backward(retain_graph=True)
    y.backward()
    assert log.count("unpack") == 2


def test_innermost_hooks_apply():
    seen = []
    x = torch.randn(3, requires_grad=True)
    with saved_tensors_hooks(lambda t: seen.append("outer") or t, lambda t: t):
        with saved_tensors_hooks(lambda t: seen.append("inner") or t, lambda t: t):
            x.sin()
        x.sin()
    assert seen == ["inner", "outer"]


def test_custom_function_saved_tensors_go_through_hooks():
    class Sq(torch.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t * t

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return 2 * t * g
    x = torch.randn(4, requires_grad=True)
    with saved_tensors_hooks(lambda t: t.detach().numpy().copy(), torch.from_numpy):
        y = Sq.apply(x).sum()
    y.backward()
    assert np.array_equal(x.grad.numpy(), (2 * x.detach()).numpy())


def test_errors_as_pytorch():
    x = torch.randn(3, requires_grad=True)
    with saved_tensors_hooks(lambda t: 0, lambda t: 5):
        y = x.sin().sum()
    with pytest.raises(TypeError, match="unpack_hook expected to be a Tensor but got result of "
                                        "type int"):
        y.backward()
    with saved_tensors_hooks(lambda t: t.mul_(2), lambda t: t):
        with pytest.raises(RuntimeError, match="pack hook is modifying its input in place"):
            x.clone().sin()
    with disable_saved_tensors_hooks("no hooks here"):
        with pytest.raises(RuntimeError, match="no hooks here"):
            with save_on_cpu():
                pass
    with save_on_cpu():   # enabled again after the block
        pass


def test_in_place_write_after_identity_pack_keeps_the_old_value():
    x = torch.randn(3, requires_grad=True)
    y = x.sin()
    with saved_tensors_hooks(lambda t: t, lambda t: t):
        y.mul_(y)
    y.sum().backward()
    s = x.detach().sin()
    assert np.allclose(x.grad.numpy(), (2 * s * x.detach().cos()).numpy())


def test_parity_with_torch():
    pt = pytest.importorskip("torch")
    xs = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    grads = []
    for lib in (torch, pt):
        x = lib.tensor(xs, requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.to(lib.float16),
                                                    lambda t: t.to(lib.float32)):
            y = (x.exp() * x.sigmoid()).sum()
        y.backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6, atol=1e-6)


def test_packed_originals_are_not_kept():
    import gc
    import weakref

    class Sq(torch.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t, None)
            return t * t

        @staticmethod
        def backward(ctx, g):
            t, none = ctx.saved_tensors
            assert none is None
            return 2 * t * g
    x = torch.randn(64, requires_grad=True)
    with saved_tensors_hooks(lambda t: t.detach().numpy().astype(np.float16),
                             lambda a: torch.from_numpy(a.astype(np.float32))):
        h = x * 1.0
        y = Sq.apply(h).sum() + h.exp().sum()
    ref = weakref.ref(h)
    del h
    gc.collect()
    assert ref() is None          # only the float16 copies stay with the graph
    y.backward()
    assert np.allclose(x.grad.numpy(), (2 * x.detach() + x.detach().exp()).numpy(), rtol=1e-2)
