"""Op records: torch.nn.functional and the torch.* spellings of nn ops.

The activations and the softmax family are call records with NumPy references (checked without
torch too). The expression samples after them are the parity sweep's cases, kept under their
sweep names (see tests/records/_names.py)."""
import math

import numpy as np

from dygrad.testing import OpRecord, RecordSet, S
from dygrad.testing._samples import array, rng_for, unary_samples
from dygrad.testing.parity import A
from tests.records._names import folder

R = RecordSet()
TOL = (1e-5, 1e-5)
case, add = folder(R)


def F(T):
    return T.nn.functional


FR = F


# -- activations and softmax as call records ---------------------------------------------------------
def _sig(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.log1p(np.exp(np.minimum(beta * x, threshold))) / beta)


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


_ERF = np.vectorize(math.erf, otypes=[np.float64])
_SELU = (1.6732632423543772, 1.0507009873554805)
ACT_REFS = {  # name: (reference, op kwargs, twice differentiable)
    "relu": (lambda x: np.maximum(x, 0), {}, False), "relu6": (lambda x: np.clip(x, 0, 6), {}, False),
    "elu": (_elu, {"alpha": 0.5}, True),
    "selu": (lambda x: _SELU[1] * _elu(x, _SELU[0]), {}, True),
    "celu": (lambda x, alpha: np.maximum(x, 0) + np.minimum(0, alpha * np.expm1(np.minimum(x, 0) / alpha)),
             {"alpha": 2.0}, True),
    "leaky_relu": (lambda x, negative_slope: np.where(x > 0, x, negative_slope * x), {"negative_slope": 0.2}, False),
    "gelu": (lambda x: 0.5 * x * (1 + _ERF(x / math.sqrt(2))) if x.size else x, {}, True),
    "silu": (lambda x: x * _sig(x), {}, True), "mish": (lambda x: x * np.tanh(_softplus(x)), {}, True),
    "softplus": (_softplus, {"beta": 2.0, "threshold": 1.0}, True),
    "logsigmoid": (lambda x: -_softplus(-x), {}, True),
    "hardtanh": (lambda x, min_val, max_val: np.clip(x, min_val, max_val), {"min_val": -0.5, "max_val": 0.3}, False),
    "hardsigmoid": (lambda x: np.clip(x / 6 + 0.5, 0, 1), {}, False),
    "hardswish": (lambda x: x * np.clip(x + 3, 0, 6) / 6, {}, False),
    "softsign": (lambda x: x / (1 + np.abs(x)), {}, True), "tanhshrink": (lambda x: x - np.tanh(x), {}, True),
    "softshrink": (lambda x, lambd: np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0)),
                   {"lambd": 0.3}, False),
    "hardshrink": (lambda x, lambd: np.where(np.abs(x) > lambd, x, 0), {"lambd": 0.3}, False),
    "sigmoid": (_sig, {}, True), "tanh": (np.tanh, {}, True),
    "threshold": (lambda x, threshold, value: np.where(x > threshold, x, value), {"threshold": 0.1, "value": -2.0}, False),
}
for name, (ref, kw, twice) in ACT_REFS.items():
    R.add(OpRecord(f"nn.functional.{name}", unary_samples(f"nn.functional.{name}", -4, 4, ints=(), **kw),
                   ref=ref, gradgrad=twice, tol=TOL))


def _softmax(x, dim, log=False, sign=1):
    z = sign * x - np.max(sign * x, axis=dim, keepdims=True) if x.size else x
    lse = np.log(np.sum(np.exp(z), axis=dim, keepdims=True))
    return z - lse if log else np.exp(z - lse)


SOFTMAX = {"softmax": lambda x, dim: _softmax(x, dim), "log_softmax": lambda x, dim: _softmax(x, dim, True),
           "softmin": lambda x, dim: _softmax(x, dim, sign=-1)}
