"""Losses, softmax, linear and reductions on 0-dim and empty inputs, with every reduction, and
cross_entropy's ignored rows and mixed-dtype probability targets: PyTorch's values, dtypes,
gradients, or its error class."""
import numpy as np
import pytest

from dygrad.testing.parity import case, params, run_case

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(7)
X34 = _rng.standard_normal((3, 4)).astype(np.float32)
P34 = np.full((3, 4), 0.25, np.float64)
W4 = np.array([1., 2., 3., 4.], np.float32)


def L(*v):
    return np.array(v, dtype=np.int64)


def _inputs(kind, shape):
    a = np.asarray(np.random.default_rng(1).uniform(0.1, 0.9, shape), dtype=np.float32)
    lead = np.asarray(np.zeros(shape[:1] if len(shape) > 1 else (), np.int64))
    kinds = {
        "pair": (a, a.copy()),
        "gnll": (a, a.copy(), a + 1),
        "pm": (a, np.sign(a - 0.5).astype(np.float32)),
        "mr": (a, a.copy(), np.ones(shape, np.float32)),
        "cos": (a, a.copy(), np.ones(shape[:1], np.float32)),
        "cls": (a, lead),
        "tri": (a, a.copy(), a.copy()),
    }
    return tuple(np.asarray(v) for v in kinds[kind])  # 0-dim arithmetic gives NumPy scalars


_LOSSES = [("mse_loss", "pair"), ("l1_loss", "pair"), ("smooth_l1_loss", "pair"), ("huber_loss", "pair"),
           ("binary_cross_entropy", "pair"), ("binary_cross_entropy_with_logits", "pair"),
           ("soft_margin_loss", "pair"), ("kl_div", "pair"), ("poisson_nll_loss", "pair"),
           ("gaussian_nll_loss", "gnll"), ("hinge_embedding_loss", "pm"), ("margin_ranking_loss", "mr"),
           ("cosine_embedding_loss", "cos"), ("multilabel_soft_margin_loss", "pair"),
           ("triplet_margin_loss", "tri"), ("nll_loss", "cls"), ("cross_entropy", "cls"),
           ("multi_margin_loss", "cls")]
# multi_margin_loss of a (0, C) batch with 'mean'/'sum' returns uninitialised memory in PyTorch
_SKIP = {("multi_margin_loss", (0, 3), "mean"), ("multi_margin_loss", (0, 3), "sum")}

CASES = []
for _red in ("mean", "sum", "none"):
    for _name, _kind in _LOSSES:
        for _shape in ((), (0,), (0, 3), (2, 0)):
            if (_name, _shape, _red) in _SKIP:
                continue
            CASES.append(case(f"{_name}_{'x'.join(map(str, _shape)) or '0d'}_{_red}",
                              lambda T, *a, n=_name, r=_red: getattr(T.nn.functional, n)(*a, reduction=r),
                              *_inputs(_kind, _shape)))
    F = "nn.functional"
    CASES += [
        case(f"ce_all_ignored_{_red}", lambda T, x, r=_red: T.nn.functional.cross_entropy(
            x, T.from_numpy(L(1, 1, 1)), ignore_index=1, reduction=r), X34),
        case(f"ce_some_ignored_{_red}", lambda T, x, r=_red: T.nn.functional.cross_entropy(
            x, T.from_numpy(L(1, 2, 1)), ignore_index=1, reduction=r), X34),
        case(f"ce_ignored_weighted_{_red}", lambda T, x, w, r=_red: T.nn.functional.cross_entropy(
            x, T.from_numpy(L(1, 2, -100)), weight=w, reduction=r), X34, W4, grad=(True, False)),
        case(f"ce_all_ignored_smoothed_{_red}", lambda T, x, w, r=_red: T.nn.functional.cross_entropy(
            x, T.from_numpy(L(-100, -100, -100)), weight=w, label_smoothing=0.1, reduction=r), X34, W4,
            grad=(True, False)),
        case(f"nll_all_ignored_{_red}", lambda T, x, r=_red: T.nn.functional.nll_loss(
            x, T.from_numpy(L(-100, -100, -100)), reduction=r), X34),
        case(f"ce_inf_logits_{_red}", lambda T, x, r=_red: T.nn.functional.cross_entropy(
            x, T.from_numpy(L(0, 1)), reduction=r), np.array([[-np.inf, 0.], [0., np.inf]], np.float32)),
        case(f"ce_prob_f64_target_{_red}", lambda T, x, t, r=_red: T.nn.functional.cross_entropy(
            x, t, reduction=r), X34, P34),
        case(f"ce_prob_f32_target_f64_input_{_red}", lambda T, x, t, r=_red: T.nn.functional.cross_entropy(
            x, t, reduction=r), X34.astype(np.float64), P34.astype(np.float32)),
        case(f"ce_prob_f16_target_{_red}", lambda T, x, t, r=_red: T.nn.functional.cross_entropy(
            x, t, reduction=r), X34, P34.astype(np.float16), grad=(True, False)),
        case(f"ce_prob_smoothed_{_red}", lambda T, x, t, r=_red: T.nn.functional.cross_entropy(
            x, t, reduction=r, label_smoothing=0.2), X34, P34),
        case(f"ce_prob_weight_grad_{_red}", lambda T, x, t, w, r=_red: T.nn.functional.cross_entropy(
            x, t, weight=w, reduction=r, label_smoothing=0.1), X34, P34, W4),
        case(f"ce_prob_3d_{_red}", lambda T, x, t, w, r=_red: T.nn.functional.cross_entropy(
            x, t, weight=w, reduction=r), X34.reshape(3, 2, 2), P34.reshape(3, 2, 2), W4[:2]),
        case(f"ce_prob_empty_{_red}", lambda T, x, t, r=_red: T.nn.functional.cross_entropy(
            x, t, reduction=r), np.zeros((0, 4), np.float32), np.zeros((0, 4), np.float32)),
    ]

