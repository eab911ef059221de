"""nn.functional utilities: one_hot, pad, normalize, cosine_similarity, pairwise_distance,
softmax family, glu, gumbel_softmax: values, gradients and errors match PyTorch."""
import numpy as np
import pytest

import dygrad
import dygrad.nn.functional as F
from dygrad.testing import assert_close, check_op, check_raises, gradcheck_op
from nn_helpers import module_parity, torch_or_skip

rng = np.random.default_rng(4)


def arr(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def test_one_hot_matches_torch():
    torch = torch_or_skip()
    for t, n in [(np.array([0, 2, 1]), -1), (np.array([[1, 0], [3, 2]]), 5), (np.array(2), 4),
                 (np.zeros((0,), np.int64), 3)]:
        check_op(lambda x, n=n: F.one_hot(x, n), lambda x, n=n: torch.nn.functional.one_hot(x, n),
                 t.astype(np.int64))
    for t, n, match in [(np.array([1, 2], np.int32), -1, "LongTensor"),
                        (np.array([1, -1]), -1, "non-negative"), (np.array([1, 5]), 3, "smaller than"),
                        (np.zeros((0,), np.int64), -1, "empty tensor")]:
        check_raises(lambda x, n=n: F.one_hot(x, n), lambda x, n=n: torch.nn.functional.one_hot(x, n),
                     t, match=match)


PADS = [
    ("constant", (1, 2), (2, 3, 4)), ("constant", (1, 1, 2, 0), (2, 3, 4)),
    ("constant", (1, 0, 0, 2, 1, 1), (2, 3, 4)), ("constant", (-1, 2), (2, 3, 4)),
    ("constant", (-1, -1, 1, -1), (2, 3, 4)),
    ("reflect", (2, 1), (2, 3, 4)), ("reflect", (1, 2, 2, 1), (1, 2, 3, 4)),
    ("reflect", (1, 1, 1, 1, 1, 1), (1, 2, 3, 3, 3)), ("reflect", (3, 3), (2, 4)),
    ("replicate", (2, 3), (2, 3, 4)), ("replicate", (1, 2, 3, 1), (2, 3, 4)),
    ("replicate", (1, 1, 2, 2, 1, 0), (1, 1, 2, 3, 2)),
    ("circular", (2, 1), (2, 3, 4)), ("circular", (1, 2, 2, 1), (1, 2, 3, 4)),
    ("circular", (1, 1, 1, 0, 0, 2), (1, 1, 2, 3, 2)), ("circular", (-1, 2), (1, 2, 3)),
]


@pytest.mark.parametrize("mode,pad,shape", PADS)
def test_pad_matches_torch(mode, pad, shape):
    torch = torch_or_skip()
    check_op(lambda x: F.pad(x, pad, mode=mode), lambda x: torch.nn.functional.pad(x, pad, mode=mode),
             arr(*shape))


def test_pad_value_and_double_backward():
    torch = torch_or_skip()
    check_op(lambda x: F.pad(x, (1, 1), value=2.5), lambda x: torch.nn.functional.pad(x, (1, 1), value=2.5),
             arr(2, 3))
    gradcheck_op(lambda x: F.pad(x, (1, 2, 1, 0)), arr(2, 3), gradgradcheck=True)
    gradcheck_op(lambda x: F.pad(x, (2, 1), mode="reflect"), arr(1, 2, 4), gradgradcheck=True)


PAD_ERRORS = [
    ((1,), "constant", (2, 3), "divisible by 2"),
    ((1, 1, 1, 1, 1, 1), "constant", (2, 3), "less than or equal to two times"),
    ((3, 3), "reflect", (1, 2, 3), "Padding size should be less than the corresponding input dimension"),
    ((1, 1), "reflect", (3,), "not supported for 1D input"),
    ((1, 1, 1, 1), "replicate", (2, 3), "not supported for 2D input"),
    ((4, 4), "circular", (1, 2, 3), "wrapping around more than once"),
    ((-1, -3), "constant", (1, 2, 3), "non-negative"),
]


@pytest.mark.parametrize("pad,mode,shape,match", PAD_ERRORS)
def test_pad_errors(pad, mode, shape, match):
    torch = torch_or_skip()
    check_raises(lambda x: F.pad(x, pad, mode=mode), lambda x: torch.nn.functional.pad(x, pad, mode=mode),
                 arr(*shape), match=match)
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode"):
        F.pad(dygrad.ones(2, 3), (1, 1), mode="foo")
    with pytest.raises(RuntimeError, match="doesn't take in value"):
        F.pad(dygrad.ones(1, 2, 3), (1, 1), mode="reflect", value=1.0)


@pytest.mark.parametrize("kw", [dict(), dict(p=1.0, dim=0), dict(dim=-1, eps=0.5), dict(p=3.0)])
def test_normalize(kw):
    torch = torch_or_skip()
    x = arr(4, 5)
    x[0] = 0.0  # zero vector: the clamp at eps applies
    check_op(lambda a: F.normalize(a, **kw), lambda a: torch.nn.functional.normalize(a, **kw), x)


@pytest.mark.parametrize("shapes,kw", [(((4, 5), (4, 5)), {}), (((4, 5), (1, 5)), {}),
                                       (((3, 4, 2), (3, 4, 2)), dict(dim=2)), (((5,), (5,)), dict(dim=0))])
def test_cosine_similarity(shapes, kw):
    torch = torch_or_skip()
    check_op(lambda a, b: F.cosine_similarity(a, b, **kw),
             lambda a, b: torch.nn.functional.cosine_similarity(a, b, **kw),
             *[arr(*s) for s in shapes], rtol=1e-5, atol=1e-6)


def test_cosine_similarity_small_norms_follow_torch():
    torch = torch_or_skip()
    a = np.array([[1e-5, 0.0], [0.0, 0.0], [3.0, 4.0]], np.float32)
    b = np.array([[1e-3, 1.0], [1.0, 1.0], [1e-4, 0.0]], np.float32)
    check_op(lambda x, y: F.cosine_similarity(x, y, eps=1e-3),
             lambda x, y: torch.nn.functional.cosine_similarity(x, y, eps=1e-3), a, b,
             rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("shapes,kw", [(((4, 5), (4, 5)), {}), (((4, 5), (5,)), dict(p=1.0)),
                                       (((5,), (5,)), dict(keepdim=True)), (((3, 4), (3, 4)), dict(p=3.0, eps=0.1))])
def test_pairwise_distance(shapes, kw):
    torch = torch_or_skip()
    check_op(lambda a, b: F.pairwise_distance(a, b, **kw),
             lambda a, b: torch.nn.functional.pairwise_distance(a, b, **kw),
             *[arr(*s) for s in shapes], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family(fn, dim):
    torch = torch_or_skip()
    check_op(lambda a: getattr(F, fn)(a, dim), lambda a: getattr(torch.nn.functional, fn)(a, dim),
             arr(3, 4, 5))
    check_op(lambda a: getattr(F, fn)(a, dim, dtype=dygrad.float64),
             lambda a: getattr(torch.nn.functional, fn)(a, dim, dtype=torch.float64), arr(3, 4))


def test_glu_and_gumbel_softmax():
    torch = torch_or_skip()
    check_op(lambda a: F.glu(a, 1), lambda a: torch.nn.functional.glu(a, 1), arr(2, 6, 3))
    dygrad.manual_seed(0)
    logits = dygrad.tensor(np.log(np.array([[0.1, 0.2, 0.7]] * 20000, np.float32)), requires_grad=True)
    y = F.gumbel_softmax(logits, tau=0.5, hard=True)
    freq = y.detach().numpy().mean(0)  # Gumbel-max: argmax frequencies follow the probabilities
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.015)
    assert ((y.detach().numpy() == 0) | (y.detach().numpy() == 1)).all()
    (y * dygrad.arange(3.0)).sum().backward()  # straight-through gradient exists
    assert logits.grad is not None and np.abs(logits.grad.numpy()).sum() > 0
    soft = F.gumbel_softmax(logits[:2], tau=1.0)
    assert_close(soft.sum(-1), dygrad.ones(2))


def test_functional_names_exist():
    torch = torch_or_skip()
    names = ["relu", "relu_", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish",
             "hardtanh", "softplus", "softsign", "logsigmoid", "threshold", "glu", "prelu", "rrelu",
             "linear", "bilinear", "embedding", "one_hot", "pad", "normalize", "dropout",
             "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
             "cosine_similarity", "pairwise_distance", "softmax", "log_softmax", "softmin",
             "gumbel_softmax", "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss",
             "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
             "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss",
             "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
             "poisson_nll_loss", "gaussian_nll_loss", "multi_margin_loss", "hardsigmoid",
             "hardswish", "tanhshrink", "softshrink", "hardshrink", "sigmoid", "tanh"]
    for n in names:
        assert hasattr(torch.nn.functional, n), n
        assert callable(getattr(F, n)), n


PAD_MODULES = [("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad2d", ((1, 2, 0, 1),), (2, 3, 4)),
               ("ZeroPad3d", (1,), (1, 2, 2, 3)), ("ConstantPad1d", ((1, 2), 3.5), (2, 3)),
               ("ConstantPad2d", (1, -1.0), (1, 2, 3, 4)), ("ConstantPad3d", (1, 0.5), (1, 2, 2, 2)),
               ("ReflectionPad1d", (2,), (2, 3, 4)), ("ReflectionPad2d", ((1, 0, 2, 1),), (1, 2, 3, 4)),
               ("ReflectionPad3d", (1,), (1, 1, 2, 3, 3)), ("ReplicationPad1d", ((3, 1),), (2, 4)),
               ("ReplicationPad2d", (2,), (1, 2, 3, 3)), ("ReplicationPad3d", (1,), (1, 2, 2, 3)),
               ("CircularPad1d", (1,), (2, 3, 4)), ("CircularPad2d", ((1, 2, 1, 0),), (1, 2, 3, 4)),
               ("CircularPad3d", (1,), (1, 1, 2, 3, 3))]


@pytest.mark.parametrize("name,args,shape", PAD_MODULES)
def test_padding_modules(name, args, shape):
    torch = torch_or_skip()
    d, t = getattr(dygrad.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(d) == repr(t)
    module_parity(d, t, arr(*shape))


def test_circular_pad_module_dim_check():
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        dygrad.nn.CircularPad2d(1)(dygrad.ones(3, 3))


@pytest.mark.parametrize("fn,name", [(F.pixel_shuffle, "upscale_factor"),
                                     (F.pixel_unshuffle, "downscale_factor"),
                                     (F.channel_shuffle, "groups")])
def test_shuffle_factor_must_be_an_int_as_pytorch_parses_it(fn, name):
    x = dygrad.ones(1, 4, 2, 2)
    for bad in (2.0, True):  # int() would take 2.0 (or 2.5, as 2) without a word
        with pytest.raises(TypeError, match=rf"{fn.__name__}\(\): argument '{name}' \(position 2\) "
                                            rf"must be int, not {type(bad).__name__}"):
            fn(x, bad)
    assert fn(x, np.int64(2)).shape == fn(x, dygrad.tensor(2)).shape == fn(x, 2).shape


def test_channel_shuffle_rank_error_as_pytorch():
    with pytest.raises(RuntimeError, match=r"channel_shuffle expects input with > 2 dims, but got "
                                           r"input with sizes \[2, 2\]"):
        F.channel_shuffle(dygrad.ones(2, 2), 2)
