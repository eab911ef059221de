"""Losses: values and gradients (input, and target where PyTorch differentiates it) match
PyTorch for every reduction and option; shape/dtype errors and warnings are PyTorch's."""
import numpy as np
import pytest

import dygrad
import dygrad.nn as nn
import dygrad.nn.functional as F
from dygrad.testing import check_op, check_raises, gradcheck_op
from nn_helpers import module_parity, torch_or_skip

rng = np.random.default_rng(5)
REDUCTIONS = ["mean", "sum", "none"]


def arr(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def labels(n, c, shape=None):
    return rng.integers(0, c, shape if shape is not None else (n,)).astype(np.int64)


def pair(name, **kw):
    torch = torch_or_skip()
    return (lambda *a: getattr(F, name)(*a, **kw)), \
        (lambda *a: getattr(torch.nn.functional, name)(*a, **{k: _tw(v) for k, v in kw.items()}))


def _tw(v):
    if isinstance(v, dygrad.Tensor):
        import torch
        return torch.tensor(v.numpy())
    return v


# -- cross entropy / nll ----------------------------------------------------------------------------
CE_CASES = [
    dict(), dict(weight=True), dict(ignore_index=1), dict(weight=True, ignore_index=2),
    dict(label_smoothing=0.1), dict(label_smoothing=0.2, weight=True),
    dict(label_smoothing=0.3, weight=True, ignore_index=0),
]


@pytest.mark.parametrize("kw", CE_CASES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5), (2, 4, 3, 2), (4,)])
def test_cross_entropy_class_indices(kw, reduction, shape):
    kw = dict(kw)
    C = shape[0] if len(shape) == 1 else shape[1]
    if kw.pop("weight", False):
        kw["weight"] = dygrad.tensor(rng.random(C).astype(np.float32) + 0.1)
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    x, t = arr(*shape), labels(0, C, tshape)
    if "ignore_index" in kw and len(shape) > 1:
        t.flat[0] = kw["ignore_index"]
    f, tf = pair("cross_entropy", reduction=reduction, **kw)
    check_op(f, tf, x, t, rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("kw", [dict(), dict(weight=True), dict(label_smoothing=0.25),
                                dict(weight=True, label_smoothing=0.1)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4), (3,)])
def test_cross_entropy_probabilities(kw, reduction, shape):
    kw = dict(kw)
    C = shape[0] if len(shape) == 1 else shape[1]
    if kw.pop("weight", False):
        kw["weight"] = dygrad.tensor(rng.random(C).astype(np.float32) + 0.1)
    cdim = 0 if len(shape) == 1 else 1
    p = np.exp(arr(*shape))
    p = (p / p.sum(axis=cdim, keepdims=True)).astype(np.float32)
    f, tf = pair("cross_entropy", reduction=reduction, **kw)
    check_op(f, tf, arr(*shape), p, rtol=2e-6, atol=2e-6)  # gradients for input and target


def test_cross_entropy_all_ignored_is_nan_like_torch():
    torch = torch_or_skip()
    t = np.full(4, -100, np.int64)
    check_op(F.cross_entropy, torch.nn.functional.cross_entropy, arr(4, 3), t)


def test_cross_entropy_double_backward():
    t = labels(4, 3)
    gradcheck_op(lambda x: F.cross_entropy(x, dygrad.tensor(t)), arr(4, 3), gradgradcheck=True)
    w = dygrad.tensor([0.2, 1.0, 2.0], dtype=dygrad.float64)
    gradcheck_op(lambda x: F.cross_entropy(x, dygrad.tensor(t), weight=w, label_smoothing=0.2,
                                           reduction="sum"), arr(4, 3), gradgradcheck=True)
    p = np.full((4, 3), 1 / 3)
    gradcheck_op(lambda x, q: F.cross_entropy(x, q), arr(4, 3), p, gradgradcheck=True)


@pytest.mark.parametrize("kw", [dict(), dict(weight=True), dict(ignore_index=0),
                                dict(weight=True, ignore_index=1)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5), (4,)])