for name, ref in SOFTMAX.items():
    rng = rng_for(f"nn.functional.{name}")
    samples = [S(array(rng, dt, (2, 3, 4)), d, _label=f"{name}_{dt}_{d}") for dt in ("f32", "f64") for d in (0, -1)]
    samples += [S(array(rng, "f64", ()), 0, _label=f"{name}_0d"), S(array(rng, "f32", (0, 3)), 1, _label=f"{name}_empty")]
    R.add(OpRecord(f"nn.functional.{name}", samples, ref=ref, gradgrad=True, tol=TOL))
    if name != "softmin":  # torch.softmax / torch.log_softmax (dim required, out=) and the method
        R.add(OpRecord(name, [S(*s.args, _label=f"torch.{s.label}") for s in samples],
                       ref=ref, gradgrad=True, supports_out=True, tol=TOL))


# -- activations -----------------------------------------------------------------------------------
ACTS = {
    "relu": {}, "relu6": {}, "elu": {}, "elu_a": {"alpha": 0.5}, "selu": {}, "celu": {"alpha": 2.0},
    "leaky_relu": {}, "leaky_relu_s": {"negative_slope": 0.2}, "gelu": {}, "gelu_tanh": {"approximate": "tanh"},
    "silu": {}, "mish": {}, "softplus": {}, "softplus_b": {"beta": 2.0, "threshold": 1.0}, "logsigmoid": {},
    "hardtanh": {}, "hardtanh_r": {"min_val": -0.5, "max_val": 0.3}, "hardsigmoid": {}, "hardswish": {},
    "softsign": {}, "tanhshrink": {}, "softshrink": {}, "hardshrink": {"lambd": 0.3}, "sigmoid": {},
    "tanh": {}, "threshold": {"threshold": 0.1, "value": -2.0}, "rrelu": {}, "glu": {},
}
for name, kw in ACTS.items():
    fname = name.split("_")[0] if name not in ("leaky_relu", "leaky_relu_s", "gelu_tanh") else \
        ("leaky_relu" if name.startswith("leaky") else "gelu")
    for dt in ("f32", "f64"):
        add(case(f"F.{name}_{dt}", lambda T, x, f=fname, k=kw: getattr(F(T), f)(x, **k), A(dt, 3, 4) * 3, tol=TOL))
    add(case(f"F.{name}_0d", lambda T, x, f=fname, k=kw: getattr(F(T), f)(x, **k) if f != "glu" else F(T).glu(x.reshape(2)),
             np.asarray(np.float32(0.7))))
for name in ("relu", "relu6", "hardtanh", "leaky_relu", "elu", "hardsigmoid", "hardswish", "silu", "selu", "celu",
             "threshold"):
    kw = {"threshold": 0.0, "value": 0.0} if name == "threshold" else {}
    add(case(f"F.{name}_inplace", lambda T, x, f=name, k=kw: getattr(F(T), f)(x * 1, inplace=True, **k), A("f32", 5)))
for name in ("relu", "relu6", "elu", "selu", "celu", "leaky_relu", "gelu", "silu", "mish", "softplus", "logsigmoid",
             "hardtanh", "hardsigmoid", "hardswish", "softsign", "tanhshrink", "softshrink", "hardshrink", "sigmoid",
             "tanh", "rrelu", "glu", "threshold"):
    kw = {"threshold": 0, "value": 5} if name == "threshold" else {}
    add(case(f"F.{name}_int", lambda T, x, f=name, k=kw: getattr(F(T), f)(x, **k), A("i64", 4)))
for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "binary_cross_entropy", "huber_loss"):
    add(case(f"F.{name}_int", lambda T, x, f=name: getattr(F(T), f)(x, x), A("i64", 4, lo=0, hi=2)))
