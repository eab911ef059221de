"""Tensor creation matches PyTorch: dtype inference, values (ranges bit for bit), checks, errors."""
import math
import re
import warnings

import numpy as np
import pytest

import dygrad
from dygrad import _convert, _creation
from dygrad.ops import bucketing

try:  # the parity oracle; the tests marked requires_torch skip without it
    import torch
except ImportError:
    torch = None

# the functions this suite covers, looked up on dygrad and, until dygrad/__init__.py exports
# them all (test_public_exports), on the modules that define them
NEW_NAMES = [n for n in _creation.__all__ + bucketing.__all__ if not hasattr(dygrad, n)]
DY = type("dygrad_ns", (), {})()
vars(DY).update({k: getattr(dygrad, k) for k in dir(dygrad) if not k.startswith("__")})
vars(DY).update({n: getattr(_creation, n, None) or getattr(bucketing, n) for n in NEW_NAMES})


@pytest.mark.xfail(bool(NEW_NAMES), strict=True,
                   reason=f"dygrad/__init__.py does not export yet: {NEW_NAMES}")
def test_public_exports():
    for name in _creation.__all__ + bucketing.__all__:
        assert getattr(dygrad, name) is getattr(_creation, name, None) or getattr(bucketing, name)


def _run(lib, expr):
    """('ok', dtype, shape, values) or ('raise', exception); warnings are collected, not raised."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = eval(expr, {"lib": lib, "np": np, "math": math})
        except Exception as e:  # noqa: BLE001 - the exception is the outcome under test
            return ("raise", e)
    if isinstance(r, (torch.Tensor, dygrad.Tensor)):
        arr = r.detach().numpy() if isinstance(r, torch.Tensor) else r._data
        return ("ok", str(r.dtype), tuple(r.shape), arr, r.requires_grad)
    return ("ok", repr(r))


def assert_same(expr):
    t, d = _run(torch, expr), _run(DY, expr)
    if t[0] == "raise":
        assert d[0] == "raise", f"{expr}: torch raised {t[1]!r}, dygrad returned {d[1:]}"
        assert isinstance(d[1], type(t[1])), f"{expr}: torch {t[1]!r}, dygrad {d[1]!r}"
        return d[1]
    assert d[0] == "ok", f"{expr}: dygrad raised {d[1]!r}"
    if len(t) == 2:
        assert d[1] == t[1], expr
        return d[1]
    assert d[1:3] == t[1:3], f"{expr}: dtype/shape {d[1:3]} != {t[1:3]}"
    assert d[4] == t[4], f"{expr}: requires_grad"
    np.testing.assert_array_equal(d[3], t[3], err_msg=expr)
    return d


@pytest.fixture(autouse=True)
def _fresh_warn_once():
    _convert._warned.clear()
    yield
    _convert._warned.clear()


TENSOR_CASES = [
    "lib.tensor(1)", "lib.tensor(1.5)", "lib.tensor(True)", "lib.tensor([1, 2.5])",
    "lib.tensor([True, 2])", "lib.tensor([True, 2.5])", "lib.tensor([])", "lib.tensor([[]])",
    "lib.tensor([[], []])", "lib.tensor(np.float64(1.5))", "lib.tensor(np.float32(1.5))",
    "lib.tensor(np.int32(3))", "lib.tensor(np.int16(3))", "lib.tensor(np.uint8(3))",
    "lib.tensor(np.bool_(True))", "lib.tensor([np.float64(1.5), 2])", "lib.tensor([np.int32(1), 2])",
    "lib.tensor([np.int32(1), np.int64(2)])", "lib.tensor([np.float64(1.5), np.float32(2)])",
    "lib.tensor([np.float16(2), 1])", "lib.tensor([np.int8(2), np.uint8(1)])",
    "lib.tensor([np.int8(2), True])", "lib.tensor(np.array([1, 2], dtype=np.int32))",
    "lib.tensor(np.array([1.5], dtype=np.float64))", "lib.tensor(np.array(5))",
    "lib.tensor(np.arange(4).reshape(2, 2).T)", "lib.tensor(np.zeros((2, 3))[:, ::2])",
    "lib.tensor([np.array([1., 2.]), np.array([3., 4.])])",
    "lib.tensor([np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)])",
    "lib.tensor([np.array(1.5), 2])", "lib.tensor([np.array([1, 2]), np.array([1])])",
    "lib.tensor([lib.tensor(1.), lib.tensor(2.)])", "lib.tensor([lib.tensor([1.]), lib.tensor([2.])])",
    "lib.tensor([lib.tensor([[1.]]), lib.tensor([2.])])",
    "lib.tensor([lib.tensor([1., 2.]), lib.tensor([3., 4.])])", "lib.tensor([lib.tensor(1), 2.5])",
    "lib.tensor([lib.tensor(1, dtype=lib.int32), 2])",
    "lib.tensor([lib.tensor(1, dtype=lib.int32), lib.tensor(2, dtype=lib.int32)])",
    "lib.tensor([lib.tensor(1.5, dtype=lib.float64), 2])",
    "lib.tensor([lib.tensor(1, dtype=lib.uint8), lib.tensor(1, dtype=lib.int8)])",
    "lib.tensor([[lib.tensor(1.), 2.], [3., 4.]])", "lib.tensor(lib.tensor([1., 2.]))",
    "lib.tensor(lib.tensor([1., 2.]), dtype=lib.float16)", "lib.tensor([[1, 2], [3]])",
    "lib.tensor([[1, 2], [3, 4, 5]])", "lib.tensor([[[1], [2]], [[3], [4, 5]]])", "lib.tensor([1, [2]])",
    "lib.tensor([[1, 2], 3])", "lib.tensor('a')", "lib.tensor([1, 'a'])", "lib.tensor(b'ab')",
    "lib.tensor(None)", "lib.tensor([1, None])", "lib.tensor(x for x in range(3))",
    "lib.tensor({1, 2})", "lib.tensor({'a': 1})", "lib.tensor(range(3))", "lib.tensor((1, 2))",
    "lib.tensor(lib.Size([2, 3]))", "lib.tensor([1, 2], dtype=lib.float64)",
    "lib.tensor([1.7, -2.7], dtype=lib.int64)", "lib.tensor([1.5, 0.0, math.nan], dtype=lib.bool)",
    "lib.tensor([300], dtype=lib.uint8)", "lib.tensor([-1], dtype=lib.uint8)",
    "lib.tensor([-255], dtype=lib.uint8)", "lib.tensor([-256], dtype=lib.uint8)",
    "lib.tensor([127.5], dtype=lib.int8)", "lib.tensor([127.5], dtype=lib.uint8)",
    "lib.tensor([-1.0], dtype=lib.uint8)", "lib.tensor([128], dtype=lib.int8)",
    "lib.tensor([70000], dtype=lib.int16)", "lib.tensor([2 ** 31], dtype=lib.int32)",
    "lib.tensor([1e10], dtype=lib.int32)", "lib.tensor([1e20], dtype=lib.int64)",
    "lib.tensor([math.nan], dtype=lib.int64)", "lib.tensor([math.inf], dtype=lib.int32)",
    "lib.tensor([1e300], dtype=lib.float16)", "lib.tensor(1e300, dtype=lib.float32)",
    "lib.tensor([2 ** 70], dtype=lib.float32)", "lib.tensor([2 ** 70], dtype=lib.bool)",
    "lib.tensor([1.5, 2 ** 63])", "lib.tensor(2 ** 63)", "lib.tensor(2 ** 64)", "lib.tensor(-2 ** 63)",
    "lib.tensor([np.int64(300)], dtype=lib.uint8)", "lib.tensor([lib.tensor(300)], dtype=lib.uint8)",
    "lib.tensor([np.float64(1e10)], dtype=lib.int32)", "lib.tensor(np.int64(300), dtype=lib.uint8)",
    "lib.tensor([True, 5], dtype=lib.uint8)", "lib.tensor(np.array([1.5, 2.5]), dtype=lib.int32)",
    "lib.tensor(np.array([300]), dtype=lib.uint8)", "lib.tensor(2.5, dtype=lib.int32)",
    "lib.tensor([1, 2], dtype=float)", "lib.tensor([1, 2], dtype=int)", "lib.tensor([1, 2], dtype=bool)",
    "lib.tensor([[1., 2.], [3., 4.]], dtype=lib.float16)", "lib.tensor([1 + 2 ** -11 + 2 ** -30], dtype=lib.float16)",
    "lib.tensor(np.array([1 + 2 ** -11 + 2 ** -30]), dtype=lib.float16)",
    "lib.tensor([math.nan, math.inf])", "lib.tensor([1, 2], requires_grad=True)",
    "lib.tensor([1., 2.], requires_grad=True)", "lib.tensor([1, 2], device='cpu')",
    "lib.tensor([1, 2], device=lib.device('cpu'))", "lib.tensor([1, 2], device='cpu:0')",
    "lib.tensor(np.array([1, 2], dtype='>i4'))", "lib.tensor(np.array([1, 2], dtype=object))",
]


@pytest.mark.requires_torch
@pytest.mark.parametrize("expr", TENSOR_CASES)
def test_tensor_matches_torch(expr):
    assert_same(expr)


def test_tensor_error_messages():
    with pytest.raises(ValueError, match="expected sequence of length 2 at dim 1 \\(got 1\\)"):
        dygrad.tensor([[1, 2], [3]])
    with pytest.raises(ValueError, match="only one element tensors"):
        dygrad.tensor([dygrad.ones(2)])
    with pytest.raises(RuntimeError, match="Could not infer dtype of NoneType"):
        dygrad.tensor([1, None])
    with pytest.raises(RuntimeError, match="value cannot be converted to type uint8 without overflow"):
        dygrad.tensor([300], dtype=dygrad.uint8)
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        dygrad.tensor(2 ** 63)
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        dygrad.tensor([1, 2], requires_grad=True)


def test_tensor_warnings_like_torch():
    with pytest.warns(UserWarning, match="To copy construct from a tensor"):
        dygrad.tensor(dygrad.ones(2))
    with pytest.warns(UserWarning, match="list of numpy.ndarrays is extremely slow"):
        dygrad.tensor([np.ones(2), np.ones(2)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dygrad.tensor([np.ones(2)])  # PyTorch warns once per process
    with pytest.warns(UserWarning, match="requires_grad=True to a scalar"):
        dygrad.tensor([dygrad.tensor(1., requires_grad=True)])


def test_tensor_copies_and_does_not_track():
    a = np.array([1., 2.])
    t = dygrad.tensor(a)
    a[0] = 5
    assert t.tolist() == [1., 2.]
    src = dygrad.tensor([1., 2.], requires_grad=True)
    with pytest.warns(UserWarning):
        c = dygrad.tensor(src)
    assert not c.requires_grad and c.is_leaf


def test_from_numpy_and_as_tensor_share_memory():
    a = np.arange(4.)
    for t in (dygrad.from_numpy(a), dygrad.as_tensor(a), dygrad.asarray(a)):
        a[0] += 1
        assert t[0].item() == a[0]
        t[1] = -7
        assert a[1] == -7
    assert dygrad.as_tensor(a, dtype=dygrad.float32)._data is not a
    a[0] = 100
    assert dygrad.asarray(a, copy=True)[0].item() == 100
    assert dygrad.asarray(a, copy=True)._data is not a
    t = dygrad.tensor([1., 2.])
    assert dygrad.as_tensor(t) is t and dygrad.asarray(t) is t
    with pytest.raises(ValueError, match="can't alias"):
        dygrad.asarray(a, dtype=dygrad.float32, copy=False)


def test_from_numpy_readonly_warns_once():
    a = np.arange(3.)
    a.flags.writeable = False
    with pytest.warns(UserWarning, match="The given NumPy array is not writable"):
        dygrad.from_numpy(a)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dygrad.from_numpy(a)


def test_as_tensor_of_tensor_with_dtype_is_tracked():
    x = dygrad.ones(2, requires_grad=True)
    assert dygrad.as_tensor(x, dtype=dygrad.float64).grad_fn is not None


@pytest.mark.requires_torch
@pytest.mark.parametrize("expr", [
    "lib.from_numpy([1, 2])", "lib.from_numpy(np.zeros(2, dtype=object))", "lib.from_numpy(np.float64(2.0))",
    "lib.from_numpy(np.arange(4).reshape(2, 2).T)", "lib.as_tensor(np.float64(2))", "lib.as_tensor(2.5)",
    "lib.as_tensor([1, 2], dtype=lib.float32)", "lib.as_tensor(lib.tensor([1, 2]), dtype=lib.float32)",
    "lib.asarray([1, 2])", "lib.asarray(np.array([1., 2.]), dtype=lib.float32)", "lib.asarray(3)",
    "lib.asarray(lib.tensor([1., 2.]), dtype=lib.float64)", "lib.asarray([1., 2.], requires_grad=True)",
    "lib.asarray(np.float64(2))", "lib.asarray(bytearray(b'\\x01\\x02'))",
    "lib.asarray(bytearray(b'\\x01\\x02'), dtype=lib.uint8)", "lib.asarray(b'\\x01\\x02', dtype=lib.uint8)",
    "lib.asarray(bytearray(8), dtype=lib.int32)", "lib.tensor(bytearray(b'\\x01\\x02'))",
    "lib.tensor(memoryview(bytearray(b'\\x01\\x02')))",
    "lib.frombuffer(bytearray(b'\\x01\\x00\\x00\\x00\\x02\\x00\\x00\\x00'), dtype=lib.int32)",
    "lib.frombuffer(bytearray(8), dtype=lib.int32, count=1, offset=4)",
    "lib.frombuffer(bytearray(7), dtype=lib.int32)", "lib.frombuffer(bytearray(0), dtype=lib.int32)",
    "lib.scalar_tensor(3)", "lib.scalar_tensor(3, dtype=lib.int64)", "lib.scalar_tensor(True)",
    "lib.scalar_tensor(lib.tensor(2.5))", "lib.scalar_tensor('a')",
])
def test_conversions_match_torch(expr):
    assert_same(expr)


FILLED_CASES = [
    "lib.zeros(2, 3)", "lib.zeros((2, 3))", "lib.zeros([2, 3])", "lib.zeros(size=(2, 3))",
    "lib.zeros(size=[2])", "lib.zeros(lib.Size([2, 3]))", "lib.zeros(())", "lib.zeros([])",
    "lib.zeros(0)", "lib.zeros(2, -1)", "lib.zeros(-1)", "lib.zeros(2.5)", "lib.zeros((2.0, 3))",
    "lib.zeros('a')", "lib.zeros(None)", "lib.zeros(True)", "lib.zeros()", "lib.zeros(2, 3, dtype=lib.int32)",
    "lib.zeros(np.int64(3))", "lib.zeros(np.array(2))", "lib.zeros(np.array([2, 3]))",
    "lib.zeros(lib.tensor(3))", "lib.zeros((lib.tensor(3), 2))", "lib.zeros(lib.tensor([3, 2]))",
    "lib.zeros(range(3))", "lib.zeros(2, size=(3,))", "lib.zeros(2, dtype=lib.int64, requires_grad=True)",
    "lib.zeros(2, requires_grad=True)", "lib.ones(2, 3)", "lib.ones(size=(2,))", "lib.ones(-1)",
    "lib.ones(2, dtype=lib.bool)", "lib.ones()", "lib.empty(size=(2, 3)).shape", "lib.empty(2, 3).shape",
    "lib.empty((2,), dtype=lib.int8).dtype", "lib.empty(-2)", "lib.full((2,), 1)", "lib.full((2,), 1.5)",
    "lib.full((2,), True)", "lib.full((2,), np.float64(1.5))", "lib.full((2,), np.int32(3))",
    "lib.full((2,), np.bool_(True))", "lib.full((2,), lib.tensor(2.5))", "lib.full((2,), lib.tensor(2))",
    "lib.full((2,), lib.tensor(True))", "lib.full((2,), lib.tensor([2]))",
    "lib.full((2,), lib.tensor(2.5, requires_grad=True))", "lib.full((2,), 1, dtype=lib.float64)",
    "lib.full((2,), 1.5, dtype=lib.int64)", "lib.full((2,), 300, dtype=lib.uint8)",
    "lib.full((2,), -1, dtype=lib.uint8)", "lib.full((2,), math.nan, dtype=lib.int64)",
    "lib.full((1,), 1e20, dtype=lib.int32)", "lib.full((1,), 1e20, dtype=lib.float16)",
    "lib.full((1,), 1e300, dtype=lib.float32)", "lib.full((1,), 2 ** 63)", "lib.full(2, 1)",
    "lib.full(size=(2,), fill_value=3)", "lib.full((2,), 'a')", "lib.full((2,), None)", "lib.full((-1,), 1)",
    "lib.full((), 7)", "lib.full([np.int64(2)], 1)", "lib.full((2,), 2.5, requires_grad=True)",
    "lib.zeros_like(lib.ones(2, 3, dtype=lib.int32))", "lib.zeros_like(lib.ones(2), dtype=lib.float64)",
    "lib.ones_like(lib.ones(2), dtype=lib.int64)", "lib.full_like(lib.ones(2), 7)",
    "lib.full_like(lib.ones(2, dtype=lib.int64), 7.9)", "lib.full_like(lib.ones(2, dtype=lib.int64), 7.9, dtype=lib.float32)",
    "lib.full_like(lib.ones(2), True)", "lib.full_like(lib.ones(2, dtype=lib.uint8), 300)",
    "lib.full_like(lib.ones(2, dtype=lib.uint8), -1)", "lib.full_like(lib.ones(2, dtype=lib.bool), 5)",
    "lib.empty_like(lib.ones(2, 3)).shape", "lib.zeros_like(lib.ones(2), requires_grad=True)",
    "lib.zeros_like(lib.ones(2, requires_grad=True))", "lib.zeros_like([1, 2])", "lib.ones_like(np.ones(2))",
    "lib.eye(3)", "lib.eye(2, 3)", "lib.eye(3, dtype=lib.int64)", "lib.eye(0)", "lib.eye(-1)", "lib.eye(2, -1)",
    "lib.eye(n=2, m=3)", "lib.eye(3, requires_grad=True)", "lib.eye(2.5)",
    "lib.empty_strided((2, 3), (3, 1)).stride()", "lib.empty_strided((2, 3), (1, 2)).stride()",
    "lib.empty_strided((2, 3), (1, 2), dtype=lib.int64).dtype", "lib.empty_strided((2, 3), (1,))",
    "lib.empty_strided((2, -3), (3, 1))", "lib.empty_strided((2, 3), (3, 1), requires_grad=True).requires_grad",
    "lib.zeros(2, 3, out=lib.ones(2, 3))", "lib.zeros(2, out=lib.ones(2, dtype=lib.int32))",
    "lib.arange(3, out=lib.empty(3))",
]


@pytest.mark.requires_torch
@pytest.mark.parametrize("expr", FILLED_CASES)
def test_filled_matches_torch(expr):
    assert_same(expr)


def test_size_error_messages():
    with pytest.raises(RuntimeError, match="zeros: Dimension size must be non-negative."):
        dygrad.zeros(2, -1)
    with pytest.raises(RuntimeError, match=r"Trying to create tensor with negative dimension -1: \[-1\]"):
        dygrad.ones(-1)
    with pytest.raises(TypeError, match=r"must be tuple of ints, but found element of type float at pos 0"):
        dygrad.zeros((2.0, 3))
    with pytest.raises(TypeError, match="got multiple values for argument 'size'"):
        dygrad.zeros(2, size=(3,))
    with pytest.raises(TypeError, match="must be Number, not str"):
        dygrad.full((2,), "a")
    with pytest.raises(RuntimeError, match="value cannot be converted to type uint8_t without overflow"):
        dygrad.full((2,), 300, dtype=dygrad.uint8)


def test_out_resize_warns_like_torch():
    out = dygrad.ones(1)
    with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
        r = dygrad.zeros(2, 3, out=out)
    assert r is out and out.shape == (2, 3)


RANGE_CASES = [
    "lib.arange(5)", "lib.arange(5.)", "lib.arange(1, 4)", "lib.arange(0, 1, 0.1)",
    "lib.arange(0, 1, 0.1, dtype=lib.float64)", "lib.arange(-1, 1, 0.3)", "lib.arange(1, 2.5, 0.5)",
    "lib.arange(0, 10, 3)", "lib.arange(10, 0, -3)", "lib.arange(10, 0, -0.7)",
    "lib.arange(0, 1, 0.3, dtype=lib.int64)", "lib.arange(0, 1, 0.3, dtype=lib.int32)",
    "lib.arange(0.5, 5, 1.5, dtype=lib.int64)", "lib.arange(0.5, 5, 1.5, dtype=lib.int32)",
    "lib.arange(-2.5, 3, 1, dtype=lib.int64)", "lib.arange(-2.5, 3, 1, dtype=lib.uint8)",
    "lib.arange(10, 0.5, -2.5, dtype=lib.int64)", "lib.arange(0, 4.5, 1, dtype=lib.int64)",
    "lib.arange(0, 5, dtype=lib.float64)", "lib.arange(0, 300, 100, dtype=lib.uint8)",
    "lib.arange(0, 5, dtype=lib.bool)", "lib.arange(0, 2, dtype=lib.float16)",
    "lib.arange(0., 20., 0.7, dtype=lib.float16)", "lib.arange(lib.tensor(5))", "lib.arange(lib.tensor(5.))",
    "lib.arange(lib.tensor(5., dtype=lib.float64))", "lib.arange(lib.tensor(1), lib.tensor(4))",
    "lib.arange(lib.tensor([5]))", "lib.arange(np.int64(3))", "lib.arange(np.float64(3))",
    "lib.arange(np.float32(3))", "lib.arange(True)", "lib.arange(0)", "lib.arange(0, 0)",
    "lib.arange(start=1, end=3)", "lib.arange(end=3)", "lib.arange(1, 3, step=0.5)",
    "lib.arange(0, 1e-9, 1e-10)", "lib.arange(0, 10 ** 10, 10 ** 9)", "lib.arange(2 ** 53, 2 ** 53 + 3)",
    "lib.arange(0.1, 0.9, 0.2)", "lib.arange(1e-3, 1, 0.0997)", "lib.arange(0, 5, 1.0000001)",
    "lib.arange(0, 5, dtype=lib.int32, requires_grad=True)", "lib.arange(0., 5, requires_grad=True)",
    "lib.arange(0, 5, device='cpu')", "lib.arange('a')", "lib.arange(None)", "lib.arange(0, 5, 0)",
    "lib.arange(0., 5., 0.)", "lib.arange(math.nan, 5)", "lib.arange(0.5, -math.inf, -1)",
    "lib.arange(0, 5, math.nan)", "lib.arange(0, 5, math.inf)", "lib.arange(5, 0)",
    "lib.arange(0, 5, -1)", "lib.arange(0, 2 ** 63 - 1, 2 ** 62)", "lib.arange(0.3, 4000.3, 0.1)",
    "lib.arange(0.3, 4000.3, 0.1, dtype=lib.float64)", "lib.arange(-7.1, 400, 0.7, dtype=lib.float16)",
    "lib.range(0, 3)", "lib.range(0, 1, 0.25)", "lib.range(0, 3, dtype=lib.int64)", "lib.range(0, 1, 0.1)",
    "lib.range(0, 1, 0.3)", "lib.range(0, 3.5)", "lib.range(-3.3, 7.1, 0.7, dtype=lib.float64)",
    "lib.range(0, 5, dtype=lib.int32)", "lib.range(-4.5, 7.9, 2.5, dtype=lib.int32)",
    "lib.range(0, math.nan, dtype=lib.int64)", "lib.range(0, 1e30, dtype=lib.int64)",
    "lib.arange(0, 1e30, 1e28, dtype=lib.int32)", "lib.arange(0, 9.3e18, 1e18, dtype=lib.int64)",
    "lib.arange(0, 2 ** 70)", "lib.range(0, 2 ** 70)", "lib.arange(2 ** 64 - 1, dtype=lib.uint8)",
    "lib.range(0, 2 ** 63)", "lib.range(0, 1e300, 1e-300, dtype=lib.float64)",
    "lib.linspace(0, 2 ** 63, 3, dtype=lib.float64)", "lib.linspace(0, 2 ** 63, 3)",
    "lib.linspace(0, 65504, 2, dtype=lib.float16)",
    "lib.linspace(0, 1, 5)", "lib.linspace(0, 1, 7)", "lib.linspace(-3.3, 7.1, 11)", "lib.linspace(0, 1, 1)",
    "lib.linspace(0, 1, 0)", "lib.linspace(0, 10, 5, dtype=lib.int64)", "lib.linspace(0, 10, 4, dtype=lib.int64)",
    "lib.linspace(-5, 10, 7, dtype=lib.int64)", "lib.linspace(-5, 5, 3, dtype=lib.uint8)",
    "lib.linspace(0, 1, 6, dtype=lib.float64)", "lib.linspace(1e-3, 1e3, 9, dtype=lib.float64)",
    "lib.linspace(0.1, 0.7, 13)", "lib.linspace(5, 0, 8)", "lib.linspace(lib.tensor(0.), lib.tensor(1.), 3)",
    "lib.linspace(lib.tensor([0.]), 1., 3)", "lib.linspace(0, 1, 5, dtype=lib.float16)",
    "lib.linspace(-3.3, 7.7, 3000, dtype=lib.float16)", "lib.linspace(-3.3, 7.7, 5000)",
    "lib.linspace(0, 1, 5, dtype=lib.bool)", "lib.linspace(0, 255, 4, dtype=lib.uint8)",
    "lib.linspace(0, 1, steps=3)", "lib.linspace(0, 1)", "lib.linspace(0, 1, 2.5)",
    "lib.linspace(0, 1, lib.tensor(3))", "lib.linspace(0, 1, np.int64(3))", "lib.linspace(0, 1, -1)",
    "lib.logspace(0, 2, 3)", "lib.logspace(0, 3, 4, base=2)", "lib.logspace(-2, 2, 7)",
    "lib.logspace(0, 3, 4, dtype=lib.int64)", "lib.logspace(0.5, 2.5, 3, dtype=lib.int64)",
    "lib.logspace(0, 2, 5, dtype=lib.float64)", "lib.logspace(0, 1, 1)", "lib.logspace(-0.3, 1, 1, dtype=lib.int64)",
    "lib.logspace(0.1, 1.7, 11)", "lib.logspace(0.1, 1.7, 101, dtype=lib.float64)",
    "lib.logspace(0, 4, 5, base=10, dtype=lib.int32)", "lib.logspace(0, 10, 11, base=2.0, dtype=lib.float16)",
    "lib.logspace(0, 2, 3, base=-2)", "lib.logspace(0, 2, 3, dtype=lib.bool)", "lib.logspace(0, 1, -1)",
]


@pytest.mark.requires_torch
@pytest.mark.parametrize("expr", RANGE_CASES)
def test_ranges_match_torch_bit_for_bit(expr):
    assert_same(expr)


def _random_range_exprs(n):
    rng = np.random.default_rng(1234)
    dts = ["float16", "float32", "float64", "int64", "int32", "int16", "uint8", "int8"]
    out = []
    for i in range(n):
        a = round(float(rng.uniform(-50, 50)), int(rng.integers(0, 4)))
        st = round(float(rng.uniform(0.01, 3)), int(rng.integers(1, 4))) * float(rng.choice([-1, 1]))
        b = a + st * float(rng.uniform(0, 400))
        dt = dts[i % len(dts)]
        steps = int(rng.integers(0, 200))
        out.append(f"lib.arange({a!r}, {b!r}, {st!r}, dtype=lib.{dt})")
        out.append(f"lib.linspace({a!r}, {b!r}, {steps}, dtype=lib.{dt})")
        out.append(f"lib.logspace({a / 20!r}, {b / 20!r}, {steps}, base={[10.0, 2.0, 1.5][i % 3]}, dtype=lib.{dt})")
    return out


@pytest.mark.requires_torch
def test_random_ranges_match_torch_bit_for_bit():
    for expr in _random_range_exprs(60):
        assert_same(expr)


_NO_INT64 = "value cannot be converted to type int64_t without overflow"


# PyTorch 2.13's errors (recorded): integer ranges take their arguments by the checked int64
# conversion, a Python int past 64 bits is refused when parsed, a range of more than int64
# elements raises (NumPy's arange would return an empty array)
@pytest.mark.parametrize("expr, exc, msg", [
    ("dygrad.range(0, math.nan, dtype=dygrad.int64)", RuntimeError, _NO_INT64),
    ("dygrad.range(-math.inf, 0, dtype=dygrad.int64)", RuntimeError, _NO_INT64),
    ("dygrad.range(0, 1e30, dtype=dygrad.int64)", RuntimeError, _NO_INT64),
    ("dygrad.arange(0, 1e30, 1e28, dtype=dygrad.int32)", RuntimeError, _NO_INT64),
    ("dygrad.arange(0, 2 ** 63, 2 ** 62)", RuntimeError, _NO_INT64),
    ("dygrad.arange(0, 2 ** 70)", OverflowError, "int too big to convert"),
    ("dygrad.range(0, 2 ** 70)", OverflowError, "int too big to convert"),
    ("dygrad.arange(2 ** 64 - 1, dtype=dygrad.uint8)", RuntimeError, "invalid size"),
    ("dygrad.range(0, 2 ** 63)", RuntimeError, "more than a tensor can hold"),
    ("dygrad.range(0, 1e300, 1e-300, dtype=dygrad.float64)", RuntimeError, "more than a tensor"),
    # an int in [2**63, 2**64) is an unsigned Scalar
    ("dygrad.linspace(0, 2 ** 63, 3, dtype=dygrad.int64)", RuntimeError, _NO_INT64),
])
def test_scalar_argument_overflow(expr, exc, msg):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # range's deprecation
        with pytest.raises(exc, match=re.escape(msg)):
            eval(expr)


def test_range_warns_deprecated():
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        dygrad.range(0, 3)


@pytest.mark.requires_torch
def test_arange_float_step_values():
    # the classic: 0.1 steps are not exact, and PyTorch's values are the ones to reproduce
    np.testing.assert_array_equal(dygrad.arange(0, 1, 0.1)._data, torch.arange(0, 1, 0.1).numpy())
    assert dygrad.arange(0, 1, 0.1).shape == (10,)
    assert dygrad.arange(1, 1.3, 0.1).shape == torch.arange(1, 1.3, 0.1).shape


INDEX_CASES = [
    "lib.tril_indices(3, 3)", "lib.tril_indices(3, 4, 1)", "lib.tril_indices(3, 4, -1)",
    "lib.triu_indices(3, 4, 1)", "lib.triu_indices(4, 3, -2)", "lib.tril_indices(3, 3, dtype=lib.int32)",
    "lib.tril_indices(3, 3, dtype=lib.float32)", "lib.tril_indices(0, 3)", "lib.tril_indices(-1, 3)",
    "lib.tril_indices(3, 3, 10)", "lib.triu_indices(3, 3, 10)",
    "lib.cartesian_prod(lib.tensor([1, 2]), lib.tensor([3, 4, 5]))", "lib.cartesian_prod(lib.tensor([1, 2]))",
    "lib.cartesian_prod(lib.tensor([1, 2]), lib.tensor([3.]))", "lib.cartesian_prod(lib.ones(2, 2))",
    "lib.cartesian_prod(lib.tensor([1, 2]), lib.tensor([3]), lib.tensor([5, 6]))",
    "lib.cartesian_prod(lib.tensor([1., 2.], requires_grad=True), lib.tensor([3., 4.]))",
    "lib.combinations(lib.tensor([1, 2, 3]))", "lib.combinations(lib.tensor([1, 2, 3]), 3)",
    "lib.combinations(lib.tensor([1, 2, 3]), 4)", "lib.combinations(lib.tensor([1, 2, 3]), 0)",
    "lib.combinations(lib.tensor([1, 2, 3]), 1)", "lib.combinations(lib.tensor([1, 2, 3]), 2, with_replacement=True)",
    "lib.combinations(lib.ones(2, 2))", "lib.combinations(lib.tensor([1, 2, 3]), -1)",
    "lib.combinations(lib.tensor([]), 2)", "lib.combinations(lib.tensor([1., 2., 3.], requires_grad=True))",
]


@pytest.mark.requires_torch
@pytest.mark.parametrize("expr", INDEX_CASES)
def test_index_grids_match_torch(expr):
    assert_same(expr)


@pytest.mark.requires_torch
def test_cartesian_prod_and_combinations_are_differentiable():
    for lib in (torch, DY):
        a = lib.tensor([1., 2.], requires_grad=True)
        b = lib.tensor([3., 4., 5.], requires_grad=True)
        (lib.cartesian_prod(a, b) * lib.arange(12.).reshape(6, 2)).sum().backward()
        c = lib.tensor([1., 2., 3.], requires_grad=True)
        (lib.combinations(c, 2) ** 2).sum().backward()
        if lib is torch:
            ref = (a.grad.numpy(), b.grad.numpy(), c.grad.numpy())
    np.testing.assert_array_equal(a.grad._data, ref[0])
    np.testing.assert_array_equal(b.grad._data, ref[1])
    np.testing.assert_array_equal(c.grad._data, ref[2])


def test_mixed_int_float_data_into_unsigned_checks_each_element_by_its_type():
    # an int element may be as low as -max (it wraps), a float element may not be negative
    assert dygrad.tensor([1.5, -1], dtype=dygrad.uint8).tolist() == [1, 255]
    assert dygrad.tensor([False, -1, 1.5], dtype=dygrad.uint8).tolist() == [0, 255, 1]
    with pytest.raises(RuntimeError, match="without overflow"):
        dygrad.tensor([-1.5, 2], dtype=dygrad.uint8)


def test_numpy_bool_scalar_into_an_integer_dtype_raises_like_torch():
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        dygrad.as_tensor(np.bool_(True), dtype=dygrad.int32)
    assert dygrad.as_tensor(np.bool_(True), dtype=dygrad.float32).item() == 1.0


@pytest.mark.requires_torch
@pytest.mark.parametrize("make", ["zeros_like", "ones_like", "empty_like", "full_like"])
def test_like_constructors_keep_the_input_layout_like_torch(make):
    for build in (lambda m: m.arange(12.).reshape(3, 4).t(),
                  lambda m: m.arange(24.).reshape(2, 3, 4).permute(2, 0, 1)[::2],
                  lambda m: m.zeros(3).expand(2, 3)):
        args = (2.0,) if make == "full_like" else ()
        got = getattr(dygrad, make)(build(dygrad), *args)
        want = getattr(torch, make)(build(torch), *args)
        assert got.stride() == want.stride(), (make, got.stride(), want.stride())
    x = dygrad.zeros(3, 4).t()
    assert dygrad.zeros_like(x, memory_format=dygrad.contiguous_format).is_contiguous()


def test_cat_and_stack_of_transposed_inputs_are_contiguous():
    x = dygrad.arange(12.).reshape(3, 4).t()
    assert dygrad.cat([x, x]).is_contiguous() and dygrad.stack([x, x]).is_contiguous()
    assert dygrad.cat([x, x]).view(-1).shape == (24,)