CASES += [
    case("ce_long_target_same_rank", lambda T, x: T.nn.functional.cross_entropy(
        x, T.zeros(3, 4, dtype=T.long)), X34),
    case("ce_0d_input", lambda T, x: T.nn.functional.cross_entropy(x, T.tensor(0)), np.array(1., np.float32)),
    case("ce_0d_prob", lambda T, x, t: T.nn.functional.cross_entropy(x, t), np.array(1., np.float32),
         np.array(.5, np.float32)),
    case("linear_0d_input", lambda T, x, w: T.nn.functional.linear(x, w), np.array(2., np.float32),
         np.ones((3,), np.float32)),
    case("linear_1d_1d_bias", lambda T, x, w, b: T.nn.functional.linear(x, w, b), np.ones(3, np.float32),
         np.ones(3, np.float32), np.array(1., np.float32)),
    case("linear_empty_batch", lambda T, x, w, b: T.nn.functional.linear(x, w, b),
         np.ones((0, 3), np.float32), np.ones((2, 3), np.float32), np.ones(2, np.float32)),
    case("linear_empty_features", lambda T, x, w, b: T.nn.functional.linear(x, w, b),
         np.ones((4, 0), np.float32), np.ones((2, 0), np.float32), np.ones(2, np.float32)),
    case("linear_no_outputs", lambda T, x, w: T.nn.functional.linear(x, w), np.ones((4, 3), np.float32),
         np.ones((0, 3), np.float32)),
    case("prod_empty", lambda T, x: x.prod(), np.zeros((0,), np.float32)),
    case("prod_empty_dim", lambda T, x: x.prod(0), np.zeros((0, 3), np.float32)),
    case("prod_empty_other_dim", lambda T, x: x.prod(1), np.zeros((0, 3), np.float32)),
    case("prod_0d", lambda T, x: x.prod(), np.array(0., np.float32)),
    case("prod_0d_dim", lambda T, x: x.prod(0), np.array(3., np.float32)),
    case("mean_empty", lambda T, x: x.mean(), np.zeros((0,), np.float32)),
    case("mean_empty_dim", lambda T, x: x.mean(0), np.zeros((0, 3), np.float32)),
    case("max_empty", lambda T, x: x.max(), np.zeros((0,), np.float32)),
    case("amax_empty", lambda T, x: x.amax(), np.zeros((0,), np.float32)),
    case("max_empty_dim", lambda T, x: x.max(0), np.zeros((0, 3), np.float32)),
    case("max_empty_other_dim", lambda T, x: x.max(1), np.zeros((0, 3), np.float32)),
    case("min_empty", lambda T, x: x.min(), np.zeros((0,), np.float32)),
    case("argmax_empty", lambda T, x: x.argmax(), np.zeros((0,), np.float32)),
    case("var_empty_dim", lambda T, x: x.var(0), np.zeros((0, 3), np.float32)),
    case("logsumexp_empty", lambda T, x: x.logsumexp(0), np.zeros((0, 3), np.float32)),
    case("norm_empty", lambda T, x: x.norm(), np.zeros((0, 3), np.float32)),
]


@pytest.mark.parametrize("c", params(CASES))
def test_loss_edge_parity(c):
    run_case(c, torch)


@pytest.mark.parametrize("upstream", [1.0, -2.0, float("inf")])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_gradient_off_target_entries_stay_plus_zero(upstream, reduction, weighted):
    # only the target entries carry gradient: a negative or infinite upstream gradient leaves
    # the others +0, as PyTorch's (not -0 or nan from scaling the whole array)
    import dygrad
    t = L(0, 3, 1, 1)
    grads = []
    for lib in (dygrad, torch):
        x = lib.tensor(X34[[0, 1, 2, 0]], requires_grad=True)
        w = lib.tensor(W4) if weighted else None
        loss = lib.nn.functional.nll_loss(x, lib.tensor(t), weight=w, reduction=reduction)
        (loss * upstream).backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(np.signbit(grads[0]), np.signbit(grads[1]))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6, equal_nan=True)