add(case("F.cross_entropy_int_err", lambda T, x, t: F(T).cross_entropy(x, t), A("i64", 2, 3), np.array([0, 1], np.int64)))
add(case("F.log_softmax_int_err", lambda T, x: F(T).log_softmax(x, 0), A("i64", 4)))
add(case("F.relu_ties", lambda T, x: F(T).relu(x), np.array([0.0, -1.0, 1.0])))
add(case("F.hardtanh_ties", lambda T, x: F(T).hardtanh(x), np.array([-1.0, 1.0, 0.0, 2.0])))
add(case("F.relu6_ties", lambda T, x: F(T).relu6(x), np.array([0.0, 6.0, 3.0, 7.0])))
add(case("F.leaky_relu_zero", lambda T, x: F(T).leaky_relu(x, 0.1), np.array([0.0, -1.0])))
add(case("F.gelu_int_err", lambda T, x: F(T).gelu(x), A("i64", 3)))
add(case("F.prelu", lambda T, x, w: F(T).prelu(x, w), A("f32", 2, 3, 4), np.array([0.25, 0.1, -0.2], np.float32)))
add(case("F.prelu_single", lambda T, x, w: F(T).prelu(x, w), A("f32", 2, 3), np.array([0.25], np.float32)))
add(case("F.glu_dim", lambda T, x: F(T).glu(x, 0), A("f32", 4, 3)))
add(case("F.glu_odd_err", lambda T, x: F(T).glu(x), A("f32", 4, 3)))
add(case("F.softplus_large", lambda T, x: F(T).softplus(x), np.array([-100.0, 0.0, 30.0, 100.0])))
add(case("F.logsigmoid_large", lambda T, x: F(T).logsigmoid(x), np.array([-100.0, 0.0, 100.0])))
add(case("F.sigmoid_extreme", lambda T, x: T.sigmoid(x), np.array([-100.0, 100.0], np.float32)))

# -- softmax family --------------------------------------------------------------------------------
SM = A("f32", 2, 3, 4)
for dim in (0, 1, -1):
    add(case(f"F.softmax_{dim}", lambda T, x, d=dim: F(T).softmax(x, d), SM, tol=TOL))
    add(case(f"F.log_softmax_{dim}", lambda T, x, d=dim: F(T).log_softmax(x, dim=d), SM, tol=TOL))
    add(case(f"F.softmin_{dim}", lambda T, x, d=dim: F(T).softmin(x, d), SM, tol=TOL))
    add(case(f"softmax_method_{dim}", lambda T, x, d=dim: x.softmax(d), SM, tol=TOL))
    add(case(f"torch.log_softmax_{dim}", lambda T, x, d=dim: T.log_softmax(x, d), SM, tol=TOL))
add(case("F.softmax_dtype", lambda T, x: F(T).softmax(x, -1, dtype=T.float64), SM))
add(case("F.log_softmax_dtype", lambda T, x: x.log_softmax(-1, dtype=T.float64), SM))
add(case("F.softmax_0d", lambda T, x: F(T).softmax(x, 0), np.asarray(np.float32(3.0))))
add(case("F.softmax_inf", lambda T, x: F(T).softmax(x, 1), np.array([[-np.inf, 0.0, 1.0], [-np.inf] * 3])))
add(case("F.log_softmax_large", lambda T, x: F(T).log_softmax(x, 0), np.array([1000.0, 0.0, -1000.0])))
add(case("F.softmax_int_err", lambda T, x: F(T).softmax(x, 0), A("i64", 3)))
add(case("F.softmax_int_dtype", lambda T, x: F(T).softmax(x, 0, dtype=T.float32), A("i64", 3)))

# -- dropout, one_hot, pad, normalize, linear, embedding -------------------------------------------
D = A("f32", 2, 3, 4)
for p in (0.0, 0.3, 1.0):
    add(case(f"F.dropout_eval_{p}", lambda T, x, p=p: F(T).dropout(x, p, training=False), D))
    add(case(f"F.dropout2d_eval_{p}", lambda T, x, p=p: F(T).dropout2d(x.unsqueeze(0), p, False), D))
    add(case(f"F.alpha_dropout_eval_{p}", lambda T, x, p=p: F(T).alpha_dropout(x, p), D))
