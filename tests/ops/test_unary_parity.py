"""Parity with PyTorch of the less common unary ops and their in-place methods: angle,
isposinf/isneginf as methods, the in-place spellings (`asin_`, `erfc_`, `sgn_`, ...), values and
gradients of the gamma family, logit and cumprod at poles, zeros and non-finite values, and
integer and bool inputs of clamp, threshold and hardtanh."""
import numpy as np
import pytest

import dygrad
from dygrad.testing.parity import case, params, run_case

inf, nan = np.inf, np.nan


def f32(*v):
    return np.array(v, dtype=np.float32)


X = f32(-inf, -2.5, -1., -0., 0., 0.3, 1.5, inf, nan)
B = np.array([True, False, True])
I = np.array([3, -2, 0])

CASES = [
    case("angle", lambda T, x: T.angle(x), X),
    case("angle_method_f64", lambda T, x: x.angle(), X.astype(np.float64)),
    case("angle_int", lambda T, x: T.angle(x), I),
    case("angle_bool", lambda T, x: T.angle(x), B),
    case("isposinf_method", lambda T, x: x.isposinf(), X),
    case("isneginf_method", lambda T, x: x.isneginf(), X),
    # (no negative integers: PyTorch's trigamma there is a large finite rounding artefact)
    case("digamma_at_signed_zero", lambda T, x: T.digamma(x), f32(-inf, -2.5, -0., 0., 0.3, inf, nan)),
    case("lgamma_grad_at_signed_zero", lambda T, x: T.lgamma(x), X),
    case("logit_grad_at_signed_zero", lambda T, x: T.logit(x), X),
    case("logit_eps", lambda T, x: T.logit(x, 0.1), X),
    case("polygamma1_nonfinite", lambda T, x: T.polygamma(1, x),
         f32(-inf, inf, nan, -0., 0., -2.5, 0.7), grad=False),
    case("polygamma2_nonfinite", lambda T, x: T.polygamma(2, x),
         f32(-inf, inf, nan, -0., 0., -3., -2.5, 0.7), grad=False),
    case("polygamma3_nonfinite", lambda T, x: T.polygamma(3, x),
         f32(-inf, inf, nan, -0., 0., -3., -2.5, 0.7), grad=False),
    case("i0_grad_nonfinite", lambda T, x: T.i0(x), X),
    # trigamma by reflection in the input's precision: PyTorch's values near the poles
    case("digamma_grad_near_poles", lambda T, x: T.digamma(x), f32(-2.0016572, -1.1115013, -0.003, 0.2)),
    case("polygamma1_at_poles", lambda T, x: T.polygamma(1, x), f32(-1., -3., 0., -2.0016572), grad=False),
    case("polygamma1_at_poles_f64", lambda T, x: T.polygamma(1, x), np.array([-1., -3., -2.5]), grad=False),
    # cumprod's gradient with zeros (nothing after the first zero, the segment up to the second
    # zero at it) and along a dim of size 1 (the identity, even at nan)
    case("cumprod_zeros_nonfinite", lambda T, x: T.cumprod(x, 1),
         np.array([[2., 0., 3., inf], [nan, 2., 0., 3.], [0., 0., inf, 1.], [inf, 0., 2., nan],
                   [0., -inf, -.35, 0.], [0., 1., 0., inf], [-inf, 0., 1., 0.], [3., 2., 0., 0.]])),
    case("cumprod_size1_dim", lambda T, x: T.cumprod(x, 1), np.array([[nan], [inf], [0.]])),
    case("logcumsumexp_0d_nan", lambda T, x: T.logcumsumexp(x, 0), np.array(nan)),
    # integer threshold/hardtanh convert their parameters (checked) to the dtype
    case("threshold_uint8_wraps", lambda T, x: T.nn.functional.threshold(x, -1, 2), I.astype(np.uint8) % 4),
    case("threshold_uint8_overflow", lambda T, x: T.nn.functional.threshold(x, .5, -.5), I.astype(np.uint8) % 4),
    case("hardtanh_uint8_negative", lambda T, x: T.nn.functional.hardtanh(x), I.astype(np.uint8) % 4),
    case("hardtanh_bool", lambda T, x: T.nn.functional.hardtanh(x), B),
    case("relu6_bool", lambda T, x: T.nn.functional.relu6(x), B),
    case("hardsigmoid_grad_f64", lambda T, x: T.nn.functional.hardsigmoid(x) * T.tensor([0.123456789, 1., 3.3], dtype=T.float64),
         np.array([0.5, -1., 2.]), gtol=(1e-14, 1e-15)),
    case("relu_inplace_bool", lambda T, x: T.nn.functional.relu(x.clone(), inplace=True), B),
    case("relu_bool", lambda T, x: T.relu(x), B),
    # a bad dim is reported before a bad dtype; clamp's tensor bounds that do not broadcast
    case("softmax_bool_bad_dim", lambda T, x: T.nn.functional.softmax(x, dim=1), B),
    case("log_softmax_bool_bad_dim", lambda T, x: T.nn.functional.log_softmax(x, dim=5), B),
    case("softmax_int", lambda T, x: T.nn.functional.softmax(x, dim=0), I),
    case("softmax_empty_int", lambda T, x: T.nn.functional.softmax(x, dim=1), np.zeros((0, 4), np.int32)),
    case("log_softmax_empty_int", lambda T, x: T.nn.functional.log_softmax(x, dim=0), np.zeros((0, 4), np.int64)),
    case("clamp_tensor_bounds_unbroadcastable", lambda T, x, lo, hi: T.clamp(x, lo, hi),
         np.ones((1, 4)), np.ones(6) > 0, np.ones((1, 4), np.float32)),
    case("clamp_bool_int_min", lambda T, x: T.clamp(x, min=0), B),
    case("clamp_bool_int_max", lambda T, x: T.clamp(x, max=-1), B),
    case("clamp_bool_float", lambda T, x: T.clamp(x, min=0.5), B),
    case("clamp_bool_bool", lambda T, x: T.clamp(x, min=True), B),
    case("clamp_bool_bool_both", lambda T, x: T.clamp(x, False, True), B),
    case("clamp_min__bool_int", lambda T, x: x.clone().clamp_min_(0), B),
    case("clamp__bool_bool", lambda T, x: x.clone().clamp_(min=True), B),
    case("clamp__int_float", lambda T, x: x.clone().clamp_(min=0.5), I),
    case("clamp__int_bool", lambda T, x: x.clone().clamp_(max=False), I),
    case("clamp__uint8_negative", lambda T, x: x.clone().clamp_(min=-1), I.astype(np.uint8) % 4),
]
# in-place spellings: computed out of place, written back; integer inputs cannot take a float
# result; asinh_/acosh_/atanh_ have no derivative in PyTorch (backward raises)
for _op in ("asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "erfc", "erfinv",
            "lgamma", "digamma", "deg2rad", "rad2deg", "i0", "sinc", "sgn", "logit", "absolute",
            "negative", "arcsin", "arcsinh"):
    _x = f32(0.3, -0.2, 0.5, 1.7) if _op not in ("acosh",) else f32(1.3, 2., 3.5)
    CASES += [
        case(f"{_op}_", lambda T, x, o=_op: getattr(x * 1, o + "_")(), _x),
        case(f"{_op}__int", lambda T, x, o=_op: getattr(x.clone(), o + "_")(), I),
    ]
