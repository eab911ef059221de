"""Indexing with []: a parity table of basic/advanced keys against PyTorch (values, dtypes,
shapes, gradients incl. repeated indices), float64 gradchecks, view-vs-copy results, __setitem__
parity (gradients to target and value), index_put, and PyTorch's errors."""
import numpy as np
import pytest

import dygrad
from dygrad.ops import indexing
from dygrad.testing import assert_close, check_op, check_raises, gradcheck_op

rng = np.random.default_rng(3)


def R(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def I(*v, dtype=np.int64):
    return np.array(v, dtype=dtype)


def ns(x):
    if isinstance(x, dygrad.Tensor):
        return dygrad
    import torch
    return torch


M0 = np.array([True, False, True, True])           # mask over dim 0 of (4, 3, 5)
M1 = np.array([False, True, True])                 # mask over dim 1
M01 = rng.random((4, 3)) > 0.5                     # mask over dims 0 and 1
MALL = rng.random((4, 3, 5)) > 0.6                 # mask over every dim

# name -> (key function over the tensor and the extra index arrays, extra arrays); x is (4, 3, 5)
GET = {
    "int": (lambda t: t[1], ()),
    "int_neg": (lambda t: t[-1], ()),
    "slice": (lambda t: t[1:3], ()),
    "slice_dim1": (lambda t: t[:, 1:], ()),
    "slice_step": (lambda t: t[::2], ()),
    "slice_steps": (lambda t: t[1:-1:2, ::3], ()),
    "slice_beyond": (lambda t: t[1:100, -100:2], ()),
    "slice_empty": (lambda t: t[:0], ()),
    "ellipsis_int": (lambda t: t[..., 1], ()),
    "none": (lambda t: t[None], ()),
    "none_ellipsis": (lambda t: t[:, None, ..., None], ()),
    "int_ell_none_int": (lambda t: t[0, ..., None, 2], ()),
    "tuple_ints": (lambda t: t[(0, 1)], ()),
    "all_ints": (lambda t: t[1, 2, 3], ()),
    "index_repeated": (lambda t, i: t[i], (I(0, 2, 0, 0),)),
    "list_repeated": (lambda t: t[[0, 2, 2]], ()),
    "index_dim1": (lambda t, i: t[:, i], (I(1, 0, 1),)),
    "index_2d": (lambda t, i: t[i], (I([0, 1], [1, 0]),)),
    "index_pair_broadcast": (lambda t, i, j: t[i, j], (I([0], [3]), I(0, 2, 2))),
    "int_slice_index": (lambda t: t[0, :, [0, 1]], ()),
    "index_slice_index": (lambda t, i, j: t[i, :, j], (I(0, 1), I(1, 2))),
    "slice_index_index": (lambda t: t[:, [0, 1], [1, 2]], ()),
    "index_int": (lambda t: t[[0, 1], 1], ()),
    "mask_dim0": (lambda t, m: t[m], (M0,)),
    "mask_dim1": (lambda t, m: t[:, m], (M1,)),
    "mask_all": (lambda t, m: t[m], (MALL,)),
    "mask_2d": (lambda t, m: t[m], (M01,)),
    "mask_and_index": (lambda t, m: t[m, :, [0, 4, 1]], (M0,)),
    "bool_true": (lambda t: t[True], ()),
    "bool_false": (lambda t: t[False], ()),
    "index_bool": (lambda t: t[[0, 1], True], ()),
    "index_bool_index": (lambda t: t[[0, 1], True, [0, 1]], ()),
    "tensor_0d_int": (lambda t, i: t[i], (np.array(2),)),
    "tensor_0d_int_index": (lambda t, i: t[i, :, [0, 1]], (np.array(1),)),
    "bool_list": (lambda t: t[[True, False, True, False]], ()),
    "slice_index_none": (lambda t: t[1:3, [0, 0, 2], None], ()),
    "ellipsis_index": (lambda t: t[..., [0, 4]], ()),
    "int32_index": (lambda t, i: t[i], (I(3, 1, 3, dtype=np.int32),)),
    "index_neg": (lambda t, i: t[i], (I(-1, -4),)),
    "empty_list": (lambda t: t[[]], ()),
    "empty_index": (lambda t, i: t[:, i], (I(),)),
    "tuple_in_tuple": (lambda t: t[(0, 1), ], ()),
    "range": (lambda t: t[range(1, 3)], ()),
}

BASIC = [n for n in GET if n in ("int", "int_neg", "slice", "slice_dim1", "slice_step", "slice_steps",
                                 "slice_beyond", "slice_empty", "ellipsis_int", "none",
                                 "none_ellipsis", "int_ell_none_int", "tuple_ints", "all_ints",
                                 "tensor_0d_int")]


@pytest.mark.parametrize("name", sorted(GET))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_getitem_parity(name, dtype):
    fn, extra = GET[name]
    check_op(fn, None, R(4, 3, 5, dtype=dtype), *extra)


@pytest.mark.parametrize("name", sorted(GET))
def test_getitem_gradcheck(name):
    fn, extra = GET[name]
    gradcheck_op(fn, R(4, 3, 5), *extra, gradgradcheck=name in (
        "int", "slice_steps", "none_ellipsis", "index_repeated", "int_slice_index", "mask_2d",
        "mask_and_index", "index_bool_index", "index_pair_broadcast"))


def test_getitem_integer_and_bool_tensors():
    for name in ("int", "slice_steps", "index_repeated", "mask_all", "int_slice_index"):
        fn, extra = GET[name]
        check_op(fn, None, rng.integers(-5, 5, (4, 3, 5)), *extra)
        check_op(fn, None, rng.random((4, 3, 5)) > 0.5, *extra)


@pytest.mark.parametrize("name", sorted(GET))
def test_basic_results_are_views_advanced_are_copies(name):
    fn, extra = GET[name]
    x = dygrad.tensor(R(4, 3, 5))
    out = fn(x, *[dygrad.from_numpy(a) for a in extra])
    if name in BASIC:
        assert out._base is x and out._vc is x._vc
    else:
        assert out._base is None and not np.shares_memory(out._data, x._data)


def test_repeated_indices_accumulate():
    x = dygrad.zeros(3, requires_grad=True)
    x[dygrad.tensor([0, 2, 0, 0])].sum().backward()
    assert x.grad.tolist() == [3., 0., 1.]


def test_zero_dim_tensor():
    for fn in (lambda t: t[None], lambda t: t[...], lambda t: t[True], lambda t: t[False],
               lambda t: t[None, ..., None]):
        check_op(fn, None, np.array(2.5))


def test_list_holding_sequences_is_a_tuple_and_warns():
    for fn in (lambda t: t[[[0, 1], [1, 0]]], lambda t: t[[0, slice(None), [1, 2]]]):
        with pytest.warns(UserWarning, match="non-tuple sequence for multidimensional indexing"):
            check_op(fn, None, R(4, 3, 5))


def test_uint8_index_is_a_mask_and_warns():
    x = dygrad.arange(4.)
    with pytest.warns(UserWarning, match="uint8 is now deprecated"):
        assert x[dygrad.tensor([1, 0, 1, 1], dtype=dygrad.uint8)].tolist() == [0., 2., 3.]


def _setter(key_fn):
    def fn(t, v, *extra):
        t = t.clone()
        key_fn(t, v, *extra)
        return t
    return fn


def _put(key, value):
    def f(t, v, *extra):
        t[key(t, *extra)] = v if value is None else value
    return f


# name -> (setter over (t, v, *extra), value shape or None, extra arrays); target is (4, 3, 5)
SET = {
    "int": (_put(lambda t: 0, None), (3, 5), ()),
    "int_broadcast": (_put(lambda t: 0, None), (1, 5), ()),
    "int_leading_ones": (_put(lambda t: 2, None), (1, 1, 3, 5), ()),
    "slice_scalar_value": (_put(lambda t: (slice(None), 1), 2.5), (), ()),
    "slice_vector": (_put(lambda t: slice(1, 3), None), (5,), ()),
    "step": (_put(lambda t: (slice(None, None, 2), 1), None), (2, 1), ()),
    "ellipsis": (_put(lambda t: (Ellipsis, 0), None), (4, 3), ()),
    "none": (_put(lambda t: (None, 1), None), (3, 5), ()),
    "index": (_put(lambda t, i: i, None), (2, 3, 5), (I(0, 2),)),
    "index_repeated": (_put(lambda t, i: i, None), (5,), (I(0, 0, 3),)),
    "index_dim1": (_put(lambda t: (slice(None), [0, 2]), None), (4, 2, 5), ()),
    "int_slice_index": (_put(lambda t: (0, slice(None), [1, 3]), None), (3, 2), ()),
    "pair": (_put(lambda t: ([0, 1], [1, 2]), None), (2, 5), ()),
    "mask": (_put(lambda t, m: m, None), (3, 3, 5), (M0,)),
    "mask_0d_value": (_put(lambda t, m: m, None), (), (MALL,)),
    "mask_vector_value": (_put(lambda t, m: m, None), (int(MALL.sum()),), (MALL,)),
    "self_mask": (_put(lambda t: t > 0, 0.0), (), ()),
    "bool_true": (_put(lambda t: True, None), (4, 3, 5), ()),
    "int32_index": (_put(lambda t, i: (slice(None), i), None), (1, 5), (I(2, 0, dtype=np.int32),)),
}


@pytest.mark.parametrize("name", sorted(SET))
def test_setitem_parity(name):
    setter, vshape, extra = SET[name]
    check_op(_setter(setter), None, R(4, 3, 5), R(*vshape), *extra)


@pytest.mark.parametrize("name", sorted(SET))
def test_setitem_gradcheck(name):
    setter, vshape, extra = SET[name]
    if name == "index_repeated":  # which duplicate wins is unspecified; values, not gradients
        return
    gradcheck_op(_setter(setter), R(4, 3, 5), R(*vshape), *extra,
                 gradgradcheck=name in ("int_broadcast", "int_slice_index", "mask"))


def test_setitem_value_requiring_grad_into_plain_tensor():
    check_op(_setter(SET["index"][0]), None, R(4, 3, 5), R(2, 3, 5), I(3, 1), requires_grad=[False, True, False])
    check_op(_setter(SET["int"][0]), None, R(4, 3, 5), R(3, 5, dtype=np.float32))
    x = dygrad.zeros(3)
    v = dygrad.tensor(2.0, requires_grad=True)
    x[1] = v
    assert x.requires_grad and x.grad_fn is not None
    (x * x).sum().backward()
    assert v.grad.item() == 4.0


def test_setitem_only_target_requires_grad():
    check_op(_setter(SET["mask"][0]), None, R(4, 3, 5), R(3, 3, 5), M0, requires_grad=[True, False, False])


def test_setitem_casts_like_torch():
    torch = pytest.importorskip("torch")
    for dt, val in (("int32", 2.7), ("int32", -2.7), ("uint8", -1), ("bool", 0.5), ("int64", True),
                    ("float16", 1e-3)):
        a, b = dygrad.zeros(3, dtype=getattr(dygrad, dt)), torch.zeros(3, dtype=getattr(torch, dt))
        a[1] = val
        b[1] = val
        a[2:] = dygrad.tensor([val])
        b[2:] = torch.tensor([val])
        assert_close(a, b)


def test_setitem_writes_through_views_and_bumps_version():
    x = dygrad.zeros(3, 4)
    v0 = x._version
    row = x[1]
    row[2:] = 5.0
    x[:, 0] = dygrad.tensor([1., 2., 3.])
    x[x > 4] = 9.0
    assert x.tolist() == [[1., 0., 0., 0.], [2., 0., 9., 9.], [3., 0., 0., 0.]]
    assert x._version == v0 + 3 and row._version == x._version


def test_setitem_into_expanded_tensor_raises():
    x = dygrad.zeros(3, 1).expand(3, 4)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        x[0] = 1.0  # the row selected is one memory location repeated
    x[0, 1] = 1.0  # one element: no overlap, and the whole row shares it (as in PyTorch)
    assert x.tolist()[0] == [1.0] * 4


def test_setitem_on_leaf_requiring_grad_raises():
    x = dygrad.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x[0] = 1.0
    with dygrad.no_grad():
        x[0] = 1.0
    assert x.tolist() == [1., 0., 0.]


def test_index_put():
    torch = pytest.importorskip("torch")
    put = indexing.index_put
    for acc in (False, True):
        check_op(lambda t, i, v, acc=acc: (put if ns(t) is dygrad else torch.index_put)(t, (i,), v, acc),
                 None, R(4, 3), I(0, 2, 0), R(3, 3), requires_grad=[True, False, True])
        check_op(lambda t, i, j, v, acc=acc: (put if ns(t) is dygrad else torch.index_put)(t, (i, j), v, acc),
                 None, R(4, 3), I(0, 2, 0), I(1, 1, 1), R(1), requires_grad=[True, False, False, True])
    x, tx = dygrad.zeros(4), torch.zeros(4)
    indexing.index_put_(x, (dygrad.tensor([1, 1, 3]),), dygrad.tensor([1., 2., 3.]), accumulate=True)
    tx.index_put_((torch.tensor([1, 1, 3]),), torch.tensor([1., 2., 3.]), accumulate=True)
    assert_close(x, tx)


ERRORS = [
    (lambda t: t[::-1], ValueError, "step must be greater than zero"),
    (lambda t: t[::0], ValueError, "slice step cannot be zero"),
    (lambda t: t[5], IndexError, "index 5 is out of bounds for dimension 0 with size 4"),
    (lambda t: t[-5], IndexError, "index -5 is out of bounds for dimension 0 with size 4"),
    (lambda t: t[0, 5], IndexError, "index 5 is out of bounds for dimension 1 with size 3"),
    (lambda t: t[None, 0, 5], IndexError, "index 5 is out of bounds for dimension 2 with size 3"),
    (lambda t: t[0, ..., 5], IndexError, "index 5 is out of bounds for dimension 2 with size 5"),
    (lambda t: t[[0, 5]], IndexError, "index 5 is out of bounds for dimension 0 with size 4"),
    (lambda t: t[:, [0, 5]], IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda t: t[[0, 1], [0, 3]], IndexError, "index 3 is out of bounds for dimension 1 with size 3"),
    (lambda t: t[ns(t).tensor(7)], IndexError, "index 7 is out of bounds for dimension 0 with size 4"),
    (lambda t: t[1.5], IndexError, r"only integers, slices \(`:`\), ellipsis"),
    (lambda t: t[ns(t).tensor([1.0])], IndexError, "tensors used as indices must be long, int, byte or bool"),
    (lambda t: t[ns(t).tensor([1], dtype=ns(t).int16)], IndexError, "tensors used as indices must be"),
    (lambda t: t[ns(t).tensor([True, False])], IndexError,
     r"The shape of the mask \[2\] at index 0 does not match the shape of the indexed tensor \[4, 3, 5\] at index 0"),
    (lambda t: t[:, ns(t).ones(3, 4, dtype=ns(t).bool)], IndexError,
     r"mask \[3, 4\] at index 1 does not match the shape of the indexed tensor \[4, 3, 5\] at index 2"),
    (lambda t: t[0, 0, 0, 0], IndexError, "too many indices for tensor of dimension 3"),
    (lambda t: t[[0, 1], [0, 1, 2]], IndexError,
     r"shape mismatch: indexing tensors could not be broadcast together with shapes \[2\], \[3\]"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_getitem_errors(case):
    fn, exc, match = ERRORS[case]
    e = check_raises(fn, None, R(4, 3, 5), match=match)
    assert isinstance(e, exc)


def test_zero_dim_int_index_error():
    check_raises(lambda t: t[0], None, np.array(1.0), match="invalid index of a 0-dim tensor")


def _assign(key, value):
    def f(t):
        t[key] = value(t) if callable(value) else value
    return f


SET_ERRORS = [
    (_assign(slice(None, None, -1), 1.0), ValueError, "step must be greater than zero"),
    (_assign(5, 1.0), IndexError, "index 5 is out of bounds for dimension 0 with size 4"),
    (_assign((slice(None), [5]), 1.0), IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    (_assign(0, lambda t: ns(t).ones(2, 5)), RuntimeError,
     r"The expanded size of the tensor \(3\) must match the existing size \(2\) at non-singleton dimension 0"),
    (_assign(0, lambda t: ns(t).ones(2, 1, 3, 5)), RuntimeError, "the number of sizes provided"),
    (_assign([0, 1], lambda t: ns(t).ones(3, 3, 5)), RuntimeError,
     r"shape mismatch: value tensor of shape \[3, 3, 5\] cannot be broadcast to indexing result of shape \[2, 3, 5\]"),
    (_assign((0, [0, 1]), lambda t: ns(t).ones(3)), RuntimeError,
     r"value tensor of shape \[3\] cannot be broadcast to indexing result of shape \[2, 5\]"),
    (_assign(0, [1.0, 2.0]), TypeError, "can't assign a list to a torch.DoubleTensor"),
    (_assign(0, "a"), TypeError, "can't assign a str"),
]


@pytest.mark.parametrize("case", range(len(SET_ERRORS)))
def test_setitem_errors(case):
    fn, exc, match = SET_ERRORS[case]
    e = check_raises(fn, None, R(4, 3, 5), match=match)
    assert isinstance(e, exc)


def test_index_put_accumulate_broadcast_values_match_torch():
    # NumPy's ufunc.at misreads broadcast values; repeated indices must still accumulate exactly
    torch = pytest.importorskip("torch")
    import dygrad
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(1, 4))
        idx = rng.integers(-n, n, (int(rng.integers(1, 4)), int(rng.integers(1, 4))))
        v = rng.standard_normal(idx.shape[-1:]).astype(np.float32)
        outs = []
        for T in (torch, dygrad):
            x = T.zeros(n)
            x.index_put_((T.from_numpy(idx.copy()),), T.from_numpy(v.copy()), accumulate=True)
            outs.append(x.numpy())
        np.testing.assert_allclose(outs[1], outs[0], rtol=1e-6, atol=1e-6)
    x = dygrad.zeros(3, 4, dtype=dygrad.long)
    x.index_put_((dygrad.tensor([[0], [0]]), dygrad.tensor([1, 1, 3])), dygrad.tensor([5, 6, 7]), accumulate=True)
    assert x.tolist() == [[0, 22, 0, 14], [0, 0, 0, 0], [0, 0, 0, 0]]


def test_index_put_takes_only_tensors():
    import dygrad
    x = dygrad.zeros(3, 4)
    for ind in ((dygrad.tensor([0, 0]), slice(None)), (None, dygrad.tensor([1])), ([0, 1],)):
        with pytest.raises(TypeError, match="expected Tensor as element"):
            x.index_put_(ind, dygrad.tensor(1.), accumulate=True)


def _write_outcome(T, ydt, key, v):
    """Result or (exception class, message) of y[key] = v on a fresh y (2, 3) of dtype ydt."""
    y = T.zeros(2, 3, dtype=getattr(T, ydt))
    k = key(T) if callable(key) else key
    try:
        y[k] = v(T) if callable(v) else v
    except Exception as e:
        return type(e), str(e)
    return str(y.tolist())  # nan compares equal as text


def test_advanced_setitem_and_index_put_value_dtype_like_torch():
    # index_put takes only values of self's dtype; a one-element value under a single bool mask
    # goes through masked_fill_ (converted); basic keys copy_ (converted); scalars are checked
    torch = pytest.importorskip("torch")
    import warnings
    keys = [slice(0, 1), 0, [0, 1], ([True, False],), ([True, False], 0),
            lambda T: T.tensor([True, False]), lambda T: (Ellipsis, T.tensor([True, False, True])),
            lambda T: T.tensor([1, 0], dtype=T.uint8), lambda T: (T.tensor([True, False]), [0])]
    vals = [lambda T: T.tensor(1.5), lambda T: T.tensor([2.5]), lambda T: T.tensor([1, 2, 3]),
            lambda T: T.tensor([float("inf")], dtype=T.float64), lambda T: T.tensor(True),
            -1, -1.5, 300, float("nan"), 2.5]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for ydt in ("int64", "uint8", "float32", "bool"):
            for key in keys:
                for v in vals:
                    a = _write_outcome(dygrad, ydt, key, v)
                    b = _write_outcome(torch, ydt, key, v)
                    assert a == b, (ydt, key, v, a, b)
    x = dygrad.zeros(2, dtype=dygrad.long)
    with pytest.raises(RuntimeError, match="got Long for the destination and Float for the source"):
        x.index_put_((dygrad.tensor([0]),), dygrad.tensor(1.5), accumulate=True)
    with pytest.raises(RuntimeError, match="cannot be converted to type uint8_t without overflow"):
        dygrad.zeros(2, dtype=dygrad.uint8)[0] = 300


def test_masked_fill_integer_result_with_grad_value_raises_like_torch():
    v = dygrad.tensor(1.5, requires_grad=True)
    m = dygrad.tensor([True, False])
    with pytest.raises(RuntimeError, match="Autograd not support dtype: Long"):
        dygrad.zeros(2, dtype=dygrad.long).masked_fill(m, v)
    with dygrad.no_grad():
        assert dygrad.zeros(2, dtype=dygrad.long).masked_fill(m, v).tolist() == [1, 0]
    with pytest.raises(RuntimeError, match="cannot be converted to type int64_t"):
        dygrad.zeros(2, dtype=dygrad.long).masked_fill(m, dygrad.tensor(float("inf")))


def test_out_of_range_index_with_an_empty_result_is_not_checked_like_torch():
    torch = pytest.importorskip("torch")
    keys = [(slice(1, 1), [5]), (slice(None), slice(2, 1), [0, 7]), ([5], slice(3, 3)), ([5], []),
            (lambda T: T.tensor([False, False]), [5]), ([5, 0], slice(1, 1), [7]), ([5], slice(1, 2))]
    for key in keys:
        res = []
        for T in (dygrad, torch):
            x = T.arange(24.).reshape(2, 3, 4)
            k = tuple(k(T) if callable(k) else k for k in key)
            try:
                res.append(list(x[k].shape))
                x[k] = 1.0
                res.append(x.sum().item())
            except IndexError as e:
                res.append(str(e))
        assert res[:len(res) // 2] == res[len(res) // 2:], (key, res)


def test_index_put_single_mask_one_element_value_like_torch():
    # index_put_ (accumulate=False) with one bool mask and a one-element value is masked_fill_:
    # any value dtype, converted as a checked scalar; uint8 masks refused; otherwise same dtype
    torch = pytest.importorskip("torch")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for ydt in ("long", "float32", "uint8", "bool"):
            for v in (lambda T: T.tensor(1.5), lambda T: T.tensor([2.5, 1.5]),
                      lambda T: T.tensor(-1.5, dtype=T.float64), lambda T: T.tensor([True])):
                for k in (lambda T: T.tensor([True, False, True]), lambda T: T.tensor([0, 2]),
                          lambda T: T.tensor([1, 0, 1], dtype=T.uint8)):
                    for acc in (False, True):
                        res = []
                        for T in (dygrad, torch):
                            try:
                                y = T.zeros(3, dtype=getattr(T, ydt))
                                res.append(str(y.index_put_((k(T),), v(T), accumulate=acc).tolist()))
                            except RuntimeError as e:
                                res.append(str(e))
                        assert res[0] == res[1], (ydt, acc, res)


# PyTorch 2.13's outcomes (recorded): a size-0 dim refuses any advanced index unless the
# broadcast indices pick nothing (an empty index list, an all-False mask)
_SIZE0 = [
    (lambda t: t.zeros(1, 0, 4)[t.tensor([False]), [-1]], (0, 4)),
    (lambda t: t.zeros(2, 0, 3)[t.tensor([], dtype=t.int64), [0]], (0, 3)),
    (lambda t: t.zeros(0, 3)[:, [5]], (0, 1)),
    (lambda t: t.zeros(3, 0)[[1]], (1, 0)),
    (lambda t: t.zeros(3, 0)[:, [0]], IndexError),
    (lambda t: t.zeros(0)[[0]], IndexError),
    (lambda t: t.zeros(0, 2)[[0], [0]], IndexError),
    (lambda t: t.zeros(2, 0, 3)[:, [0], :0], IndexError),
]


@pytest.mark.parametrize("k", range(len(_SIZE0)))
def test_advanced_index_into_a_size0_dim(k):
    fn, want = _SIZE0[k]
    if want is IndexError:
        with pytest.raises(IndexError, match="out of bounds for dimension with size 0"):
            fn(dygrad)
    else:
        assert tuple(fn(dygrad).shape) == want


def test_masked_write_into_a_size0_dim_that_picks_nothing():
    y = dygrad.zeros((1, 0, 4), dtype=dygrad.int64)
    y[dygrad.tensor([False]), [-1]] = dygrad.tensor([3])
    assert tuple(y.shape) == (1, 0, 4)
