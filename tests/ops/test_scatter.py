"""gather, scatter, scatter_add, scatter_reduce, index_select/add/fill/copy, take, put: parity with
PyTorch (values, dtypes, gradients incl. repeated indices), gradchecks and index validation."""
import numpy as np
import pytest

import dygrad
from dygrad.testing import check_op, check_raises, gradcheck_op

rng = np.random.default_rng(9)


def R(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def I(*v, dtype=np.int64):
    return np.array(v, dtype=dtype)


def scatter_reduce(t, *args, **kw):
    return t.scatter_reduce(*args, **kw)


def put(t, *args, **kw):
    return t.put(*args, **kw)


G = I([0, 2, 2, 1], [3, 0, 0, 0])                  # (2, 4) with repeats, for x of shape (3, 4)
V = I(2, 0, 2)                                     # index vector with a repeat

# name -> (op over (x, other inputs...), input arrays); requires_grad for every float input
OPS = {
    "gather": (lambda x, i: x.gather(1, i), (R(3, 4), G)),
    "gather_dim0": (lambda x, i: x.gather(0, i), (R(3, 4), I([0, 2], [2, 2]))),
    "gather_wide": (lambda x, i: x.gather(1, i), (R(3, 4), I([0, 1, 2, 3, 3, 0]))),
    "gather_int32": (lambda x, i: x.gather(-1, i), (R(3, 4), G.astype(np.int32))),
    "gather_0d": (lambda x, i: x.gather(0, i), (R(), I(0, 0))),
    "gather_vec_0d_index": (lambda x, i: x.gather(0, i), (R(4), np.array(2))),
    "scatter_src": (lambda x, i, s: x.scatter(1, i, s), (R(3, 4), I([0, 2], [3, 1]), R(2, 2))),
    "scatter_value": (lambda x, i: x.scatter(1, i, 1.5), (R(3, 4), I([0, 2], [3, 1]))),
    "scatter_value_kw": (lambda x, i: x.scatter(0, i, value=-2.0), (R(3, 4), I([0, 2, 1, 1]))),
    "scatter_add": (lambda x, i, s: x.scatter_add(1, i, s), (R(3, 4), G, R(2, 4))),
    "scatter_add_dim0": (lambda x, i, s: x.scatter_add(0, i, s), (R(3, 4), I([0, 0, 2, 0]), R(1, 4))),
    "scatter_reduce_sum": (lambda x, i, s: scatter_reduce(x, 1, i, s, "sum"), (R(3, 4), G, R(2, 4))),
    "scatter_reduce_sum_noself": (lambda x, i, s: scatter_reduce(x, 1, i, s, "sum", include_self=False),
                                  (R(3, 4), G, R(2, 4))),
    "scatter_reduce_mean": (lambda x, i, s: scatter_reduce(x, 1, i, s, "mean"), (R(3, 4), G, R(2, 4))),
    "scatter_reduce_mean_noself": (lambda x, i, s: scatter_reduce(x, 1, i, s, "mean", include_self=False),
                                   (R(3, 4), G, R(2, 4))),
    "scatter_reduce_amax": (lambda x, i, s: scatter_reduce(x, 1, i, s, "amax"), (R(3, 4), G, R(2, 4))),
    "scatter_reduce_amin_noself": (lambda x, i, s: scatter_reduce(x, 1, i, s, "amin", include_self=False),
                                   (R(3, 4), G, R(2, 4))),
    "scatter_reduce_prod": (lambda x, i, s: scatter_reduce(x, 1, i, s, "prod"), (R(3, 4), G, R(2, 4))),
    "scatter_reduce_prod_noself": (lambda x, i, s: scatter_reduce(x, 0, i, s, "prod", include_self=False),
                                   (R(3, 4), I([0, 2, 2, 0], [0, 0, 2, 0]), R(2, 4))),
    "index_select": (lambda x, i: x.index_select(0, i), (R(3, 4), V)),
    "index_select_dim1": (lambda x, i: x.index_select(-1, i), (R(3, 4), I(3, 3, 0, 1, 0))),
    "index_select_0d_index": (lambda x, i: x.index_select(1, i), (R(3, 4), np.array(1))),
    "index_select_int32": (lambda x, i: x.index_select(0, i), (R(3, 4), V.astype(np.int32))),
    "index_select_empty": (lambda x, i: x.index_select(0, i), (R(3, 4), I())),
    "index_add": (lambda x, i, s: x.index_add(0, i, s), (R(3, 4), V, R(3, 4))),
    "index_add_alpha": (lambda x, i, s: x.index_add(1, i, s, alpha=-1.5), (R(3, 4), I(1, 1), R(3, 2))),
    "index_fill": (lambda x, i: x.index_fill(1, i, 2.5), (R(3, 4), I(0, 3, 0))),
    "index_fill_tensor": (lambda x, i, v: x.index_fill(0, i, v), (R(3, 4), I(2, 0, 2), R())),
    "index_fill_neg": (lambda x, i: x.index_fill(0, i, -1.0), (R(3, 4), I(-1))),
    "index_copy": (lambda x, i, s: x.index_copy(0, i, s), (R(3, 4), I(2, 0), R(2, 4))),
    "index_copy_dim1": (lambda x, i, s: x.index_copy(1, i, s), (R(3, 4), I(3,), R(3, 1))),
    "take": (lambda x, i: x.take(i), (R(3, 4), I([0, 11], [-1, 5], [0, 0]))),
    "take_0d": (lambda x, i: x.take(i), (R(3, 4), np.array(7))),
    "put": (lambda x, i, s: put(x, i, s), (R(3, 4), I(0, 5, -1), R(3))),
    "put_accumulate": (lambda x, i, s: put(x, i, s, accumulate=True), (R(3, 4), I([0, 5], [0, 0]), R(2, 2))),
}


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parity(name, dtype):
    fn, arrays = OPS[name]
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    check_op(fn, None, *arrays)


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck(name):
    fn, arrays = OPS[name]
    gradcheck_op(fn, *arrays, gradgradcheck=not name.startswith("scatter_reduce_prod"))


@pytest.mark.parametrize("name", ["gather", "scatter_src", "scatter_add", "index_select", "index_add",
                                  "index_copy", "take", "put_accumulate", "scatter_reduce_amax",
                                  "scatter_reduce_mean", "scatter_reduce_prod"])
def test_integer_inputs(name):
    fn, arrays = OPS[name]
    check_op(fn, None, *[rng.integers(-5, 5, a.shape) if a.dtype.kind == "f" else a for a in arrays])


def test_src_larger_than_index():
    """Only the leading index-shaped block of src is used; PyTorch's src gradient has the index's
    shape, so backward raises its shape check unless src's shape expands to the index's."""
    for fn in (lambda x, i, s: x.scatter(1, i, s), lambda x, i, s: x.scatter_add(0, i, s)):
        check_op(fn, None, R(3, 4), I([0, 2], [2, 1]), R(3, 5), check_grad=False)
        x, s = dygrad.tensor(R(3, 4), requires_grad=True), dygrad.tensor(R(3, 5), requires_grad=True)
        with pytest.raises(RuntimeError, match="returned an invalid gradient at index 1 - got "
                                               r"\[2, 2\] but expected shape compatible with \[3, 5\]"):
            fn(x, dygrad.tensor(I([0, 2], [2, 1])), s).sum().backward()
        fn(x, dygrad.tensor(I([0, 2], [2, 1])), s.detach()).sum().backward()  # self alone: fine
    # src (1, 4) expands to an empty index (0, 4): a zero gradient
    s = dygrad.ones(1, 4, requires_grad=True)
    dygrad.zeros(3, 4).scatter_add(0, dygrad.zeros(0, 4, dtype=dygrad.long), s).sum().backward()
    assert s.grad.tolist() == [[0.0] * 4]


def test_scatter_backward_shape_checks_like_torch():
    torch = pytest.importorskip("torch")
    shapes = [((3,), (5,), (2,)), ((3,), (5,), (1,)), ((2, 1), (2, 1), (4, 0)), ((3, 2), (3, 2), (1, 2)),
              ((3, 2), (3, 2), (2, 2)), ((3,), (1,), (0,)), ((2, 3), (2, 3), (0, 5))]

    def run(T, ys, ss, is_, red, xg, sg):
        x = T.ones(ys, requires_grad=xg)
        s = T.ones(ss, requires_grad=sg)
        try:
            i = T.zeros(is_, dtype=T.long)
            o = (x * 1).scatter_reduce(0, i, s * 1, red) if red else (x * 1).scatter_add(0, i, s * 1)
            o.sum().backward()
        except RuntimeError as e:
            return str(e)
        return "ok"

    for ys, ss, is_ in shapes:
        for red in (None, "sum", "mean", "prod", "amax", "amin"):
            for xg, sg in ((True, False), (False, True)):
                assert run(dygrad, ys, ss, is_, red, xg, sg) == run(torch, ys, ss, is_, red, xg, sg), \
                    (ys, ss, is_, red, xg, sg)


def test_empty_index_checks_nothing_like_torch():
    x = dygrad.zeros(2, 3)
    for shape in ((0, 5), (5, 0), (0,), (0, 1, 1)):
        i = dygrad.full(shape, 7, dtype=dygrad.long)
        assert dygrad.gather(x, 0, i).shape == shape
        assert dygrad.scatter(x, 0, i, dygrad.ones(2, 3)).tolist() == x.tolist()
        assert x.scatter_add(0, i, dygrad.ones(2, 3)).tolist() == x.tolist()
        assert x.scatter_reduce(0, i, dygrad.ones(2, 3), "amax").tolist() == x.tolist()
    u = dygrad.zeros(3, dtype=dygrad.uint8)
    assert u.scatter_(0, dygrad.zeros(0, dtype=dygrad.long), -2.5).tolist() == [0, 0, 0]
    with pytest.raises(RuntimeError, match="cannot be converted to type uint8_t"):
        u.scatter_(0, dygrad.zeros(1, dtype=dygrad.long), -2.5)
    with pytest.raises(NotImplementedError, match="reduce_mean\" not implemented for 'Bool'"):
        dygrad.ones(3, dtype=dygrad.bool).scatter_reduce(0, dygrad.tensor([0]), dygrad.ones(1, dtype=dygrad.bool), "mean")


def test_scatter_reduce_ties_and_zeros():
    x = np.array([[1., 3., 0., 2.], [0., 0., 5., 5.]])
    src = np.array([[3., 3., 0., 2.], [0., 5., 1., 0.]])
    idx = I([1, 1, 2, 0], [2, 2, 3, 3])
    for red in ("amax", "amin", "prod"):
        for inc in (True, False):
            check_op(lambda a, i, s, r=red, inc=inc: scatter_reduce(a, 1, i, s, r, include_self=inc),
                     None, x, idx, src)
    check_op(lambda a, i, s: scatter_reduce(a, 1, i, s, "mean"), None,
             rng.integers(-9, 9, (2, 4)), idx, rng.integers(-9, 9, (2, 4)))


def test_scatter_with_reduce_has_no_derivative():
    x = dygrad.randn(3, 4, requires_grad=True)
    y = x.scatter(1, dygrad.tensor([[0, 1]]), 2.0, reduce="add")
    check_op(lambda a, i: a.scatter(1, i, 2.0, reduce="multiply"), None, R(3, 4), I([0, 0]),
             check_grad=False)
    with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
        y.sum().backward()


def _np_scatter_(o, dim, idx, value):
    idx = idx.reshape(1, -1)
    for j in range(idx.shape[1]):
        o[(idx[0, j], j) if dim == 0 else (0, idx[0, j])] = value


def _np_scatter_add_(o, dim, idx, src):
    for j in range(idx.shape[1]):
        o[idx[0, j], j] += src[0, j]


def _np_index_fill_(o, dim, idx, value):
    o[:, idx] = value


def _np_index_copy_(o, dim, idx, src):
    o[idx] = src


# name -> (args, NumPy reference editing its first argument in place)
INPLACE = {
    "scatter_": ((1, I([0, 1]), 3.0), _np_scatter_),
    "scatter_add_": ((0, I([0, 0, 1, 2]), R(1, 4)), _np_scatter_add_),
    "index_add_": ((0, V, R(3, 4)), lambda o, d, i, s: np.add.at(o, i, s)),
    "index_fill_": ((1, I(0, 2), 7.0), _np_index_fill_),
    "index_copy_": ((0, I(2, 1), R(2, 4)), _np_index_copy_),
    "put_": ((I(3, 1), R(2)), lambda o, i, s: o.reshape(-1).__setitem__(i, s)),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_variants(name):
    """Each in-place variant edits self (same object, version bumped) as its NumPy reference."""
    args, ref = INPLACE[name]
    base = R(3, 4)
    d = dygrad.tensor(base.copy())
    conv = [dygrad.from_numpy(a.copy()) if isinstance(a, np.ndarray) else a for a in args]
    v0 = d._version
    assert getattr(d, name)(*conv) is d
    expected = base.copy()
    ref(expected, *args)
    np.testing.assert_allclose(d.numpy(), expected)
    assert d._version > v0


ERRORS = [
    (lambda x, i: x.gather(1, i), (R(3, 4), I([0, 7], [1, 2])), RuntimeError,
     "index 7 is out of bounds for dimension 1 with size 4"),
    (lambda x, i: x.gather(1, i), (R(3, 4), I([-1])), RuntimeError, "index -1 is out of bounds"),
    (lambda x, i: x.gather(1, i), (R(3, 4), I(0.5, 1.0, dtype=np.float32).reshape(1, 2)), RuntimeError,
     "Expected dtype int32/int64 for index"),
    (lambda x, i: x.gather(1, i), (R(3, 4), I(0, 1)), RuntimeError,
     "Index tensor must have the same number of dimensions as input tensor"),
    (lambda x, i: x.gather(1, i), (R(3, 4), np.zeros((4, 1), np.int64)), RuntimeError,
     r"Size does not match at dimension 0 expected index \[4, 1\] to be no larger than self \[3, 4\] apart from dimension 1"),
    (lambda x, i: x.gather(2, i), (R(3, 4), I([0])), IndexError, "Dimension out of range"),
    (lambda x, i, s: x.scatter(1, i, s), (R(3, 4), I([0, 1]), R(1, 1)), RuntimeError,
     r"Expected index \[1, 2\] to be no larger than self \[3, 4\] apart from dimension 1 and to be no larger size than src \[1, 1\]"),
    (lambda x, i, s: x.scatter(1, i, s), (R(3, 4), I([0, 1]), R(1, 2, dtype=np.float32)), RuntimeError,
     "Expected self.dtype to be equal to src.dtype"),
    (lambda x, i: x.scatter(1, i, 1.0), (R(3, 4), I(0, 1)), RuntimeError,
     "Index tensor must have the same number of dimensions as self tensor"),
    (lambda x, i: x.scatter(0, i, 1.0), (R(3, 4), I([0, 3])), RuntimeError,
     "index 3 is out of bounds for dimension 0 with size 3"),
    (lambda x, i: x.scatter(1, i, 1.0, reduce="mean"), (R(3, 4), I([0, 1])), RuntimeError,
     "reduce argument must be either add or multiply"),
    (lambda x, i, s: x.scatter_add(1, i, s), (R(3, 4), I([0, 9]), R(1, 2)), RuntimeError,
     "index 9 is out of bounds for dimension 1 with size 4"),
    (lambda x, i, s: scatter_reduce(x, 1, i, s, "foo"), (R(3, 4), I([0, 0]), R(1, 2)), RuntimeError,
     "reduce argument must be either sum, prod, mean, amax or amin, got foo"),
    (lambda x, i: x.index_select(0, i), (R(3, 4), I(0, 5)), IndexError, "index out of range in self"),
    (lambda x, i: x.index_select(0, i), (R(3, 4), I([0, 1])), IndexError, "Index is supposed to be a vector"),
    (lambda x, i: x.index_select(0, i), (R(3, 4), I(0.0, dtype=np.float32)), RuntimeError,
     "Expected dtype int32 or int64 for index"),
    (lambda x, i: x.index_select(0, i), (R(), I(0, 0)), RuntimeError, "Index to scalar can have only 1 value"),
    (lambda x, i, s: x.index_add(0, i, s), (R(3, 4), I(0, 5), R(2, 4)), RuntimeError,
     "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda x, i, s: x.index_add(0, i, s), (R(3, 4), I(0, -1), R(2, 4)), RuntimeError,
     "index -1 is out of bounds for dimension 0 with size 3"),
    (lambda x, i: x.index_fill(0, i, 1.0), (R(3, 4), I(-4)), IndexError,
     "index -4 is out of bounds for dimension 0 with size 3"),
    (lambda x, i, s: x.index_add(0, i, s), (R(3, 4), I(0, 1), R(3, 4)), RuntimeError,
     r"Number of indices \(2\) should be equal to source.size\(dim\): \(3\), for dim: 0"),
    (lambda x, i, s: x.index_add(0, i, s), (R(3, 4), I(0, 1), R(2, 3)), RuntimeError,
     "source tensor shape must match self tensor shape"),
    (lambda x, i, s: x.index_add(0, i, s), (R(3, 4), I(0, 1), R(2, 4, dtype=np.float32)), RuntimeError,
     r"self \(Double\) and source \(Float\) must have the same scalar type"),
    (lambda x, i: x.index_fill(0, i, 1.0), (R(3, 4), I(0, 5)), IndexError,
     "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda x, i: x.index_fill(0, i, 1.0), (R(3, 4), I(0, dtype=np.int32)), IndexError,
     "Expected dtype int64 for index"),
    (lambda x, i, v: x.index_fill(0, i, v), (R(3, 4), I(0), R(1)), RuntimeError,
     "only supports a 0-dimensional value tensor, but got tensor with 1 dimension"),
    (lambda x, i, s: x.index_copy(0, i, s), (R(3, 4), I(0, 1), R(3, 4)), IndexError,
     r"Number of indices \(2\) should be equal to source.size\(dim\) \(3\)"),
    (lambda x, i, s: x.index_copy(0, i, s), (R(3, 4), I(0, 1), R(2, 3)), RuntimeError,
     "Source/destination tensor must have same slice shapes"),
    (lambda x, i, s: x.index_copy(0, i, s), (R(3, 4), I(0, 7), R(2, 4)), IndexError,
     "index 7 is out of bounds for dimension 0 with size 3"),
    (lambda x, i, s: x.index_copy(0, i, s), (R(3, 4), I(0, 1), R(2, 4, dtype=np.float32)), RuntimeError,
     "self and source expected to have the same dtype"),
    (lambda x, i: x.take(i), (R(3, 4), I(0, 13)), IndexError,
     "out of range: tried to access index 13 on a tensor of 12 elements"),
    (lambda x, i: x.take(i), (R(3, 4), I(0, dtype=np.int32)), RuntimeError, "Expected a long tensor for index"),
    (lambda x, i, s: put(x, i, s), (R(3, 4), I(0, 1), R(1)), IndexError,
     "Expected source and index to have the same number of elements"),
    (lambda x, i, s: put(x, i, s), (R(3, 4), I(0, -13), R(2)), IndexError, "tried to access index -13"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors(case):
    fn, arrays, exc, match = ERRORS[case]
    e = check_raises(fn, None, *arrays, match=match)
    assert isinstance(e, exc)


def test_fill_values_are_checked_scalars_like_torch():
    # index_fill_/scatter_ convert their value as PyTorch does: -3 wraps into uint8, 2.5 truncates,
    # nan/inf/out-of-range raise; empty slices take any index
    torch = pytest.importorskip("torch")

    def run(T, op, dt, v):
        x = T.zeros(2, 3, dtype=getattr(T, dt))
        i = T.tensor([0])
        try:
            if op == "index_fill_":
                x.index_fill_(0, i, v)
            else:
                x.scatter_(0, T.tensor([[0, 1, 0]]), v)
        except RuntimeError as e:
            return str(e)
        return x.tolist()

    for op in ("index_fill_", "scatter_"):
        for dt in ("uint8", "int8", "int64", "bool"):
            for v in (-3, 2.5, 300, float("nan"), float("inf"), True):
                assert run(dygrad, op, dt, v) == run(torch, op, dt, v), (op, dt, v)
    for shape, dim in (((0, 3, 0), 0), ((3, 0), 0)):
        assert dygrad.zeros(shape).index_fill_(dim, dygrad.tensor([5]), 1.0).shape == shape


def test_index_add_copy_on_empty_self_check_no_index_like_torch():
    torch = pytest.importorskip("torch")
    for shape, dim in (((0, 3), 0), ((3, 0), 0), ((0, 3, 0), 0), ((3, 0), 1)):
        sshape = list(shape)
        sshape[dim] = 2
        for op in ("index_add_", "index_copy_"):
            res = []
            for T in (dygrad, torch):
                try:
                    getattr(T.zeros(shape), op)(dim, T.tensor([0, 5]), T.ones(sshape))
                    res.append("ok")
                except (RuntimeError, IndexError):
                    res.append("raise")
            assert res[0] == res[1], (shape, dim, op, res)


def test_scatter_reduce_prod_excluded_self_gets_zero_gradient_with_nonfinite_src():
    x = dygrad.tensor([-0.5, -1.5], requires_grad=True)
    src = dygrad.tensor([float("nan"), -0.5])
    x.scatter_reduce(0, dygrad.tensor([1]), src, "prod", include_self=False).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0]


def test_take_along_dim_index_dtype_negative_indices_and_broadcast_errors():
    torch = pytest.importorskip("torch")
    for T in (dygrad, torch):
        f = T.tensor([1.0, 2.0, 3.0])
        with pytest.raises(RuntimeError, match="dtype of indices should be Long but got Int"):
            T.take_along_dim(f, T.tensor([0], dtype=T.int32), dim=0)
        assert T.take_along_dim(f, T.tensor([0], dtype=T.int32)).tolist() == [1.0]  # dim=None
        assert T.take_along_dim(f, T.tensor([-1, -3]), 0).tolist() == [3.0, 1.0]
        with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of "
                                               r"tensor b \(5\) at non-singleton dimension 1"):
            T.take_along_dim(T.zeros(2, 3), T.zeros(0, 5, dtype=T.long), 0)


def test_scatter_reduce_amax_amin_nan_result_gradients_like_torch():
    # no element equals a nan result: PyTorch's tie count is 0 and its gradients are 0/0 = nan
    torch = pytest.importorskip("torch")
    nan = float("nan")
    for xs, ss in (([1., 2.], [nan, 1.]), ([nan, 2.], [3., 1.]), ([1., nan], [nan, nan])):
        for red in ("amax", "amin"):
            for inc in (True, False):
                grads = []
                for T in (dygrad, torch):
                    x, s = T.tensor(xs, requires_grad=True), T.tensor(ss, requires_grad=True)
                    x.scatter_reduce(0, T.tensor([0, 0]), s, red, include_self=inc).sum().backward()
                    grads.append(str(x.grad.tolist() + s.grad.tolist()))
                assert grads[0] == grads[1], (xs, ss, red, inc)


def test_index_add_bounds_like_torch():
    # PyTorch's 0-d/1-d kernel raises IndexError for any bad index (empty self too); its n-d
    # kernel raises RuntimeError, and checks nothing when self is empty
    for shape, src in (((2,), (1,)), ((0,), (1,)), ((), ())):
        with pytest.raises(IndexError, match="index out of range in self"):
            dygrad.zeros(shape).index_add_(0, dygrad.tensor([5] if shape else 5), dygrad.ones(src))
    with pytest.raises(RuntimeError, match="index 5 is out of bounds for dimension 0 with size 2"):
        dygrad.zeros(2, 3).index_add_(0, dygrad.tensor([5]), dygrad.ones(1, 3))
    assert dygrad.zeros(0, 3).index_add_(0, dygrad.tensor([5]), dygrad.ones(1, 3)).shape == (0, 3)


def test_index_ops_into_an_empty_dim_raise_torchs_exception_class():
    torch = pytest.importorskip("torch")
    for shape, dim in (((0,), 0), ((0, 3), 0), ((3, 0), 1)):
        sshape = list(shape)
        sshape[dim] = 1
        calls = (lambda T: T.zeros(shape).index_fill_(dim, T.tensor([0]), 1.0),
                 lambda T: T.zeros(shape).index_copy_(dim, T.tensor([0]), T.ones(sshape)),
                 lambda T: T.index_select(T.zeros(shape), dim, T.tensor([0])))
        for call in calls:
            kinds = []
            for T in (dygrad, torch):
                with pytest.raises((RuntimeError, IndexError)) as e:
                    call(T)
                kinds.append(e.type)
            assert kinds[0] is kinds[1], (shape, dim, kinds)
    for T in (dygrad, torch):
        with pytest.raises(IndexError, match="Dimension out of range"):
            T.topk(T.zeros(3, dtype=T.bool), 1, dim=2)
        with pytest.raises(RuntimeError, match="topk does not support bool"):
            T.topk(T.zeros(3, dtype=T.bool), 1)


def test_index_add_fill_copy_validation_like_torch():
    torch = pytest.importorskip("torch")
    calls = [lambda T: T.tensor(1.).index_add_(0, T.tensor([0]), T.tensor([2.])),
             lambda T: T.ones(3).index_add_(0, T.tensor([0]), T.tensor(2.)),
             lambda T: T.zeros(3, 4).index_fill_(0, T.zeros(2, 1, dtype=T.long), 1.0),
             lambda T: T.zeros(3, 4).index_copy_(0, T.zeros(2, 1, dtype=T.long), T.ones(2, 4)),
             lambda T: T.zeros(3, 4).index_copy_(0, T.tensor([0, 1]), T.ones(8))]
    for call in calls:
        errs = []
        for T in (dygrad, torch):
            with pytest.raises((RuntimeError, IndexError)) as e:
                call(T)
            errs.append((e.type, str(e.value)))
        assert errs[0] == errs[1]
    assert dygrad.tensor(1.).index_add_(0, dygrad.tensor([0]), dygrad.tensor(2.)).item() == 3.0


def test_scatter_reduce_max_min_aliases_and_src_ndim_like_torch():
    torch = pytest.importorskip("torch")
    for T in (dygrad, torch):
        x = T.arange(4.).requires_grad_()
        out = (x * 1).scatter_reduce(0, T.tensor([0, 1]), T.tensor([5., 0.5]), "max")
        assert out.tolist() == [5.0, 1.0, 2.0, 3.0]
        with pytest.raises(RuntimeError, match="'amin' but got max"):
            out.sum().backward()
        with pytest.raises(RuntimeError, match="same number of dimensions as src tensor"):
            T.scatter(T.zeros(3, 4), 1, T.tensor([[0]]), T.tensor(3.))
        b = T.tensor([3., 1, 2])
        with pytest.raises(RuntimeError, match="sorter must be a tensor of long dtype"):
            T.searchsorted(b, T.tensor([2.5]), sorter=T.tensor([1, 2, 0], dtype=T.int32))
        with pytest.raises(RuntimeError, match="sorter index out of range"):
            T.searchsorted(b, T.tensor([2.5]), sorter=T.tensor([1, 2, 5]))
        with pytest.raises(IndexError, match="Dimension specified as 0 but tensor has no dimensions"):
            T.take_along_dim(T.tensor(2.), T.tensor(0), dim=0)


def test_scatter_reduce_prod_gradients_with_zeros_and_nonfinite_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    vals = [0.0, -0.0, 2.0, -1.5, float("inf"), float("nan"), 0.5]
    for _ in range(100):
        xs, ss, idx = rng.choice(vals, (3,)), rng.choice(vals, (4,)), rng.integers(0, 3, (4,))
        for inc in (True, False):
            res = []
            for T in (dygrad, torch):
                x, s = T.tensor(xs, requires_grad=True), T.tensor(ss, requires_grad=True)
                o = x.scatter_reduce(0, T.tensor(idx), s, "prod", include_self=inc)
                o.backward(T.tensor([1.0, 2.0, 3.0], dtype=T.float64))
                res.append(str([o.tolist(), x.grad.tolist(), s.grad.tolist()]))
            assert res[0] == res[1], (xs, ss, idx, inc)
