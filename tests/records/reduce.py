"""Op records: reductions, sorting, cumulative ops and order statistics.

The call records (reduce_samples: all / one dim / negative dim / several dims, keepdim, float32
and float64, 0-dim, empty) carry NumPy references, so reductions are checked without torch too.
The expression samples after them are the parity sweep's cases, kept under their sweep names:
integer/bool inputs, dtype=, ties in max/min/median gradients, nan, sorting, errors."""
import numpy as np

from dygrad.testing import OpRecord, RecordSet, S
from dygrad.testing._samples import REDUCE_DIMS, array, reduce_samples, rng_for
from dygrad.testing.parity import A
from tests.records._names import folder

R = RecordSet()
TOL = (1e-5, 1e-5)
case, add = folder(R)


def red(f, **extra):
    """A reduction reference: torch's dim (int, tuple, list or None) as NumPy's axis."""
    def ref(x, dim=None, keepdim=False):
        axis = tuple(dim) if isinstance(dim, (tuple, list)) else dim
        return f(x, axis=axis, keepdims=keepdim, **extra)
    return ref


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros((1,) * x.ndim)
    r = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis)


def _norm(x, axis=None, keepdims=False):
    return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))


def _count_nonzero(x, dim=None):
    return np.count_nonzero(x, axis=tuple(dim) if isinstance(dim, (tuple, list)) else dim)


ONE_DIM = ((None, False), (0, False), (-1, True))
NO_ALL = tuple(d for d in REDUCE_DIMS if d[0] is not None)
# name: (reference, sample options, twice differentiable, record options)
CALLS = {
    "sum": (red(np.sum), {}, True, {}), "mean": (red(np.mean), {}, True, {}),
    "nansum": (red(np.nansum), {}, True, {}), "nanmean": (red(np.nanmean), {}, True, {}),
    "amax": (red(np.amax), dict(empty=False), False, {}), "amin": (red(np.amin), dict(empty=False), False, {}),
    "logsumexp": (red(_logsumexp), dict(dims=NO_ALL), True, {}),
    "std": (red(np.std, ddof=1), {}, True, {}), "var": (red(np.var, ddof=1), {}, True, {}),
    "norm": (red(_norm), dict(dim_kw=True), True, {}),
    "prod": (red(np.prod), dict(dims=ONE_DIM), True, {}),
    "all": (red(np.all), {}, None, {}), "any": (red(np.any), {}, None, {}),
    "count_nonzero": (_count_nonzero, dict(keepdim=False), None, dict(supports_out=False)),
}
# known dygrad gaps (strict xfails: the run fails once fixed, then the entry goes)
XFAILS = {}
def _cum(f):
    def ref(x, dim):
        return f(x, axis=dim) if x.ndim else x.copy()
    return ref


def _logcumsumexp(x, axis):
    return np.logaddexp.accumulate(x, axis=axis)


def _cummax(f):
    def ref(x, dim):
        if not x.ndim:
            return x.copy(), np.zeros((), np.int64)
        v = f.accumulate(x, axis=dim)
        idx = np.broadcast_to(np.arange(x.shape[dim]).reshape((-1,) + (1,) * (x.ndim - 1 - dim % x.ndim)), x.shape)
        # the last index where the running extreme was reached (PyTorch's choice among ties)
        hit = np.where(x == v, idx, -1)
        return v, np.maximum.accumulate(hit, axis=dim)
    return ref


def _cum_samples(name, dtypes=("f32", "f64")):
    g = rng_for(name)
    out = [S(array(g, dt, (3, 5)), d, _label=f"{name}_{dt}_{d}") for dt in dtypes for d in (0, -1)]
    return out + [S(array(g, "f64", ()), 0, _label=f"{name}_0d"),
                  S(array(g, "f32", (0, 2)), 0, _label=f"{name}_empty"),
                  S(array(g, "f32", (3,)), 1, _label=f"{name}_bad_dim", _raises=IndexError)]