add(case("F.dropout_p1_train", lambda T, x: F(T).dropout(x, 1.0), D))
add(case("F.dropout_bad_p", lambda T, x: F(T).dropout(x, 1.5), D))
add(case("torch.dropout_eval", lambda T, x: T.dropout(x, 0.5, False), D))
add(case("F.one_hot", lambda T, t: F(T).one_hot(t), np.array([0, 3, 1], np.int64)))
add(case("F.one_hot_n", lambda T, t: F(T).one_hot(t, 5), np.array([[0, 3], [1, 1]], np.int64)))
add(case("F.one_hot_bad", lambda T, t: F(T).one_hot(t, 2), np.array([0, 3], np.int64)))
add(case("F.one_hot_float_err", lambda T, t: F(T).one_hot(t), np.array([0.0, 1.0])))
add(case("F.one_hot_neg_err", lambda T, t: F(T).one_hot(t), np.array([0, -1], np.int64)))
P = A("f32", 1, 2, 3, 4)
for mode in ("constant", "reflect", "replicate", "circular"):
    add(case(f"F.pad_{mode}", lambda T, x, m=mode: F(T).pad(x, (1, 2, 2, 1), mode=m), P))
    add(case(f"F.pad_{mode}_1side", lambda T, x, m=mode: F(T).pad(x, (1, 1), mode=m), P))
add(case("F.pad_value", lambda T, x: F(T).pad(x, (1, 1, 0, 2), value=-1.5), P))
add(case("F.pad_negative", lambda T, x: F(T).pad(x, (-1, 1)), P))
add(case("F.pad_3dims_const", lambda T, x: F(T).pad(x, (1, 0, 1, 0, 1, 1)), P))
add(case("F.pad_odd_err", lambda T, x: F(T).pad(x, (1, 2, 3)), P))
add(case("F.pad_reflect_too_big", lambda T, x: F(T).pad(x, (4, 4), mode="reflect"), P))
add(case("F.pad_int", lambda T, x: F(T).pad(x, (1, 1)), A("i64", 2, 3)))
add(case("F.normalize", lambda T, x: F(T).normalize(x), A("f32", 3, 4)))
add(case("F.normalize_p1_dim0", lambda T, x: F(T).normalize(x, p=1, dim=0), A("f32", 3, 4)))
add(case("F.normalize_zero", lambda T, x: F(T).normalize(x), np.zeros((2, 3), np.float32)))
add(case("F.cosine_similarity", lambda T, a, b: F(T).cosine_similarity(a, b), A("f32", 3, 4), A("f32", 3, 4), tol=TOL))
add(case("F.cosine_similarity_bcast", lambda T, a, b: F(T).cosine_similarity(a, b, dim=-1), A("f32", 3, 4), A("f32", 4), tol=TOL))
add(case("F.pairwise_distance", lambda T, a, b: F(T).pairwise_distance(a, b), A("f32", 3, 4), A("f32", 3, 4), tol=TOL))
add(case("F.linear", lambda T, x, w, b: F(T).linear(x, w, b), A("f32", 2, 3, 4), A("f32", 5, 4), A("f32", 5), tol=TOL))
add(case("F.linear_nobias", lambda T, x, w: F(T).linear(x, w), A("f32", 4), A("f32", 5, 4), tol=TOL))
add(case("F.linear_bad", lambda T, x, w: F(T).linear(x, w), A("f32", 2, 3), A("f32", 5, 4)))
add(case("F.linear_dtype_err", lambda T, x, w: F(T).linear(x, w), A("f64", 2, 4), A("f32", 5, 4)))
add(case("F.bilinear", lambda T, a, b, w, bias: F(T).bilinear(a, b, w, bias), A("f32", 3, 2), A("f32", 3, 4), A("f32", 5, 2, 4), A("f32", 5), tol=TOL))
EMB = A("f32", 6, 3)
add(case("F.embedding", lambda T, i, w: F(T).embedding(i, w), np.array([[0, 2], [5, 2]], np.int64), EMB))
add(case("F.embedding_pad", lambda T, i, w: F(T).embedding(i, w, padding_idx=2), np.array([[0, 2], [5, 2]], np.int64), EMB))
add(case("F.embedding_oob", lambda T, i, w: F(T).embedding(i, w), np.array([0, 6], np.int64), EMB))
add(case("F.embedding_float_idx", lambda T, i, w: F(T).embedding(i, w), np.array([0.0, 1.0]), EMB))
add(case("F.embedding_int32", lambda T, i, w: F(T).embedding(i, w), np.array([0, 1], np.int32), EMB))

