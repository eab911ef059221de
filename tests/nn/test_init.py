"""nn.init: gains, fans, bounds and standard deviations of every initialiser (statistical
checks against the formulas PyTorch uses), errors and warnings."""
import math

import numpy as np
import pytest

import dygrad
from dygrad.nn import init


def empty(*shape, dtype=None):
    return dygrad.empty(*shape, dtype=dtype)


def vals(t):
    return t.numpy(force=True).astype(np.float64)


def test_calculate_gain_matches_torch():
    torch = pytest.importorskip("torch")
    cases = [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
             ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 0), ("selu", None),
             ("conv_transpose3d", None)]
    for nl, p in cases:
        assert init.calculate_gain(nl, p) == pytest.approx(torch.nn.init.calculate_gain(nl, p))
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_fan_in_and_fan_out_match_torch():
    torch = pytest.importorskip("torch")
    for shape in [(5, 3), (7, 3, 2, 2), (4, 6, 3), (2, 3, 1, 2, 2)]:
        assert init._calculate_fan_in_and_fan_out(empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(empty(3))


def test_uniform_normal_constant():
    dygrad.manual_seed(0)
    u = vals(init.uniform_(empty(200, 100), -2.0, 3.0))
    assert u.min() >= -2.0 and u.max() < 3.0 and abs(u.mean() - 0.5) < 0.05
    n = vals(init.normal_(empty(200, 100), 1.0, 0.5))
    assert abs(n.mean() - 1.0) < 0.01 and abs(n.std() - 0.5) < 0.01
    assert (vals(init.constant_(empty(3, 3), 0.7)) == np.float32(0.7)).all()
    assert (vals(init.ones_(empty(2))) == 1).all() and (vals(init.zeros_(empty(2))) == 0).all()
    t = empty(4, 4)
    assert init.uniform_(t) is t


def test_init_runs_under_no_grad_on_parameters():
    p = dygrad.nn.Parameter(dygrad.empty(3, 4))
    init.xavier_uniform_(p)
    init.kaiming_normal_(p)
    init.trunc_normal_(p)
    init.orthogonal_(p)
    assert p.requires_grad and p.grad_fn is None and p._version > 0


@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 3, 3)])
def test_xavier(shape):
    dygrad.manual_seed(1)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(empty(*shape))
    std = 1.5 * math.sqrt(2.0 / (fan_in + fan_out))
    u = vals(init.xavier_uniform_(empty(*shape), gain=1.5))
    bound = math.sqrt(3.0) * std
    assert np.abs(u).max() <= bound and np.abs(u).max() > 0.98 * bound
    assert abs(u.std() - std) < 0.02 * std
    n = vals(init.xavier_normal_(empty(*shape), gain=1.5))
    assert abs(n.std() - std) < 0.02 * std and abs(n.mean()) < 0.02 * std


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity,a", [("relu", 0), ("leaky_relu", 0.1), ("leaky_relu", math.sqrt(5)),
                                            ("linear", 0)])
def test_kaiming(mode, nonlinearity, a):
    dygrad.manual_seed(2)
    shape = (256, 64, 3, 3) if mode == "fan_in" else (64, 256, 3)
    fan = init._calculate_correct_fan(empty(*shape), mode)
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    u = vals(init.kaiming_uniform_(empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity))
    bound = math.sqrt(3.0) * std
    assert np.abs(u).max() <= bound and np.abs(u).max() > 0.98 * bound
    n = vals(init.kaiming_normal_(empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity))
    assert abs(n.std() - std) < 0.02 * std


def test_kaiming_errors_and_zero_element_warning():
    with pytest.raises(ValueError, match=r"Mode x not supported, please use one of \['fan_in', 'fan_out'\]"):
        init.kaiming_uniform_(empty(3, 3), mode="x")
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(empty(0, 3))


def test_trunc_normal():
    dygrad.manual_seed(3)
    t = vals(init.trunc_normal_(empty(100000), mean=0.5, std=1.0, a=-1.0, b=2.0))
    assert t.min() >= -1.0 and t.max() <= 2.0
    # mean of N(0.5, 1) truncated to [-1, 2] is 0.5 (symmetric interval)
    assert abs(t.mean() - 0.5) < 0.02
    # variance of a standard normal truncated to [-1.5, 1.5]
    z = 1.5
    pdf = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    mass = math.erf(z / math.sqrt(2))
    var = 1 - 2 * z * pdf / mass
    assert abs(t.var() - var) < 0.02
    small = vals(init.trunc_normal_(empty(50000), std=0.02))
    assert abs(small.std() - 0.02) < 0.001
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        far = vals(init.trunc_normal_(empty(20000), mean=10.0, std=1.0, a=-2.0, b=2.0))
    # still exactly the truncated normal: N(10, 1) cut at 2 has mean 10 - pdf(8) / sf(8)
    mills = math.exp(-32) / math.sqrt(2 * math.pi) / (0.5 * math.erfc(8 / math.sqrt(2)))
    assert far.min() >= -2.0 and far.max() <= 2.0 and abs(far.mean() - (10 - mills)) < 0.005


def test_eye_dirac_orthogonal_sparse():
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(vals(init.eye_(empty(3, 5))), np.eye(3, 5))
    for shape, groups in [((4, 2, 3), 2), ((6, 3, 3, 3), 1), ((4, 4, 3, 3, 3), 2)]:
        np.testing.assert_array_equal(vals(init.dirac_(empty(*shape), groups)),
                                      torch.nn.init.dirac_(torch.empty(*shape), groups).numpy())
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions"):
        init.dirac_(empty(3, 3))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(empty(3, 2, 3), groups=2)
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.eye_(empty(3))
    dygrad.manual_seed(4)
    for shape in [(6, 4), (4, 6), (5, 2, 3)]:
        q = vals(init.orthogonal_(empty(*shape), gain=2.0)).reshape(shape[0], -1)
        small = min(q.shape)
        gram = q @ q.T if q.shape[0] == small else q.T @ q
        np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-5)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions"):
        init.orthogonal_(empty(3))
    s = vals(init.sparse_(empty(10, 6), sparsity=0.3, std=0.1))
    assert ((s == 0).sum(axis=0) >= 3).all()
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.sparse_(empty(3, 3, 3), 0.1)


def test_deprecated_aliases_warn():
    with pytest.warns(FutureWarning, match="`nn.init.uniform` is now deprecated in favor of `nn.init.uniform_`"):
        init.uniform(empty(3))
    with pytest.warns(FutureWarning):
        init.xavier_normal(empty(3, 3))


def test_generator_argument_reproduces():
    g = dygrad.Generator().manual_seed(7)
    a = vals(init.normal_(empty(5), generator=g))
    g.manual_seed(7)
    b = vals(init.normal_(empty(5), generator=g))
    np.testing.assert_array_equal(a, b)
