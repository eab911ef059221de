"""Replay kernels of convolution and pooling under dygrad.jit: conv1d/conv2d (stateful: the node
keeps the patch matrix), conv_transpose, max pool (tap by tap, stateful; with indices),
average and adaptive pools. Replayed outputs and gradients equal eager's bit for bit on new
inputs, with no fallback, and whole training steps of conv nets (no BatchNorm) replay."""
import warnings

import numpy as np
import pytest

import dygrad
from dygrad import nn
from dygrad.jit._traced import TracedFunction

F = nn.functional


@pytest.fixture(autouse=True)
def _strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a TracerWarning (fallback to eager) fails the test
        yield


def _same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a.detach().numpy(), b.detach().numpy(), equal_nan=True)


def _maker(*specs, seed=0):
    """A function making new leaves of the given (shape, requires_grad) at each call."""
    rng = np.random.default_rng(seed)

    def make():
        return tuple(dygrad.tensor(rng.standard_normal(shape).astype(np.float32),
                                   requires_grad=rg) for shape, rg in specs)
    return make


def _check_fn(fn, make_args, calls=2):
    """fn traced on one set of arguments, then replayed on new ones: outputs and the leaves'
    gradients equal eager's bit for bit."""
    traced = dygrad.jit.trace(fn, make_args())
    rng = np.random.default_rng(9)
    for _ in range(calls):
        args = make_args()
        twins = tuple(dygrad.tensor(a.detach().numpy().copy(), requires_grad=a.requires_grad)
                      for a in args)
        want, got = fn(*args), traced(*twins)
        _same(got, want)
        if want.requires_grad:
            g = dygrad.tensor(rng.standard_normal(tuple(want.shape)).astype(np.float32))
            want.backward(g)
            got.backward(g)
            for a, b in zip(args, twins):
                if a.requires_grad:
                    _same(b.grad, a.grad)
    assert traced.reasons == []
    return traced


X, W = True, True


@pytest.mark.parametrize("case", [
    # (x shape, weight shape, bias, kwargs)
    ((2, 3, 8, 8), (4, 3, 3, 3), True, dict(padding=1)),
    ((2, 3, 9, 8), (4, 3, 3, 3), False, dict(stride=2, padding=(1, 2))),
    ((2, 4, 1, 1), (6, 4, 3, 3), False, dict(padding=1)),           # taps cut to the centre
    ((2, 4, 2, 2), (6, 4, 3, 3), True, dict(stride=2, padding=1)),  # a 2x2 sub-kernel
    ((2, 4, 7, 7), (6, 2, 3, 3), True, dict(groups=2, dilation=2, padding="same")),
    ((3, 8, 8), (5, 3, 1, 1), True, dict(stride=2)),                # unbatched, 1x1
    ((2, 16, 8, 8), (4, 16, 3, 3), False, dict(padding=1)),         # input grad by correlation
])
def test_conv2d_replays(case):
    xs, ws, bias, kw = case
    if len(xs) == 3:
        ws = (ws[0], xs[0], *ws[2:])
    specs = [(xs, X), (ws, W)] + ([((ws[0],), True)] if bias else [])
    _check_fn(lambda x, w, *b: F.conv2d(x, w, *b, **kw), _maker(*specs))


@pytest.mark.parametrize("x_rg,w_rg", [(True, False), (False, True), (False, False)])
def test_conv2d_partial_grads_replay(x_rg, w_rg):
    _check_fn(lambda x, w: F.conv2d(x, w, None, 1, 1),
              _maker(((2, 3, 6, 6), x_rg), ((4, 3, 3, 3), w_rg)))