# -- interpolate, conv, pool -----------------------------------------------------------------------
IMG = A("f32", 1, 2, 3, 4)
INTERP = [("nearest", None), ("bilinear", False), ("bilinear", True), ("nearest-exact", None), ("area", None)]
for mode, ac in INTERP:
    for size in ((5, 7), (2, 3), (6, 8)):
        add(case(f"F.interpolate_{mode}_{ac}_{size}", lambda T, x, m=mode, a=ac, s=size: F(T).interpolate(x, size=s, mode=m, align_corners=a),
                 IMG, tol=TOL))
    add(case(f"F.interpolate_{mode}_{ac}_scale", lambda T, x, m=mode, a=ac: F(T).interpolate(x, scale_factor=1.5, mode=m, align_corners=a),
             IMG, tol=TOL))
add(case("F.interpolate_linear_1d", lambda T, x: F(T).interpolate(x, size=7, mode="linear"), A("f32", 1, 2, 4), tol=TOL))
add(case("F.interpolate_nearest_1d", lambda T, x: F(T).interpolate(x, scale_factor=2), A("f32", 1, 2, 4)))
add(case("F.interpolate_recompute", lambda T, x: F(T).interpolate(x, scale_factor=1.7, mode="bilinear", recompute_scale_factor=True), IMG, tol=TOL))
add(case("F.interpolate_ac_nearest_err", lambda T, x: F(T).interpolate(x, size=(4, 4), align_corners=True), IMG))
add(case("F.interpolate_both_err", lambda T, x: F(T).interpolate(x, size=(4, 4), scale_factor=2), IMG))
CX, CW, CB = A("f32", 2, 3, 6, 5), A("f32", 4, 3, 3, 2), A("f32", 4)
add(case("F.conv2d", lambda T, x, w, b: F(T).conv2d(x, w, b), CX, CW, CB, tol=TOL))
add(case("F.conv2d_stride_pad", lambda T, x, w, b: F(T).conv2d(x, w, b, stride=2, padding=1), CX, CW, CB, tol=TOL))
add(case("F.conv2d_same", lambda T, x, w: F(T).conv2d(x, w, padding="same", dilation=(2, 1)), CX, CW, tol=TOL))
add(case("F.conv2d_groups", lambda T, x, w: F(T).conv2d(x, w, groups=3), A("f32", 1, 6, 5, 5), A("f32", 3, 2, 2, 2), tol=TOL))
add(case("F.conv2d_unbatched", lambda T, x, w: F(T).conv2d(x, w), A("f32", 3, 6, 5), CW, tol=TOL))
add(case("F.conv2d_bad_channels", lambda T, x, w: F(T).conv2d(x, w), A("f32", 1, 2, 6, 5), CW))
add(case("F.conv1d", lambda T, x, w: F(T).conv1d(x, w, padding=1), A("f32", 2, 3, 7), A("f32", 4, 3, 3), tol=TOL))
add(case("F.conv_transpose2d", lambda T, x, w: F(T).conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
         A("f32", 1, 3, 4, 4), A("f32", 3, 2, 3, 3), tol=TOL))
