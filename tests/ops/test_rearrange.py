"""Copying rearrangements (repeat, tile, flip, roll, tril/triu, diag, sum_to_size): parity with
PyTorch, float64 gradchecks incl. second order, results never alias the input, errors."""
import numpy as np
import pytest

import dygrad
from dygrad.testing import check_op, check_raises, gradcheck_op

rng = np.random.default_rng(5)


def R(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def ns(x):
    if isinstance(x, dygrad.Tensor):
        return dygrad
    import torch
    return torch


OPS = {
    "repeat": ((2, 3), lambda t: t.repeat(2, 3)),
    "repeat_lead": ((2, 3), lambda t: t.repeat(2, 1, 2)),
    "repeat_tuple": ((3,), lambda t: t.repeat((2, 2))),
    "repeat_zero": ((2, 3), lambda t: t.repeat(0, 2)),
    "repeat_0d": ((), lambda t: t.repeat(3)),
    "tile": ((2, 3, 4), lambda t: t.tile((2,))),
    "tile_lead": ((2, 3), lambda t: ns(t).tile(t, (2, 1, 2))),
    "tile_empty": ((2, 3), lambda t: t.tile(())),
    "flip": ((2, 3, 4), lambda t: t.flip(0)),
    "flip_many": ((2, 3, 4), lambda t: t.flip((0, -1))),
    "flip_varargs": ((2, 3, 4), lambda t: t.flip(1, 2)),
    "flip_fn_empty": ((2, 3), lambda t: ns(t).flip(t, [])),
    "flip_none": ((2, 3), lambda t: t.flip(())),
    "flip_fn": ((2, 3), lambda t: ns(t).flip(t, [1])),
    "flip_0d": ((), lambda t: t.flip(0)),
    "roll_flat": ((3, 4), lambda t: t.roll(5)),
    "roll_dim": ((3, 4), lambda t: t.roll(-1, 1)),
    "roll_multi": ((3, 4, 2), lambda t: t.roll((1, 3), (0, -2))),
    "roll_big": ((3, 4), lambda t: ns(t).roll(t, 7, 0)),
    "roll_0d": ((), lambda t: t.roll(2)),
    "roll_empty_dims": ((3, 4), lambda t: ns(t).roll(t, (1,), [])),  # empty dims: the flat roll
    "tile_varargs": ((2, 3), lambda t: t.tile(2, 1, 2)),
    "tile_fn_dims": ((2, 3), lambda t: ns(t).tile(t, dims=[2])),
    "tril": ((4, 5), lambda t: t.tril()),
    "tril_k": ((2, 4, 5), lambda t: t.tril(1)),
    "tril_neg": ((4, 4), lambda t: ns(t).tril(t, -2)),
    "triu": ((4, 5), lambda t: t.triu()),
    "triu_k": ((2, 3, 4), lambda t: t.triu(-1)),
    "diag_1d": ((3,), lambda t: t.diag()),
    "diag_1d_k": ((3,), lambda t: ns(t).diag(t, 2)),
    "diag_1d_neg": ((3,), lambda t: t.diag(-1)),
    "diag_2d": ((3, 4), lambda t: t.diag()),
    "diag_2d_k": ((3, 4), lambda t: t.diag(1)),
    "diag_2d_neg": ((4, 3), lambda t: t.diag(-2)),
    "diag_2d_far": ((3, 4), lambda t: t.diag(7)),
    "diag_empty": ((0,), lambda t: t.diag()),
    "sum_to_size": ((2, 3, 4), lambda t: t.sum_to_size(3, 1)),
    "sum_to_size_tuple": ((2, 3, 4), lambda t: t.sum_to_size((1, 3, 4))),
    "sum_to_size_drop": ((2, 3, 4), lambda t: t.sum_to_size(4)),
}


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parity(name, dtype):
    shape, fn = OPS[name]
    check_op(fn, None, R(*shape, dtype=dtype))


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck(name):
    shape, fn = OPS[name]
    gradcheck_op(fn, R(*shape), gradgradcheck=True)


@pytest.mark.parametrize("name", ["repeat", "flip_many", "roll_multi", "tril_k", "diag_1d_k", "diag_2d"])
def test_integer_inputs(name):
    shape, fn = OPS[name]
    check_op(fn, None, rng.integers(-9, 9, shape))


@pytest.mark.parametrize("name", [n for n in OPS if not n.startswith("sum_to") and n != "flip_none"
                                  and not n.endswith("_0d")])
def test_results_do_not_alias_input(name):
    shape, fn = OPS[name]
    x = dygrad.tensor(R(*shape))
    out = fn(x)
    assert out._base is None and not np.shares_memory(out._data, x._data)


def test_sum_to_size_same_shape_returns_self():
    x = dygrad.randn(2, 3)
    assert x.sum_to_size(2, 3) is x


ERRORS = [
    ((2, 3, 4), lambda t: t.repeat(2), "can not be smaller than number of dimensions"),
    ((3, 4), lambda t: t.repeat(-1, 1), r"negative dimension -3: \[-3, 4\]"),
    ((3, 4), lambda t: t.flip((0, 0)), "dim 0 appears multiple times in the list of dims"),
    ((3, 4), lambda t: t.flip(2), "Dimension out of range"),
    ((3, 4), lambda t: t.roll((1, 2), (0,)), "shifts and dimensions must align. shifts: 2, dims:1"),
    ((3, 4), lambda t: t.roll(1, (0, 1)), "shifts and dimensions must align"),
    ((3, 4), lambda t: t.roll(1, 2), "Dimension out of range"),
    ((), lambda t: t.roll(1, 0), "Dimension specified as 0 but tensor has no dimensions"),
    ((3,), lambda t: t.tril(), "tril: input tensor must have at least 2 dimensions"),
    ((3,), lambda t: t.triu(), "triu: input tensor must have at least 2 dimensions"),
    ((2, 3, 4), lambda t: t.diag(), r"diag\(\): Supports 1D or 2D tensors. Got 3D"),
    ((), lambda t: t.diag(), "Got 0D"),
    ((2, 3, 4), lambda t: t.sum_to_size(3, 5), r"size \{\[3, 5\]\} is not expandable to size \{\[2, 3, 4\]\}"),
    ((2, 3, 4), lambda t: t.sum_to_size(1, 2, 3, 4), "is not expandable"),
    ((2, 3), lambda t: t.sum_to_size(), "missing 1 required positional arguments"),  # not a sum
    ((), lambda t: t.repeat(), 'missing 1 required positional arguments: "repeats"'),  # not a copy
    ((3, 4), lambda t: t.flip(), 'flip\\(\\) missing 1 required positional arguments: "dims"'),
    ((3, 4), lambda t: t.tile(), 'tile\\(\\) missing 1 required positional arguments: "dims"'),
    ((3, 4), lambda t: t.roll([], 0), "`shifts` required"),
    ((3, 4), lambda t: ns(t).flip(t, 0), None),  # dims must be a sequence in the function form
    # a float or bool argument is PyTorch's TypeError, not truncated by int()
    ((3, 4), lambda t: t.tril(1.5), r"argument 'diagonal' .*must be int, not float"),
    ((3, 4), lambda t: ns(t).triu(t, True), "must be int, not bool"),
    ((3,), lambda t: t.diag(1.0), "must be int, not float"),
    ((3, 4), lambda t: t.flip([1.0]), "must be tuple of ints, but found element of type float at pos 0"),
    ((3, 4), lambda t: t.flip(1.0), None),
    ((3, 4), lambda t: t.roll(1.5), "must be tuple of ints, not float"),
    ((3, 4), lambda t: ns(t).roll(t, [1], [1.0]), "found element of type float at pos 0"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors(case):
    shape, fn, match = ERRORS[case]
    check_raises(fn, None, R(*shape), match=match)


def test_tril_triu_inplace_write_into_expanded_memory():
    # PyTorch lets tril_/triu_ write into self-overlapping memory (each row the same storage)
    x = dygrad.ones(1, 3).expand(3, 3).tril_()
    assert x.tolist() == [[1.0, 0.0, 0.0]] * 3
    assert dygrad.ones(1, 3).expand(3, 3).triu_(1).tolist() == [[0.0, 0.0, 0.0]] * 3


@pytest.mark.parametrize("make", [
    lambda T: T.zeros(2, 3, 4).permute(2, 0, 1).flip(0),
    lambda T: T.zeros(2, 3, 4).permute(2, 0, 1).flip(1).permute(1, 2, 0),
    lambda T: T.zeros(3, 4).t().flip(0, 1),
    lambda T: T.zeros(3, 1).expand(3, 4).t().flip(0),
    lambda T: T.zeros(4, 4)[:, ::2].t().flip(0),
    lambda T: T.zeros(2, 3).flip(0),
    lambda T: T.zeros(3, 4).t(),
    lambda T: T.zeros(3, 1, 4).transpose(0, 1),
    lambda T: T.zeros(3, 1).expand(3, 4),
    lambda T: T.zeros(4, 4).narrow(1, 0, 2),
    lambda T: T.zeros(4, 1)[::2],
    lambda T: T.zeros(0, 3).t(),
])
def test_flip_and_shape_ops_is_contiguous_like_torch(make):
    # flip keeps its input's dimension order (PyTorch's empty_like), so .view() agrees too
    torch = pytest.importorskip("torch")
    t, d = make(torch), make(dygrad)
    assert d.is_contiguous() == t.is_contiguous()
    if t.numel():
        assert tuple(d.stride()) == tuple(t.stride())
