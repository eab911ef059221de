"""masked_fill / masked_select / masked_scatter (mask broadcasting, gradients to input, value and
source), nonzero and unique: parity with PyTorch, gradchecks and errors."""
import numpy as np
import pytest

import dygrad
from dygrad.testing import assert_close, check_op, check_raises, gradcheck_op

rng = np.random.default_rng(21)


def R(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def B(*shape):
    return rng.random(shape) > 0.5


def ns(x):
    if isinstance(x, dygrad.Tensor):
        return dygrad
    import torch
    return torch


M = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])

OPS = {
    "fill_scalar": (lambda x, m: x.masked_fill(m, 2.5), (R(3, 4), M)),
    "fill_int_scalar": (lambda x, m: x.masked_fill(m, -1), (R(3, 4), M)),
    "fill_row_mask": (lambda x, m: x.masked_fill(m, 0.0), (R(3, 4), M[0])),
    "fill_mask_bigger": (lambda x, m: x.masked_fill(m, 1.0), (R(3, 1), M)),
    "fill_0d_mask": (lambda x, m: x.masked_fill(m, 1.0), (R(3, 4), np.array(True))),
    "fill_tensor_value": (lambda x, m, v: x.masked_fill(m, v), (R(3, 4), M, R())),
    "fill_fn": (lambda x, m: ns(x).masked_fill(x, m, -3.0), (R(3, 4), M)),
    "fill_by_self": (lambda x: x.masked_fill(x > 0, 0.0), (R(3, 4),)),
    "select": (lambda x, m: x.masked_select(m), (R(3, 4), M)),
    "select_broadcast": (lambda x, m: x.masked_select(m), (R(3, 4), M[1])),
    "select_mask_bigger": (lambda x, m: ns(x).masked_select(x, m), (R(4), M)),
    "select_none": (lambda x, m: x.masked_select(m), (R(3, 4), np.zeros((3, 4), bool))),
    "scatter": (lambda x, m, s: x.masked_scatter(m, s), (R(3, 4), M, R(10))),
    "scatter_src_2d": (lambda x, m, s: x.masked_scatter(m, s), (R(3, 4), M, R(2, 4))),
    "scatter_broadcast": (lambda x, m, s: x.masked_scatter(m, s), (R(3, 4), M[0], R(3, 3))),
}


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parity(name, dtype):
    fn, arrays = OPS[name]
    check_op(fn, None, *[a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays])


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck(name):
    fn, arrays = OPS[name]
    gradcheck_op(fn, *arrays, gradgradcheck=True)


def test_value_of_other_dtype_and_integer_inputs():
    check_op(lambda x, m, v: x.masked_fill(m, v), None, R(3, 4, dtype=np.float32), M, R())
    check_op(lambda x, m: x.masked_fill(m, 5.7), None, rng.integers(-5, 5, (3, 4)), M)
    check_op(lambda x, m, v: x.masked_fill(m, v), None, rng.integers(-5, 5, (3, 4)), M, np.array(2.5),
             requires_grad=False)
    check_op(lambda x, m: x.masked_select(m), None, rng.integers(-5, 5, (3, 4)), M)
    check_op(lambda x, m, s: x.masked_scatter(m, s), None, B(3, 4), M, B(12))


def test_inplace_masked_fill_():
    x = dygrad.zeros(2, 3)
    assert x.masked_fill_(dygrad.tensor([True, False, True]), 4.0) is x
    assert x.tolist() == [[4., 0., 4.], [4., 0., 4.]]
    y = dygrad.ones(2, requires_grad=True) * 1
    y.masked_fill_(dygrad.tensor([True, False]), dygrad.tensor(3.0))
    assert y.tolist() == [3., 1.]


NONZERO = [np.array([[0., 1.5, 0.], [2., 0., -1.]]), np.array(3.0), np.array(0.0), np.zeros((2, 0)),
           np.array([True, False, True]), rng.integers(-1, 2, (2, 3, 2))]


@pytest.mark.parametrize("case", range(len(NONZERO)))
def test_nonzero_and_argwhere(case):
    x = NONZERO[case]
    check_op(lambda t: t.nonzero(), None, x, requires_grad=False)
    check_op(lambda t: t.nonzero(as_tuple=True), None, x, requires_grad=False)
    check_op(lambda t: ns(t).nonzero(t), None, x, requires_grad=False)
    check_op(lambda t: t.argwhere(), None, x, requires_grad=False)
    check_op(lambda t: ns(t).where(t), None, x, requires_grad=False)


UNIQUE = [np.array([3, 1, 1, 2, 5, 0, 3]), np.array([[3., 1.], [1., -2.5]]), np.array([True, False, True]),
          np.array(4), np.zeros(0), np.array([np.nan, 1., np.nan])]


