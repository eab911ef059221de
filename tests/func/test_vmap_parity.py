"""torch.func.vmap against PyTorch 2.13: the same programs on both (weights copied through
NumPy), float64: in_dims/out_dims variants, nesting, per-sample gradients of an MLP and a small
CNN with vmap(grad(...)), and an ensemble of MLPs with stack_module_state."""
import copy
import warnings

import numpy as np
import pytest

import dygrad

from tests.func._pair import assert_close, copy_weights

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def _both(*arrays):
    return ([dygrad.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays])


def _run(program, *arrays):
    d_args, t_args = _both(*arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # dygrad batches all of these without the fallback
        got = program(dygrad, *d_args)
    assert_close(got, program(torch, *t_args))


X = RNG.standard_normal((5, 3, 4))
PROGRAMS = {
    "in_dims_out_dims": (lambda fw, a, b: fw.func.vmap(
        lambda x, y: (x * y).sum(0), in_dims=(1, None), out_dims=-1)(a, b[0, 0]), (X, X)),
    "tuple_outputs": (lambda fw, a: fw.func.vmap(
        lambda x: (tuple(x.max(0)), {"s": x.softmax(-1)}), out_dims=(0, {"s": 1}))(a), (X,)),
    "nested": (lambda fw, a, b: fw.func.vmap(fw.func.vmap(
        lambda x, y: y @ x, in_dims=(0, None)), in_dims=(None, 0))(a[0], b), (X, X)),
    "matmul_family": (lambda fw, a, b: fw.func.vmap(
        lambda x, y: (x @ y.t(), fw.mv(x, y[0]), fw.nn.functional.linear(x, y, y[:, 1]),
                      fw.addmm(x[0:1, :2], x, y.t())))(a, b), (X, RNG.standard_normal((5, 2, 4)))),
    "losses": (lambda fw, a, y: fw.func.vmap(
        lambda x, t: (fw.nn.functional.cross_entropy(x, t),
                      fw.nn.functional.cross_entropy(x, t, reduction="none"),
                      fw.nn.functional.cross_entropy(x, t, ignore_index=2, label_smoothing=0.2),
                      fw.nn.functional.mse_loss(x.tanh(), x.sigmoid())))(a, y),
               (X, RNG.integers(0, 4, (5, 3)))),
    "conv": (lambda fw, a, w: fw.func.vmap(
        lambda x, k: fw.nn.functional.max_pool2d(fw.nn.functional.conv2d(x, k, padding=1), 2),
        in_dims=(0, None))(a, w), (RNG.standard_normal((3, 2, 2, 4, 4)),
                                   RNG.standard_normal((3, 2, 3, 3)))),
    "ensemble_conv": (lambda fw, a, w: fw.func.vmap(
        fw.nn.functional.conv2d, in_dims=(None, 0))(a, w),
        (RNG.standard_normal((2, 2, 5, 5)), RNG.standard_normal((4, 3, 2, 3, 3)))),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_programs(name):
    program, arrays = PROGRAMS[name]
    _run(program, *arrays)


def _mlp(fw):
    nn = fw.nn
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))


def _cnn(fw):
    nn = fw.nn
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(27, 4))


def _per_sample_grads(fw, model, x, y):
    params = {k: v.detach() for k, v in model.named_parameters()}

    def loss(p, xi, yi):
        out = fw.func.functional_call(model, p, (xi.unsqueeze(0),))
        return fw.nn.functional.cross_entropy(out, yi.unsqueeze(0))
    return fw.func.vmap(fw.func.grad(loss), in_dims=(None, 0, 0))(params, x, y)


@pytest.mark.parametrize("build,shape,classes", [(_mlp, (6, 4), 3), (_cnn, (4, 1, 8, 8), 4)])
def test_per_sample_gradients(build, shape, classes):
    torch.manual_seed(0)
    dm, tm = copy_weights(build(dygrad), build(torch))
    x, y = RNG.standard_normal(shape), RNG.integers(0, classes, shape[0])
    got = _per_sample_grads(dygrad, dm, dygrad.tensor(x), dygrad.tensor(y))
    want = _per_sample_grads(torch, tm, torch.tensor(x), torch.tensor(y))
    assert_close(got, want)


def test_ensemble_with_stack_module_state():
    torch.manual_seed(0)
    pairs = [copy_weights(_mlp(dygrad), _mlp(torch)) for _ in range(3)]
    x = RNG.standard_normal((5, 4))

    def ensemble(fw, models, x):
        params, buffers = fw.func.stack_module_state(models)
        base = copy.deepcopy(models[0]).to("meta") if fw is torch else models[0]
        return fw.func.vmap(lambda p, b, xi: fw.func.functional_call(base, (p, b), (xi,)),
                            in_dims=(0, 0, None))(params, buffers, x)
    got = ensemble(dygrad, [p[0] for p in pairs], dygrad.tensor(x))
    assert_close(got, ensemble(torch, [p[1] for p in pairs], torch.tensor(x)))
