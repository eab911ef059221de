"""Elementwise ops: float64 gradcheck over broadcast shapes, and parity with PyTorch."""
import numpy as np
import pytest

import dygrad

SHAPE_PAIRS = [((3,), (3,)), ((2, 3), (3,)), ((2, 1, 4), (3, 1)), ((), (2, 2)), ((4, 1), (1, 5))]
rng = np.random.default_rng(1234)


def _arr(shape, positive=False, away_from_zero=False):
    a = rng.standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    if away_from_zero:
        a = np.where(np.abs(a) < 0.3, 0.7, a)
    return a


BINARY = {
    "add": (lambda a, b: a + b, {}),
    "sub": (lambda a, b: a - b, {}),
    "mul": (lambda a, b: a * b, {}),
    "div": (lambda a, b: a / b, {"b_nonzero": True}),
    "pow": (lambda a, b: a ** b, {"a_positive": True}),
    "maximum": (lambda a, b, m=None: (m or dygrad).maximum(a, b), {}),
    "minimum": (lambda a, b, m=None: (m or dygrad).minimum(a, b), {}),
    "atan2": (lambda a, b, m=None: (m or dygrad).atan2(a, b), {"b_nonzero": True}),
    "remainder": (lambda a, b, m=None: (m or dygrad).remainder(a, b), {"b_nonzero": True}),
}

UNARY = {
    "exp": {}, "log": {"positive": True}, "log1p": {"positive": True}, "log2": {"positive": True},
    "log10": {"positive": True}, "sqrt": {"positive": True}, "rsqrt": {"positive": True},
    "sin": {}, "cos": {}, "tan": {}, "tanh": {}, "sigmoid": {}, "relu": {"nz": True},
    "abs": {"nz": True}, "neg": {}, "reciprocal": {"nz": True}, "expm1": {}, "sinh": {},
    "cosh": {}, "atan": {}, "erf": {}, "square": {}, "exp2": {},
}


def _binary_inputs(name, sa, sb):
    opts = BINARY[name][1]
    a = _arr(sa, positive=opts.get("a_positive", False))
    b = _arr(sb, away_from_zero=opts.get("b_nonzero", False))
    if name in ("maximum", "minimum"):
        b = b + 0.05  # keep away from ties for the finite-difference check
    return a, b


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS)
def test_binary_gradcheck(name, sa, sb):
    fn = BINARY[name][0]
    a, b = _binary_inputs(name, sa, sb)
    ta = dygrad.tensor(a, requires_grad=True)
    tb = dygrad.tensor(b, requires_grad=True)
    assert dygrad.autograd.gradcheck(lambda x, y: fn(x, y), (ta, tb))


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow"])
def test_binary_gradgradcheck(name):
    fn = BINARY[name][0]
    a, b = _binary_inputs(name, (2, 3), (3,))
    ta = dygrad.tensor(a, requires_grad=True)
    tb = dygrad.tensor(b, requires_grad=True)
    assert dygrad.autograd.gradgradcheck(lambda x, y: fn(x, y), (ta, tb))


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("shape", [(), (5,), (2, 3)])
def test_unary_gradcheck(name, shape):
    opts = UNARY[name]
    a = _arr(shape, positive=opts.get("positive", False), away_from_zero=opts.get("nz", False))
    if name == "tan":
        a = np.clip(a, -1.2, 1.2)
    t = dygrad.tensor(a, requires_grad=True)
    assert dygrad.autograd.gradcheck(lambda x: getattr(x, name)(), (t,))


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid", "sin", "reciprocal"])
def test_unary_gradgradcheck(name):
    t = dygrad.tensor(np.abs(_arr((4,))) + 0.5, requires_grad=True)
    assert dygrad.autograd.gradgradcheck(lambda x: getattr(x, name)(), (t,))


def test_scalar_operand_gradcheck():
    t = dygrad.tensor(np.abs(_arr((3, 2))) + 0.5, requires_grad=True)
    for f in (lambda x: 2 - x, lambda x: 3 / x, lambda x: x ** 2.5, lambda x: 2 ** x,
              lambda x: x / 4, lambda x: x * 1.5 + 1, lambda x: x.clamp(0.6, 1.2),
              lambda x: dygrad.where(x > 1, x, x * x)):
        assert dygrad.autograd.gradcheck(f, (t,))


# -- parity with PyTorch ---------------------------------------------------------------------------
torch_mod = None


def _torch():
    return pytest.importorskip("torch")


