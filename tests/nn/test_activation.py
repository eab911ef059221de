"""Activation modules and functions: values, gradients (including kink points), double
backward, in-place forms and reprs match PyTorch."""
import numpy as np
import pytest

import dygrad
import dygrad.nn as nn
import dygrad.nn.functional as F
from dygrad.testing import assert_close, check_op, gradcheck_op
from nn_helpers import module_parity, torch_or_skip

rng = np.random.default_rng(7)


def sample(dtype=np.float32):
    # random values plus the kink points of the piecewise activations
    special = np.array([0.0, 1.0, -1.0, 3.0, -3.0, 6.0, 0.5, -0.5, 0.1, 25.0, -25.0])
    x = np.concatenate([rng.standard_normal(25) * 3, special]).astype(dtype)
    return x.reshape(4, 9)


# (dygrad module factory, torch module factory name, args, kwargs)
MODULES = [
    ("ReLU", (), {}), ("ReLU6", (), {}), ("LeakyReLU", (), {}), ("LeakyReLU", (0.2,), {}),
    ("ELU", (), {}), ("ELU", (0.5,), {}), ("SELU", (), {}), ("CELU", (2.0,), {}),
    ("GELU", (), {}), ("GELU", (), {"approximate": "tanh"}), ("SiLU", (), {}), ("Mish", (), {}),
    ("Sigmoid", (), {}), ("Tanh", (), {}), ("Softplus", (), {}), ("Softplus", (2.0, 3.0), {}),
    ("Softsign", (), {}), ("Hardtanh", (), {}), ("Hardtanh", (-2.0, 3.0), {}),
    ("Hardsigmoid", (), {}), ("Hardswish", (), {}), ("LogSigmoid", (), {}),
    ("Threshold", (0.1, 20.0), {}), ("Tanhshrink", (), {}), ("Softshrink", (), {}),
    ("Softshrink", (1.0,), {}), ("Hardshrink", (), {}), ("Softmax", (1,), {}),
    ("Softmax", (0,), {}), ("LogSoftmax", (1,), {}), ("Softmin", (1,), {}), ("GLU", (), {}),
    ("GLU", (0,), {}), ("PReLU", (), {}), ("RReLU", (), {}),
]


