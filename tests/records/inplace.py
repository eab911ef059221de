"""Op records: in-place ops on tensors that are part of a graph.

Folded from the parity sweeps: each expression sample keeps its sweep case name as label and is
filed under the public op its label names (see tests/records/_names.py)."""

from dygrad.testing import RecordSet
from dygrad.testing.parity import A
from tests.records._names import folder

R = RecordSet()
TOL = (1e-5, 1e-5)
case, add = folder(R, strip="inplace_")

# -- in-place ops on tensors that are part of a graph ------------------------------------------------
def _ip(op):
    def f(T, x, *rest):
        y = x * 1  # a non-leaf, so in-place ops are allowed while x requires grad
        op(T, y, *rest)
        return y
    return f


INPLACE = {
    "add_": lambda T, y, o: y.add_(o, alpha=0.5), "sub_": lambda T, y, o: y.sub_(o),
    "mul_": lambda T, y, o: y.mul_(o), "div_": lambda T, y, o: y.div_(o), "pow_": lambda T, y, o: y.abs_().pow_(2),
    "iadd": lambda T, y, o: y.__iadd__(o), "imul_scalar": lambda T, y, o: y.__imul__(3),
    "clamp_": lambda T, y, o: y.clamp_(-0.5, 0.5), "clamp_min_t": lambda T, y, o: y.clamp_(min=o),
    "relu_": lambda T, y, o: y.relu_(), "sigmoid_": lambda T, y, o: y.sigmoid_(), "tanh_": lambda T, y, o: y.tanh_(),
    "exp_": lambda T, y, o: y.exp_(), "neg_": lambda T, y, o: y.neg_(), "abs_": lambda T, y, o: y.abs_(),
    "sqrt_": lambda T, y, o: y.abs_().sqrt_(), "log_": lambda T, y, o: y.abs_().log_(),
    "reciprocal_": lambda T, y, o: y.reciprocal_(), "copy_const": lambda T, y, o: y.copy_(o.detach()),
    "copy_grad": lambda T, y, o: y.copy_(o), "fill_": lambda T, y, o: y.fill_(2.0), "zero_": lambda T, y, o: y.zero_(),
    "masked_fill_": lambda T, y, o: y.masked_fill_(o > 0, 0.0), "addcmul_": lambda T, y, o: y.addcmul_(o, o, value=2),
    "addcdiv_": lambda T, y, o: y.addcdiv_(o, o.abs() + 1), "setitem_row": lambda T, y, o: y.__setitem__(1, o[0]),
    "setitem_mask": lambda T, y, o: y.__setitem__(o > 0, 1.0), "view_mul_": lambda T, y, o: y[0].mul_(3),
    "view_zero_": lambda T, y, o: y[:, 1].zero_(), "diag_fill_": lambda T, y, o: y.diagonal().fill_(0.5),
    "index_fill_": lambda T, y, o: y.index_fill_(1, T.tensor([0, 2]), -1.0),
    "scatter_": lambda T, y, o: y.scatter_(1, T.tensor([[0], [1], [2]]), o[:, :1]),
    "index_add_": lambda T, y, o: y.index_add_(0, T.tensor([0, 0]), o[:2]),
    "unsqueeze_": lambda T, y, o: y.unsqueeze_(0), "t_": lambda T, y, o: y.t_(),
    "transpose_": lambda T, y, o: y.transpose_(0, 1), "squeeze_": lambda T, y, o: y.unsqueeze_(1).squeeze_(1),
    "nan_to_num_": lambda T, y, o: y.nan_to_num_(), "lerp_": lambda T, y, o: y.lerp_(o, 0.3),
    "floor_": lambda T, y, o: y.floor_(), "round_": lambda T, y, o: y.round_(), "trunc_": lambda T, y, o: y.trunc_(),
    "sign_": lambda T, y, o: y.sign_(), "clamp_max_": lambda T, y, o: y.clamp_max_(0.1),
    "clamp_min_": lambda T, y, o: y.clamp_min_(0.1), "square_": lambda T, y, o: y.square_(),
    "sin_": lambda T, y, o: y.sin_(), "cos_": lambda T, y, o: y.cos_(), "erf_": lambda T, y, o: y.erf_(),
    "log1p_": lambda T, y, o: y.abs_().log1p_(), "expm1_": lambda T, y, o: y.expm1_(), "frac_": lambda T, y, o: y.frac_(),
    "fmod_": lambda T, y, o: y.fmod_(1.5), "remainder_": lambda T, y, o: y.remainder_(1.5),
    "floor_divide_": lambda T, y, o: y.floor_divide_(2.0), "hypot_": lambda T, y, o: y.hypot_(o),
    "atan2_": lambda T, y, o: y.atan2_(o), "logical_not_": lambda T, y, o: y.logical_not_(),
    "eq_": lambda T, y, o: y.eq_(o), "lt_": lambda T, y, o: y.lt_(0), "cumsum_": lambda T, y, o: y.cumsum_(1),
    "rsqrt_": lambda T, y, o: y.abs_().rsqrt_(), "sub_int_into_float": lambda T, y, o: y.sub_(2),
    "add_float_into_int": lambda T, y, o: y.long().add_(1.5),
}
for name, op in INPLACE.items():
    add(case(f"inplace_{name}", _ip(op), A("f32", 3, 3), A("f32", 3, 3)))
add(case("inplace_leaf_err", lambda T, x: x.add_(1), A("f32", 3)))
add(case("inplace_int_add_", lambda T, x: x.add_(2), A("i64", 3)))
add(case("inplace_int_mul_float_err", lambda T, x: x.mul_(1.5), A("i64", 3)))
add(case("inplace_bcast_err", lambda T, x, y: x.add_(y), A("f32", 3), A("f32", 2, 3), grad=False))
add(case("inplace_int_div_err", lambda T, x, y: x.div_(y), A("i64", 3), A("i64", 3, nz=True)))
add(case("inplace_bool_ior", lambda T, x, y: x.__ior__(y), A("b", 3), A("b", 3)))