def test_conv1d_and_transposed_convolutions_replay():
    _check_fn(lambda x, w, b: F.conv1d(x, w, b, 2, 1), _maker(((2, 3, 9), X), ((4, 3, 3), W),
                                                            ((4,), True)))
    _check_fn(lambda x, w: F.conv1d(x, w, padding="same"), _maker(((3, 9), X), ((4, 3, 4), W)))
    _check_fn(lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1),
              _maker(((2, 4, 5, 5), X), ((4, 3, 3, 3), W), ((3,), True)))
    _check_fn(lambda x, w: F.conv_transpose1d(x, w, None, 2),
              _maker(((2, 4, 6), X), ((4, 3, 3), W)))


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool2d(x, 2),
    lambda x: F.max_pool2d(x, 3, 2, 1),                         # padded taps
    lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True, dilation=2),
    lambda x: F.max_pool2d(x, 3, 2, 1, return_indices=True)[0],
    lambda x: F.max_pool2d(x, 2, return_indices=True)[1],
    lambda x: F.max_pool2d(x[0], 3, 1),                         # unbatched
    lambda x: F.max_pool1d(x.flatten(2), 3, 2, 1),
    lambda x: F.max_pool1d(x.flatten(2), 4, return_indices=True)[0],
    lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
    lambda x: F.avg_pool2d(x, 2, divisor_override=3),
    lambda x: F.avg_pool1d(x.flatten(2), 3, ceil_mode=True),
    lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
    lambda x: F.adaptive_avg_pool2d(x, 1),
    lambda x: F.adaptive_avg_pool1d(x.flatten(2), 5) * 1,
    lambda x: F.adaptive_max_pool2d(x, (3, 4)),                 # windows of uneven sizes
    lambda x: F.adaptive_max_pool2d(x, 3, return_indices=True)[0],
    lambda x: F.adaptive_max_pool1d(x.flatten(2), 7),
    lambda x: F.lp_pool2d(x, 2, 2),
])
def test_pools_replay(fn):
    _check_fn(fn, _maker(((2, 3, 6, 6), X)))


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool2d(x, 3, 2, 1),
    lambda x: F.max_pool2d(x, 2, 2, 1, ceil_mode=True),
])
def test_padded_max_pool_by_taps_replays(fn):
    from dygrad.ops import pool
    assert 4 * 8 * 12 * 12 >= pool._TAPS_MIN  # (smaller padded inputs take the argmax path)
    _check_fn(fn, _maker(((4, 8, 12, 12), X)))


def _check_training(make_model, shape, steps=3):
    """The same SGD-momentum step (forward, cross entropy, backward, step) eager and traced on
    two copies of a model: losses, parameters and gradients stay equal bit for bit."""
    runs = []
    for traced in (False, True):
        dygrad.manual_seed(0)
        model = make_model()
        opt = dygrad.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        x = dygrad.zeros(*shape)
        y = dygrad.zeros(shape[0], dtype=dygrad.int64)

        def step(model=model, opt=opt, x=x, y=y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        runs.append((model, x, y, TracedFunction(step) if traced else step))
    rng = np.random.default_rng(3)
    for _ in range(steps):
        xb = dygrad.from_numpy(rng.standard_normal(shape).astype(np.float32))
        yb = dygrad.from_numpy(rng.integers(0, 10, shape[0]))
        losses = []
        for _, x, y, step in runs:
            x.copy_(xb)
            y.copy_(yb)
            losses.append(step())
        _same(losses[1], losses[0])
    (m0, *_), (m1, _, _, traced) = runs
    assert traced.reasons == [] and "def forward" in traced.code
    for p0, p1 in zip(m0.parameters(), m1.parameters()):
        _same(p1, p0)
        _same(p1.grad, p0.grad)


def test_lenet_training_step_replays():
    _check_training(lambda: nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 4 * 4, 32), nn.ReLU(),
        nn.Linear(32, 10)), (4, 1, 28, 28))


def test_resnet_like_training_step_without_batch_norm_replays():
    class Block(nn.Module):
        def __init__(self, c_in, c_out, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
            self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1)
            self.proj = nn.Conv2d(c_in, c_out, 1, stride, bias=False)

        def forward(self, x):
            return F.relu(self.conv2(F.relu(self.conv1(x))) + self.proj(x))

    _check_training(lambda: nn.Sequential(
        nn.Conv2d(3, 8, 7, 2, 3, bias=False), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1),
        Block(8, 8, 1), Block(8, 16, 2), Block(16, 16, 2), nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(), nn.Linear(16, 10)), (4, 3, 24, 24))  # pool input 4x8x12x12: by taps


def test_conv1d_pool_model_training_step_replays():
    _check_training(lambda: nn.Sequential(
        nn.Conv1d(2, 4, 3, padding=1), nn.ReLU(), nn.AvgPool1d(2), nn.Conv1d(4, 4, 3),
        nn.AdaptiveMaxPool1d(3), nn.Flatten(), nn.Linear(12, 10)), (5, 2, 12))