for name, ref, twice in (("cumsum", _cum(np.cumsum), True), ("cumprod", _cum(np.cumprod), True),
                         ("logcumsumexp", _cum(_logcumsumexp), True),
                         ("cummax", _cummax(np.maximum), False), ("cummin", _cummax(np.minimum), False)):
    R.add(OpRecord(name, _cum_samples(name), ref=ref, tol=TOL, gradgrad=twice, supports_out=True))

for name, (ref, opts, twice, rec_opts) in CALLS.items():
    samples = reduce_samples(name, **opts, _tol=TOL)
    for s in samples:
        if s.label == f"{name}_0d" and name in ("std", "var"):
            s.gradcheck = False  # one element: nan with correction=1
    R.add(OpRecord(name, samples, ref=ref, tol=TOL, differentiable=twice is not None,
                   gradgrad=bool(twice), xfails=XFAILS.get(name), **{"supports_out": True, **rec_opts}))


X = A("f32", 3, 4, 5)
DIMS = [None, 0, -1, (0, 2), (1,), ()]
for name in ("sum", "mean", "nansum", "nanmean", "amax", "amin", "logsumexp", "std", "var", "norm",
             "count_nonzero", "all", "any"):
    for dim in DIMS:
        for keep in (False, True):
            if name == "count_nonzero" and keep:
                continue
            if name in ("logsumexp",) and dim is None:
                continue
            if name in ("logsumexp", "std", "var") and dim == ():  # torch mishandles dim=() there
                continue
            if name == "count_nonzero":
                fn = lambda T, x, n=name, d=dim: getattr(T, n)(x, d) if d is not None else getattr(T, n)(x)
            elif name == "norm":
                fn = lambda T, x, d=dim, k=keep: x.norm(dim=d, keepdim=k)
            elif dim is None:
                if keep:
                    continue
                fn = lambda T, x, n=name: getattr(x, n)()
            else:
                fn = lambda T, x, n=name, d=dim, k=keep: getattr(T, n)(x, d, keepdim=k)
            add(case(f"{name}_{dim}_{keep}", fn, X))
for name in ("sum", "prod", "mean", "amax", "argmax", "max", "min", "all", "any", "std", "median",
             "logsumexp", "cumsum", "cumprod", "nansum", "count_nonzero", "argmin", "amin", "var"):
    for dt in ("i64", "i32", "b", "u8", "f64"):
        x = A(dt, 3, 4)
        add(case(f"{name}_{dt}_all", lambda T, x, n=name: getattr(T, n)(x) if n not in ("cumsum", "cumprod", "logsumexp")
                 else getattr(T, n)(x, 0), x))
        add(case(f"{name}_{dt}_dim1", lambda T, x, n=name: getattr(T, n)(x, 1), x))
    add(case(f"{name}_0d", lambda T, x, n=name: getattr(T, n)(x) if n not in ("cumsum", "cumprod", "logsumexp")
             else getattr(T, n)(x, 0), np.asarray(A("f64", 1)[0])))
    add(case(f"{name}_0d_dim0", lambda T, x, n=name: getattr(T, n)(x, 0), np.asarray(A("f32", 1)[0])))
    add(case(f"{name}_0d_dim_out_of_range", lambda T, x, n=name: getattr(T, n)(x, 1), np.asarray(A("f32", 1)[0])))
    add(case(f"{name}_dim_out_of_range", lambda T, x, n=name: getattr(T, n)(x, 3), A("f32", 2, 3)))
    add(case(f"{name}_empty", lambda T, x, n=name: getattr(T, n)(x) if n not in ("cumsum", "cumprod", "logsumexp")
             else getattr(T, n)(x, 0), np.zeros((0, 3), np.float32)))
    add(case(f"{name}_empty_dim0", lambda T, x, n=name: getattr(T, n)(x, 0), np.zeros((0, 3), np.float32)))
    add(case(f"{name}_empty_dim1", lambda T, x, n=name: getattr(T, n)(x, 1), np.zeros((0, 3), np.float32)))