def test_nll_loss(kw, reduction, shape):
    kw = dict(kw)
    C = shape[0] if len(shape) == 1 else shape[1]
    if kw.pop("weight", False):
        kw["weight"] = dygrad.tensor(rng.random(C).astype(np.float32) + 0.1)
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = labels(0, C, tshape)
    f, tf = pair("nll_loss", reduction=reduction, **kw)
    check_op(f, tf, arr(*shape), t)
    if "weight" in kw:
        kw["weight"] = kw["weight"].double()
    if "ignore_index" in kw and (t == kw["ignore_index"]).all():
        return  # nothing left to differentiate
    gradcheck_op(lambda x: F.nll_loss(x, dygrad.tensor(t), reduction=reduction, **kw),
                 arr(*shape), gradgradcheck=True)


CE_ERRORS = [
    ((10, 2), np.random.default_rng(0).standard_normal((10, 3)).astype(np.float32), "multi-target"),
    ((10, 2), np.zeros(10, np.float32), "Long or Byte"),
    ((10, 2), np.zeros(10, np.int32), "Long or Byte"),
    ((10, 2), np.zeros(9, np.int64), "batch_size"),
    ((10, 2), np.full(10, 5, np.int64), "Target 5 is out of bounds"),
    ((10, 2), np.full(10, -1, np.int64), "Target -1 is out of bounds"),
    ((2, 3, 4), np.zeros((2, 5), np.int64), r"Expected target size \[2, 4\], got \[2, 5\]"),
]


@pytest.mark.parametrize("xshape,target,match", CE_ERRORS)
def test_cross_entropy_errors(xshape, target, match):
    torch = torch_or_skip()
    check_raises(F.cross_entropy, torch.nn.functional.cross_entropy, arr(*xshape), target, match=match)


def test_cross_entropy_option_errors():
    torch = torch_or_skip()
    x, t = arr(4, 2), labels(4, 2)
    check_raises(lambda a, b: F.cross_entropy(a, b, weight=dygrad.ones(3)),
                 lambda a, b: torch.nn.functional.cross_entropy(a, b, weight=torch.ones(3)), x, t,
                 match="defined either for all 2 classes")
    check_raises(lambda a, b: F.cross_entropy(a, b, reduction="foo"),
                 lambda a, b: torch.nn.functional.cross_entropy(a, b, reduction="foo"), x, t,
                 match="foo is not a valid value for reduction")
    check_raises(lambda a, b: F.cross_entropy(a, b, label_smoothing=1.5),
                 lambda a, b: torch.nn.functional.cross_entropy(a, b, label_smoothing=1.5), x, t,
                 match="label_smoothing must be between 0.0 and 1.0")
    p = np.full((4, 2), 0.5, np.float32)
    check_raises(lambda a, b: F.cross_entropy(a, b, ignore_index=1),
                 lambda a, b: torch.nn.functional.cross_entropy(a, b, ignore_index=1), x, p,
                 match="ignore_index is not supported for floating point target")


def test_cross_entropy_module_and_weight_buffer():
    torch = torch_or_skip()
    w = rng.random(3).astype(np.float32)
    d = nn.CrossEntropyLoss(weight=dygrad.tensor(w), label_smoothing=0.1)
    t = torch.nn.CrossEntropyLoss(weight=torch.tensor(w), label_smoothing=0.1)
    assert list(d.state_dict()) == list(t.state_dict()) == ["weight"]
    assert repr(d) == repr(t) == "CrossEntropyLoss()"
    x, y = arr(5, 3), labels(5, 3)
    check_op(lambda a, b: d(a, b), lambda a, b: t(a, b), x, y, rtol=2e-6, atol=2e-6)
    out = nn.CrossEntropyLoss()(dygrad.tensor(x, requires_grad=True), dygrad.tensor(y))
    assert out.grad_fn.name() == "NllLossBackward0"


