"""Joins (cat, stack, hstack, vstack, dstack, atleast_*d, broadcast_tensors, meshgrid): parity with
PyTorch incl. dtype promotion and gradients, gradchecks and errors."""
import numpy as np
import pytest

import dygrad
from dygrad.testing import assert_close, check_op, check_raises, gradcheck_op

rng = np.random.default_rng(11)


def R(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def ns(x):
    if isinstance(x, dygrad.Tensor):
        return dygrad
    import torch
    return torch


# name -> (input shapes, op over the inputs)
OPS = {
    "cat0": ([(2, 3), (4, 3)], lambda a, b: ns(a).cat([a, b])),
    "cat_neg": ([(2, 3), (2, 1), (2, 0)], lambda a, b, c: ns(a).cat((a, b, c), dim=-1)),
    "cat_one": ([(2, 3)], lambda a: ns(a).cat([a], 1)),
    "cat_skip_empty_1d": ([(0,), (2, 3)], lambda a, b: ns(a).cat([a, b])),
    "concat": ([(1, 2), (3, 2)], lambda a, b: ns(a).concat([a, b])),
    "concatenate": ([(1, 2), (1, 2)], lambda a, b: ns(a).concatenate([a, b], 1)),
    "stack": ([(2, 3), (2, 3)], lambda a, b: ns(a).stack([a, b])),
    "stack_axis": ([(2, 3), (2, 3)], lambda a, b: ns(a).stack([a, b], axis=-1)),  # NumPy's name
    "concatenate_axis": ([(2, 3), (2, 1)], lambda a, b: ns(a).concatenate([a, b], axis=1)),
    "stack_last": ([(2, 3), (2, 3), (2, 3)], lambda a, b, c: ns(a).stack((a, b, c), dim=-1)),
    "stack_0d": ([(), ()], lambda a, b: ns(a).stack([a, b])),
    "hstack_1d": ([(2,), (), (3,)], lambda a, b, c: ns(a).hstack([a, b, c])),
    "hstack_2d": ([(2, 3), (2, 1)], lambda a, b: ns(a).hstack((a, b))),
    "vstack": ([(3,), (2, 3)], lambda a, b: ns(a).vstack([a, b])),
    "vstack_0d": ([(), ()], lambda a, b: ns(a).vstack([a, b])),
    "dstack": ([(3,), (1, 3), (1, 3, 2)], lambda a, b, c: ns(a).dstack([a, b, c])),
    "atleast_1d": ([()], lambda a: ns(a).atleast_1d(a)),
    "atleast_2d": ([(3,), ()], lambda a, b: ns(a).atleast_2d(a, b)),
    "atleast_3d": ([(2, 3), (3,), ()], lambda a, b, c: ns(a).atleast_3d([a, b, c])),
    "broadcast_tensors": ([(3, 1), (4,), ()], lambda a, b, c: ns(a).broadcast_tensors(a, b, c)),
    "meshgrid_ij": ([(2,), (3,), (4,)], lambda a, b, c: ns(a).meshgrid(a, b, c, indexing="ij")),
    "meshgrid_xy": ([(2,), (3,), (4,)], lambda a, b, c: ns(a).meshgrid([a, b, c], indexing="xy")),
    "meshgrid_0d": ([(), (3,)], lambda a, b: ns(a).meshgrid(a, b, indexing="xy")),
}


def _arrays(shapes, dtype=np.float64):
    return [R(*s, dtype=dtype) for s in shapes]


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parity(name, dtype):
    shapes, fn = OPS[name]
    check_op(fn, None, *_arrays(shapes, dtype))


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck(name):
    shapes, fn = OPS[name]
    gradcheck_op(fn, *_arrays(shapes), gradgradcheck=True)


@pytest.mark.parametrize("dts", [(np.int64, np.float32), (np.float32, np.float64), (np.bool_, np.uint8),
                                 (np.int8, np.uint8), (np.int32, np.int64), (np.float16, np.int16),
                                 (np.bool_, np.float16)])
def test_dtype_promotion(dts):
    a = rng.integers(0, 3, (2, 3)).astype(dts[0])
    b = rng.integers(0, 3, (1, 3)).astype(dts[1])
    check_op(lambda x, y: ns(x).cat([x, y]), None, a, b)
    check_op(lambda x, y: ns(x).stack([x, y[0]]), None, a[0], b)
    check_op(lambda x, y: ns(x).hstack([x, y]), None, a[0], b[0])


def test_mixed_float_gradients_keep_input_dtypes():
    check_op(lambda x, y: ns(x).cat([x, y], 1), None, R(2, 2, dtype=np.float32), R(2, 3))
    check_op(lambda x, y: ns(x).stack([x, y]), None, R(3, dtype=np.float16), R(3, dtype=np.float32))


def test_only_some_inputs_require_grad():
    check_op(lambda x, y: ns(x).cat([x, y]), None, R(2, 3), R(1, 3), requires_grad=[False, True])
    check_op(lambda x, y: ns(x).stack([x, y]), None, R(2, 3), R(2, 3), requires_grad=[True, False])


def test_cat_out_and_empty_1d_gradient():
    out = dygrad.empty(0)
    a = dygrad.ones(2, 2)
    r = dygrad.cat([a, a], out=out)  # an empty out is resized
    assert r is out and out.shape == (4, 2)
    v = out.view(-1)
    r = dygrad.cat([a, a + 1], out=out)  # written into out's memory: a view of it sees it
    assert r is out and v.tolist() == [1.0] * 4 + [2.0] * 4
    e = dygrad.zeros(0, dtype=dygrad.float64, requires_grad=True)
    x = dygrad.ones(2, 2, requires_grad=True)
    dygrad.cat([e, x]).sum().backward()
    assert e.grad.shape == (0,) and e.grad.dtype == dygrad.float64 and x.grad.tolist() == [[1., 1.]] * 2


def test_meshgrid_without_indexing_warns():
    a, b = dygrad.arange(2), dygrad.arange(3)
    with pytest.warns(UserWarning, match="indexing argument"):
        x, y = dygrad.meshgrid(a, b)
    assert x.shape == (2, 3) and y.tolist() == [[0, 1, 2], [0, 1, 2]]


def test_broadcast_tensors_are_views():
    a = dygrad.zeros(3, 1)
    x, _ = dygrad.broadcast_tensors(a, dygrad.zeros(4))
    assert x._base is a and x.shape == (3, 4)


ERRORS = [
    ([(2, 3), (2, 4)], lambda a, b: ns(a).cat([a, b]),
     "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number 1"),
    ([(2, 3), (3,)], lambda a, b: ns(a).cat([a, b]), "Tensors must have same number of dimensions: got 2 and 1"),
    ([(), ()], lambda a, b: ns(a).cat([a, b]), r"zero-dimensional tensor \(at position 0\) cannot be concatenated"),
    ([(2, 3)], lambda a: ns(a).cat([a, a], 2), "Dimension out of range"),
    ([(2, 3)], lambda a: ns(a).cat([a, 5]), "expected Tensor as element 1 in argument 0, but got int"),
    ([(2, 3), (3, 2)], lambda a, b: ns(a).stack([a, b]),
     r"stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[3, 2\] at entry 1"),
    ([(2, 3)], lambda a: ns(a).stack([a, a], 3), "Dimension out of range"),
    ([(2,), (3,)], lambda a, b: ns(a).broadcast_tensors(a, b),
     r"The size of tensor a \(2\) must match the size of tensor b \(3\) at non-singleton dimension 0"),
    ([(2,), (2, 2)], lambda a, b: ns(a).meshgrid(a, b, indexing="ij"), "Expected 0D or 1D tensor"),
    ([(2,), (2,)], lambda a, b: ns(a).meshgrid(a, b, indexing="foo"), "indexing must be one of"),
    # PyTorch's argument errors, not a truncated float dim, a list taken as tensors, or a raw
    # AttributeError
    ([(2, 3)], lambda a: ns(a).cat([a, a], 1.0), r"argument 'dim' .*must be int, not float"),
    ([(2, 3)], lambda a: ns(a).stack([a, a], 0.5), r"argument 'dim' \(position 2\) must be int, not float"),
    ([(2, 3)], lambda a: ns(a).broadcast_tensors(a, 1), "expected Tensor as element 1 in argument 0"),
    ([(2, 3)], lambda a: ns(a).broadcast_tensors([a, a]), "expected Tensor as element 0 in argument 0"),
    ([(2, 3)], lambda a: ns(a).atleast_2d(a, 1), "atleast_2d"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors(case):
    shapes, fn, match = ERRORS[case]
    check_raises(fn, None, *_arrays(shapes), match=match)


def test_empty_list_errors():
    torch = pytest.importorskip("torch")
    for d_fn, t_fn, exc, match in (
            (dygrad.cat, torch.cat, ValueError, "expected a non-empty list of Tensors"),
            (dygrad.stack, torch.stack, RuntimeError, "stack expects a non-empty TensorList"),
            (dygrad.hstack, torch.hstack, RuntimeError, "hstack expects a non-empty TensorList"),
            (dygrad.vstack, torch.vstack, RuntimeError, "vstack expects a non-empty TensorList")):
        with pytest.raises(exc, match=match):
            t_fn([])
        with pytest.raises(exc, match=match):
            d_fn([])
    with pytest.raises(RuntimeError, match="same dtype"):
        dygrad.meshgrid(dygrad.arange(2), dygrad.ones(2), indexing="ij")
    assert_close(dygrad.broadcast_tensors(), ())


def test_cat_of_legacy_empty_tensors_and_roll_of_empty_check_no_dim():
    assert dygrad.cat((dygrad.zeros(0),), dim=3).shape == (0,)
    assert dygrad.roll(dygrad.zeros(3, 0), -2, 4).shape == (3, 0)
    with pytest.raises(IndexError):
        dygrad.cat((dygrad.zeros(0, 2),), dim=5)
    with pytest.raises(IndexError):
        dygrad.roll(dygrad.zeros(3, 1), -2, 4)
