"""Parity with PyTorch of binary ops at their edges: the function forms that need a tensor
first (torch.eq(2, t) is a TypeError), subtraction with a bool operand in every spelling,
a float alpha=1.0 on integer add/sub, gradients taken in the result dtype (xlogy of an int8 or
float16 other) and masked gradients (maximum's loser, pow's exponent at a zero base) when the
incoming gradient is nan or inf."""
import numpy as np
import pytest

import dygrad
from dygrad.testing.parity import case, params, run_case

inf, nan = np.inf, np.nan
I = np.array([3, -2, 0])
B = np.array([True, False, True])
F = np.array([0.5, -1.5, 2.0], np.float32)

CASES = [
    case(f"{op}_scalar_first", lambda T, x, o=op: getattr(T, o)(2, x), I)
    for op in ("eq", "ne", "lt", "le", "gt", "ge", "fmod", "maximum", "minimum", "fmax", "fmin",
               "atan2", "logical_and", "logical_or", "logical_xor", "isclose", "heaviside")
] + [
    case("eq_tensor_first", lambda T, x: T.eq(x, 2), I),
    case("reflected_eq", lambda T, x: 2 == x, I),
    case("sub__bool_scalar", lambda T, x: x.clone().sub_(False), B),
    case("sub__int_bool_scalar", lambda T, x: x.clone().sub_(True), I),
    case("sub__float_bool_tensor", lambda T, x, b: x.clone().sub_(b), F, B),
    case("sub_bool_bool", lambda T, x: x - x, B),
    case("rsub_bool", lambda T, x: True - x, B),
    case("add_float_alpha_one_int", lambda T, x: T.add(x, 1, alpha=1.0), I),
    case("add_scalar_first_float_alpha", lambda T, x: T.add(False, x, alpha=1.0), I),
    case("sub_float_alpha_one_int", lambda T, x: T.sub(2, x, alpha=1.0), I),
    case("add__float_alpha_one_int", lambda T, x: x.clone().add_(1, alpha=1.0), I),
    case("add_float_alpha_one_float", lambda T, x: T.add(x, 1, alpha=1.0), F),
    case("add__alpha_f64_other", lambda T, x, y: (x * 1).add_(y, alpha=3), F, np.array([0.1])),
    case("sub__alpha_int", lambda T, x: x.clone().sub_(x, alpha=-2), I),
    case("xlogy_int8_other", lambda T, x, y: T.xlogy(x, y), np.array([0.5, 0., 2.]),
         np.array([3, 0, -2], np.int8), grad=(True, False)),
    case("xlogy_float16_other", lambda T, x, y: T.xlogy(x, y), np.array([0.5, 0., 2.]),
         np.array([3.3, 0, 1.7], np.float16), grad=(True, False)),
    case("xlog1py_float16_other", lambda T, x, y: T.special.xlog1py(x, y), np.array([0.5, 0., 2.]),
         np.array([3.3, 0, 1.7], np.float16), grad=(True, False)),
    # an incoming nan/inf gradient: maximum's loser and pow's exponent at 0 ** p
    case("maximum_grad_nan_masked", lambda T, a, b: T.maximum(a, b) * T.tensor([nan, 1., 2., 3., inf]),
         np.array([1., 2., nan, 3., 4.]), np.array([2., 2., 1., nan, 1.])),
    case("minimum_broadcast_ties", lambda T, a, b: T.minimum(a, b), np.array([[1., 2.]]),
         np.array([[2.], [1.]])),
    case("pow_exponent_grad_zero_base_inf", lambda T, x, p: (T.tensor([0., 0., 1.]) ** p) ** p,
         np.array([0.]), np.array([0.16, 2., 0.5])),
    case("pow_false_exponent_grad", lambda T, x: (x * 1).pow(False), np.array([0., 2.])),
    case("pow__false_exponent_grad", lambda T, x: (x * 1).pow_(False), np.array([0., 2.])),
    case("copysign_grad_nonfinite", lambda T, x, y: T.copysign(x, y) * T.tensor([1., nan, 1., inf, 1., 2., 1.], dtype=T.float64),
         np.array([nan, -nan, inf, -0., 0., 1.5, -2.]), np.array([1, -1, -2, 3, -1, 0, 0], np.int32)),
    # mixed dtypes: gradient formulas in PyTorch's dtypes (an integer operand in the result
    # dtype, a wider 0-dim operand beside a dimensioned one in the result dtype)
    case("atan2_f16_dims_f32_0d_grad", lambda T, x, y: T.atan2(x, y * 1),
         np.array([[0.3]], np.float16), np.array(0.0123, np.float32), grad=(False, True), gtol=(1e-6, 1e-9)),
    case("pow_uint8_base_f32_0d_exponent_grad", lambda T, x, p: T.pow(x, p),
         np.array([3, 7], np.uint8), np.array(-1.3, np.float32), grad=(False, True), gtol=(1e-6, 1e-9)),
    case("pow_f64_base_f16_0d_exponent_grad", lambda T, x, p: T.pow(x, p),
         np.array([0.7, 1.9]), np.array(-0.77, np.float16), grad=(True, False), gtol=(1e-9, 1e-12)),
    case("atan2_f64_dims_f16_dims_grad", lambda T, x, y: T.atan2(x, y),
         np.array([0.3, -1.2]), np.array([0.0123, 2.5], np.float16), grad=(True, False), gtol=(1e-9, 1e-12)),
    # reflected and in-place shifts, isclose without promotion, gcd/lcm on the promoted dtype,
    # a negative scalar against an unsigned tensor in a float-only op
    case("rlshift_bool", lambda T, x: True << x, I % 3),
    case("rrshift_int", lambda T, x: 2 >> x, I % 3),
    case("ilshift", lambda T, x: x.clone().__ilshift__(1), I),
    case("bitwise_left_shift_", lambda T, x: x.clone().bitwise_left_shift_(2), I),
    case("rlshift_float_scalar", lambda T, x: 2.5 << x, I % 3),
    case("isclose_mixed_dtypes", lambda T, x, y: T.isclose(x, y), F, I),
    case("isclose_f32_f64_0d", lambda T, x, y: T.isclose(x, y), F, np.array(0.5)),
    case("allclose_mixed_dtypes", lambda T, x, y: T.allclose(x, y), F, F.astype(np.float64)),
    case("isclose_broadcast_error", lambda T, x, y: T.isclose(x, y), F, F[:2]),
    case("isclose_scalar_other", lambda T, x: T.isclose(x, 0.5), F),
    case("lcm_bool_int", lambda T, x, y: T.lcm(x, y), B, I),
    case("gcd_bool_bool", lambda T, x: T.gcd(x, x), B),
    case("gcd_uint8_int8", lambda T, x, y: T.gcd(x, y), (I % 4).astype(np.uint8), I.astype(np.int8)),
    case("xlogy_negative_scalar_uint8", lambda T, y: T.xlogy(-3, y), (I % 4).astype(np.uint8)),
    case("xlog1py_negative_scalar_uint8", lambda T, y: T.special.xlog1py(-3, y), (I % 4).astype(np.uint8)),
    case("remainder_grad_other_at_inf", lambda T, a, b: T.remainder(a, b),
         np.array([inf, -inf, 5., -5., nan, 3., 0.]), np.array([2., 2., 0., 2., 1., -.7, 0.])),
    case("sub_alpha_inf_broadcast_grad", lambda T, a, b: T.sub(a, b, alpha=float("inf")) * T.tensor([[1., -1.], [-1., 2.]], dtype=T.float64),
         np.array([[1., 2.], [3., 4.]]), np.array([[1., 2.]])),
    case("add_alpha_inf_broadcast_grad", lambda T, a, b: T.add(a, b, alpha=-float("inf")) * T.tensor([[1., 1.], [1., 2.]], dtype=T.float64),
         np.array([[1., 2.], [3., 4.]]), np.array([[1., 2.]])),
    case("atan2_grad_at_origin_inf_incoming", lambda T, a, b: T.atan2(a, b) * T.tensor([inf, inf, 1.], dtype=T.float64),
         np.array([0., 0., 1.]), np.array([0., 1., 0.])),
    case("remainder_empty_int_by_zero", lambda T, x: T.remainder(x, 0), np.zeros(0, np.int16)),
    case("floor_div_empty_int_by_false", lambda T, x: x // False, np.zeros((2, 0), np.int64)),
    case("div_floor_empty_by_zero_tensor", lambda T, x, y: T.div(x, y, rounding_mode="floor"),
         np.zeros((2, 0), np.int64), np.array(False)),
    case("floor_div_int_by_zero", lambda T, x: x // 0, I),
    case("pow_grads_nonfinite_incoming", lambda T, x, p: (x ** p) * T.tensor([nan, inf, nan]),
         np.array([0., 2., 0.]), np.array([0., 0., 1.])),
]


@pytest.mark.parametrize("c", params(CASES))
def test_binary_parity(c):
    run_case(c, pytest.importorskip("torch"))


def test_binary_edges_without_torch():
    t = dygrad.tensor([1, 2])
    with pytest.raises(TypeError, match="invalid combination"):
        dygrad.eq(2, t)
    with pytest.raises(TypeError, match="must be Tensor"):
        dygrad.maximum(2, t)
    with pytest.raises(RuntimeError, match="two bool tensors"):
        dygrad.tensor([True]).sub_(False)
    with pytest.raises(RuntimeError, match="alpha must not be a floating point"):
        dygrad.add(t, 1, alpha=1.0)
    a = dygrad.tensor([1., 3.], requires_grad=True)
    b = dygrad.tensor([2., 2.], requires_grad=True)
    dygrad.maximum(a, b).backward(dygrad.tensor([np.nan, 1.]))
    assert a.grad.numpy()[0] == 0 and np.isnan(b.grad.numpy()[0])