@pytest.mark.parametrize("name,args,kwargs", MODULES, ids=[f"{m[0]}{m[1]}{m[2]}" for m in MODULES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_module_parity(name, args, kwargs, dtype):
    torch = torch_or_skip()
    d = getattr(nn, name)(*args, **kwargs)
    t = getattr(torch.nn, name)(*args, **kwargs)
    if name == "RReLU":  # random in training; deterministic (mean slope) in eval
        d.eval()
        t.eval()
    if dtype == np.float64:
        d, t = d.double(), t.double()
    x = sample(dtype)
    if name == "GLU":
        x = np.ascontiguousarray(x[:, :8])  # an even size along the halved dim
    tol = {} if dtype == np.float64 else dict(rtol=2e-6, atol=2e-6)
    module_parity(d, t, x, **tol)
    assert repr(d) == repr(t)


def test_prelu_channels_parity():
    torch = torch_or_skip()
    module_parity(nn.PReLU(3, 0.1), torch.nn.PReLU(3, 0.1), sample().reshape(2, 3, 6))
    module_parity(nn.PReLU(3), torch.nn.PReLU(3), sample().reshape(12, 3))
    assert list(nn.PReLU(3).state_dict()) == ["weight"]


@pytest.mark.parametrize("fn", ["gelu", "silu", "mish", "elu", "selu", "celu", "softplus",
                                "logsigmoid", "leaky_relu", "hardswish", "hardsigmoid",
                                "hardtanh", "relu6", "softsign", "tanhshrink", "softshrink"])
def test_activation_double_backward(fn):
    x = np.array([-2.3, -0.7, 0.4, 1.9, 2.6, -4.0])  # away from kinks
    gradcheck_op(getattr(F, fn), x, gradgradcheck=True)
    gradcheck_op(lambda v: F.gelu(v, approximate="tanh"), x, gradgradcheck=True)


@pytest.mark.parametrize("fn", ["relu", "leaky_relu", "elu", "selu", "celu", "hardtanh", "relu6",
                                "silu", "mish", "hardswish", "hardsigmoid"])
def test_inplace_functional_forms(fn):
    torch = torch_or_skip()
    x = sample()
    tf = getattr(torch.nn.functional, fn)
    # no autograd: the tensor itself is overwritten and returned
    dx = dygrad.tensor(x.copy())
    r = getattr(F, fn)(dx, inplace=True)
    assert r is dx
    assert_close(dx, tf(torch.tensor(x.copy())))
    # inside a graph: history is rewritten and the gradient is right
    a = dygrad.tensor(x.copy(), requires_grad=True)
    h = a * 2
    getattr(F, fn)(h, inplace=True)
    h.sum().backward()
    ta = torch.tensor(x.copy(), requires_grad=True)
    th = ta * 2
    tf(th, inplace=True)
    th.sum().backward()
    assert_close(a.grad, ta.grad, rtol=2e-6, atol=2e-6)
    # a leaf that requires grad cannot be modified in place
    with pytest.raises(RuntimeError, match="in-place"):
        getattr(F, fn)(dygrad.tensor(x.copy(), requires_grad=True), inplace=True)


def test_relu_inplace_module_in_sequential():
    torch = torch_or_skip()
    d = nn.Sequential(nn.Linear(4, 5), nn.ReLU(inplace=True), nn.Linear(5, 2))
    t = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(inplace=True), torch.nn.Linear(5, 2))
    module_parity(d, t, rng.standard_normal((3, 4)).astype(np.float32))


def test_functional_aliases_and_threshold_inplace():
    torch = torch_or_skip()
    x = sample()
    check_op(lambda v: F.threshold(v, 0.5, -1.0), lambda v: torch.nn.functional.threshold(v, 0.5, -1.0), x)
    check_op(F.sigmoid, torch.nn.functional.sigmoid, x)
    check_op(F.tanh, torch.nn.functional.tanh, x)
    check_op(lambda v: F.rrelu(v, training=False), lambda v: torch.nn.functional.rrelu(v, training=False), x)
    y = dygrad.tensor(x.copy())
    F.threshold_(y, 0.5, -1.0)
    assert_close(y, torch.nn.functional.threshold(torch.tensor(x), 0.5, -1.0))


def test_rrelu_training_slopes_in_range():
    x = dygrad.tensor(-np.ones((200,), np.float32))
    y = F.rrelu(x, 0.1, 0.3, training=True).numpy()
    assert ((y <= -0.1) & (y >= -0.3)).all() and y.std() > 0.01
    pos = F.rrelu(dygrad.ones(5), training=True)
    assert_close(pos, dygrad.ones(5))


def test_softmax_implicit_dim_warns_like_torch():
    x = dygrad.tensor(sample())
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = F.softmax(x)
    assert_close(y.sum(1), dygrad.ones(4))
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        nn.LogSoftmax()(x)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        F.softmin(x)


def test_gelu_rejects_bad_approximate_and_glu_odd():
    x = dygrad.tensor(sample())
    with pytest.raises(RuntimeError, match="approximate"):
        F.gelu(x, approximate="fast")
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        F.glu(x, 1)
    with pytest.raises(RuntimeError, match="floating"):
        F.gelu(dygrad.tensor([1, 2]))


def test_hardtanh_invalid_bounds_and_deprecated_kwargs():
    with pytest.raises(AssertionError, match="must be greater than min_val"):
        nn.Hardtanh(2.0, 1.0)
    with pytest.warns(FutureWarning, match="min_value"):
        assert nn.Hardtanh(min_value=-3.0).min_val == -3.0


def test_softmax2d():
    torch = torch_or_skip()
    module_parity(nn.Softmax2d(), torch.nn.Softmax2d(), rng.standard_normal((2, 3, 4, 4)).astype(np.float32))
    with pytest.raises(ValueError, match="3D or 4D"):
        nn.Softmax2d()(dygrad.ones(3, 3))


def test_activation_reprs_with_options():
    torch = torch_or_skip()
    pairs = [("ELU", (0.5, True)), ("LeakyReLU", (0.2, True)), ("SiLU", (True,)), ("ReLU", (True,)),
             ("Hardtanh", (-2, 2, True)), ("PReLU", (3, 0.1)), ("RReLU", (0.1, 0.3, True)),
             ("CELU", (2.0, True)), ("SELU", (True,)), ("Softplus", (2, 10)), ("Hardswish", (True,)),
             ("Mish", (True,)), ("ReLU6", (True,)), ("Hardsigmoid", (True,)),
             ("Threshold", (0.1, 2, True)), ("Softmin", ()), ("LogSoftmax", ()), ("Softmax", (-1,))]
    for name, args in pairs:
        assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args)), name


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_shrink_zero_band_sign(dtype):
    # softshrink's zeros carry the input's sign (x * 0, as PyTorch's), hardshrink's are all +0;
    # value comparisons treat -0. == 0., so the sign is checked on its own
    x = dygrad.tensor([-0.5, -0.25, 0.0, -0.0, 0.25, 0.5, -1.0], dtype=getattr(dygrad, dtype))
    soft = np.signbit(F.softshrink(x, 0.5).numpy()).tolist()
    hard = np.signbit(F.hardshrink(x, 0.5).numpy()).tolist()
    assert soft == [True, True, False, True, False, False, True]
    assert hard == [False] * 6 + [True]


