"""More ops without the PyTorch oracle: masked ops, joins and splits, rearrangements, scatter
reductions, bucketing and counting, scans and order statistics, products and distances, against
NumPy references; float64 gradchecks for the differentiable ones. These run whether or not torch
is installed."""
import numpy as np
import pytest

import dygrad
from dygrad.autograd import gradcheck

rng = np.random.default_rng(16)


def R(*shape):
    return rng.standard_normal(shape)


def T(a, grad=False):
    return dygrad.tensor(a, requires_grad=grad)


X, Y, M = R(3, 4), R(3, 4), rng.random((3, 4)) > 0.5
V, W = R(5), R(4, 4)

# name -> (dygrad function of float tensors, NumPy reference, float inputs)
OPS = {
    "masked_fill": (lambda x: x.masked_fill(T(M), -2.0), lambda x: np.where(M, -2.0, x), [X]),
    "where_scalar": (lambda x: dygrad.where(T(M), x, 0.5), lambda x: np.where(M, x, 0.5), [X]),
    "masked_scatter": (lambda x, s: x.masked_scatter(T(M), s),
                       lambda x, s: (lambda o: (o.__setitem__(M, s.reshape(-1)[:M.sum()]), o)[1])(x.copy()),
                       [X, Y]),
    "hstack": (lambda x, y: dygrad.hstack([x, y]), lambda x, y: np.hstack([x, y]), [X, Y]),
    "vstack": (lambda x, y: dygrad.vstack([x, y]), lambda x, y: np.vstack([x, y]), [X, Y]),
    "dstack": (lambda x, y: dygrad.dstack([x, y]), lambda x, y: np.dstack([x, y]), [X, Y]),
    "tensor_split": (lambda x: dygrad.tensor_split(x, 3, dim=1)[1], lambda x: np.array_split(x, 3, 1)[1], [X]),
    "tensor_split_idx": (lambda x: dygrad.tensor_split(x, [1, 3], dim=1)[2], lambda x: np.split(x, [1, 3], 1)[2], [X]),
    "tile": (lambda x: x.tile((2, 1, 2)), lambda x: np.tile(x, (2, 1, 2)), [X]),
    "movedim": (lambda x: x.reshape(3, 2, 2).movedim(0, -1), lambda x: np.moveaxis(x.reshape(3, 2, 2), 0, -1), [X]),
    "rot90": (lambda x: x.rot90(1, (0, 1)), lambda x: np.rot90(x, 1, (0, 1)), [X]),
    "rot90_k3": (lambda x: x.rot90(3, (1, 0)), lambda x: np.rot90(x, 3, (1, 0)), [X]),
    "triu": (lambda x: x.triu(1), lambda x: np.triu(x, 1), [X]),
    "diag": (lambda v: dygrad.diag(v, -1), lambda v: np.diag(v, -1), [V]),
    "diagonal_offset": (lambda w: w.diagonal(1), lambda w: np.diagonal(w, 1), [W]),
    "diag_embed": (lambda x: dygrad.diag_embed(x), lambda x: np.einsum("ij,jk->ijk", x, np.eye(4)), [X]),
    "unflatten": (lambda x: x.unflatten(1, (2, 2)), lambda x: x.reshape(3, 2, 2), [X]),
    "fliplr": (dygrad.fliplr, np.fliplr, [X]),
    "diff": (lambda x: dygrad.diff(x, dim=1), lambda x: np.diff(x, axis=1), [X]),
    "logcumsumexp": (lambda x: x.logcumsumexp(1), lambda x: np.logaddexp.accumulate(x, 1), [X]),
    "cummin": (lambda x: x.cummin(0).values, lambda x: np.minimum.accumulate(x, 0), [X]),
    "kthvalue": (lambda x: x.kthvalue(2, 1).values, lambda x: np.sort(x, 1)[:, 1], [X]),
    "aminmax": (lambda x: dygrad.aminmax(x, dim=0).max, lambda x: x.max(0), [X]),
    "clamp_tensors": (lambda x, y: x.clamp(min=y, max=y + 1), lambda x, y: np.minimum(np.maximum(x, y), y + 1),
                      [X, Y]),
    "lerp_tensor_weight": (lambda x, y: dygrad.lerp(x, y, y.sigmoid()),
                           lambda x, y: x + 1 / (1 + np.exp(-y)) * (y - x), [X, Y]),
    "addcmul": (lambda x, y: dygrad.addcmul(x, x, y, value=0.5), lambda x, y: x + 0.5 * x * y, [X, Y]),
    "addcdiv": (lambda x, y: dygrad.addcdiv(x, x, y.exp(), value=-2), lambda x, y: x - 2 * x / np.exp(y), [X, Y]),
    "baddbmm": (lambda x, y: dygrad.baddbmm(x[:2, :2].unsqueeze(0), x.reshape(1, 3, 4)[:, :2], y.reshape(1, 4, 3)[:, :, :2],
                                            beta=0.5, alpha=2.0),
                lambda x, y: 0.5 * x[None, :2, :2] + 2.0 * x.reshape(1, 3, 4)[:, :2] @ y.reshape(1, 4, 3)[:, :, :2],
                [X, Y]),
    "tensordot": (lambda x, y: dygrad.tensordot(x, y, dims=([1], [1])), lambda x, y: np.tensordot(x, y, ([1], [1])),
                  [X, Y]),
    "kron": (lambda x, y: dygrad.kron(x[:2, :2], y[:2]), lambda x, y: np.kron(x[:2, :2], y[:2]), [X, Y]),
    "cdist": (lambda x, y: dygrad.cdist(x, y), lambda x, y: np.linalg.norm(x[:, None] - y[None], axis=-1), [X, Y]),
    "cdist_p1": (lambda x, y: dygrad.cdist(x, y, p=1), lambda x, y: np.abs(x[:, None] - y[None]).sum(-1), [X, Y]),
    "trace": (dygrad.trace, np.trace, [W]),
    "renorm": (lambda x: x.renorm(2, 0, 1.0),
               lambda x: x * np.minimum(1.0, 1.0 / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-7)), [X]),
    "logaddexp": (dygrad.logaddexp, np.logaddexp, [X, Y]),
    "xlogy": (lambda x, y: dygrad.xlogy(x, y.abs() + 0.1), lambda x, y: x * np.log(np.abs(y) + 0.1), [X, Y]),
    "copysign": (lambda x, y: dygrad.copysign(x, y), np.copysign, [X, Y]),
    "frac": (dygrad.frac, lambda x: x - np.trunc(x), [X]),
    "std_mean": (lambda x: dygrad.std_mean(x, 1)[0], lambda x: x.std(1, ddof=1), [X]),
    "var_mean_mean": (lambda x: dygrad.var_mean(x, 0, correction=0)[1], lambda x: x.mean(0), [X]),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_matches_numpy(name):
    fn, ref, inputs = OPS[name]
    np.testing.assert_allclose(fn(*[T(a) for a in inputs]).numpy(), ref(*inputs), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_gradcheck(name):
    fn, _, inputs = OPS[name]
    assert gradcheck(fn, tuple(T(a, True) for a in inputs))


@pytest.mark.parametrize("reduce", ["sum", "prod", "amax", "amin", "mean"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_matches_numpy(reduce, include_self):
    src, idx = R(6), np.array([0, 2, 0, 1, 2, 0])
    base = R(4)
    got = T(base).scatter_reduce(0, T(idx), T(src), reduce, include_self=include_self)
    want = base.copy()
    for k in range(4):  # slot 3 gets nothing: it keeps its value either way
        vals = list(src[idx == k]) + ([base[k]] if include_self or not (idx == k).any() else [])
        want[k] = {"sum": np.sum, "prod": np.prod, "amax": np.max, "amin": np.min, "mean": np.mean}[reduce](vals)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


def test_bucketing_and_counting_match_numpy():
    edges, v = np.array([0.0, 1.0, 2.5, 4.0]), np.array([-1.0, 0.0, 1.0, 3.0, 4.0, 9.0])
    for right in (False, True):
        side = "right" if right else "left"
        np.testing.assert_array_equal(dygrad.searchsorted(T(edges), T(v), right=right).numpy(),
                                      np.searchsorted(edges, v, side))
        # bucketize is searchsorted with the arguments swapped (same side rule)
        np.testing.assert_array_equal(dygrad.bucketize(T(v), T(edges), right=right).numpy(),
                                      np.searchsorted(edges, v, side))
    ints = np.array([1, 4, 1, 0, 4, 4])
    np.testing.assert_array_equal(dygrad.bincount(T(ints)).numpy(), np.bincount(ints))
    np.testing.assert_allclose(dygrad.bincount(T(ints), weights=T(V.repeat(2)[:6]), minlength=7).numpy(),
                               np.bincount(ints, V.repeat(2)[:6], 7), rtol=1e-12)
    x = R(50)
    np.testing.assert_array_equal(dygrad.histc(T(x), bins=5, min=-1, max=1).numpy(),
                                  np.histogram(x, 5, (-1, 1))[0].astype(np.float64))
    np.testing.assert_array_equal(dygrad.count_nonzero(T(M), dim=0).numpy(), np.count_nonzero(M, axis=0))
    np.testing.assert_array_equal(T(X).argsort(1, descending=True).numpy(), np.argsort(-X, 1))