# -- regression losses --------------------------------------------------------------------------------
@pytest.mark.parametrize("name,kw", [("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {}),
                                     ("smooth_l1_loss", dict(beta=0.5)), ("smooth_l1_loss", dict(beta=0.0)),
                                     ("huber_loss", {}), ("huber_loss", dict(delta=0.3))])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(name, kw, reduction):
    x, t = arr(4, 5), arr(4, 5)
    t[0, :2] = x[0, :2]  # equal points: the kink of |x - t|
    t[1, 0] = x[1, 0] + 0.5
    f, tf = pair(name, reduction=reduction, **kw)
    check_op(f, tf, x, t)
    f64 = lambda a, b: getattr(F, name)(a, b, reduction=reduction, **kw)  # noqa: E731
    gradcheck_op(f64, arr(3, 2) * 3, arr(3, 2), gradgradcheck=name == "mse_loss")


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weighted_regression_losses(name, reduction):
    torch = torch_or_skip()
    x, t, w = arr(3, 4), arr(3, 4), rng.random((3, 4)).astype(np.float32)
    check_op(lambda a, b, c: getattr(F, name)(a, b, reduction=reduction, weight=c),
             lambda a, b, c: getattr(torch.nn.functional, name)(a, b, reduction=reduction, weight=c),
             x, t, w)


def test_mse_broadcast_warns_like_torch_and_promotes():
    torch = torch_or_skip()
    with pytest.warns(UserWarning, match="Using a target size"):
        out = F.mse_loss(dygrad.tensor(arr(3, 1)), dygrad.tensor(arr(3)))
    assert out.shape == ()
    x, t = arr(3, 2), rng.integers(0, 3, (3, 2))
    check_op(F.mse_loss, torch.nn.functional.mse_loss, x, t)
    check_op(F.mse_loss, torch.nn.functional.mse_loss, x.astype(np.float64), arr(3, 2))


# -- binary losses ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(weighted, reduction):
    torch = torch_or_skip()
    x = (1 / (1 + np.exp(-arr(4, 3)))).astype(np.float32)
    x[0, 0], x[0, 1] = 0.0, 1.0  # log clamped at -100 as in PyTorch
    t = rng.random((4, 3)).astype(np.float32)
    t[0, 0], t[0, 1] = 1.0, 0.0
    w = rng.random((4, 3)).astype(np.float32) if weighted else None
    check_op(lambda a, b: F.binary_cross_entropy(a, b, None if w is None else dygrad.tensor(w), reduction=reduction),
             lambda a, b: torch.nn.functional.binary_cross_entropy(
                 a, b, None if w is None else torch.tensor(w), reduction=reduction), x, t,
             rtol=1e-5, atol=1e-5)


def test_binary_cross_entropy_errors():
    torch = torch_or_skip()
    check_raises(F.binary_cross_entropy, torch.nn.functional.binary_cross_entropy,
                 np.full((3, 1), 0.5, np.float32), np.full(3, 0.5, np.float32), match="target size")
    check_raises(F.binary_cross_entropy, torch.nn.functional.binary_cross_entropy,
                 np.full(3, 1.5, np.float32), np.full(3, 0.5, np.float32), match="between 0 and 1")


@pytest.mark.parametrize("opts", [dict(), dict(weight=True), dict(pos_weight=True),
                                  dict(weight=True, pos_weight=True)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits(opts, reduction):
    torch = torch_or_skip()
    x, t = arr(4, 3) * 5, rng.random((4, 3)).astype(np.float32)
    x[0, 0] = 80.0  # large logits stay finite
    kw, tkw = {"reduction": reduction}, {"reduction": reduction}
    if opts.get("weight"):
        w = rng.random(3).astype(np.float32)
        kw["weight"], tkw["weight"] = dygrad.tensor(w), torch.tensor(w)
    if opts.get("pos_weight"):
        pw = rng.random(3).astype(np.float32) * 3
        kw["pos_weight"], tkw["pos_weight"] = dygrad.tensor(pw), torch.tensor(pw)
    check_op(lambda a, b: F.binary_cross_entropy_with_logits(a, b, **kw),
             lambda a, b: torch.nn.functional.binary_cross_entropy_with_logits(a, b, **tkw), x, t,
             rtol=1e-5, atol=1e-5)


def test_bce_with_logits_module_and_nondifferentiable_weights():
    torch = torch_or_skip()
    x, t, pw = arr(4, 3), rng.random((4, 3)).astype(np.float32), rng.random(3).astype(np.float32)
    check_raises(lambda a, b, c: F.binary_cross_entropy_with_logits(a, b, pos_weight=c),
                 lambda a, b, c: torch.nn.functional.binary_cross_entropy_with_logits(a, b, pos_weight=c),
                 x, t, pw, requires_grad=True, match="not differentiable with respect to argument 'pos_weight'")
    d = nn.BCEWithLogitsLoss(pos_weight=dygrad.tensor(pw))
    tm = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pw))
    assert list(d.state_dict()) == list(tm.state_dict())
    check_op(lambda a, b: d(a, b), lambda a, b: tm(a, b), x, t, rtol=1e-5, atol=1e-5)
    check_raises(F.binary_cross_entropy_with_logits, torch.nn.functional.binary_cross_entropy_with_logits,
                 arr(3, 1), arr(3), match="must be the same as input size")
    gradcheck_op(lambda a, b: F.binary_cross_entropy_with_logits(a, b), x, t, gradgradcheck=True)


# -- KL, margins and the rest -------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    torch = torch_or_skip()
    x = np.log(rng.dirichlet(np.ones(5), 4)).astype(np.float32)
    t = rng.dirichlet(np.ones(5), 4).astype(np.float32)
    t[0, 0] = 0.0  # 0 * log 0 counts as 0
    if log_target:
        t = np.log(t + 1e-3).astype(np.float32)
    check_op(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
             lambda a, b: torch.nn.functional.kl_div(a, b, reduction=reduction, log_target=log_target),
             x, t)


def test_kl_div_mean_warns():
    with pytest.warns(UserWarning, match="'batchmean'"):
        F.kl_div(dygrad.zeros(2, 2), dygrad.ones(2, 2) / 2)


def _pm1(*shape):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0).astype(np.float32)


