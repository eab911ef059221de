"""Parity with PyTorch at nan, +-inf and 0: values, dtypes and gradients of ops whose NumPy
counterpart answers differently there (sign of nan, masks written as `x > t` instead of PyTorch's
`not x <= t`, 0/0 in a gradient formula, overflow in an intermediate)."""
import numpy as np
import pytest

from dygrad.testing.parity import case, params, run_case

torch = pytest.importorskip("torch")

inf, nan = np.inf, np.nan


def f32(*v):
    return np.array(v, dtype=np.float32)


X = f32(-inf, -2., -0., 0., 1.5, inf, nan)
_F = "nn.functional"


def _fn(T, path):
    obj = T
    for p in path.split("."):
        obj = getattr(obj, p)
    return obj


CASES = [
    case("sign", lambda T, x: x.sign(), X),
    case("sgn", lambda T, x: x.sgn(), X),
    case("sign_f64", lambda T, x: T.sign(x), X.astype(np.float64)),
    case("abs", lambda T, x: x.abs(), X),
    case("relu", lambda T, x: T.relu(x), X),
    case("relu_functional", lambda T, x: T.nn.functional.relu(x), X),
    case("relu_2d", lambda T, x: T.relu(x), np.array([[nan, 1.], [-1., 0.]], np.float32)),
    case("relu6", lambda T, x: T.nn.functional.relu6(x), X),
    case("threshold", lambda T, x: T.nn.functional.threshold(x, 0.5, -1.), X),
    case("threshold_nan", lambda T, x: T.nn.functional.threshold(x, float("nan"), -1.), X),
    case("threshold_inf", lambda T, x: T.nn.functional.threshold(x, float("inf"), 7.), X),
    case("hardshrink", lambda T, x: T.nn.functional.hardshrink(x), X),
    case("softshrink", lambda T, x: T.nn.functional.softshrink(x, 1.5), X),
    case("hardtanh", lambda T, x: T.nn.functional.hardtanh(x), X),
    case("hardtanh_edges", lambda T, x: T.nn.functional.hardtanh(x), f32(-1., 1., 0.5)),
    case("leaky_relu", lambda T, x: T.nn.functional.leaky_relu(x, 0.1), X),
    case("elu", lambda T, x: T.nn.functional.elu(x), X),
    case("clamp", lambda T, x: x.clamp(-1, 1), X),
    case("clamp_min_gt_max", lambda T, x: x.clamp(1, -1), X),
    case("clamp_nan_min", lambda T, x: x.clamp(float("nan"), 1), X),
    case("clamp_nan_max", lambda T, x: x.clamp(-1, float("nan")), X),
    case("clamp_edges", lambda T, x: x.clamp(-1, 1), f32(-1., 1., 0.5)),
    case("clamp_tensor", lambda T, x, lo, hi: x.clamp(lo, hi),
         f32(-inf, -2., -0., 0., 1.5, inf, nan, .5, .5, -1., .5, 3., 3.),
         f32(0, 0, 0, 0, nan, -1, 0, 2., nan, 0, .6, 2, 1), f32(1, 1, nan, 0, 0, -2, 1, 1., .2, 0, .6, 1, 1)),
    case("clamp_tensor_min", lambda T, x, lo: x.clamp(lo), X, f32(0, 0, 0, 0, nan, -1, 0)),
    case("clamp_tensor_max", lambda T, x, hi: x.clamp(max=hi), X, f32(0, 0, 0, 0, nan, -1, 0)),
    case("clamp_tensor_broadcast_f64", lambda T, x, lo: x.clamp(lo),
         np.array([[1., 2.], [3., 4.]], np.float32), np.array([2.5], np.float64)),
    case("clamp_tensor_int", lambda T, x, lo, hi: T.clamp(x, lo, hi), np.array([1, 5, 3]),
         np.array([2, 2, 2]), np.array(4)),
    case("clamp_tensor_and_number", lambda T, x, lo: T.clamp(x, lo, 1.0), X, X.copy()),
    case("atan2", lambda T, a, b: T.atan2(a, b), f32(0., 0., -0., 1., inf, nan, inf, 0.),
         f32(0., -0., 0., 0., inf, 1., 1., inf)),
    case("std_large_f32", lambda T, x: x.std(), f32(1e20, 2e20, 3e20)),
    case("std_mean_large_f32", lambda T, x: T.std_mean(x), f32(1e20, 2e20, 3e20)),
    case("std_dim_large_f32", lambda T, x: x.std(0), np.array([[1e20, 2e20], [3e20, 1e19]], np.float32)),
    case("var_large_f32_overflows", lambda T, x: x.var(), f32(1e20, 2e20, 3e20)),
    case("var_inf", lambda T, x: x.var(), f32(1., inf, 2.)),
    case("std_constant", lambda T, x: x.std(), f32(1., 1., 1.)),
    case("prod_zero", lambda T, x: x.prod(), f32(1., 2., 0., 3.)),
    case("prod_two_zeros", lambda T, x: x.prod(), f32(1., 0., 0., 3.)),
    case("prod_dim_zeros", lambda T, x: x.prod(1), np.array([[1., 0., 2.], [0., 0., 3.], [1., 2., 3.]], np.float32)),
    case("prod_nan_zero", lambda T, x: x.prod(), f32(1., nan, 0., 3.)),
    case("prod_inf_zero", lambda T, x: x.prod(), f32(1., inf, 0., 3.)),
    case("max_tie", lambda T, x: x.max(), f32(1., 3., 3., 2.)),
    case("amax_tie_dim", lambda T, x: x.amax(1), np.array([[1., 3., 3.], [2., 2., 2.]], np.float32)),
    case("max_dim_tie", lambda T, x: x.max(1), np.array([[1., 3., 3.], [2., 2., 2.]], np.float32)),
    case("max_nan", lambda T, x: x.max(), f32(1., nan, 3., nan)),
    case("amax_nan", lambda T, x: x.amax(), f32(1., nan, 3., nan)),
    case("min_dim_nan", lambda T, x: x.min(0), f32(1., nan, 3., nan)),
    case("argmax_nan", lambda T, x: x.argmax(), f32(1., nan, 3., nan)),
    case("sqrt_at_0", lambda T, x: x.sqrt(), f32(0., -0., 1., -1., inf)),
    case("log_at_0", lambda T, x: x.log(), f32(0., -0., 1., -1., inf)),
    case("norm_at_0", lambda T, x: x.norm(), f32(0., 0., 0.)),
    case("norm_dim_at_0", lambda T, x: x.norm(dim=1), np.zeros((2, 3), np.float32)),
    case("norm_p3_at_0", lambda T, x: x.norm(p=3), f32(0., 0., 0.)),
    case("norm_inf_tie", lambda T, x: x.norm(p=float("inf")), f32(1., -2., 2.)),
    case("where", lambda T, x, y: T.where(x > 0, x, y), f32(inf, -1., nan), f32(2., nan, 3.)),
    case("pow_at_0", lambda T, x, y: x.pow(y), f32(0., 0., 2., -1., 0.), f32(0., 2., 0., .5, -1.)),
    case("pow_scalar_base", lambda T, y: T.pow(0., y), f32(0., 2., -1., .5)),
    case("pow_half_at_0", lambda T, x: x.pow(0.5), f32(0., 1., -1.)),
    case("logsumexp_inf", lambda T, x: x.logsumexp(1),
         np.array([[-inf, -inf], [inf, inf], [inf, 1.], [nan, 1.]], np.float32)),
]
_ROWS = np.array([[-inf, -inf, -inf], [-inf, 0., 1.], [inf, 0., 1.], [inf, inf, 0.], [nan, 0., 1.],
                  [0., 1., 2.]], np.float32)
for _name in ("softmax", "log_softmax", "softmin"):
    CASES += [
        case(f"{_name}_rows", lambda T, x, n=_name: getattr(T.nn.functional, n)(x, dim=1), _ROWS),
        case(f"{_name}_cols", lambda T, x, n=_name: getattr(T.nn.functional, n)(x, dim=0), _ROWS),
        case(f"{_name}_0d", lambda T, x, n=_name: getattr(T.nn.functional, n)(x, dim=0), np.array(2., np.float32)),
        case(f"{_name}_0d_inf", lambda T, x, n=_name: getattr(T.nn.functional, n)(x, dim=0), np.array(inf, np.float32)),
        case(f"{_name}_empty_dim", lambda T, x, n=_name: getattr(T.nn.functional, n)(x, dim=1), np.zeros((3, 0), np.float32)),
        case(f"{_name}_empty_other", lambda T, x, n=_name: getattr(T.nn.functional, n)(x, dim=1), np.zeros((0, 3), np.float32)),
    ]


@pytest.mark.parametrize("c", params(CASES))
def test_nonfinite_parity(c):
    run_case(c, torch)
