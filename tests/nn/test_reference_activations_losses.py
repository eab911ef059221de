"""Activations and losses without the PyTorch oracle: forward against NumPy formulas written
here from the definitions, gradients against float64 finite differences (gradcheck). These run
whether or not torch is installed, so nn is not blind where it is absent."""
import math

import numpy as np
import pytest

import dygrad
import dygrad.nn.functional as F
from dygrad.autograd import gradcheck

rng = np.random.default_rng(11)
erf = np.vectorize(math.erf)


def R(*shape):
    return rng.standard_normal(shape)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softplus(x, beta=1.0, threshold=20.0):
    bx = beta * x
    return np.where(bx > threshold, x, np.log1p(np.exp(np.minimum(bx, threshold))) / beta)


def log_softmax(x, dim):
    m = x.max(axis=dim, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=dim, keepdims=True))


SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805

# name -> (dygrad function of one tensor, NumPy reference)
ACTIVATIONS = {
    "relu": (F.relu, lambda x: np.maximum(x, 0)),
    "relu6": (F.relu6, lambda x: np.clip(x, 0, 6)),
    "leaky_relu": (lambda t: F.leaky_relu(t, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    "elu": (lambda t: F.elu(t, 1.5), lambda x: np.where(x > 0, x, 1.5 * np.expm1(x))),
    "celu": (lambda t: F.celu(t, 0.7), lambda x: np.maximum(x, 0) + np.minimum(0, 0.7 * np.expm1(x / 0.7))),
    "selu": (F.selu, lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x))),
    "gelu": (F.gelu, lambda x: 0.5 * x * (1 + erf(x / math.sqrt(2)))),
    "gelu_tanh": (lambda t: F.gelu(t, approximate="tanh"),
                  lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    "silu": (F.silu, lambda x: x * sigmoid(x)),
    "mish": (F.mish, lambda x: x * np.tanh(softplus(x))),
    "softplus": (lambda t: F.softplus(t, beta=2.0, threshold=3.0), lambda x: softplus(x, 2.0, 3.0)),
    "hardtanh": (lambda t: F.hardtanh(t, -0.5, 0.8), lambda x: np.clip(x, -0.5, 0.8)),
    "hardsigmoid": (F.hardsigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    "hardswish": (F.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "logsigmoid": (F.logsigmoid, lambda x: -softplus(-x)),
    "softsign": (F.softsign, lambda x: x / (1 + np.abs(x))),
    "tanhshrink": (F.tanhshrink, lambda x: x - np.tanh(x)),
    "sigmoid": (dygrad.sigmoid, sigmoid),
    "tanh": (dygrad.tanh, np.tanh),
    "softmax": (lambda t: F.softmax(t, dim=1), lambda x: np.exp(log_softmax(x, 1))),
    "log_softmax": (lambda t: F.log_softmax(t, dim=-1), lambda x: log_softmax(x, -1)),
    "softmin": (lambda t: F.softmin(t, dim=0), lambda x: np.exp(log_softmax(-x, 0))),
    "glu": (lambda t: F.glu(t, dim=1), lambda x: x[:, :2] * sigmoid(x[:, 2:])),
    "normalize": (lambda t: F.normalize(t, dim=1),
                  lambda x: x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)),
}


def _away_from_kinks(x):
    """Moves points off the kinks (0, +-0.5, 0.8, +-3, 6) where finite differences straddle two
    branches; the formulas are checked on both sides of each kink anyway."""
    for k in (0.0, -0.5, 0.5, 0.8, -3.0, 3.0, 6.0):
        near = np.abs(x - k) < 1e-3
        x = np.where(near, x + 1e-2, x)
    return x


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_forward_matches_numpy(name):
    fn, ref = ACTIVATIONS[name]
    x = R(3, 4) * 3
    x[0, :2] = [7.0, -7.0]  # past the clips of relu6/hardtanh/hardswish and softplus' threshold
    for dt in (np.float32, np.float64):
        got = fn(dygrad.tensor(x.astype(dt)))
        assert got.dtype == getattr(dygrad, np.dtype(dt).name)
        tol = 1e-5 if dt == np.float32 else 1e-12
        np.testing.assert_allclose(got.numpy(), ref(x.astype(dt).astype(np.float64)), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradcheck(name):
    fn, _ = ACTIVATIONS[name]
    x = dygrad.tensor(_away_from_kinks(R(3, 4) * 3), requires_grad=True)
    assert gradcheck(fn, (x,))


def test_prelu_module_forward_and_gradcheck():
    m = dygrad.nn.PReLU(3, init=0.1).double()
    x = R(2, 3, 4)
    np.testing.assert_allclose(m(dygrad.tensor(x)).detach().numpy(), np.where(x > 0, x, 0.1 * x))
    assert gradcheck(lambda t, w: F.prelu(t, w), (dygrad.tensor(x, requires_grad=True),
                                                  dygrad.tensor(R(3), requires_grad=True)))


# ---- losses -------------------------------------------------------------------------------

def _reduce(v, reduction):
    return {"mean": v.mean(), "sum": v.sum(), "none": v}[reduction]


def _cross_entropy(x, y, weight=None, ignore_index=-100, smoothing=0.0, reduction="mean"):
    """Class-index targets; the smoothed part is weighted per class, the mean divides by the
    summed weights of the kept targets."""
    n, c = x.shape
    lp = log_softmax(x, 1)
    w = np.ones(c) if weight is None else weight
    keep = y != ignore_index
    ys = np.where(keep, y, 0)
    nll = -lp[np.arange(n), ys] * w[ys] * keep
    smooth = -(lp * w).sum(1) * keep / c
    per = (1 - smoothing) * nll + smoothing * smooth
    if reduction == "mean":
        return per.sum() / (w[ys] * keep).sum()
    return _reduce(per, reduction)


LOSSES = {
    "mse": (lambda a, b: F.mse_loss(a, b), lambda a, b: ((a - b) ** 2).mean()),
    "mse_sum": (lambda a, b: F.mse_loss(a, b, reduction="sum"), lambda a, b: ((a - b) ** 2).sum()),
    "l1_none": (lambda a, b: F.l1_loss(a, b, reduction="none"), lambda a, b: np.abs(a - b)),
    "smooth_l1": (lambda a, b: F.smooth_l1_loss(a, b, beta=0.5),
                  lambda a, b: np.where(np.abs(a - b) < 0.5, 0.5 * (a - b) ** 2 / 0.5,
                                        np.abs(a - b) - 0.25).mean()),
    "huber": (lambda a, b: F.huber_loss(a, b, delta=0.7),
              lambda a, b: np.where(np.abs(a - b) < 0.7, 0.5 * (a - b) ** 2,
                                    0.7 * (np.abs(a - b) - 0.35)).mean()),
    "kl_div": (lambda a, b: F.kl_div(F.log_softmax(a, 1), F.softmax(b, 1), reduction="batchmean"),
               lambda a, b: (np.exp(log_softmax(b, 1)) * (log_softmax(b, 1) - log_softmax(a, 1))).sum() / a.shape[0]),
    "bce_logits": (lambda a, b: F.binary_cross_entropy_with_logits(a, dygrad.sigmoid(b)),
                   lambda a, b: (softplus(a) - a * sigmoid(b)).mean()),
    "bce": (lambda a, b: F.binary_cross_entropy(dygrad.sigmoid(a), dygrad.sigmoid(b), reduction="sum"),
            lambda a, b: -(sigmoid(b) * np.log(sigmoid(a)) + (1 - sigmoid(b)) * np.log(1 - sigmoid(a))).sum()),
    "cosine_similarity": (lambda a, b: F.cosine_similarity(a, b, dim=1),
                         lambda a, b: (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_pair_loss_forward_and_gradcheck(name):
    fn, ref = LOSSES[name]
    a, b = R(4, 5), R(4, 5)
    np.testing.assert_allclose(fn(dygrad.tensor(a), dygrad.tensor(b)).numpy(), ref(a, b), rtol=1e-10)
    assert gradcheck(fn, (dygrad.tensor(a, requires_grad=True), dygrad.tensor(b, requires_grad=True)))


CE_CASES = {
    "plain": {},
    "sum": {"reduction": "sum"},
    "none": {"reduction": "none"},
    "weight": {"weight": np.array([0.2, 1.0, 3.0, 0.5])},
    "ignore_index": {"ignore_index": 2},
    "smoothing": {"label_smoothing": 0.3},
    "weight_smoothing_ignore": {"weight": np.array([0.2, 1.0, 3.0, 0.5]), "label_smoothing": 0.2,
                                "ignore_index": 1},
}


@pytest.mark.parametrize("case", sorted(CE_CASES))
def test_cross_entropy_matches_numpy(case):
    kw = CE_CASES[case]
    x, y = R(6, 4), np.array([0, 2, 1, 3, 2, 1])
    dkw = {k: dygrad.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    got = F.cross_entropy(dygrad.tensor(x), dygrad.tensor(y), **dkw)
    ref = _cross_entropy(x, y, kw.get("weight"), kw.get("ignore_index", -100),
                         kw.get("label_smoothing", 0.0), kw.get("reduction", "mean"))
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-10)
    assert gradcheck(lambda t: F.cross_entropy(t, dygrad.tensor(y), **dkw),
                     (dygrad.tensor(x, requires_grad=True),))


def test_nll_loss_matches_numpy_on_spatial_input():
    x, y = log_softmax(R(2, 3, 4, 5), 1), rng.integers(0, 3, (2, 4, 5))
    got = F.nll_loss(dygrad.tensor(x), dygrad.tensor(y))
    picked = np.take_along_axis(x, y[:, None], 1)[:, 0]
    np.testing.assert_allclose(got.numpy(), -picked.mean(), rtol=1e-12)
    assert gradcheck(lambda t: F.nll_loss(t, dygrad.tensor(y), reduction="sum"),
                     (dygrad.tensor(x, requires_grad=True),))


def test_loss_modules_match_functional():
    a, b = dygrad.tensor(R(3, 4)), dygrad.tensor(R(3, 4))
    y = dygrad.tensor(np.array([1, 0, 3]))
    nn = dygrad.nn
    pairs = [(nn.MSELoss(), F.mse_loss(a, b)), (nn.L1Loss(reduction="sum"), F.l1_loss(a, b, reduction="sum")),
             (nn.SmoothL1Loss(beta=0.3), F.smooth_l1_loss(a, b, beta=0.3))]
    for mod, want in pairs:
        np.testing.assert_array_equal(mod(a, b).numpy(), want.numpy())
    np.testing.assert_array_equal(nn.CrossEntropyLoss(label_smoothing=0.1)(a, y).numpy(),
                                  F.cross_entropy(a, y, label_smoothing=0.1).numpy())


def _cos(a, b):
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


SIGNS = np.array([1.0, -1.0, -1.0, 1.0])
CLASSES = np.array([2, 0, 4, 1])
# name -> (dygrad loss of the float inputs, NumPy reference, float input shapes)
MORE_LOSSES = {
    "margin_ranking": (lambda a, b: F.margin_ranking_loss(a, b, dygrad.tensor(SIGNS), margin=0.3),
                       lambda a, b: np.maximum(0, -SIGNS * (a - b) + 0.3).mean(), [(4,), (4,)]),
    "hinge_embedding": (lambda a: F.hinge_embedding_loss(a, dygrad.tensor(SIGNS[:, None] * np.ones(3)), margin=0.8),
                        lambda a: np.where(SIGNS[:, None] > 0, a, np.maximum(0, 0.8 - a)).mean(), [(4, 3)]),
    "soft_margin": (lambda a: F.soft_margin_loss(a, dygrad.tensor(SIGNS)),
                    lambda a: np.log1p(np.exp(-SIGNS * a)).mean(), [(4,)]),
    "multilabel_soft_margin": (
        lambda a: F.multilabel_soft_margin_loss(a, dygrad.tensor((np.arange(20).reshape(4, 5) % 3 == 0) * 1.0)),
        lambda a: (-((np.arange(20).reshape(4, 5) % 3 == 0) * -softplus(-a)
                     + (np.arange(20).reshape(4, 5) % 3 != 0) * -softplus(a)).mean(1)).mean(), [(4, 5)]),
    "multi_margin_p2": (
        lambda a: F.multi_margin_loss(a, dygrad.tensor(CLASSES), p=2, margin=0.7),
        lambda a: np.mean([sum(max(0, 0.7 - r[c] + r[i]) ** 2 for i in range(5) if i != c) / 5
                           for r, c in zip(a, CLASSES)]), [(4, 5)]),
    "triplet_margin": (lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=1.5),
                       lambda a, p, n: np.maximum(np.linalg.norm(a - p + 1e-6, axis=1)
                                                  - np.linalg.norm(a - n + 1e-6, axis=1) + 1.5, 0).mean(),
                       [(4, 3)] * 3),
    "poisson_nll": (lambda a: F.poisson_nll_loss(a, dygrad.tensor(np.arange(12.0).reshape(4, 3)), full=True),
                    lambda a: (np.exp(a) - np.arange(12.0).reshape(4, 3) * a + np.where(
                        np.arange(12.0).reshape(4, 3) > 1,
                        (lambda t: t * np.log(np.maximum(t, 1)) - t + 0.5 * np.log(2 * np.pi * np.maximum(t, 1)))(
                            np.arange(12.0).reshape(4, 3)), 0)).mean(), [(4, 3)]),
    "gaussian_nll": (lambda a, b, v: F.gaussian_nll_loss(a, b, v * v + 0.1, full=True),
                     lambda a, b, v: (0.5 * (np.log(v * v + 0.1) + (a - b) ** 2 / (v * v + 0.1))
                                      + 0.5 * np.log(2 * np.pi)).mean(), [(4, 3)] * 3),
    "cosine_embedding": (lambda a, b: F.cosine_embedding_loss(a, b, dygrad.tensor(SIGNS), margin=-0.2),
                         lambda a, b: np.where(SIGNS > 0, 1 - _cos(a, b), np.maximum(0, _cos(a, b) + 0.2)).mean(),
                         [(4, 3), (4, 3)]),
}


@pytest.mark.parametrize("name", sorted(MORE_LOSSES))
def test_more_losses_forward_and_gradcheck(name):
    fn, ref, shapes = MORE_LOSSES[name]
    xs = [R(*s) for s in shapes]
    np.testing.assert_allclose(fn(*[dygrad.tensor(x) for x in xs]).numpy(), ref(*xs), rtol=1e-10, atol=1e-12)
    assert gradcheck(fn, tuple(dygrad.tensor(x, requires_grad=True) for x in xs))
