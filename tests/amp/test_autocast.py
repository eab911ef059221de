"""torch.autocast semantics: regions, nesting, enabled=False, decorator, state functions, the
cast cache, gradients back to float32 parameters, low-precision saved tensors, and the
deprecated/CUDA spellings (warnings as PyTorch 2.13 gives them on a CPU-only machine)."""
import warnings

import numpy as np
import pytest

import dygrad as torch
from dygrad.amp._state import STATE

pytest.importorskip("ml_dtypes")


def _lin():
    torch.manual_seed(0)
    return torch.nn.Linear(4, 3)


def test_region_state_and_nesting():
    assert not torch.is_autocast_enabled("cpu") and not torch.is_autocast_enabled()
    assert torch.get_autocast_dtype("cpu") is torch.bfloat16
    assert torch.get_autocast_dtype("cuda") is torch.float16
    m, x = _lin(), torch.ones(2, 4)
    with torch.autocast("cpu"):
        assert torch.is_autocast_enabled("cpu") and not torch.is_autocast_enabled()
        assert m(x).dtype is torch.bfloat16
        with torch.autocast("cpu", dtype=torch.float16):
            assert m(x).dtype is torch.float16 and torch.get_autocast_dtype("cpu") is torch.float16
        assert m(x).dtype is torch.bfloat16
        with torch.autocast("cpu", enabled=False):
            assert not torch.is_autocast_enabled("cpu") and m(x).dtype is torch.float32
        assert torch.is_autocast_cache_enabled()
    assert not torch.is_autocast_enabled("cpu") and m(x).dtype is torch.float32
    assert STATE.depth == 0 and not STATE.cache


def test_exception_leaves_the_region():
    with pytest.raises(ValueError):
        with torch.amp.autocast("cpu"):
            raise ValueError
    assert not torch.is_autocast_enabled("cpu") and STATE.depth == 0


def test_decorator():
    m = _lin()

    @torch.autocast("cpu", dtype=torch.bfloat16)
    def f(x):
        return m(x)
    assert f(torch.ones(1, 4)).dtype is torch.bfloat16
    assert m(torch.ones(1, 4)).dtype is torch.float32


def test_gradients_reach_float32_parameters_and_the_weight_is_cast_once():
    torch.manual_seed(0)
    m = torch.nn.Linear(4, 4)
    x = torch.randn(5, 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        h = m(x)
        y = m(h.float())  # the same weight again: one cached bfloat16 copy
        assert len(STATE.cache) == 2  # weight and bias
        loss = torch.nn.functional.mse_loss(y, torch.zeros(5, 4))
    assert loss.dtype is torch.float32 and not STATE.cache
    loss.backward()
    assert m.weight.grad.dtype is torch.float32 and m.bias.grad.dtype is torch.float32
    # the same gradient as a float32 computation, within bfloat16's precision
    torch.manual_seed(0)
    m2 = torch.nn.Linear(4, 4)
    torch.nn.functional.mse_loss(m2(m2(x)), torch.zeros(5, 4)).backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), m2.weight.grad.numpy(), rtol=0.05, atol=0.02)


def test_cache_disabled_casts_each_time():
    m = _lin()
    with torch.autocast("cpu", cache_enabled=False):
        m(torch.ones(1, 4))
        assert not STATE.cache and not torch.is_autocast_cache_enabled()


def test_saved_tensors_are_low_precision():
    from dygrad.autograd.graph import saved_bytes
    torch.manual_seed(0)
    net = torch.nn.Sequential(*[torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.LayerNorm(64),
                                                    torch.nn.GELU()) for _ in range(4)])
    x = torch.randn(32, 64)
    f32 = saved_bytes(net(x).sum())
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = net(x)
    assert out.dtype is torch.bfloat16
    assert saved_bytes(out.float().sum()) < 0.6 * f32


def test_float64_is_not_cast():
    with torch.autocast("cpu"):
        y = torch.nn.functional.linear(torch.ones(2, 3, dtype=torch.float64),
                                       torch.ones(4, 3, dtype=torch.float64))
    assert y.dtype is torch.float64