def _parity(fn_d, fn_t, arrays, atol=1e-5):
    torch = _torch()
    dts = [dygrad.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    tts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    od, ot = fn_d(*dts), fn_t(*tts)
    assert tuple(od.shape) == tuple(ot.shape)
    assert str(od.dtype) == str(ot.dtype)
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-5, atol=atol)
    if ot.requires_grad:
        g = rng.standard_normal(tuple(ot.shape)).astype(arrays[0].dtype)
        od.backward(dygrad.tensor(g))
        ot.backward(torch.tensor(g))
        for d, t in zip(dts, tts):
            if t.grad is not None:
                assert d.grad is not None
                np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=atol)


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS)
def test_binary_parity(name, sa, sb):
    torch = _torch()
    fn = BINARY[name][0]
    a, b = _binary_inputs(name, sa, sb)
    a, b = a.astype(np.float32), b.astype(np.float32)
    if name in ("maximum", "minimum", "atan2", "remainder"):
        _parity(lambda x, y: fn(x, y, dygrad), lambda x, y: fn(x, y, torch), [a, b])
    else:
        _parity(fn, fn, [a, b])


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_parity(name):
    opts = UNARY[name]
    a = _arr((3, 4), positive=opts.get("positive", False), away_from_zero=opts.get("nz", False))
    _parity(lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), [a.astype(np.float32)])


def test_tie_gradients_match_torch():
    a = np.array([1.0, 2.0, 3.0], np.float32)
    b = np.array([1.0, 3.0, 2.0], np.float32)
    _parity(lambda x, y: dygrad.maximum(x, y), lambda x, y: _torch().maximum(x, y), [a, b])
    _parity(lambda x, y: dygrad.minimum(x, y), lambda x, y: _torch().minimum(x, y), [a, b])
    z = np.array([-1.0, 0.0, 2.0], np.float32)
    _parity(lambda x: x.relu(), lambda x: x.relu(), [z])
    _parity(lambda x: x.abs(), lambda x: x.abs(), [z])
    _parity(lambda x: x.clamp(0.0, 2.0), lambda x: x.clamp(0.0, 2.0), [z])


def test_zero_gradient_ops_match_torch():
    a = (_arr((5,)) * 3).astype(np.float32)
    for name in ("floor", "ceil", "round", "trunc", "sign"):
        _parity(lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), [a])


def test_pow_edge_cases_match_torch():
    a = np.array([0.0, 1.0, 2.0], np.float32)
    p = np.array([2.0, 0.0, 0.5], np.float32)
    torch = _torch()
    _parity(lambda x, y: x ** y, lambda x, y: x ** y, [a, p])
    _parity(lambda x: x ** 0, lambda x: x ** 0, [a])


def test_broadcast_error_names_op_and_shapes():
    a, b = dygrad.ones(2, 3), dygrad.ones(4)
    with pytest.raises(RuntimeError, match=r"add: The size of tensor a \(3\) must match the size of tensor b \(4\).*\[2, 3\]"):
        a + b
    with pytest.raises(RuntimeError, match="mul"):
        a * b


def test_bool_negation_and_subtraction_errors():
    m = dygrad.tensor([True, False])
    with pytest.raises(RuntimeError, match="Negation"):
        -m
    with pytest.raises(RuntimeError, match="Subtraction"):
        m - m
    assert (~m).tolist() == [False, True]


def test_inplace_ops_and_operators():
    x = dygrad.ones(3)
    x += 1
    x *= 3
    x -= dygrad.tensor([1.0, 2.0, 3.0])
    x /= 2
    assert x.tolist() == [2.5, 2.0, 1.5]
    x.clamp_(max=2.0)
    assert x.tolist() == [2.0, 2.0, 1.5]
    x.zero_()
    assert x.tolist() == [0.0, 0.0, 0.0]


def test_comparisons_return_bool():
    a = dygrad.tensor([1.0, 2.0, 3.0])
    assert (a > 2).dtype is dygrad.bool
    assert (a == dygrad.tensor([1.0, 0.0, 3.0])).tolist() == [True, False, True]
    assert (2 < a).tolist() == [False, False, True]


def test_remainder_zero_keeps_the_dividends_sign():
    """A zero remainder has fmod's sign (the dividend's), as PyTorch's kernel: 2. % -1. is 0.,
    where NumPy's remainder gives -0. (found by the fuzzer: pow_(-1) then gave -inf for inf)."""
    a = dygrad.tensor([-5.0, -3.0, 0.0, 2.0, 4.0, -0.0, 3.5, -3.5])
    for divisor in (-1.0, 1.0, dygrad.full((8,), -1.0)):
        r = (a % divisor).numpy()
        assert np.signbit(r[:6]).tolist() == [True, True, False, False, False, True]
    assert (a % -1.0)[6:].tolist() == [-0.5, -0.5]
    assert (a % 1.0)[6:].tolist() == [0.5, 0.5]