for dt in ("f32", "i64", "b", "i8"):
    add(case(f"sum_dtype_f64_{dt}", lambda T, x: x.sum(dtype=T.float64), A(dt, 3, 4)))
    add(case(f"sum_dim_dtype_{dt}", lambda T, x: T.sum(x, 1, dtype=T.int32), A(dt, 3, 4), grad=False))
    add(case(f"prod_dtype_{dt}", lambda T, x: x.prod(1, dtype=T.float64), A(dt, 3, 4)))
    add(case(f"cumsum_dtype_{dt}", lambda T, x: x.cumsum(1, dtype=T.float64), A(dt, 3, 4)))
    add(case(f"mean_dtype_{dt}", lambda T, x: x.mean(dtype=T.float64), A(dt, 3, 4)))
add(case("sum_axis_kw", lambda T, x: x.sum(axis=1), A("f32", 3, 4)))
add(case("sum_list_dims", lambda T, x: x.sum([0, 1]), A("f32", 3, 4)))
add(case("sum_repeated_dim", lambda T, x: x.sum((0, 0)), A("f32", 3, 4)))
add(case("mean_int_err", lambda T, x: x.mean(), A("i64", 3)))
add(case("max_ties_grad", lambda T, x: x.max(), np.array([[1.0, 3.0, 3.0], [3.0, 0.0, 1.0]])))
add(case("max_dim_ties_grad", lambda T, x: x.max(1), np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]])))
add(case("min_dim_ties_keep", lambda T, x: x.min(0, keepdim=True), np.array([[1.0, 0.0, 3.0], [1.0, 0.0, 1.0]])))
add(case("amax_ties_grad", lambda T, x: x.amax(1), np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])))
add(case("amin_ties_all", lambda T, x: x.amin(), np.array([[1.0, 0.0, 0.0], [2.0, 0.0, 2.0]])))
add(case("argmax_ties", lambda T, x: x.argmax(1), np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]])))
add(case("argmin_ties_flat", lambda T, x: x.argmin(), np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 1.0]])))
add(case("argmax_keep", lambda T, x: T.argmax(x, dim=0, keepdim=True), A("f32", 3, 4)))
add(case("max_nan", lambda T, x: x.max(1), np.array([[1.0, np.nan, 3.0], [2.0, 5.0, 1.0]])))
add(case("argmax_nan", lambda T, x: x.argmax(), np.array([1.0, np.nan, 3.0])))
add(case("amax_nan", lambda T, x: x.amax(), np.array([1.0, np.nan, 3.0])))
add(case("median_even", lambda T, x: x.median(), A("f32", 4, 2)))
add(case("median_dim_even", lambda T, x: x.median(1), A("f32", 3, 4)))
add(case("median_ties", lambda T, x: x.median(1), np.array([[1.0, 2.0, 2.0, 3.0], [5.0, 5.0, 5.0, 5.0]])))
add(case("median_nan", lambda T, x: x.median(), np.array([1.0, np.nan, 3.0])))
add(case("aminmax", lambda T, x: T.aminmax(x), A("f32", 3, 4)))
add(case("aminmax_dim", lambda T, x: T.aminmax(x, dim=1, keepdim=True), A("i64", 3, 4)))
add(case("var_unbiased_false", lambda T, x: x.var(1, unbiased=False), A("f32", 3, 4)))
add(case("var_correction", lambda T, x: T.var(x, (0, 1), correction=2), A("f32", 3, 4)))
add(case("std_single", lambda T, x: x.std(), A("f32", 1)))
add(case("var_single_dim", lambda T, x: x.var(0), A("f64", 1, 3)))
add(case("var_mean", lambda T, x: T.var_mean(x, 1), A("f32", 3, 4)))
add(case("std_mean_keep", lambda T, x: T.std_mean(x, 0, keepdim=True, correction=0), A("f64", 3, 4)))
add(case("std_int_err", lambda T, x: x.std(), A("i64", 4)))
add(case("norm_p1", lambda T, x: x.norm(1), A("f32", 3, 4)))
add(case("norm_inf", lambda T, x: x.norm(float("inf"), dim=1), A("f32", 3, 4)))
add(case("norm_ninf", lambda T, x: x.norm(float("-inf")), A("f32", 3, 4)))
add(case("norm_p0", lambda T, x: x.norm(0, dim=1), A("f32", 3, 4)))
add(case("norm_p3", lambda T, x: T.norm(x, 3, dim=(0, 1), keepdim=True), A("f64", 3, 4)))
add(case("norm_fro_dims", lambda T, x: T.norm(x, "fro", dim=(1, 2)), A("f32", 2, 3, 4)))
add(case("norm_zero_grad", lambda T, x: x.norm(), np.zeros(3)))
add(case("norm_int_err", lambda T, x: x.norm(), A("i64", 3)))
add(case("logsumexp_inf", lambda T, x: x.logsumexp(1), np.array([[-np.inf, -np.inf], [np.inf, 1.0]])))
add(case("logsumexp_int", lambda T, x: T.logsumexp(x, 0), A("i64", 4)))
add(case("prod_zeros_grad", lambda T, x: x.prod(1), np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 2.0], [1.0, 2.0, 3.0]])))
add(case("prod_zero_all", lambda T, x: x.prod(), np.array([[0.0, 2.0], [3.0, 4.0]])))
add(case("cumprod_zeros_grad", lambda T, x: x.cumprod(1), np.array([[0.0, 2.0, 3.0], [2.0, 0.0, 0.0]])))
add(case("cumsum_neg_dim", lambda T, x: T.cumsum(x, -2), A("f32", 3, 4)))
add(case("cumsum_bool", lambda T, x: x.cumsum(0), A("b", 5)))
add(case("cumsum_i32", lambda T, x: x.cumsum(0), A("i32", 5)))
add(case("all_float", lambda T, x: x.all(1), np.array([[0.0, 1.0], [2.0, 3.0]], np.float32)))
add(case("any_uint8", lambda T, x: x.any(), np.array([0, 3], np.uint8)))
add(case("all_uint8_dim", lambda T, x: x.all(0), np.array([0, 3], np.uint8)))
add(case("count_nonzero_dims", lambda T, x: T.count_nonzero(x, (0, 1)), A("i64", 3, 4)))