def test_cpu_amp_autocast_is_deprecated():
    with pytest.warns(FutureWarning, match=r"torch.cpu.amp.autocast\(args...\)` is deprecated"):
        ctx = torch.cpu.amp.autocast()
    with ctx:
        assert torch.is_autocast_enabled("cpu")


def test_cuda_spellings_disable_themselves():
    with pytest.warns(UserWarning, match="CUDA is not available or torch_xla is imported. Disabling autocast."):
        ctx = torch.autocast("cuda")
    with ctx:
        assert _lin()(torch.ones(1, 4)).dtype is torch.float32
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ctx = torch.cuda.amp.autocast()
    assert [x.category for x in w] == [FutureWarning, UserWarning]
    with ctx:
        assert not torch.is_autocast_enabled("cpu")


def test_bad_arguments():
    with pytest.raises(RuntimeError, match="Invalid device string: 'xla2'"):
        torch.autocast("xla2")
    with pytest.warns(UserWarning, match="CPU Autocast only supports dtypes of torch.bfloat16"):
        ctx = torch.autocast("cpu", dtype=torch.float64)
    with ctx:
        assert not torch.is_autocast_enabled("cpu")


def test_warnings_match_torch():
    t = pytest.importorskip("torch")
    for make in (lambda L: L.autocast("cuda"), lambda L: L.cuda.amp.autocast(),
                 lambda L: L.cpu.amp.autocast(), lambda L: L.autocast("cpu", dtype=L.float64),
                 lambda L: L.cuda.amp.GradScaler(), lambda L: L.amp.GradScaler("cuda")):
        msgs = []
        for L in (t, torch):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                make(L)
            msgs.append([(x.category, str(x.message)) for x in w])
        assert msgs[0] == msgs[1]


def test_custom_fwd_and_bwd():
    seen = []

    class MyMM(torch.autograd.Function):
        @staticmethod
        @torch.amp.custom_fwd(device_type="cpu", cast_inputs=torch.float32)
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a.mm(b)

        @staticmethod
        @torch.amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            seen.append((torch.is_autocast_enabled("cpu"), g.dtype))
            return g.mm(b.t()), a.t().mm(g)

    class Plain(torch.autograd.Function):
        @staticmethod
        @torch.amp.custom_fwd(device_type="cpu")
        def forward(ctx, a, b):
            return a.mm(b)

        @staticmethod
        @torch.amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            seen.append((torch.is_autocast_enabled("cpu"), g.dtype))
            return g, g

    a = torch.ones(2, 2, requires_grad=True)
    b = torch.ones(2, 2, dtype=torch.bfloat16, requires_grad=True)
    with torch.autocast("cpu"):
        y, z = MyMM.apply(a, b), Plain.apply(a, a)
    assert (y.dtype, z.dtype) == (torch.float32, torch.bfloat16)  # cast_inputs: run in float32
    y.sum().backward()
    z.float().sum().backward()
    assert seen == [(False, torch.float32), (True, torch.bfloat16)]
    assert a.grad.dtype is torch.float32 and b.grad.dtype is torch.bfloat16
    with pytest.warns(FutureWarning, match=r"torch.cuda.amp.custom_fwd\(args...\)` is deprecated"):
        torch.cuda.amp.custom_fwd(lambda ctx, x: x)
    with pytest.raises(TypeError):
        torch.amp.custom_fwd(lambda ctx, x: x)  # device_type is required


def test_deprecated_state_spellings():
    with pytest.warns(DeprecationWarning, match=r"is_autocast_cpu_enabled\(\) is deprecated"):
        assert torch.is_autocast_cpu_enabled() is False
    with pytest.warns(DeprecationWarning, match=r"Please use torch.get_autocast_dtype\('cpu'\)"):
        assert torch.get_autocast_cpu_dtype() is torch.bfloat16
    with pytest.warns(DeprecationWarning):
        assert torch.get_autocast_gpu_dtype() is torch.float16


def test_a_cast_made_under_no_grad_is_not_reused_with_grad():
    m = _lin()
    with torch.autocast("cpu"):
        with torch.no_grad():
            m(torch.ones(1, 4))
        m(torch.ones(1, 4)).float().sum().backward()
    assert m.weight.grad is not None and m.weight.grad.dtype is torch.float32
