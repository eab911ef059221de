"""Replay kernels of the fused normalisations under dygrad.jit: batch norm (training, with its
running statistics updated in place at every replay, and eval), layer norm and group norm replay
eagerly's outputs, gradients and buffers bit for bit."""
import warnings

import numpy as np
import pytest

import dygrad
from dygrad import nn
from dygrad.jit import TracerWarning
from dygrad.jit._traced import TracedFunction

F = nn.functional


@pytest.fixture(autouse=True)
def _strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _leaf(rng, *shape, rg=True):
    return dygrad.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=rg)


def _same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a.detach().numpy(), b.detach().numpy(), equal_nan=True)


def _check_fn(fn, make_args, calls=3):
    """fn traced on one set of arguments, then replayed on new ones: the outputs and the
    gradients of the leaves equal eager's bit for bit; returns the traced function."""
    traced = dygrad.jit.trace(fn, make_args())
    for _ in range(calls):
        args = make_args()
        twins = tuple(dygrad.tensor(a.detach().numpy().copy(), requires_grad=a.requires_grad)
                      for a in args)
        want, got = fn(*args), traced(*twins)
        _same(got, want)
        if want.requires_grad:
            g = dygrad.tensor(np.random.default_rng(9).standard_normal(tuple(want.shape))
                              .astype(np.float32))
            want.backward(g)
            got.backward(g)
            for a, b in zip(args, twins):
                if a.requires_grad:
                    _same(b.grad, a.grad)
    assert traced.reasons == []
    return traced


def _check_training(make_model, shape, steps=4, train=True):
    """The same training step (forward, backward, SGD with momentum) eager and traced on two
    copies of a model: losses, parameters, gradients and buffers (running statistics,
    num_batches_tracked) stay equal bit for bit."""
    runs = []
    for traced in (False, True):
        dygrad.manual_seed(0)
        model = make_model()
        model.train(train)
        opt = dygrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        x = dygrad.zeros(*shape)

        def step(model=model, opt=opt, x=x):
            opt.zero_grad()
            loss = (model(x) ** 2).mean()
            loss.backward()
            opt.step()
            return loss
        runs.append((model, x, TracedFunction(step) if traced else step))
    rng = np.random.default_rng(3)
    for i in range(steps):
        xb = dygrad.from_numpy(rng.standard_normal(shape).astype(np.float32))
        losses = []
        for _, x, step in runs:
            x.copy_(xb)
            dygrad.manual_seed(i)  # (dropout draws the same masks in both)
            losses.append(step())
        _same(losses[1], losses[0])
    (m0, *_), (m1, _, traced) = runs
    assert traced.reasons == [] and "def forward" in traced.code
    s0, s1 = m0.state_dict(), m1.state_dict()
    assert list(s0) == list(s1)
    for k in s0:
        _same(s1[k], s0[k])
    for p0, p1 in zip(m0.parameters(), m1.parameters()):
        _same(p1.grad, p0.grad)
    return traced


@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training_step_updates_running_stats_as_eager(affine):
    traced = _check_training(lambda: nn.Sequential(
        nn.Linear(5, 6), nn.BatchNorm1d(6, affine=affine), nn.ReLU(), nn.Linear(6, 3)), (8, 5))
    assert "num_batches_tracked" in traced.code


def test_batch_norm_2d_training_step():
    _check_training(lambda: nn.Sequential(
        nn.Linear(4, 12), nn.Unflatten(1, (3, 2, 2)), nn.BatchNorm2d(3), nn.Flatten(),
        nn.Linear(12, 2)), (5, 4))


def test_batch_norm_without_running_stats_and_in_eval():
    _check_training(lambda: nn.Sequential(
        nn.Linear(4, 6), nn.BatchNorm1d(6, track_running_stats=False), nn.Linear(6, 2)), (7, 4))
    _check_training(lambda: nn.Sequential(
        nn.Linear(4, 6), nn.BatchNorm1d(6), nn.Linear(6, 2)), (7, 4), train=False)


def test_batch_norm_called_twice_in_one_step():
    # the same running statistics are updated twice per replay, as per eager call
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 4)
            self.bn = nn.BatchNorm1d(4)

        def forward(self, x):
            return self.bn(self.lin(self.bn(x)))
    _check_training(Twice, (6, 4))


def test_trace_time_check_does_not_update_running_stats_twice():
    bn = nn.BatchNorm1d(3)
    x = dygrad.randn(6, 3)
    traced = dygrad.jit.trace(bn, x)
    eager = nn.BatchNorm1d(3)
    eager(x)
    _same(bn.running_mean, eager.running_mean)
    _same(bn.running_var, eager.running_var)
    assert bn.num_batches_tracked.item() == 1
    y = dygrad.randn(6, 3)
    _same(traced(y), eager(y))  # a replay
    _same(bn.running_var, eager.running_var)
    assert bn.num_batches_tracked.item() == 2


def test_batch_norm_whose_output_goes_unused_still_updates_stats():
    bns = [nn.BatchNorm1d(3), nn.BatchNorm1d(3)]

    def make(bn):
        def f(x):
            bn(x)  # only for its running statistics
            return x * 2
        return f
    traced = dygrad.jit.trace(make(bns[1]), dygrad.ones(4, 3))
    make(bns[0])(dygrad.ones(4, 3))
    for _ in range(2):
        x = dygrad.randn(4, 3)
        _same(traced(x), make(bns[0])(x))
    for k in ("running_mean", "running_var", "num_batches_tracked"):
        _same(getattr(bns[1], k), getattr(bns[0], k))
    assert traced.reasons == []


