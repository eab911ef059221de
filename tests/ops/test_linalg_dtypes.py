"""The matmul family's dtype rules against PyTorch: integer/bool operands, mixed dtypes (raise
or promote, per op), float alpha/beta on integer results, beta == 0 / alpha == 0 ignoring
NaN in the skipped operand, einsum's per-operand sums, and linear's bias rules."""
import numpy as np
import pytest

import dygrad

DTS = ("float32", "float64", "int64", "int32", "bool")


def _ones(lib, shape, dt):
    return lib.ones(shape, dtype=getattr(lib, dt))


def _outcome(lib, fn):
    try:
        r = fn(lib)
    except Exception as e:  # noqa: BLE001  (the class is what we compare)
        return type(e).__name__
    return str(r.dtype).split(".")[-1], tuple(r.shape), r.detach().numpy().tolist()


def _same(fn):
    torch = pytest.importorskip("torch")
    assert _outcome(dygrad, fn) == _outcome(torch, fn)


MATMUL_FORMS = {
    "mm": lambda L, a, b: L.mm(_ones(L, (2, 3), a), _ones(L, (3, 2), b)),
    "bmm": lambda L, a, b: L.bmm(_ones(L, (1, 2, 3), a), _ones(L, (1, 3, 2), b)),
    "matmul3x2": lambda L, a, b: L.matmul(_ones(L, (2, 2, 3), a), _ones(L, (3, 2), b)),
    "matmul3x1": lambda L, a, b: L.matmul(_ones(L, (2, 2, 3), a), _ones(L, (3,), b)),
    "mv": lambda L, a, b: L.mv(_ones(L, (2, 3), a), _ones(L, (3,), b)),
    "dot": lambda L, a, b: L.dot(_ones(L, (3,), a), _ones(L, (3,), b)),
    "outer": lambda L, a, b: L.outer(_ones(L, (3,), a), _ones(L, (2,), b)),
    "tensordot": lambda L, a, b: L.tensordot(_ones(L, (2, 3), a), _ones(L, (3, 2), b), dims=1),
    "tensordot0": lambda L, a, b: L.tensordot(_ones(L, (2,), a), _ones(L, (3,), b), dims=0),
    "linear": lambda L, a, b: L.nn.functional.linear(_ones(L, (2, 3), a), _ones(L, (2, 3), b)),
}


@pytest.mark.parametrize("form", sorted(MATMUL_FORMS))
def test_products_across_dtypes(form):
    for a in DTS:
        for b in DTS:
            _same(lambda L: MATMUL_FORMS[form](L, a, b))


@pytest.mark.parametrize("shapes", [((4, 0), (0, 3)), ((0, 1), (1, 3)), ((2, 2, 0), (2, 0, 3)),
                                    ((2, 0), (0,)), ((1, 1), (0, 1, 2)), ((3,), (3,)),
                                    ((0,), (0,)), ((1, 1), (1, 1))])
def test_bool_products_only_without_work(shapes):
    # PyTorch has no bool kernels, but answers (all False / empty) when nothing is computed
    _same(lambda L: L.matmul(_ones(L, shapes[0], "bool"), _ones(L, shapes[1], "bool")))


FUSED = {"addmm": ((2, 2), (2, 3), (3, 2)), "addmv": ((2,), (2, 3), (3,)),
         "addr": ((2, 3), (2,), (3,)), "baddbmm": ((1, 2, 2), (1, 2, 3), (1, 3, 2)),
         "addbmm": ((2, 2), (1, 2, 3), (1, 3, 2))}


@pytest.mark.parametrize("op", sorted(FUSED))
def test_fused_products_dtypes_and_scalars(op):
    si, s1, s2 = FUSED[op]
    for di in DTS:
        for dm in DTS:
            for kw in ({}, {"beta": 2}, {"beta": 0.5}, {"alpha": 0.5}, {"beta": 0.0},
                       {"alpha": True}):
                _same(lambda L: getattr(L, op)(_ones(L, si, di) * 3 if di != "bool" else
                                               _ones(L, si, di), _ones(L, s1, dm),
                                               _ones(L, s2, dm), **kw))


def test_addr_promotes_a_zero_dim_input_fully():
    _same(lambda L: L.addr(_ones(L, (), "float64"), _ones(L, (2,), "float32"),
                           _ones(L, (3,), "float32")))
    _same(lambda L: L.addr(_ones(L, (), "int64"), _ones(L, (2,), "int32"),
                           _ones(L, (3,), "int32")))


@pytest.mark.parametrize("op", sorted(FUSED))
def test_zero_beta_or_alpha_skip_nan_and_keep_the_graph(op):
    torch = pytest.importorskip("torch")
    si, s1, s2 = FUSED[op]
    rng = np.random.default_rng(3)
    arrs = [rng.standard_normal(s) for s in (si, s1, s2)]
    arrs[0][...] = np.nan
    res = []
    for L in (dygrad, torch):
        ts = [L.tensor(a, requires_grad=True) for a in arrs]
        out = getattr(L, op)(*ts, beta=0)
        out.sum().backward()
        res.append([out.detach().numpy()] + [t.grad.numpy() for t in ts])
    for x, y in zip(*res):
        np.testing.assert_allclose(x, y, rtol=1e-10)
    # alpha == 0: addmm/addmv/addbmm skip the product (its NaN too); addr/baddbmm do not
    arrs = [rng.standard_normal(s) for s in (si, s1, s2)]
    arrs[2].flat[0] = np.nan
    outs = [getattr(L, op)(*[L.tensor(a) for a in arrs], alpha=0).numpy() for L in (dygrad, torch)]
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-10)