CASES += [
    case("bitwise_not_", lambda T, x: x.clone().bitwise_not_(), I),
    case("bitwise_not__bool", lambda T, x: x.clone().bitwise_not_(), B),
    case("polygamma_", lambda T, x: (x * 1).polygamma_(1), f32(0.3, 2.5)),
]


@pytest.mark.parametrize("c", params(CASES))
def test_unary_parity(c):
    run_case(c, pytest.importorskip("torch"))


def test_angle_and_inplace_without_torch():
    x = dygrad.tensor([-2., 0., -0., 3.], requires_grad=True)
    y = x.angle()
    assert np.allclose(y.detach().numpy(), [np.pi, 0, 0, 0])
    y.sum().backward()
    assert np.array_equal(x.grad.numpy(), np.zeros(4, np.float32))
    h = dygrad.tensor([0.5, 0.2], requires_grad=True) * 1
    h.atanh_()
    with pytest.raises(NotImplementedError, match="inplace version of atanh"):
        h.sum().backward()
    with pytest.raises(RuntimeError, match="can't be cast"):
        dygrad.tensor([1, 2]).sinc_()
    assert dygrad.clamp(dygrad.tensor([True, False]), min=0).dtype == dygrad.int64
    with pytest.raises(NotImplementedError, match="Bool"):
        dygrad.tensor([True]).clamp_min_(False)


@pytest.mark.parametrize("name", ["sigmoid", "sinc"])
def test_float16_composites_round_once_like_pytorch(name):
    # PyTorch's CPU kernels compute these float16 composites in float32 and round once
    torch = pytest.importorskip("torch")
    x = np.linspace(-4, 4, 2001).astype(np.float16)
    got = getattr(dygrad, name)(dygrad.tensor(x)).numpy()
    want = getattr(torch, name)(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(got, want)
