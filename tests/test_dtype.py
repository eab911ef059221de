import itertools

import numpy as np
import pytest

import dygrad

try:  # the parity oracle; the tests marked requires_torch skip without it
    import torch
except ImportError:
    torch = None

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _make(lib, name, zero_dim):
    dt = getattr(lib, name)
    shape = () if zero_dim else (2,)
    return lib.ones(shape, dtype=dt)


@pytest.mark.requires_torch
@pytest.mark.parametrize("a,b", list(itertools.product(DTYPES, DTYPES)))
@pytest.mark.parametrize("dims", [(False, False), (False, True), (True, False), (True, True)])
def test_tensor_tensor_promotion_matches_torch(a, b, dims):
    ta, tb = _make(torch, a, dims[0]), _make(torch, b, dims[1])
    da, db = _make(dygrad, a, dims[0]), _make(dygrad, b, dims[1])
    assert str((da * db).dtype) == str((ta * tb).dtype)
    assert str((da == db).dtype) == str((ta == tb).dtype)
    if a != "bool" and b != "bool":
        assert str((da + db).dtype) == str((ta + tb).dtype)
    assert str((da / db).dtype) == str((ta / tb).dtype)


@pytest.mark.requires_torch
@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("scalar", [2, 2.5, True])
def test_tensor_scalar_promotion_matches_torch(a, scalar):
    for zero in (False, True):
        ta, da = _make(torch, a, zero), _make(dygrad, a, zero)
        assert str((da * scalar).dtype) == str((ta * scalar).dtype)
        assert str((scalar * da).dtype) == str((scalar * ta).dtype)
        assert str((da / scalar).dtype) == str((ta / scalar).dtype)


def test_default_dtype_switch():
    assert dygrad.get_default_dtype() is dygrad.float32
    dygrad.set_default_dtype(dygrad.float64)
    try:
        assert dygrad.tensor([1.5]).dtype is dygrad.float64
        assert (dygrad.tensor([1]) * 2.5).dtype is dygrad.float64
        assert dygrad.randn(2).dtype is dygrad.float64
    finally:
        dygrad.set_default_dtype(dygrad.float32)
    with pytest.raises(TypeError):
        dygrad.set_default_dtype(dygrad.int64)


@pytest.mark.requires_torch
def test_inferred_dtypes_match_torch():
    for data in ([1, 2], [1.0, 2], [True, False], [[1, 2], [3, 4]], 3, 3.5, True, []):
        assert str(dygrad.tensor(data).dtype) == str(torch.tensor(data).dtype), data
    for arr in (np.ones(2, np.float64), np.ones(2, np.int32), np.ones(2, np.uint8)):
        assert str(dygrad.from_numpy(arr).dtype) == str(torch.from_numpy(arr).dtype)


def test_integer_results_and_int_division():
    x = dygrad.tensor([1, 2, 3])
    assert (x / 2).dtype is dygrad.float32
    assert (x // 2).tolist() == [0, 1, 1]
    assert (x * 2).dtype is dygrad.int64
    assert x.sum().dtype is dygrad.int64
    assert dygrad.tensor([True, True]).sum().item() == 2


def test_inplace_cannot_downcast():
    x = dygrad.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        x += 1.5
    y = dygrad.tensor([1.0, 2.0])
    y += dygrad.tensor([1, 1])
    assert y.dtype is dygrad.float32