add(case("F.max_pool2d", lambda T, x: F(T).max_pool2d(x, 2), A("f32", 1, 2, 5, 6)))
add(case("F.max_pool2d_ties", lambda T, x: F(T).max_pool2d(x, 2, stride=1), np.ones((1, 1, 3, 3), np.float32)))
add(case("F.max_pool2d_ceil_pad", lambda T, x: F(T).max_pool2d(x, 3, 2, padding=1, ceil_mode=True), A("f32", 1, 2, 6, 7)))
add(case("F.max_pool2d_indices", lambda T, x: F(T).max_pool2d(x, 2, return_indices=True), A("f32", 1, 2, 4, 4)))
add(case("F.avg_pool2d", lambda T, x: F(T).avg_pool2d(x, 2), A("f32", 1, 2, 5, 6), tol=TOL))
add(case("F.avg_pool2d_pad_nocount", lambda T, x: F(T).avg_pool2d(x, 3, 2, 1, count_include_pad=False), A("f32", 1, 2, 5, 6), tol=TOL))
add(case("F.avg_pool2d_ceil", lambda T, x: F(T).avg_pool2d(x, 2, ceil_mode=True), A("f32", 1, 2, 5, 5), tol=TOL))
add(case("F.adaptive_avg_pool2d", lambda T, x: F(T).adaptive_avg_pool2d(x, (2, 3)), A("f32", 1, 2, 5, 7), tol=TOL))
add(case("F.adaptive_avg_pool2d_1", lambda T, x: F(T).adaptive_avg_pool2d(x, 1), A("f32", 2, 5, 7), tol=TOL))
add(case("F.adaptive_max_pool2d", lambda T, x: F(T).adaptive_max_pool2d(x, (2, 3)), A("f32", 1, 2, 5, 7)))
add(case("F.max_pool1d", lambda T, x: F(T).max_pool1d(x, 3, 2), A("f32", 2, 3, 8)))
add(case("F.avg_pool1d", lambda T, x: F(T).avg_pool1d(x, 2), A("f32", 2, 3, 8), tol=TOL))
add(case("F.batch_norm_eval", lambda T, x, m, v, w, b: F(T).batch_norm(x, m, v, w, b), A("f32", 4, 3, 2),
         A("f32", 3), A("f32", 3, lo=0.5, hi=2), A("f32", 3), A("f32", 3), tol=TOL, grad=(True, False, False, True, True)))
add(case("F.batch_norm_train", lambda T, x, w, b: F(T).batch_norm(x, None, None, w, b, training=True), A("f32", 4, 3, 2),
         A("f32", 3), A("f32", 3), tol=TOL))
add(case("F.layer_norm", lambda T, x, w, b: F(T).layer_norm(x, (4,), w, b), A("f32", 2, 3, 4), A("f32", 4), A("f32", 4), tol=TOL))
add(case("F.group_norm", lambda T, x: F(T).group_norm(x, 2), A("f32", 2, 4, 3), tol=TOL))

# -- sliding blocks, pixel shuffle, rms_norm (nn/_functional/reshaping.py) -------------------------------
U = A("f32", 2, 3, 5, 4)
UNFOLD = {"k2": dict(kernel_size=2), "k23_pad_stride": dict(kernel_size=(2, 3), padding=1, stride=(2, 1)),
          "dil": dict(kernel_size=2, dilation=2), "all": dict(kernel_size=(3, 2), dilation=(1, 2), padding=(1, 0), stride=2)}
for name, kw in UNFOLD.items():
    add(case(f"F.unfold_{name}", lambda T, x, kw=kw: FR(T).unfold(x, **kw), U))
    add(case(f"F.fold_roundtrip_{name}", lambda T, x, kw=kw: FR(T).fold(FR(T).unfold(x, **kw), (5, 4), **kw), U))
add(case("F.unfold_unbatched", lambda T, x: FR(T).unfold(x, 2), A("f32", 3, 4, 4)))
add(case("F.unfold_2d_err", lambda T, x: FR(T).unfold(x, 2), A("f32", 4, 4)))
add(case("F.unfold_too_big_err", lambda T, x: FR(T).unfold(x, 6), U))
add(case("F.fold", lambda T, x: FR(T).fold(x, (4, 5), 2), A("f32", 1, 12, 12)))
add(case("F.fold_stride_pad", lambda T, x: FR(T).fold(x, (5, 5), 3, padding=1, stride=2), A("f32", 2, 18, 9)))
add(case("F.fold_bad_L", lambda T, x: FR(T).fold(x, (4, 5), 2), A("f32", 1, 12, 11)))
add(case("F.fold_unbatched", lambda T, x: FR(T).fold(x, (3, 3), 2), A("f32", 8, 4)))
add(case("F.pixel_shuffle", lambda T, x: FR(T).pixel_shuffle(x, 2), A("f32", 2, 8, 2, 3)))
add(case("F.pixel_unshuffle", lambda T, x: FR(T).pixel_unshuffle(x, 3), A("f32", 1, 2, 3, 6)))
add(case("F.rms_norm", lambda T, x, w: FR(T).rms_norm(x, (4,), w), A("f32", 2, 3, 4), A("f32", 4), tol=TOL))
add(case("F.rms_norm_eps_2d", lambda T, x: FR(T).rms_norm(x, (3, 4), eps=1e-3), A("f64", 2, 3, 4)))
add(case("F.rms_norm_bad_shape", lambda T, x: FR(T).rms_norm(x, (3,)), A("f32", 2, 4)))


