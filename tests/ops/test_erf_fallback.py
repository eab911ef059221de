"""erf without SciPy: float64 maps math.erf; float32/float16 use our polynomial, which must round
to math.erf's value but for rare 1-ulp cases, keep the sign of zero, and pass NaN and inf."""
import math

import numpy as np
import pytest

import dygrad
from dygrad.ops import _scipy
from dygrad.ops.unary import _erf_single


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_single_precision_erf_is_rounded_math_erf(dtype):
    rng = np.random.default_rng(0)
    d = np.concatenate([rng.standard_normal(50_000) * 2, np.linspace(-5, 5, 20_001),
                        [0.0, -0.0, 1e-30, -1e-30, 3.92, -3.92, 3.9199, 1e4]]).astype(dtype)
    got = _erf_single(d)
    want = np.array([math.erf(float(v)) for v in d]).astype(dtype)
    off = got != want
    assert off.mean() < 1e-3
    ulps = np.abs(got[off].astype(np.float64) - want[off]) / np.spacing(np.abs(want[off]))
    assert ulps.max(initial=0) <= 1
    assert np.array_equal(np.signbit(got), np.signbit(want))


def test_special_values_and_shapes():
    d = np.array([np.nan, np.inf, -np.inf, -0.0], np.float32)
    got = _erf_single(d)
    assert np.isnan(got[0]) and got[1:3].tolist() == [1.0, -1.0] and np.signbit(got[3])
    assert _erf_single(np.zeros((2, 0, 3), np.float32)).shape == (2, 0, 3)
    assert _erf_single(np.full((), 0.5, np.float32)).shape == ()


def test_erf_and_gelu_without_scipy(monkeypatch):
    monkeypatch.setattr(_scipy, "_SCIPY", {"erf": None, "erfc": None, "erfcx": None})
    x = dygrad.tensor([-2.0, -0.5, 0.0, 1.5, 30.0])
    np.testing.assert_allclose(dygrad.erf(x).numpy(), [math.erf(v) for v in x.tolist()],
                               rtol=2e-7)
    g = dygrad.nn.functional.gelu(x).numpy()
    np.testing.assert_allclose(g, [v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x.tolist()],
                               rtol=2e-7, atol=1e-8)
    assert dygrad.erf(x.double()).tolist() == [math.erf(v) for v in x.tolist()]
