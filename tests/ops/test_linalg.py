"""Linear algebra: matmul family, einsum, tensordot, cross, inverse/det/solve, cdist and the
dygrad.linalg namespace — parity with PyTorch, float64 gradchecks and error messages."""
import math

import numpy as np
import pytest

import dygrad
import dygrad.linalg  # noqa: F401  (the namespace under test)
from dygrad.testing import assert_close, check_op, check_raises, gradcheck_op

rng = np.random.default_rng(99)


def R(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def W(n, *batch):
    """Well-conditioned square matrices."""
    return R(*batch, n, n) + 3 * np.eye(n)


def ns(x):
    if isinstance(x, dygrad.Tensor):
        return dygrad
    import torch
    return torch


MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                 ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)),
                 ((5, 2, 3), (3,)), ((3,), (5, 3, 2)), ((2, 2, 3), (2, 3, 4))]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul(sa, sb):
    tol = dict(rtol=1e-5, atol=1e-5)
    check_op(lambda a, b: a @ b, None, R(*sa, dtype=np.float32), R(*sb, dtype=np.float32),
             grad_rtol=1e-5, grad_atol=1e-5, **tol)
    check_op(lambda a, b: ns(a).matmul(a, b), None, R(*sa), R(*sb))
    gradcheck_op(lambda a, b: a @ b, R(*sa), R(*sb), gradgradcheck=True)


def test_matmul_integer_and_one_sided_grad():
    a, b = rng.integers(-3, 3, (2, 3)), rng.integers(-3, 3, (3, 4))
    check_op(lambda x, y: x @ y, None, a, b)
    check_op(lambda x, y: x @ y, None, R(2, 3), R(3, 4), requires_grad=[False, True])
    check_op(lambda x, y: x @ y, None, R(4, 2, 3), R(3,), requires_grad=[True, False])


@pytest.mark.parametrize("fn,shapes", [
    (lambda a, b: a.mm(b), [(2, 3), (3, 4)]),
    (lambda a, b: a.bmm(b), [(2, 2, 3), (2, 3, 4)]),
    (lambda a, b: a.mv(b), [(2, 3), (3,)]),
    (lambda a, b: a.dot(b), [(3,), (3,)]),
    (lambda a, b: a.outer(b), [(3,), (2,)]),
    (lambda a, b: ns(a).ger(a, b), [(3,), (2,)]),
    (lambda i, a, b: ns(i).addmm(i, a, b), [(2, 4), (2, 3), (3, 4)]),
    (lambda i, a, b: ns(i).addmm(i, a, b, beta=0.5, alpha=-2), [(4,), (2, 3), (3, 4)]),
    (lambda i, a, b: i.addmm(a, b, alpha=3), [(1, 4), (2, 3), (3, 4)]),
    (lambda i, a, b: ns(i).baddbmm(i, a, b, beta=2, alpha=0.5), [(2, 1, 4), (2, 2, 3), (2, 3, 4)]),
    (lambda i, a, b: i.baddbmm(a, b), [(2, 2, 4), (2, 2, 3), (2, 3, 4)]),
])
def test_products(fn, shapes):
    check_op(fn, None, *[R(*s, dtype=np.float32) for s in shapes], rtol=1e-5, atol=1e-5,
             grad_rtol=1e-5, grad_atol=1e-5)
    check_op(fn, None, *[R(*s) for s in shapes])
    gradcheck_op(fn, *[R(*s) for s in shapes], gradgradcheck=True)