@pytest.mark.parametrize("case", range(len(UNIQUE)))
@pytest.mark.parametrize("flags", [(False, False), (True, False), (False, True), (True, True)])
def test_unique(case, flags):
    inv, cnt = flags
    check_op(lambda t: t.unique(return_inverse=inv, return_counts=cnt), None, UNIQUE[case],
             requires_grad=False)
    check_op(lambda t: ns(t).unique(t, sorted=False, return_inverse=inv, return_counts=cnt), None,
             UNIQUE[case], requires_grad=False)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unique_dim(dim):
    x = np.array([[1, 2, 1], [1, 2, 1], [0, 1, 0], [1, 2, 1]])
    check_op(lambda t: ns(t).unique(t, dim=dim, return_inverse=True, return_counts=True), None, x,
             requires_grad=False)


def test_unique_values_have_a_refusing_grad_fn():
    # as PyTorch: the values require grad, and backward through them raises
    x = dygrad.tensor([2., 1., 2.], requires_grad=True)
    u = x.unique()
    assert u.requires_grad and u.grad_fn is not None
    assert_close(u, np.array([1., 2.], np.float32))


ERRORS = [
    (lambda x, m: x.masked_fill(m, 1.0), (R(3, 4), M.astype(np.int64)), RuntimeError,
     "masked_fill_ only supports boolean masks, but got mask with dtype long int"),
    (lambda x, m: x.masked_fill(m, 1.0), (R(3, 4), M.astype(np.uint8)), RuntimeError,
     "but got mask with dtype unsigned char"),
    (lambda x, m: x.masked_fill(m, 1.0), (R(3, 4), M[:, :3]), RuntimeError,
     r"The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1"),
    (lambda x, m, v: x.masked_fill(m, v), (R(3, 4), M, R(1)), RuntimeError,
     r"only supports a 0-dimensional value tensor, but got tensor with 1 dimension\(s\)"),
    (lambda x, m: x.masked_select(m), (R(3, 4), M.astype(np.int64)), RuntimeError,
     "masked_select: expected BoolTensor for mask"),
    (lambda x, m: x.masked_select(m), (R(3, 4), M[:2, :3]), RuntimeError, "must match the size"),
    (lambda x, m, s: x.masked_scatter(m, s), (R(3, 4), M, R(3)), RuntimeError,
     "Number of elements of source < number of ones in mask"),
    (lambda x, m, s: x.masked_scatter(m, s), (R(3, 4), M.astype(np.int64), R(12)), RuntimeError,
     "masked_scatter_ only supports boolean masks, but got mask with dtype Long"),
    (lambda x, m, s: x.masked_scatter(m, s), (R(3, 4), M, R(12, dtype=np.float32)), RuntimeError,
     "expected self and source to have same dtypes"),
    (lambda x: ns(x).unique(x, dim=0), (np.array(3),), IndexError, "tensor has no dimensions"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors(case):
    fn, arrays, exc, match = ERRORS[case]
    e = check_raises(fn, None, *arrays, match=match)
    assert isinstance(e, exc)


@pytest.mark.parametrize("make", [
    lambda T, x: T.unique(x),
    lambda T, x: T.unique(x, sorted=False, return_inverse=True, return_counts=True),
    lambda T, x: T.unique(x, dim=0),
    lambda T, x: T.unique_consecutive(x, return_counts=True),
    lambda T, x: x.unique_consecutive(dim=0),
])
def test_unique_values_require_grad_and_refuse_backward_like_torch(make):
    torch = pytest.importorskip("torch")
    flags = []
    for T in (torch, dygrad):
        x = T.tensor([1., 2., 2., -1.], requires_grad=True)
        out = make(T, x)
        outs = out if isinstance(out, tuple) else (out,)
        flags.append([o.requires_grad for o in outs])
        with pytest.raises(NotImplementedError, match="derivative for"):
            outs[0].sum().backward()
    assert flags[0] == flags[1]
    with dygrad.no_grad():
        assert not dygrad.unique(dygrad.tensor([1., 1.], requires_grad=True)).requires_grad


def test_masked_fill_value_gradient_sums_the_selected_elements():
    # float32 rounding as PyTorch's: the sum of the selected gradient elements only
    torch = pytest.importorskip("torch")
    g = np.random.default_rng(0).standard_normal((3, 5, 7)).astype(np.float32)
    m = np.random.default_rng(1).random((5, 7)) < 0.5
    res = []
    for T in (dygrad, torch):
        v = T.tensor(0.5, dtype=T.float64, requires_grad=True)
        T.zeros(3, 5, 7).masked_fill(T.tensor(m), v).backward(T.tensor(g))
        res.append(v.grad.item())
    assert abs(res[0] - res[1]) <= 1e-9 * abs(res[1])


def test_unique_with_dim_and_zero_sized_dims_like_torch():
    torch = pytest.importorskip("torch")
    for shape, dim in (((0, 3), 1), ((0, 3), 0), ((3, 0), 0), ((3, 0), 1), ((0,), 0), ((2, 0, 3), 2),
                       ((), 0)):
        for op in ("unique", "unique_consecutive"):
            res = []
            for T in (dygrad, torch):
                try:
                    out = getattr(T, op)(T.zeros(shape), dim=dim, return_inverse=True,
                                         return_counts=True)
                    res.append([tuple(o.shape) for o in out])
                except (RuntimeError, IndexError) as e:
                    res.append((type(e), str(e)))
            assert res[0] == res[1], (shape, dim, op, res)