def test_batch_norm_functional_forward_and_gradients():
    rng = np.random.default_rng(0)
    rm, rv = dygrad.zeros(3), dygrad.ones(3)
    w, b = _leaf(rng, 3), _leaf(rng, 3)
    _check_fn(lambda x: F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3),
              lambda: (_leaf(rng, 4, 3, 5),))
    _check_fn(lambda x: F.batch_norm(x, rm, rv, w, None, training=False),
              lambda: (_leaf(rng, 4, 3),))
    with dygrad.no_grad():  # no graph: the kernel gives the output alone
        _check_fn(lambda x: F.batch_norm(x, rm, rv, training=True),
                  lambda: (_leaf(rng, 4, 3, rg=False),))


def test_batch_norm_replay_with_infinite_weight_keeps_pytorch_arithmetic():
    rng = np.random.default_rng(1)
    w = dygrad.tensor([1.0, np.inf, 2.0], requires_grad=True)
    _check_fn(lambda x: F.batch_norm(x, None, None, w, None, training=True),
              lambda: (_leaf(rng, 4, 3),))


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_training_step(affine):
    _check_training(lambda: nn.Sequential(
        nn.Linear(5, 6), nn.LayerNorm(6, elementwise_affine=affine), nn.Tanh(),
        nn.Linear(6, 3)), (4, 5))


def test_layer_norm_over_several_dims_forward_and_gradients():
    rng = np.random.default_rng(2)
    w, b = _leaf(rng, 3, 4), _leaf(rng, 3, 4)
    _check_fn(lambda x: F.layer_norm(x, (3, 4), w, b, eps=1e-3),
              lambda: (_leaf(rng, 2, 3, 4),))
    _check_fn(lambda x: F.layer_norm(x, (4,)), lambda: (_leaf(rng, 5, 4),))
    with dygrad.no_grad():
        _check_fn(lambda x: F.layer_norm(x, (4,), w[0], b[0]),
                  lambda: (_leaf(rng, 5, 4, rg=False),))


def test_group_norm_composes_and_replays():
    _check_training(lambda: nn.Sequential(
        nn.Linear(4, 6), nn.Unflatten(1, (6, 1)), nn.GroupNorm(3, 6), nn.Flatten(),
        nn.Linear(6, 2)), (5, 4))


def test_traced_module_in_eval_replays_batch_norm_without_touching_stats():
    dygrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).eval()
    traced = dygrad.jit.trace(model, dygrad.randn(5, 3))
    before = model[1].running_mean.clone()
    x = dygrad.randn(5, 3)
    _same(traced(x), model(x))
    _same(model[1].running_mean, before)
    assert traced._traced.reasons == []


def test_no_tracer_warning_for_norm_layers():
    with warnings.catch_warnings():
        warnings.simplefilter("error", TracerWarning)
        traced = dygrad.jit.trace(nn.Sequential(nn.LayerNorm(4), nn.BatchNorm1d(4)),
                                  dygrad.randn(3, 4))
    assert traced._traced.reasons == []


def test_group_norm_replays_follow_the_weight_becoming_non_finite_and_back():
    # eager picks PyTorch's arithmetic for a non-finite weight: a replay checks it each time
    rng = np.random.default_rng(4)
    w = dygrad.tensor([1.0, 2.0, 0.5], requires_grad=True)
    b = dygrad.tensor([0.5, -1.0, 0.0], requires_grad=True)

    def f(x):
        return F.group_norm(x, 3, w, b)
    traced = dygrad.jit.trace(f, _leaf(rng, 2, 3, 4))
    for value in (2.0, float("inf"), 3.0):
        with dygrad.no_grad():
            w[1] = value
        x = _leaf(rng, 2, 3, 4)
        x2 = dygrad.tensor(x.detach().numpy().copy(), requires_grad=True)
        g = dygrad.tensor(rng.standard_normal((2, 3, 4)).astype(np.float32))
        grads = []
        for fn, inp in ((f, x), (traced, x2)):
            w.grad = b.grad = None
            out = fn(inp)
            out.backward(g)
            grads.append((out, inp.grad, w.grad, b.grad))
        for want, got in zip(*grads):
            _same(got, want)
    assert traced.reasons == []


@pytest.mark.parametrize("stats", [False, True])
def test_instance_norm_training_step(stats):
    # (with running statistics: their per-sample average is written back at every replay)
    _check_training(lambda: nn.Sequential(
        nn.Linear(4, 6), nn.Unflatten(1, (2, 3)), nn.InstanceNorm1d(2, track_running_stats=stats),
        nn.Flatten(), nn.Linear(6, 3)), (5, 4))


def test_inplace_dropout_after_batch_norm_replays():
    _check_training(lambda: nn.Sequential(
        nn.Linear(4, 6), nn.BatchNorm1d(6), nn.Dropout(0.2, inplace=True), nn.ReLU(inplace=True),
        nn.Linear(6, 3)), (5, 4))


def test_compiled_module_switching_train_and_eval_keeps_eager_numbers():
    def make():
        dygrad.manual_seed(0)
        return nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(0.3),
                             nn.Linear(6, 2), nn.LayerNorm(2))
    eager, model = make(), make()
    compiled = dygrad.compile(model)
    rng = np.random.default_rng(0)
    for mode in ("train", "eval", "train", "eval"):
        for m in (eager, compiled):
            getattr(m, mode)()
        for i in range(3):
            x = dygrad.tensor(rng.standard_normal((5, 4)).astype(np.float32))
            outs = []
            for m in (eager, compiled):
                dygrad.manual_seed(i)
                outs.append(m(x))
                outs[-1].sum().backward()
            _same(outs[1], outs[0])
    s0, s1 = eager.state_dict(), model.state_dict()
    for k in s0:
        _same(s1[k], s0[k])
    for p0, p1 in zip(eager.parameters(), model.parameters()):
        _same(p1.grad, p0.grad)