OTHER = [
    ("soft_margin_loss", lambda: (arr(4, 3), _pm1(4, 3)), {}),
    ("multilabel_soft_margin_loss", lambda: (arr(4, 3), (rng.random((4, 3)) < 0.5).astype(np.float32)), {}),
    ("hinge_embedding_loss", lambda: (arr(4, 3), _pm1(4, 3)), dict(margin=0.5)),
    ("margin_ranking_loss", lambda: (arr(6), arr(6), _pm1(6)), dict(margin=0.2)),
    ("cosine_embedding_loss", lambda: (arr(5, 4), arr(5, 4), _pm1(5)), dict(margin=0.1)),
    ("cosine_embedding_loss", lambda: (arr(4), arr(4), np.array(-1.0, np.float32)), {}),
    ("triplet_margin_loss", lambda: (arr(5, 4), arr(5, 4), arr(5, 4)), {}),
    ("triplet_margin_loss", lambda: (arr(5, 4), arr(5, 4), arr(5, 4)), dict(p=1, swap=True, margin=2.0)),
    ("poisson_nll_loss", lambda: (arr(4, 3), rng.poisson(2, (4, 3)).astype(np.float32)), {}),
    ("poisson_nll_loss", lambda: (np.abs(arr(4, 3)), rng.poisson(2, (4, 3)).astype(np.float32)),
     dict(log_input=False, full=True)),
    ("gaussian_nll_loss", lambda: (arr(4, 3), arr(4, 3), rng.random((4, 3)).astype(np.float32) + 0.1), {}),
    ("gaussian_nll_loss", lambda: (arr(4, 3), arr(4, 3), rng.random((4, 1)).astype(np.float32) + 0.1),
     dict(full=True)),
    ("gaussian_nll_loss", lambda: (arr(4, 3), arr(4, 3), np.full(4, 1e-9, np.float32)), {}),
    ("multi_margin_loss", lambda: (arr(5, 4), labels(5, 4)), {}),
    ("multi_margin_loss", lambda: (arr(5, 4), labels(5, 4)), dict(p=2, margin=0.5)),
]