def test_addmm_beta_zero_ignores_input():
    inp = np.full((2, 2), np.nan)
    check_op(lambda i, a, b: ns(i).addmm(i, a, b, beta=0), None, inp, R(2, 3), R(3, 2))


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii->", [(3, 3)]),
    ("ii", [(3, 3)]), ("ii->i", [(3, 3)]), ("iij->ji", [(3, 3, 2)]), ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]), ("ji", [(2, 3)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("i,j", [(2,), (3,)]), ("i,i", [(4,), (4,)]), ("ij,ij->i", [(2, 1), (2, 3)]),
    ("...ij,...jk", [(5, 2, 3), (3, 4)]), ("...ij->...", [(2, 2, 3)]), ("i...->i", [(5, 2, 3)]),
    ("...i,...j", [(2, 3), (5, 1, 4)]), ("ijk,kj->i", [(2, 3, 4), (4, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]), ("Ab,bc", [(2, 3), (3, 4)]),
    ("i,i", [(1,), (3,)]), ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM)
def test_einsum(eq, shapes):
    def fn(*xs):
        return ns(xs[0]).einsum(eq, *xs)
    check_op(fn, None, *[R(*s, dtype=np.float32) for s in shapes], rtol=1e-5, atol=1e-5,
             grad_rtol=1e-5, grad_atol=1e-5)
    gradcheck_op(fn, *[R(*s) for s in shapes])


@pytest.mark.parametrize("eq,shapes", [("ij,jk->ik", [(2, 3), (3, 2)]), ("ii->i", [(3, 3)]),
                                       ("...ij,...j", [(2, 2, 3), (3,)]), ("ij,ij->i", [(2, 1), (2, 3)]),
                                       ("ij->", [(2, 3)])])
def test_einsum_double_backward(eq, shapes):
    gradcheck_op(lambda *xs: dygrad.einsum(eq, *xs), *[R(*s) for s in shapes], gradgradcheck=True)


def test_einsum_call_forms():
    a, b = R(2, 3), R(3, 4)
    check_op(lambda x, y: ns(x).einsum("ij,jk", [x, y]), None, a, b)
    check_op(lambda x, y: ns(x).einsum(x, [0, 1], y, [1, 2], [0, 2]), None, a, b)
    check_op(lambda x: ns(x).einsum(" i j -> j i ", x), None, a)
    check_op(lambda x: ns(x).einsum("ij->i", x), None, rng.integers(0, 5, (2, 3)))


@pytest.mark.parametrize("eq,shapes,match", [
    ("ij,jk", [(2, 3), (4, 5)], "subscript j has size 4 for operand 1 which does not broadcast"),
    ("ij,jk->ik", [(2, 3)], "fewer operands were provided than specified"),
    ("i", [(2,), (2,)], "more operands were provided than specified"),
    ("ii", [(2, 3)], r"subscript i is repeated for operand 0 but the sizes don't match, 3 != 2"),
    ("ij->ij", [(2, 3, 4)], r"number of subscripts in the equation \(2\) does not match the number of dimensions \(3\)"),
    ("ii->ii", [(3, 3)], "output subscript i appears more than once"),
    ("i->j", [(3,)], "output subscript j does not appear in the equation"),
])
def test_einsum_errors(eq, shapes, match):
    check_raises(lambda *xs: ns(xs[0]).einsum(eq, *xs), None, *[R(*s) for s in shapes], match=match)


def test_einsum_dtype_mismatch():
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        dygrad.einsum("i,i", dygrad.ones(2), dygrad.ones(2, dtype=dygrad.float64))


@pytest.mark.parametrize("dims,shapes", [(2, [(3, 2, 4), (2, 4, 5)]), (1, [(3, 2), (2, 5)]),
                                         (0, [(2,), (3,)]), (([1, 0], [0, 2]), [(3, 2, 4), (2, 5, 3)]),
                                         (([2], [1]), [(3, 2, 4), (5, 4)])])
def test_tensordot(dims, shapes):
    fn = lambda a, b: ns(a).tensordot(a, b, dims)  # noqa: E731
    check_op(fn, None, *[R(*s) for s in shapes])
    gradcheck_op(fn, *[R(*s) for s in shapes])


def test_tensordot_error():
    check_raises(lambda a, b: ns(a).tensordot(a, b, 1), None, R(2, 3), R(4, 5),
                 match=r"contracted dimensions need to match, but first has size 3 in dim -1 and "
                       r"second has size 4 in dim 0")


@pytest.mark.parametrize("fn,shapes", [
    (lambda a, b: ns(a).linalg.cross(a, b), [(4, 3), (4, 3)]),
    (lambda a, b: ns(a).linalg.cross(a, b), [(4, 3), (1, 3)]),
    (lambda a, b: ns(a).cross(a, b, dim=0), [(3, 2), (3, 2)]),
    (lambda a, b: ns(a).cross(a, b, dim=-1), [(2, 2, 3), (1, 2, 3)]),
])
def test_cross(fn, shapes):
    check_op(fn, None, *[R(*s) for s in shapes])
    gradcheck_op(fn, *[R(*s) for s in shapes], gradgradcheck=True)


def test_cross_default_dim_warns_and_errors():
    a, b = R(2, 3), R(2, 3)
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        r = dygrad.cross(dygrad.tensor(a), dygrad.tensor(b))
    assert_close(r, np.cross(a, b))
    check_raises(lambda x, y: ns(x).linalg.cross(x, y), None, R(2, 4), R(2, 4),
                 match="linalg.cross: inputs dimension -1 must have length 3. Got 4 and 4")
    check_raises(lambda x, y: ns(x).linalg.cross(x, y), None, R(2, 2, 3), R(2, 3),
                 match="linalg.cross: inputs must have the same number of dimensions")


@pytest.mark.parametrize("batch", [(), (2,), (2, 1)])
def test_inverse_det_slogdet(batch):
    a = W(3, *batch)
    for fn in (lambda t: t.inverse(), lambda t: t.det(), lambda t: ns(t).linalg.inv(t),
               lambda t: ns(t).linalg.det(t), lambda t: ns(t).linalg.slogdet(t)):
        check_op(fn, None, a)
        check_op(fn, None, a.astype(np.float32), rtol=1e-5, atol=1e-5, grad_rtol=1e-4, grad_atol=1e-5)
        gradcheck_op(fn, a)
    gradcheck_op(lambda t: t.inverse(), a, gradgradcheck=True)
    gradcheck_op(lambda t: t.det(), a, gradgradcheck=True)


def test_det_gradient_of_singular_matrix_is_the_cofactor():
    # PyTorch 2.x returns zeros here; the cofactor matrix is the true derivative
    s = np.array([[1., 2., 3.], [2., 4., 6.], [1., 0., 1.]])
    gradcheck_op(lambda t: t.det(), s)
    t = dygrad.tensor([[0., 0.], [0., 1.]], dtype=dygrad.float64, requires_grad=True)
    t.det().backward()
    assert_close(t.grad, np.array([[1., 0.], [0., 0.]]), atol=1e-12, rtol=0)


@pytest.mark.parametrize("fn,match", [
    (lambda t: t.inverse(), "linalg.inv: A must be batches of square matrices, but they are 2 by 3"),
    (lambda t: t.det(), "linalg.det: A must be batches of square matrices"),
])
def test_square_errors(fn, match):
    check_raises(fn, None, R(2, 3), match=match)


def test_dense_errors():
    check_raises(lambda t: t.det(), None, np.zeros((2, 2), np.int64),
                 match="linalg.det: Expected a floating point or complex tensor as input. Got Long")
    with pytest.raises(dygrad.linalg.LinAlgError, match="singular"):
        dygrad.zeros(2, 2).inverse()
    assert issubclass(dygrad.linalg.LinAlgError, RuntimeError)
    with pytest.raises(RuntimeError, match="Incompatible shapes of A and B"):
        dygrad.linalg.solve(dygrad.eye(3), dygrad.ones(4))


@pytest.mark.parametrize("sa,sb,left", [((3, 3), (3,), True), ((3, 3), (3, 2), True),
                                        ((2, 3, 3), (3,), True), ((2, 3, 3), (2, 3), True),
                                        ((2, 3, 3), (3, 4), True), ((3, 3), (2, 3), False)])
def test_solve(sa, sb, left):
    a = W(sa[-1], *sa[:-2])
    fn = lambda x, y: ns(x).linalg.solve(x, y, left=left)  # noqa: E731
    check_op(fn, None, a, R(*sb))
    gradcheck_op(fn, a, R(*sb), gradgradcheck=left)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, math.inf])
