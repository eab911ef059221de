"""erf of float32/float16 in float32 arithmetic (dygrad/ops/_erf32.py), with or without SciPy:
within 3 ulp of the correctly rounded erf (math.erf in float64, rounded), odd, in [-1, 1], NaN
and inf passed through; GELU's cdf from the same formula. float64 keeps SciPy or math.erf."""
import math

import numpy as np
import pytest

import dygrad
from dygrad.ops import _scipy
from dygrad.ops._erf32 import erf32, gelu32

_erf64 = np.vectorize(math.erf, otypes=[np.float64])


def _sweep():
    rng = np.random.default_rng(0)
    pos = np.concatenate([
        np.abs(rng.standard_normal(40_000)) * 2, np.linspace(0, 5, 40_001),
        # strided bit patterns: every binade from the subnormals to 4.25
        np.arange(0, 0x40880000, 9973, dtype=np.uint32).view(np.float32),
        [1e-45, 1e-38, 1e-30, 3.9192, 4.125, 4.2, 1e4, 3e38]]).astype(np.float32)
    return np.concatenate([pos, -pos])


def _ulps(got, want64, dtype):
    want = want64.astype(dtype)
    return np.abs(got.astype(np.float64) - want) / np.spacing(np.abs(want)).astype(np.float64)


def test_float32_erf_within_3_ulp_odd_and_bounded():
    x = _sweep()
    got = erf32(x)
    u = _ulps(got, _erf64(x), np.float32)
    assert u.max() <= 3 and u.mean() < 0.6
    assert np.abs(got).max() <= 1
    half = x.size // 2
    assert np.array_equal(got[:half], -got[half:])   # odd, bit for bit
    assert np.array_equal(np.signbit(got), np.signbit(x))


def test_float16_erf_is_rounded_once_from_float32():
    x = _sweep().astype(np.float16)
    got = erf32(x)
    assert got.dtype == np.float16
    u = _ulps(got, _erf64(x.astype(np.float64)), np.float16)
    assert u.max() <= 1 and (u > 0).mean() < 1e-3


def test_special_values_and_shapes():
    d = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-45, -1e-45], np.float32)
    got = erf32(d)
    assert np.isnan(got[0]) and got[1:3].tolist() == [1.0, -1.0]
    assert np.signbit(got[3]) and not np.signbit(got[4])
    assert got[5] == np.float32(1e-45) * np.float32(2 / math.sqrt(math.pi)) and got[6] == -got[5]
    assert erf32(np.zeros((2, 0, 3), np.float32)).shape == (2, 0, 3)
    assert erf32(np.full((), 0.5, np.float32)).shape == ()
    # not contiguous, several blocks and a partial one
    x = np.linspace(-4, 4, 200_001, dtype=np.float32)[::2]
    assert np.array_equal(erf32(x), erf32(x.copy()))


def test_gelu_cdf_and_output():
    x = np.concatenate([_sweep() * 1.5, [np.inf, -np.inf, np.nan]]).astype(np.float32)
    y, cdf = gelu32(x)
    x64 = x.astype(np.float64)
    phi = 0.5 * (1 + _erf64(x64 / math.sqrt(2)))
    fin = np.isfinite(x64)
    # Phi = 1/2 + erf(x / sqrt 2) / 2: within 2 ulp of 1/2 everywhere, as 1 + erf rounds
    assert np.abs(cdf - phi)[fin].max() <= 2 * 2.0 ** -24
    assert cdf[fin].min() >= 0 and cdf[fin].max() <= 1
    pos = fin & (x64 >= 0)
    assert _ulps(y[pos], x64[pos] * phi[pos], np.float32).max() <= 3
    assert y[-3] == np.inf and np.isnan(y[-2]) and np.isnan(y[-1])   # -inf * 0, as x * Phi(x)
    assert cdf[-3:-1].tolist() == [1.0, 0.0]


def test_erf_and_gelu_without_scipy(monkeypatch):
    monkeypatch.setattr(_scipy, "_SCIPY", {"erf": None, "erfc": None, "erfcx": None})
    x = dygrad.tensor([-2.0, -0.5, 0.0, 1.5, 30.0])
    np.testing.assert_allclose(dygrad.erf(x).numpy(), [math.erf(v) for v in x.tolist()],
                               rtol=4e-7)
    g = dygrad.nn.functional.gelu(x).numpy()
    # x * (1/2 + erf / 2): Phi's absolute error ~1e-8 shows relatively where Phi is small
    np.testing.assert_allclose(g, [v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x.tolist()],
                               rtol=4e-7, atol=1e-7)
    assert dygrad.erf(x.double()).tolist() == [math.erf(v) for v in x.tolist()]


@pytest.mark.parametrize("scipy", [True, False])
@pytest.mark.parametrize("n", [7, 5000])
@pytest.mark.parametrize("dtype", ["float32", "float16", "float64"])
def test_erf_and_gelu_match_torch(monkeypatch, scipy, n, dtype):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF
    if not scipy:
        monkeypatch.setattr(_scipy, "_SCIPY", {"erf": None, "erfc": None, "erfcx": None})
    rng = np.random.default_rng(n)
    x = (rng.standard_normal(n) * 3).astype(dtype)
    tol = {"float16": dict(rtol=1e-3, atol=1e-5), "float32": dict(rtol=1.3e-6, atol=1e-5),
           "float64": dict(rtol=1e-7, atol=1e-7)}[dtype]
    np.testing.assert_allclose(dygrad.erf(dygrad.tensor(x)).numpy(),
                               torch.erf(torch.tensor(x)).numpy(), **tol)
    for approximate in ("none", "tanh"):
        a = dygrad.tensor(x, requires_grad=True)
        b = torch.tensor(x, requires_grad=True)
        ya = dygrad.nn.functional.gelu(a, approximate=approximate)
        yb = TF.gelu(b, approximate=approximate)
        g = rng.standard_normal(n).astype(dtype)
        ya.backward(dygrad.tensor(g))
        yb.backward(torch.tensor(g))
        np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), **tol)
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)


@pytest.mark.parametrize("shape", [(0,), (2, 0, 3)])
def test_gelu_of_empty_tensors(shape):
    x = dygrad.randn(*shape, requires_grad=True)
    y = dygrad.nn.functional.gelu(x)
    y.backward(dygrad.ones(*shape))
    assert y.shape == x.grad.shape == x.shape