@pytest.mark.parametrize("fn,args", [(F.elu, ()), (F.elu, (-1.0,)), (F.selu, ()), (F.celu, (0.5,)),
                                     (F.elu_, ())])
def test_elu_family_keeps_the_sign_of_zero(fn, args):
    # PyTorch's elu/selu/celu return a zero input with its sign (-0. -> -0., 0. -> 0.) whatever alpha
    x = dygrad.tensor([-0.0, 0.0, -1.0, 1.0])
    assert np.signbit(fn(x, *args).numpy()[:2]).tolist() == [True, False]


# the fused ones (softsign and tanhshrink are composites in half, as PyTorch's)
_HALF_ACTS = ["elu", "selu", "celu", "gelu", "silu", "mish", "softplus", "logsigmoid", "hardswish",
              "hardsigmoid", "leaky_relu", "softshrink", "rrelu"]


@pytest.mark.parametrize("name", _HALF_ACTS)
def test_half_activation_is_the_rounded_float32_result(name):
    # PyTorch computes float16 activations in float32 and rounds once; in half precision
    # throughout gelu(-3.) was 8% off
    vals = [-7.0, -3.0, -1.0, -0.5, 0.1, 0.25, 0.5, 3.0, 11.0, 30.0]
    fn = getattr(F, name)
    half = fn(dygrad.tensor(vals, dtype=dygrad.float16)).numpy()
    ref = fn(dygrad.tensor(vals, dtype=dygrad.float16).float()).numpy().astype(np.float16)
    assert half.dtype == np.float16
    np.testing.assert_array_equal(half, ref)


@pytest.mark.parametrize("name", _HALF_ACTS)
def test_half_activation_gradient_is_the_rounded_float32_one(name):
    vals = [-7.0, -3.0, -1.0, -0.5, 0.1, 0.25, 0.5, 3.0, 11.0, 30.0]
    fn = getattr(F, name)
    x16 = dygrad.tensor(vals, dtype=dygrad.float16, requires_grad=True)
    x32 = x16.detach().float().requires_grad_()
    g16, = dygrad.autograd.grad([fn(x16).sum()], [x16])
    g32, = dygrad.autograd.grad([fn(x32).sum()], [x32])
    assert g16.dtype == dygrad.float16
    np.testing.assert_array_equal(g16.numpy(), g32.numpy().astype(np.float16))