def test_cdist(p):
    fn = lambda a, b: ns(a).cdist(a, b, p=p)  # noqa: E731
    check_op(fn, None, R(4, 3), R(5, 3))
    check_op(fn, None, R(2, 4, 3, dtype=np.float32), R(2, 5, 3, dtype=np.float32), rtol=1e-5,
             atol=1e-5, grad_rtol=1e-5, grad_atol=1e-5)
    gradcheck_op(fn, R(3, 2), R(4, 2))


def test_cdist_zero_distance_and_errors():
    x = R(3, 2)
    check_op(lambda a, b: ns(a).cdist(a, b), None, x, x.copy())
    check_raises(lambda a, b: ns(a).cdist(a, b), None, R(2, 3), R(4, 5),
                 match="X1 and X2 must have the same number of columns. X1: 3 X2: 5")
    check_raises(lambda a, b: ns(a).cdist(a, b), None, R(3), R(4),
                 match="cdist only supports at least 2D tensors, X1 got: 1D")


@pytest.mark.parametrize("fn", [
    lambda t: ns(t).linalg.norm(t), lambda t: ns(t).linalg.norm(t, 3, dim=1),
    lambda t: ns(t).linalg.norm(t[0], 1), lambda t: ns(t).linalg.norm(t[0], math.inf),
    lambda t: ns(t).linalg.norm(t, dim=(0, 1)), lambda t: ns(t).linalg.norm(t, "nuc", dim=(1, 0)),
    lambda t: ns(t).linalg.norm(t, -1, dim=(0, 1), keepdim=True),
    lambda t: ns(t).linalg.vector_norm(t, 0.5, dim=0),
    lambda t: ns(t).linalg.vector_norm(t, -math.inf),
    lambda t: ns(t).linalg.matrix_norm(t, 2), lambda t: ns(t).linalg.matrix_norm(t, -2),
    lambda t: ns(t).linalg.matrix_norm(t, math.inf, keepdim=True),
    lambda t: ns(t).norm(t, "nuc"), lambda t: ns(t).norm(t, p=2, dim=(0, 1)),
])
def test_linalg_norms(fn):
    check_op(fn, None, R(3, 4))
    gradcheck_op(fn, R(3, 4))


