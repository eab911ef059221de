"""Core ops without the PyTorch oracle: forward values against NumPy references (elementwise
math with broadcasting, PyTorch's result dtypes written out as data, integer division and
remainder signs, reductions, scans, sorting, indexing reads and writes, matmul/einsum, linalg),
gradients against float64 finite differences. These run whether or not torch is installed."""
import numpy as np
import pytest

import dygrad
from dygrad.autograd import gradcheck

rng = np.random.default_rng(13)


def R(*shape):
    return rng.standard_normal(shape)


def T(a, grad=False):
    return dygrad.tensor(a, requires_grad=grad)


def close(t, want, tol=1e-12):
    np.testing.assert_allclose(t.detach().numpy(), want, rtol=tol, atol=tol)


UNARY = {
    "exp": (dygrad.exp, np.exp), "log": (lambda t: dygrad.log(t.abs() + 0.1), lambda x: np.log(np.abs(x) + 0.1)),
    "sqrt": (lambda t: t.abs().sqrt(), lambda x: np.sqrt(np.abs(x))), "sin": (dygrad.sin, np.sin),
    "cos": (dygrad.cos, np.cos), "tan": (dygrad.tan, np.tan), "atan": (dygrad.atan, np.arctan),
    "sinh": (dygrad.sinh, np.sinh), "expm1": (dygrad.expm1, np.expm1), "log1p": (lambda t: (t.abs()).log1p(),
                                                                                lambda x: np.log1p(np.abs(x))),
    "rsqrt": (lambda t: (t.abs() + 0.5).rsqrt(), lambda x: 1 / np.sqrt(np.abs(x) + 0.5)),
    "reciprocal": (lambda t: (t.abs() + 0.5).reciprocal(), lambda x: 1 / (np.abs(x) + 0.5)),
    "square": (dygrad.square, np.square), "pow_scalar": (lambda t: t ** 3, lambda x: x ** 3),
    "neg": (dygrad.neg, np.negative), "abs": (dygrad.abs, np.abs),
    "floor": (dygrad.floor, np.floor), "ceil": (dygrad.ceil, np.ceil), "trunc": (dygrad.trunc, np.trunc),
    "round": (lambda t: dygrad.round(t * 2), lambda x: np.round(x * 2)),  # half to even, as NumPy
    "sign": (dygrad.sign, np.sign), "clamp": (lambda t: t.clamp(-0.5, 0.3), lambda x: np.clip(x, -0.5, 0.3)),
    "erf_inv_round_trip": (lambda t: dygrad.erfinv(dygrad.erf(t * 0.5)), lambda x: x * 0.5),
    "atan2": (lambda t: dygrad.atan2(t, t.flip(0)), lambda x: np.arctan2(x, x[::-1])),
    "hypot": (lambda t: dygrad.hypot(t, t.flip(1)), lambda x: np.hypot(x, x[:, ::-1])),
    "lerp": (lambda t: dygrad.lerp(t, t.flip(0), 0.3), lambda x: x + 0.3 * (x[::-1] - x)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_elementwise_forward_matches_numpy(name):
    fn, ref = UNARY[name]
    x = R(4, 3) * 1.5
    close(fn(T(x)), ref(x), 1e-10)
    close(fn(T(x.astype(np.float32))), ref(x.astype(np.float32).astype(np.float64)), 1e-5)


SMOOTH = ["exp", "log", "sqrt", "sin", "cos", "tan", "atan", "sinh", "expm1", "log1p", "rsqrt",
          "reciprocal", "square", "pow_scalar", "neg", "atan2", "hypot", "lerp", "erf_inv_round_trip"]


@pytest.mark.parametrize("name", SMOOTH)
def test_elementwise_gradcheck(name):
    x = R(4, 3) * 1.5
    x[np.abs(x) < 0.05] = 0.3  # off |x|'s kink
    assert gradcheck(UNARY[name][0], (T(x, True),))


BINARY = {
    "add": (lambda a, b: a + b, np.add), "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply), "div": (lambda a, b: a / b, np.divide),
    "pow": (lambda a, b: a.abs() ** b, lambda a, b: np.abs(a) ** b),
    "maximum": (dygrad.maximum, np.maximum), "minimum": (dygrad.minimum, np.minimum),
    "where": (lambda a, b: dygrad.where(a > b, a, b * 2), lambda a, b: np.where(a > b, a, b * 2)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_broadcasting_matches_numpy_and_gradcheck(name):
    fn, ref = BINARY[name]
    a, b = R(3, 1, 4), R(2, 1) + 0.1
    close(fn(T(a), T(b)), ref(a, b), 1e-10)
    assert tuple(fn(T(a), T(b)).shape) == (3, 2, 4)
    assert gradcheck(fn, (T(a, True), T(b, True)))  # broadcast gradients are summed back


def test_integer_division_and_remainder_signs():
    a, b = np.array([7, -7, 7, -7, 0]), np.array([2, 2, -2, -2, 3])
    da, db = T(a), T(b)
    np.testing.assert_array_equal((da // db).numpy(), np.floor_divide(a, b))   # floors
    np.testing.assert_array_equal(dygrad.remainder(da, db).numpy(), np.mod(a, b))  # sign of divisor
    np.testing.assert_array_equal(dygrad.fmod(da, db).numpy(), np.fmod(a, b))  # sign of dividend
    np.testing.assert_array_equal(dygrad.div(da, db, rounding_mode="trunc").numpy(), np.trunc(a / b))
    np.testing.assert_allclose((da / db).numpy(), a / b, rtol=1e-6)
    x, y = R(5) * 5, R(5) * 2
    close(dygrad.remainder(T(x), T(y)), np.mod(x, y), 1e-12)
    close(dygrad.fmod(T(x), T(y)), np.fmod(x, y), 1e-12)


# (left, right) -> result dtype; a Python number takes the category's default (float32), a 0-dim
# tensor counts only when its category is higher than every dimensioned operand's
PROMOTION = [
    (np.array([1, 2]), np.array([3, 4]), "/", "float32"),
    (np.array([1, 2], np.int8), np.array([3, 4], np.uint8), "+", "int16"),
    (np.array([1, 2], np.int32), 2.5, "*", "float32"),
    (np.array([1, 2], np.int32), 2, "*", "int32"),
    (np.array([1, 2], np.float32), np.array(2.0), "+", "float32"),
    (np.array([1, 2], np.int64), np.array(2.0), "+", "float64"),
    (np.array([1, 2], np.float16), np.array([1, 2], np.float32), "+", "float32"),
    (np.array([True, False]), np.array([True, True]), "+", "bool"),
    (np.array([True, False]), 3, "*", "int64"),
    (np.array([1, 2], np.uint8), -1, "+", "uint8"),
    (np.array([1.0, 2.0], np.float32), np.array([1, 2]), "//", "float32"),
]


@pytest.mark.parametrize("a,b,op,want", PROMOTION)
def test_result_dtypes(a, b, op, want):
    da = T(a)
    db = T(b) if isinstance(b, np.ndarray) else b
    out = {"+": lambda: da + db, "*": lambda: da * db, "/": lambda: da / db, "//": lambda: da // db}[op]()
    assert out.dtype == getattr(dygrad, want)


REDUCTIONS = {
    "sum": (lambda t: t.sum(1), lambda x: x.sum(1)),
    "sum_keepdim": (lambda t: t.sum((0, 2), keepdim=True), lambda x: x.sum((0, 2), keepdims=True)),
    "mean": (lambda t: t.mean(-1), lambda x: x.mean(-1)),
    "prod": (lambda t: t.prod(0), lambda x: x.prod(0)),
    "var": (lambda t: t.var(1), lambda x: x.var(1, ddof=1)),
    "var_corr0": (lambda t: t.var(1, correction=0), lambda x: x.var(1)),
    "std": (lambda t: t.std(), lambda x: x.std(ddof=1)),
    "amax": (lambda t: t.amax((1, 2)), lambda x: x.max((1, 2))),
    "max_dim": (lambda t: t.max(1).values, lambda x: x.max(1)),
    "min_dim_idx": (lambda t: t.min(2).indices, lambda x: x.argmin(2)),
    "argmax": (lambda t: t.argmax(), lambda x: x.argmax()),
    "logsumexp": (lambda t: t.logsumexp(1), lambda x: np.log(np.exp(x).sum(1))),
    "norm": (lambda t: t.norm(), lambda x: np.sqrt((x ** 2).sum())),
    "norm_p1_dim": (lambda t: dygrad.linalg.vector_norm(t, 1, dim=0), lambda x: np.abs(x).sum(0)),
    "cumsum": (lambda t: t.cumsum(1), lambda x: x.cumsum(1)),
    "cumprod": (lambda t: t.cumprod(2), lambda x: x.cumprod(2)),
    "cummax": (lambda t: t.cummax(0).values, lambda x: np.maximum.accumulate(x, 0)),
    "median": (lambda t: t.median(), lambda x: np.sort(x, None)[(x.size - 1) // 2]),  # lower median
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_matches_numpy(name):
    fn, ref = REDUCTIONS[name]
    x = R(3, 4, 5)
    out = fn(T(x))
    close(out, ref(x), 1e-10)
    if out.dtype.is_floating_point and name not in ("median",):
        assert gradcheck(fn, (T(x, True),))


def test_integer_sum_and_mean_dtypes():
    x = np.arange(12, dtype=np.int32).reshape(3, 4)
    assert T(x).sum().dtype == dygrad.int64 and T(x).sum().item() == 66  # ints sum in int64
    assert T(x > 5).sum().item() == 6
    with pytest.raises(RuntimeError, match="mean"):
        T(x).mean()  # mean needs a floating (or complex) dtype


def test_sort_topk_unique_match_numpy():
    x = R(4, 6)
    s = T(x).sort(1, descending=True)
    close(s.values, -np.sort(-x, 1))
    np.testing.assert_array_equal(s.indices.numpy(), np.argsort(-x, 1, kind="stable"))
    k = T(x).topk(2, dim=0)
    close(k.values, -np.sort(-x, 0)[:2])
    v = np.array([3, 1, 3, 2, 1, 3])
    u, inv, cnt = dygrad.unique(T(v), return_inverse=True, return_counts=True)
    nu, ninv, ncnt = np.unique(v, return_inverse=True, return_counts=True)
    for a, b in ((u, nu), (inv, ninv), (cnt, ncnt)):
        np.testing.assert_array_equal(a.numpy(), b)
    assert gradcheck(lambda t: t.sort(1).values, (T(x, True),))


def test_indexing_reads_match_numpy():
    x = R(4, 5, 3)
    idx, mask = np.array([3, 0, 3]), x[:, 0, 0] > 0
    for key in (1, slice(1, None, 2), (Ellipsis, 1), (idx,), (slice(None), idx[:2], 0),
                (idx, idx[:, None] % 5), (mask,), (None, 2), (-1, 0)):
        dkey = tuple(T(k) if isinstance(k, np.ndarray) else k for k in key) if isinstance(key, tuple) else key
        close(T(x)[dkey], x[key])
    assert gradcheck(lambda t: t[T(idx), 1:], (T(x, True),))  # a repeated index accumulates


def test_index_writes_match_numpy():
    x, idx = R(5, 3), np.array([4, 0, 4])
    d = T(x.copy())
    d[T(idx)] = T(np.ones(3))
    want = x.copy()
    want[idx] = 1
    close(d, want)
    d = T(x.copy())
    d.index_put_((T(idx),), T(np.full((3, 3), 2.0)), accumulate=True)
    want = x.copy()
    np.add.at(want, idx, 2.0)
    close(d, want)
    d = T(x.copy())
    d[T(x > 0)] = 0.0
    close(d, np.where(x > 0, 0.0, x))
    np.testing.assert_array_equal(d.masked_select(T(x < -0.5)).numpy(), x[x < -0.5])


def test_gather_take_along_dim_match_numpy():
    x, i = R(3, 4), np.array([[0, 3, 3], [1, 1, 0], [2, 0, 1]])
    close(T(x).gather(1, T(i)), np.take_along_axis(x, i, 1))
    close(dygrad.take(T(x), T(np.array([11, 0, 5]))), x.reshape(-1)[[11, 0, 5]])
    assert gradcheck(lambda t: t.gather(1, T(i)), (T(x, True),))


def test_matmul_family_matches_numpy_and_gradcheck():
    a, b, v = R(2, 3, 4), R(4, 5), R(4)
    close(T(a) @ T(b), a @ b, 1e-12)
    close(T(a) @ T(v), a @ v, 1e-12)
    close(dygrad.bmm(T(a), T(a.transpose(0, 2, 1))), a @ a.transpose(0, 2, 1), 1e-12)
    close(dygrad.einsum("bij,jk->bik", T(a), T(b)), np.einsum("bij,jk->bik", a, b), 1e-12)
    close(dygrad.einsum("bij,bij->b", T(a), T(a)), np.einsum("bij,bij->b", a, a), 1e-12)
    close(dygrad.outer(T(v), T(v[:2])), np.outer(v, v[:2]), 1e-12)
    close(dygrad.addmm(T(b[:2]), T(a[0, :2, :3]), T(b[:3])), b[:2] + a[0, :2, :3] @ b[:3], 1e-12)
    assert gradcheck(lambda x, y: x @ y, (T(a, True), T(b, True)))
    assert gradcheck(lambda x, y: dygrad.einsum("bij,jk->bk", x, y), (T(a, True), T(b, True)))


def test_linalg_matches_numpy_and_gradcheck():
    a = R(3, 3) + 3 * np.eye(3)
    rhs, u, v = R(3, 2), R(2, 3), R(2, 3)
    la = dygrad.linalg
    close(la.inv(T(a)), np.linalg.inv(a), 1e-10)
    close(la.det(T(a)), np.linalg.det(a), 1e-10)
    sign, logabs = la.slogdet(T(-a))
    close(sign, np.linalg.slogdet(-a)[0])
    close(logabs, np.linalg.slogdet(-a)[1], 1e-10)
    close(la.solve(T(a), T(rhs)), np.linalg.solve(a, rhs), 1e-10)
    close(la.matrix_power(T(a), 3), np.linalg.matrix_power(a, 3), 1e-10)
    close(la.matrix_power(T(a), -2), np.linalg.matrix_power(a, -2), 1e-10)
    close(la.multi_dot([T(a), T(rhs), T(u)]), a @ rhs @ u, 1e-10)
    close(la.matrix_norm(T(a)), np.linalg.norm(a, "fro"), 1e-12)
    close(la.cross(T(u), T(v)), np.cross(u, v), 1e-12)
    for fn in (la.inv, la.det, lambda t: la.solve(t, T(rhs)), lambda t: la.slogdet(t)[1],
               lambda t: la.matrix_power(t, -2)):
        assert gradcheck(fn, (T(a, True),))


def test_cat_stack_split_pad_flip_roll_match_numpy():
    a, b = R(2, 3), R(4, 3)
    close(dygrad.cat([T(a), T(b)]), np.concatenate([a, b]))
    close(dygrad.stack([T(a), T(a * 2)], 1), np.stack([a, a * 2], 1))
    close(T(b).flip(0, 1), b[::-1, ::-1])
    close(T(b).roll(1, 0), np.roll(b, 1, 0))
    close(dygrad.nn.functional.pad(T(a), (1, 2), value=7.0), np.pad(a, ((0, 0), (1, 2)), constant_values=7.0))
    close(dygrad.nn.functional.pad(T(b[None]), (1, 1), mode="reflect")[0], np.pad(b, ((0, 0), (1, 1)), "reflect"))
    close(T(b).tril(-1), np.tril(b, -1))
    close(T(b).repeat(2, 1), np.tile(b, (2, 1)))
    close(T(a).repeat_interleave(2, 0), np.repeat(a, 2, 0))
    assert gradcheck(lambda x, y: dygrad.cat([x, y.flip(0)]).roll(1, 0), (T(a, True), T(b, True)))