# sorting
for dt in ("f32", "i64", "b"):
    # distinct values: the order topk gives tied values is unspecified in PyTorch
    x = A(dt, 4, 5) if dt != "i64" else np.random.default_rng(0).permutation(20).reshape(4, 5) - 10
    add(case(f"sort_{dt}", lambda T, x: x.sort(), x))
    add(case(f"sort_desc_{dt}", lambda T, x: T.sort(x, dim=0, descending=True), x))
    add(case(f"sort_stable_{dt}", lambda T, x: T.sort(x, stable=True, dim=0), x))
    add(case(f"argsort_{dt}", lambda T, x: x.argsort(1, descending=True), x))
    add(case(f"topk_{dt}", lambda T, x: x.topk(2), x))
    add(case(f"topk_smallest_{dt}", lambda T, x: T.topk(x, 3, dim=0, largest=False), x))
TIES = np.array([[3.0, 1.0, 3.0, 2.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
add(case("sort_ties_stable", lambda T, x: x.sort(stable=True), TIES))
add(case("sort_ties_desc_stable", lambda T, x: x.sort(descending=True, stable=True), TIES))
add(case("argsort_stable_kw", lambda T, x: T.argsort(x, stable=True), TIES))
add(case("sort_nan", lambda T, x: x.sort(), np.array([3.0, np.nan, 1.0, -np.inf])))
add(case("sort_nan_desc", lambda T, x: x.sort(descending=True), np.array([3.0, np.nan, 1.0, -np.inf])))
add(case("topk_nan", lambda T, x: x.topk(2), np.array([3.0, np.nan, 1.0])))
add(case("topk_k_too_big", lambda T, x: x.topk(6), A("f32", 5)))
add(case("topk_k0", lambda T, x: x.topk(0), A("f32", 5)))
add(case("topk_0d", lambda T, x: x.topk(1), np.asarray(np.float32(2.0))))
add(case("sort_0d", lambda T, x: x.sort(), np.asarray(np.float32(2.0))))
add(case("argsort_0d", lambda T, x: x.argsort(), np.asarray(np.float32(2.0))))
add(case("msort", lambda T, x: T.msort(x), A("f32", 3, 4)))


# -- cumulative ops ----------------------------------------------------------------------------------
for name in ("cummax", "cummin"):
    for dt in ("f32", "i64", "b", "f64"):
        add(case(f"{name}_{dt}", lambda T, x, n=name: getattr(T, n)(x, 1), A(dt, 3, 5)))
    add(case(f"{name}_ties_nan", lambda T, x, n=name: getattr(T, n)(x, 0), np.array([1.0, 3.0, 3.0, 2.0, np.nan, 5.0, np.nan])))
    add(case(f"{name}_ties_grad", lambda T, x, n=name: getattr(T, n)(x, -1), np.array([[2.0, 2.0, 1.0, 2.0], [0.0, 3.0, 3.0, 0.0]])))
    add(case(f"{name}_0d", lambda T, x, n=name: getattr(T, n)(x, 0), np.asarray(np.float32(2.0))))
    add(case(f"{name}_empty", lambda T, x, n=name: getattr(T, n)(x, 0), np.zeros((0, 2), np.float32)))
add(case("logcumsumexp", lambda T, x: T.logcumsumexp(x, 1), A("f32", 3, 5), tol=TOL))
add(case("logcumsumexp_f64_dim0", lambda T, x: T.logcumsumexp(x, 0), A("f64", 4, 3) * 10))
add(case("logcumsumexp_inf", lambda T, x: T.logcumsumexp(x, 0), np.array([-np.inf, 0.0, -np.inf, 2.0]), check_grad=False))
add(case("logcumsumexp_0d", lambda T, x: T.logcumsumexp(x, 0), np.asarray(np.float64(1.5))))
add(case("logcumsumexp_int_err", lambda T, x: T.logcumsumexp(x, 0), A("i64", 3)))
for dt in ("f32", "i64", "b"):
    add(case(f"diff_{dt}", lambda T, x: T.diff(x), A(dt, 3, 5)))
    add(case(f"diff_n2_dim0_{dt}", lambda T, x: T.diff(x, n=2, dim=0), A(dt, 4, 3)))
add(case("diff_prepend_append", lambda T, x, p, a: T.diff(x, dim=1, prepend=p, append=a), A("f32", 3, 4), A("f32", 3, 1), A("f32", 3, 2)))
add(case("diff_n_too_big", lambda T, x: T.diff(x, n=5), A("f32", 3)))
add(case("diff_0d_err", lambda T, x: T.diff(x), np.asarray(np.float32(1))))
add(case("trapezoid", lambda T, y: T.trapezoid(y), A("f32", 3, 5), tol=TOL))
add(case("trapezoid_x", lambda T, y, x: T.trapezoid(y, x, dim=0), A("f64", 4, 3), np.array([0.0, 0.5, 2.0, 3.0])))
add(case("trapezoid_dx", lambda T, y: T.trapezoid(y, dx=0.5), A("f32", 5), tol=TOL))
add(case("trapezoid_int", lambda T, y: T.trapezoid(y), A("i64", 5)))
add(case("trapz", lambda T, y, x: T.trapz(y, x), A("f64", 2, 4), A("f64", 2, 4)))
add(case("cumulative_trapezoid", lambda T, y: T.cumulative_trapezoid(y, dim=0), A("f64", 4, 3)))

# -- order statistics -------------------------------------------------------------------------------
QX = A("f64", 4, 7)
for interp in ("linear", "lower", "higher", "midpoint", "nearest"):
    add(case(f"quantile_{interp}", lambda T, x, i=interp: T.quantile(x, 0.3, dim=1, interpolation=i), QX))
    add(case(f"quantile_qvec_{interp}", lambda T, x, q, i=interp: T.quantile(x, q, dim=0, keepdim=True, interpolation=i),
             QX, np.array([0.0, 0.25, 0.5, 0.9, 1.0]), grad=(True, False)))
    add(case(f"nanquantile_{interp}", lambda T, x, i=interp: T.nanquantile(x, 0.6, dim=1, interpolation=i),
             np.where(A("f64", 4, 7) > 0.8, np.nan, QX)))
add(case("quantile_all", lambda T, x: T.quantile(x, 0.75), QX))
add(case("quantile_all_keepdim", lambda T, x: x.quantile(0.75, keepdim=True), QX))
add(case("quantile_nan", lambda T, x: T.quantile(x, 0.5, dim=1), np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]])))
add(case("nanquantile_allnan", lambda T, x: T.nanquantile(x, 0.5, dim=1), np.array([[np.nan, np.nan], [1.0, 2.0]])))
add(case("quantile_int_err", lambda T, x: T.quantile(x, 0.5), A("i64", 4)))
add(case("quantile_q_range_err", lambda T, x: T.quantile(x, 1.5), A("f32", 4)))
add(case("quantile_q_dtype_err", lambda T, x, q: T.quantile(x, q), A("f32", 4), np.array([0.5]), grad=False))
add(case("quantile_empty_err", lambda T, x: T.quantile(x, 0.5), np.zeros(0, np.float32)))
add(case("quantile_0d", lambda T, x: T.quantile(x, 0.3), np.asarray(np.float64(2.0))))
add(case("nanmedian", lambda T, x: T.nanmedian(x), np.array([1.0, np.nan, 3.0, 2.0])))
add(case("nanmedian_dim", lambda T, x: T.nanmedian(x, 1), np.array([[1.0, np.nan, 3.0, 2.0], [np.nan, 5.0, np.nan, np.nan]])))
add(case("nanmedian_keep", lambda T, x: x.nanmedian(0, keepdim=True), A("f32", 5, 3)))
add(case("nanmedian_int", lambda T, x: T.nanmedian(x), A("i64", 5)))
add(case("mode", lambda T, x: T.mode(x, 1), np.array([[1.0, 3.0, 3.0, 2.0, 1.0, 3.0], [5.0, 5.0, 4.0, 4.0, 0.0, 0.0]])))
add(case("mode_int_keep", lambda T, x: x.mode(0, keepdim=True), A("i64", 6, 3, lo=0, hi=3)))
add(case("mode_default_dim", lambda T, x: T.mode(x), A("i64", 2, 9, lo=0, hi=4)))
add(case("mode_bool", lambda T, x: T.mode(x), A("b", 7)))
add(case("mode_0d", lambda T, x: T.mode(x), np.asarray(np.float32(3.0))))
for k in (1, 3, 5):
    add(case(f"kthvalue_{k}", lambda T, x, k=k: T.kthvalue(x, k, 1), A("f32", 3, 5)))
add(case("kthvalue_keep_dim0", lambda T, x: x.kthvalue(2, 0, keepdim=True), A("f64", 4, 3)))
add(case("kthvalue_int", lambda T, x: T.kthvalue(x, 2), np.random.default_rng(1).permutation(10).reshape(2, 5)))
add(case("kthvalue_oob", lambda T, x: T.kthvalue(x, 6), A("f32", 5)))
add(case("kthvalue_bool_err", lambda T, x: T.kthvalue(x, 1), A("b", 5)))
add(case("msort", lambda T, x: T.msort(x), A("f32", 4, 3)))