@pytest.mark.parametrize("name,make,kw", OTHER, ids=[f"{o[0]}-{i}" for i, o in enumerate(OTHER)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_other_losses(name, make, kw, reduction):
    f, tf = pair(name, reduction=reduction, **kw)
    args = make()
    flags = [a.dtype.kind == "f" for a in args]
    if name == "soft_margin_loss":
        flags[1] = False  # PyTorch refuses a target that requires grad here
    check_op(f, tf, *args, requires_grad=flags, rtol=1e-5, atol=1e-5)


LOSS_MODULES = [
    ("L1Loss", {}, 2), ("MSELoss", {}, 2), ("SmoothL1Loss", dict(beta=0.5), 2), ("HuberLoss", dict(delta=0.5), 2),
    ("SoftMarginLoss", {}, 2), ("KLDivLoss", dict(reduction="batchmean"), 2),
    ("MarginRankingLoss", dict(margin=0.1), 3), ("TripletMarginLoss", dict(margin=0.5), 3),
    ("PoissonNLLLoss", {}, 2), ("HingeEmbeddingLoss", {}, 2),
]


@pytest.mark.parametrize("name,kw,n", LOSS_MODULES)
def test_loss_modules_match_functional_and_repr(name, kw, n):
    torch = torch_or_skip()
    d, t = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(d) == repr(t)
    args = [arr(4, 3) for _ in range(n)]
    if name in ("SoftMarginLoss", "HingeEmbeddingLoss"):
        args[1] = _pm1(4, 3)
    if name == "MarginRankingLoss":
        args = [arr(4), arr(4), _pm1(4)]
    if name == "PoissonNLLLoss":
        args[1] = np.abs(args[1])
    if name == "KLDivLoss":
        args[1] = rng.random((4, 3)).astype(np.float32)
    flags = [True, name != "SoftMarginLoss"] + [True] * (len(args) - 2)
    module_parity(d, t, *args, rtol=1e-5, atol=1e-5, grad_inputs=flags)


def test_legacy_size_average_reduce():
    torch = torch_or_skip()
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        d = nn.MSELoss(size_average=False)
    assert d.reduction == "sum"
    with pytest.warns(UserWarning):
        t = torch.nn.MSELoss(size_average=False)
    module_parity(d, t, arr(3, 2), arr(3, 2))
    with pytest.warns(UserWarning):
        assert nn.CrossEntropyLoss(reduce=False).reduction == "none"


def test_nondifferentiable_arguments_like_torch():
    torch = torch_or_skip()
    x, t = arr(4, 3), labels(4, 3)
    w = rng.random(3).astype(np.float32)
    for name in ("cross_entropy", "nll_loss", "multi_margin_loss"):
        check_raises(lambda a, b, c: getattr(F, name)(a, b, weight=c),
                     lambda a, b, c: getattr(torch.nn.functional, name)(a, b, weight=c),
                     x, t, w, requires_grad=[True, False, True], match="not differentiable")
    pm = np.where(rng.random((4, 3)) < 0.5, -1.0, 1.0).astype(np.float32)
    check_raises(F.soft_margin_loss, torch.nn.functional.soft_margin_loss, x, pm, requires_grad=True,
                 match="not differentiable with respect to argument 'target'")
    # without grad mode nothing is recorded, so nothing is refused
    with dygrad.no_grad():
        F.cross_entropy(dygrad.tensor(x), dygrad.tensor(t), weight=dygrad.tensor(w, requires_grad=True))


def test_nll_loss_module_and_gaussian_errors():
    torch = torch_or_skip()
    x = np.log(rng.dirichlet(np.ones(4), 5)).astype(np.float32)
    check_op(lambda a, b: nn.NLLLoss(ignore_index=2)(a, b),
             lambda a, b: torch.nn.NLLLoss(ignore_index=2)(a, b), x, labels(5, 4))
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(dygrad.zeros(4, 3), dygrad.zeros(4, 3), dygrad.ones(2))
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(dygrad.zeros(4, 3), dygrad.zeros(4, 3), -dygrad.ones(4, 3))


def test_cross_entropy_all_ignored_keeps_nan_rows_in_the_gradient():
    # every target ignored: the loss is 0/0 = nan and the gradient is 0, except that the softmax
    # backward turns rows holding nan or inf into nan (PyTorch's values)
    x = dygrad.tensor([[0.5, float("inf")], [float("nan"), 0.3], [1.0, float("-inf")]],
                      requires_grad=True)
    loss = dygrad.nn.functional.cross_entropy(x, dygrad.tensor([0, 0, 0]), ignore_index=0)
    loss.backward()
    assert np.isnan(loss.item())
    g = x.grad.numpy()
    assert np.isnan(g[:2]).all() and (g[2] == 0).all()
    x.grad = None
    dygrad.nn.functional.nll_loss(x, dygrad.tensor([0, 0, 0]), ignore_index=0).backward()
    assert (x.grad.numpy() == 0).all()