def test_linalg_misc():
    check_op(lambda a, b, c: ns(a).linalg.multi_dot([a, b, c]), None, R(3), R(3, 4), R(4, 2))
    check_op(lambda a, b: ns(a).linalg.vecdot(a, b), None, R(2, 3), R(3))
    for n in (0, 1, 3, -2):
        check_op(lambda a, n=n: ns(a).linalg.matrix_power(a, n), None, W(3))
    check_op(lambda a: ns(a).linalg.inv_ex(a), None, W(3))


@pytest.mark.parametrize("fn,shapes,match", [
    (lambda a, b: a @ b, [(2, 3), (4, 5)], r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
    (lambda a, b: a @ b, [(3,), (4, 5)], r"mat1 and mat2 shapes cannot be multiplied \(1x3 and 4x5\)"),
    (lambda a, b: a @ b, [(3,), (4,)], r"inconsistent tensor size, expected tensor \[3\] and src \[4\]"),
    (lambda a, b: a @ b, [(2, 3), (4,)], r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)"),
    (lambda a, b: a @ b, [(2, 2, 3), (3, 3, 5)], r"The size of tensor a \(2\) must match the size of tensor b \(3\) at non-singleton dimension 0"),
    (lambda a, b: a.mm(b), [(2, 3), (4, 2)], r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x2\)"),
    (lambda a, b: a.mm(b), [(2, 3), (3,)], r"mat2 must be a matrix"),
    (lambda a, b: a.bmm(b), [(2, 3), (3, 2)], r"batch1 must be a 3D tensor"),
    (lambda a, b: a.bmm(b), [(2, 2, 3), (2, 4, 2)], r"Expected size for first two dimensions of batch2 tensor to be: \[2, 3\] but got: \[2, 4\]"),
    (lambda a, b: a.mv(b), [(2, 3), (3, 1)], r"vector \+ matrix @ vector expected, got 1, 2, 2"),
    (lambda a, b: a.dot(b), [(3, 1), (3,)], r"1D tensors expected, but got 2D and 1D tensors"),
    (lambda a, b: a.outer(b), [(3, 1), (2,)], r"outer: Expected 1-D argument self, but got 2-D"),
    (lambda i, a, b: ns(i).addmm(i, a, b), [(4,), (2, 3), (3, 3)], r"size"),
])
def test_shape_errors(fn, shapes, match):
    check_raises(fn, None, *[R(*s) for s in shapes], match=match)


def test_dtype_errors():
    check_raises(lambda a, b: a @ b, None, R(2, 3, dtype=np.float32), R(3, 5),
                 match="expected m1 and m2 to have the same dtype, but got: float != double")
    check_raises(lambda a, b: a @ b, None, R(3, dtype=np.float32), R(3),
                 match="dot : expected both vectors to have same dtype, but found Float and Double")
    check_raises(lambda a, b: a @ b, None, np.ones((2, 2), bool), np.ones((2, 2), bool),
                 match="not implemented for 'Bool'")
    check_raises(lambda a, b: a @ b, None, R(2, 3), np.array(2.0),
                 match="both arguments to matmul need to be at least 1D, but they are 2D and 0D")