# -- torch.* spellings of nn ops ------------------------------------------------------------------------
add(case("torch.selu", lambda T, x: T.selu(x), A("f32", 5)))
add(case("torch.celu", lambda T, x: T.celu(x, 0.5), A("f32", 5)))
add(case("torch.threshold", lambda T, x: T.threshold(x, 0.1, 20.0), A("f32", 5)))
add(case("torch.hardshrink", lambda T, x: T.hardshrink(x, 0.3), A("f32", 5)))
add(case("torch.prelu", lambda T, x, w: T.prelu(x, w), A("f32", 2, 3), np.array([0.2], np.float32)))
add(case("torch.conv2d", lambda T, x, w: T.conv2d(x, w, None, 1, 1), A("f32", 1, 2, 5, 5), A("f32", 3, 2, 3, 3), tol=TOL))
add(case("torch.conv1d", lambda T, x, w, b: T.conv1d(x, w, b, 2), A("f32", 1, 2, 7), A("f32", 3, 2, 3), A("f32", 3), tol=TOL))
add(case("torch.layer_norm", lambda T, x, w, b: T.layer_norm(x, (4,), w, b), A("f32", 2, 4), A("f32", 4), A("f32", 4), tol=TOL))
add(case("torch.group_norm", lambda T, x: T.group_norm(x, 2), A("f32", 2, 4, 3), tol=TOL))
add(case("torch.batch_norm", lambda T, x, w, b, m, v: T.batch_norm(x, w, b, m, v, False, 0.1, 1e-5, False),
         A("f32", 4, 3), A("f32", 3), A("f32", 3), A("f32", 3), A("f32", 3, lo=0.5, hi=2), tol=TOL, grad=(True, True, True, False, False)))
add(case("torch.embedding", lambda T, w, i: T.embedding(w, i), A("f32", 5, 3), np.array([[0, 4], [2, 2]])))
add(case("torch.pixel_shuffle", lambda T, x: T.pixel_shuffle(x, 2), A("f32", 2, 8, 2, 3)))
add(case("F.pixel_shuffle_unbatched", lambda T, x: T.pixel_shuffle(x, 3), A("f32", 9, 2, 2)))
add(case("torch.pixel_unshuffle", lambda T, x: T.pixel_unshuffle(x, 2), A("f32", 1, 2, 4, 6)))
add(case("torch.pixel_shuffle_err", lambda T, x: T.pixel_shuffle(x, 2), A("f32", 1, 6, 2, 2)))
add(case("torch.channel_shuffle", lambda T, x: T.channel_shuffle(x, 3), A("f32", 2, 6, 2)))
add(case("torch.pdist", lambda T, x: T.pdist(x), A("f64", 4, 3)))
add(case("torch.pdist_p1", lambda T, x: T.pdist(x, 1), A("f64", 5, 2)))
add(case("torch.cosine_similarity", lambda T, a, b: T.cosine_similarity(a, b), A("f32", 3, 4), A("f32", 3, 4), tol=TOL))
add(case("torch.pairwise_distance", lambda T, a, b: T.pairwise_distance(a, b), A("f32", 3, 4), A("f32", 3, 4), tol=TOL))
add(case("torch.max_pool2d", lambda T, x: T.max_pool2d(x, 2), A("f32", 1, 2, 4, 4)))
add(case("torch.avg_pool1d", lambda T, x: T.avg_pool1d(x, 2), A("f32", 1, 2, 6), tol=TOL))
add(case("torch.adaptive_avg_pool1d", lambda T, x: T.adaptive_avg_pool1d(x, 3), A("f32", 1, 2, 7), tol=TOL))
add(case("torch.adaptive_max_pool1d", lambda T, x: T.adaptive_max_pool1d(x, 3), A("f32", 1, 2, 7)))
add(case("torch.alpha_dropout_eval", lambda T, x: T.alpha_dropout(x, 0.5, False), A("f32", 4)))
add(case("torch.bilinear", lambda T, a, b, w: T.bilinear(a, b, w), A("f32", 2, 3), A("f32", 2, 4), A("f32", 5, 3, 4), tol=TOL))
add(case("torch.rrelu_eval", lambda T, x: T.rrelu(x, 0.1, 0.3), A("f32", 6)))
add(case("torch.conv_transpose1d", lambda T, x, w: T.conv_transpose1d(x, w, None, 2, 1), A("f32", 1, 2, 5), A("f32", 2, 3, 3),
         tol=TOL))