def test_zero_beta_ignores_nan_input_without_torch():
    x = dygrad.full((2,), float("nan"), requires_grad=True)
    out = dygrad.addmv(x, dygrad.ones(2, 3), dygrad.ones(3), beta=0)
    assert out.requires_grad and out.tolist() == [3.0, 3.0]
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


EINSUM = [("ij,jk->ik", (2, 2), (2, 2)), ("i,j->ij", (2,), (3,)), ("lki,j->j", (3, 1, 3), (1,)),
          ("ki,l->ik", (1, 3), (3,)), ("j,jl", (1,), (1, 2)), ("i,i->", (2,), (2,)),
          ("i,i->i", (2,), (2,)), ("i,j->", (2,), (3,)), ("ij,j->", (2, 2), (2,)),
          ("ilj,jk->i", (1, 2, 3), (3, 1))]


@pytest.mark.parametrize("eq,sa,sb", EINSUM)
def test_einsum_dtypes(eq, sa, sb):
    for a in DTS:
        for b in DTS:
            _same(lambda L: L.einsum(eq, _ones(L, sa, a), _ones(L, sb, b)))


@pytest.mark.parametrize("eq", ["ij->", "ij->i", "ij->ji", "ii->i"])
def test_einsum_one_operand_dtypes(eq):
    for a in DTS:
        _same(lambda L: L.einsum(eq, _ones(L, (2, 2), a)))


def test_einsum_mixed_floats_sum_each_operand_in_its_own_dtype():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(3).astype(np.float32), rng.standard_normal((3, 3, 2))
    outs = [L.einsum("j,ilk->lk", L.tensor(a), L.tensor(b)).numpy() for L in (dygrad, torch)]
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12)
    assert outs[0].dtype == np.float64


def test_einsum_bool_contraction_raises_without_torch():
    b = dygrad.ones(2, 2, dtype=dygrad.bool)
    with pytest.raises(NotImplementedError):
        dygrad.einsum("ij,jk->ik", b, b)
    assert dygrad.einsum("ij->", b).dtype == dygrad.int64
    assert dygrad.einsum("i,j->ij", b[0], dygrad.ones(2, dtype=dygrad.int32)).dtype == dygrad.int32


@pytest.mark.parametrize("xs", [(4,), (2, 4), (3, 2, 4), (1, 3, 2, 4), (3, 1, 0)])
def test_linear_bias_dtypes_and_empty(xs):
    k = xs[-1]
    for bshape in ((3,), ()):
        for bdt in ("int32", "int64", "float64"):
            _same(lambda L: L.nn.functional.linear(_ones(L, xs, "int64"), _ones(L, (3, k), "int64"),
                                                   _ones(L, bshape, bdt)))
    _same(lambda L: L.nn.functional.linear(_ones(L, xs, "bool"), _ones(L, (3, k), "bool")))
    for bshape in ((), (1,), (2,)):
        _same(lambda L: L.nn.functional.linear(_ones(L, xs, "float32"), _ones(L, (k,), "float32"),
                                               _ones(L, bshape, "float32")))


def test_linear_empty_inner_size_backward():
    torch = pytest.importorskip("torch")
    grads = []
    for L in (dygrad, torch):
        x = L.ones(3, 1, 0, requires_grad=True)
        w = L.ones(2, 0, requires_grad=True)
        L.nn.functional.linear(x, w).sum().backward()
        grads.append((tuple(x.grad.shape), tuple(w.grad.shape)))
    assert grads[0] == grads[1]


@pytest.mark.parametrize("op", ["addmm", "addmv", "baddbmm", "addbmm"])
@pytest.mark.parametrize("beta", [float("nan"), float("inf"), 1e30])
def test_integer_scalars_that_do_not_fit(op, beta):
    si, s1, s2 = FUSED[op]
    _same(lambda L: getattr(L, op)(_ones(L, si, "int32"), _ones(L, s1, "int32"),
                                   _ones(L, s2, "int32"), beta=beta))
    # an empty result converts (and so checks) no scalar
    empty = {"addmm": ((2, 0), (2, 3), (3, 0)), "addmv": ((0,), (0, 3), (3,)),
             "baddbmm": ((1, 2, 0), (1, 2, 3), (1, 3, 0)), "addbmm": ((2, 0), (1, 2, 3), (1, 3, 0))}
    si, s1, s2 = empty[op]
    _same(lambda L: getattr(L, op)(_ones(L, si, "int32"), _ones(L, s1, "int32"),
                                   _ones(L, s2, "int32"), beta=beta, alpha=0.5))


@pytest.mark.parametrize("case", [
    lambda L: L.tensordot(L.ones(3, 3), L.ones(3, 3), dims=([0, 0], [0, 1])),
    lambda L: L.tensordot(L.ones(3, 3), L.ones(3, 3), dims=([0, -2], [0, 1])),
    lambda L: L.addbmm(L.ones(2, 2), L.ones(1, 2, 3), L.ones(2, 3, 2)),
    lambda L: L.addbmm(L.ones(2, 2), L.ones(1, 2, 3), L.ones(1, 4, 2)),
    lambda L: L.nn.functional.linear(L.ones(2, 3), L.ones(4, 3), L.ones(1, 2, 4)),
    lambda L: L.nn.functional.linear(L.ones(3), L.ones(4, 3), L.ones(1, 4)),
    lambda L: L.nn.functional.linear(L.ones(3), L.ones(4, 3), L.ones(2, 4)),
    lambda L: L.nn.functional.linear(L.ones(5, 2, 3), L.ones(4, 3), L.ones(2, 4)),
    lambda L: L.nn.functional.linear(L.ones(5, 2, 3), L.ones(4, 3), L.ones(10, 4)),
])
def test_shape_errors(case):
    _same(case)
