"""Linear, Bilinear, Identity, Flatten/Unflatten: values, all gradients and errors match PyTorch."""
import math

import numpy as np
import pytest

import dygrad
import dygrad.nn as nn
import dygrad.nn.functional as F
from dygrad.testing import check_op, check_raises, gradcheck_op
from nn_helpers import module_parity, torch_or_skip

rng = np.random.default_rng(3)


def arr(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,), (2, 1, 3, 4), (0, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_module_parity(shape, bias):
    torch = torch_or_skip()
    module_parity(nn.Linear(4, 3, bias=bias), torch.nn.Linear(4, 3, bias=bias), arr(*shape))


def test_linear_float64_parity_and_grad_fn_names():
    torch = torch_or_skip()
    d, t = nn.Linear(6, 2).double(), torch.nn.Linear(6, 2).double()
    module_parity(d, t, arr(3, 6, dtype=np.float64))
    # linear is one fused node here; its name is PyTorch's grad_fn name for the same call
    for shape in [(3, 6), (6,), (1, 3, 6), (2, 1, 3, 6), (0, 6)]:
        for bias in (True, False):
            x = dygrad.randn(*shape, dtype=dygrad.float64, requires_grad=True)
            tx = torch.tensor(x.detach().numpy(), requires_grad=True)
            want = torch.nn.functional.linear(tx, t.weight, t.bias if bias else None).grad_fn
            got = F.linear(x, d.weight, d.bias if bias else None).grad_fn
            assert got.name() == want.name() and repr(got).split()[0] == repr(want).split()[0]


def test_linear_functional_broadcast_bias_and_vector_weight():
    torch = torch_or_skip()
    check_op(F.linear, torch.nn.functional.linear, arr(5, 4), arr(3, 4), arr(5, 3))
    check_op(F.linear, torch.nn.functional.linear, arr(5, 4), arr(4))


def test_linear_double_backward():
    gradcheck_op(lambda x, w, b: F.linear(x, w, b), arr(3, 4), arr(2, 4), arr(2), gradgradcheck=True)
    gradcheck_op(lambda x, w: F.linear(x, w), arr(2, 3, 4), arr(2, 4), gradgradcheck=True)


def test_linear_errors_match_torch():
    torch = torch_or_skip()
    e = check_raises(F.linear, torch.nn.functional.linear, arr(3, 4), arr(2, 5))
    assert "mat1 and mat2 shapes cannot be multiplied (3x4 and 5x2)" in str(e)
    e = check_raises(F.linear, torch.nn.functional.linear, arr(3, 4, dtype=np.float64), arr(2, 4))
    assert "double != float" in str(e)


def test_linear_default_init_bounds_and_dtype():
    dygrad.manual_seed(0)
    m = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = m.weight.numpy(force=True), m.bias.numpy(force=True)
    assert w.dtype == np.float32 and w.shape == (300, 400) and b.shape == (300,)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert np.abs(b).max() <= bound
    # uniform on [-bound, bound]: std = bound / sqrt(3)
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    m64 = nn.Linear(3, 2, dtype=dygrad.float64)
    assert m64.weight.dtype == dygrad.float64
    assert nn.Linear(3, 2, bias=False).bias is None


def test_linear_init_uses_dygrad_rng():
    dygrad.manual_seed(5)
    a = nn.Linear(8, 4).weight.numpy(force=True).copy()
    dygrad.manual_seed(5)
    b = nn.Linear(8, 4).weight.numpy(force=True)
    np.testing.assert_array_equal(a, b)


def test_linear_cuda_device_rejected():
    with pytest.raises(RuntimeError, match="CUDA"):
        nn.Linear(2, 2, device="cuda")
    assert nn.Linear(2, 2, device="cpu").weight.shape == (2, 2)


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_parity(bias):
    torch = torch_or_skip()
    module_parity(nn.Bilinear(3, 4, 2, bias=bias), torch.nn.Bilinear(3, 4, 2, bias=bias),
                  arr(5, 3), arr(5, 4))
    module_parity(nn.Bilinear(3, 4, 2), torch.nn.Bilinear(3, 4, 2), arr(2, 5, 3), arr(2, 5, 4))


def test_bilinear_double_backward():
    gradcheck_op(lambda a, b, w, c: F.bilinear(a, b, w, c), arr(2, 3), arr(2, 4), arr(2, 3, 4),
                 arr(2), gradgradcheck=True)


def test_identity_flatten_unflatten():
    torch = torch_or_skip()
    x = arr(2, 3, 4, 5)
    assert nn.Identity(54, unused="x")(dygrad.tensor(x)).shape == (2, 3, 4, 5)
    for args in [(), (0,), (1, 2), (2, -1)]:
        module_parity(nn.Flatten(*args), torch.nn.Flatten(*args), x)
    module_parity(nn.Unflatten(1, (3, 1)), torch.nn.Unflatten(1, (3, 1)), arr(2, 3, 4))
    assert repr(nn.Unflatten(1, (2, 5))) == repr(torch.nn.Unflatten(1, (2, 5)))
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())
    with pytest.raises(TypeError):
        nn.Unflatten(1, 4)


def test_reprs_match_torch():
    torch = torch_or_skip()
    for args in [(3, 4), (3, 4, False)]:
        assert repr(nn.Linear(*args)) == repr(torch.nn.Linear(*args))
    assert repr(nn.Bilinear(2, 3, 4)) == repr(torch.nn.Bilinear(2, 3, 4))
    assert repr(nn.Identity()) == repr(torch.nn.Identity())