add(case("torch.conv_transpose2d", lambda T, x, w, b: T.conv_transpose2d(x, w, b, 1, 1, 0, 1, 2), A("f32", 1, 2, 4, 4),
         A("f32", 2, 1, 3, 3), A("f32", 1), tol=TOL))
add(case("torch.instance_norm", lambda T, x, w, b: T.instance_norm(x, w, b, None, None, True, 0.1, 1e-5, False),
         A("f32", 2, 3, 5), A("f32", 3), A("f32", 3), tol=TOL))
# (PyTorch's native_channel_shuffle has no derivative; dygrad's, an alias, has channel_shuffle's)
add(case("torch.native_channel_shuffle", lambda T, x: T.native_channel_shuffle(x, 2), A("f32", 1, 4, 3), grad=False))
add(case("torch.max_pool1d", lambda T, x: T.max_pool1d(x, 3, 2, 1), A("f32", 2, 3, 9)))
add(case("torch.feature_dropout_eval", lambda T, x: T.feature_dropout(x, 0.5, False), A("f32", 2, 3, 4)))
add(case("torch.dropout_p0", lambda T, x: T.dropout(x, 0.0, True), A("f32", 2, 3)))
add(case("torch.feature_alpha_dropout_eval", lambda T, x: T.feature_alpha_dropout(x, 0.5, False), A("f32", 2, 3, 4)))
add(case("torch.rms_norm", lambda T, x, w: T.rms_norm(x, (4,), w, 1e-3), A("f32", 2, 3, 4), A("f32", 4), tol=TOL))
# the in-place torch.*_ spellings (no Tensor method): on a non-leaf, as PyTorch requires
for name, args in (("selu_", ()), ("celu_", (0.5,)), ("threshold_", (0.1, -3.0)), ("rrelu_", (0.1, 0.3)),
                   ("dropout_", (0.5, False)), ("alpha_dropout_", (0.5, False)), ("feature_dropout_", (0.5, False)),
                   ("feature_alpha_dropout_", (0.5, False))):
    add(case(f"torch.{name}", lambda T, x, n=name, a=args: getattr(T, n)(x * 1, *a), A("f32", 2, 3, 4)))
add(case("torch.selu__leaf_err", lambda T, x: T.selu_(x), A("f32", 3)))
add(case("torch.hardshrink_method", lambda T, x: x.hardshrink(0.2), A("f32", 5)))
add(case("torch.prelu_method", lambda T, x, w: x.prelu(w), A("f32", 2, 3), np.array([0.2, 0.1, 0.3], np.float32)))
add(case("torch.result_type", lambda T, a, b: T.result_type(a, b), A("i32", 3), np.asarray(np.float64(1))))
add(case("torch.result_type_scalar", lambda T, a: T.result_type(a, 2.5), A("i64", 3)))
add(case("torch.is_nonzero", lambda T, a: T.is_nonzero(a), np.array([0.5])))
add(case("torch.is_nonzero_err", lambda T, a: T.is_nonzero(a), np.array([0.5, 1.0])))
add(case("torch.clamp_", lambda T, a: T.clamp_(a, -0.1, 0.1), A("f32", 4), grad=False))
