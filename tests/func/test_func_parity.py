"""torch.func against PyTorch 2.13: functional_call with grad, grad_and_value, vjp, jvp, jacrev,
jacfwd and hessian on an MLP, an LSTM, a TransformerEncoderLayer and resnet18 of
dygrad.vision.models (float64, weights copied from the torch model), second-order MAML and a
grad inside a training step whose loss.backward() reaches the outer parameters."""
import numpy as np
import pytest

import dygrad

from tests.func._pair import assert_close, copy_weights, detached_params

torch = pytest.importorskip("torch")
# torch.func.jvp's first call imports decompositions that warn about torch.jit.script
# and its vmap over attention's backward warns about a missing batching rule, its linearize
# (make_fx) about a get_attr node
pytestmark = [pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated"),
              pytest.mark.filterwarnings("ignore:There is a performance drop"),
              pytest.mark.filterwarnings("ignore:Attempted to insert a get_attr Node")]

RNG = np.random.default_rng(0)


def _t(fw, a):
    return fw.tensor(np.ascontiguousarray(a))


def _mlp(fw):
    fw.manual_seed(0)
    nn = fw.nn
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 8), nn.GELU(), nn.Linear(8, 2))


def _both(build):
    return copy_weights(build(dygrad), build(torch))


def _mse(fw, out, y):
    return ((out - y) ** 2).mean()


def _suite(fw, model, x, y, ct, fwd_ad=True, attached=True):
    """Every transform once, through functional_call of `model` (the same code for both).
    fwd_ad=False: the oracle's jvp from its Jacobian (PyTorch has neither forward nor double
    backward for CPU flash attention). attached: the parameters require grad (the results
    keep a graph to them); else plain tensors, as in PyTorch's tutorials."""
    F = fw.func
    params = detached_params(model)
    if not attached:
        params = {k: v.detach() for k, v in params.items()}

    def loss(p, x):
        return _mse(fw, F.functional_call(model, p, (x,)), y)

    def out_of_x(x):
        return F.functional_call(model, params, (x,))

    res = {"grad": F.grad(loss)(params, x),
           "grad_x": F.grad(loss, argnums=1)(params, x),
           "gv": F.grad_and_value(loss, argnums=(0, 1))(params, x)}
    out, vjp_fn = F.vjp(out_of_x, x)
    res["vjp"] = (out, vjp_fn(ct))
    res["vjp_p"] = F.vjp(lambda p: F.functional_call(model, p, (x,)), params)[1](ct)
    if fwd_ad:
        res["jvp"] = F.jvp(out_of_x, (x,), (x * 0.5 + 1,))
    else:
        out, jac = out_of_x(x), F.jacrev(out_of_x)(x)
        t = (x * 0.5 + 1).reshape(-1)
        res["jvp"] = (out, (jac.reshape(out.numel(), x.numel()) @ t).reshape(out.shape))
    res["jacrev"] = F.jacrev(out_of_x)(x)
    return res


def _run_pair(build, x, y, ct, rtol=1e-9, train=False, fwd_ad=True, attached=True):
    dm, tm = _both(build)
    dm.train(train), tm.train(train)
    got = _suite(dygrad, dm, _t(dygrad, x), _t(dygrad, y), _t(dygrad, ct), True, attached)
    want = _suite(torch, tm, _t(torch, x), _t(torch, y), _t(torch, ct), fwd_ad, attached)
    assert_close(got, want, rtol, rtol * 1e-2)
    return dm, tm


def test_mlp_transforms_match_torch():
    x = RNG.standard_normal((4, 3))
    y, ct = RNG.standard_normal((4, 2)), RNG.standard_normal((4, 2))
    _run_pair(_mlp, x, y, ct)


def test_mlp_jacfwd_and_hessian_match_torch():
    dm, tm = _both(_mlp)
    x = RNG.standard_normal(3)
    both = []
    for fw, m in ((dygrad, dm), (torch, tm)):
        F, xx = fw.func, _t(fw, x)
        p = detached_params(m)
        f = lambda x: F.functional_call(m, p, (x,)).sum()  # noqa: E731
        g = lambda p: F.functional_call(m, p, (xx,)).pow(2).sum()  # noqa: E731
        lin = F.linearize(lambda x: F.functional_call(m, p, (x,)), xx)[1](xx * 0.5 + 1)
        res = (lin, F.jacfwd(lambda x: F.functional_call(m, p, (x,)))(xx), F.hessian(f)(xx),
               F.jacrev(F.jacrev(f))(xx), F.hessian(g)({"2.bias": p["2.bias"],
                                                         "4.weight": p["4.weight"]}))
        both.append(res)
    assert_close(*both)


def test_lstm_transforms_match_torch():
    def build(fw):
        fw.manual_seed(0)
        return _Last(fw.nn.LSTM(3, 4, num_layers=2, batch_first=True), fw)
    x = RNG.standard_normal((2, 5, 3))
    y, ct = RNG.standard_normal((2, 4)), RNG.standard_normal((2, 4))
    # plain parameters: dygrad's fused LSTM has no double backward, which gradients attached
    # to parameters that require grad would need (jvp takes Jacobian rows instead)
    _run_pair(build, x, y, ct, attached=False)


def _Last(lstm, fw):
    class Last(fw.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = lstm

        def forward(self, x):
            return self.rnn(x)[0][:, -1]
    return Last()


def test_transformer_encoder_layer_transforms_match_torch():
    def build(fw):
        fw.manual_seed(0)
        return fw.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0,
                                             batch_first=True)
    x = RNG.standard_normal((2, 3, 8))
    y, ct = RNG.standard_normal((2, 3, 8)), RNG.standard_normal((2, 3, 8))
    _run_pair(build, x, y, ct, rtol=1e-8, train=True, fwd_ad=False)


def test_resnet18_functional_grad_and_vjp_match_torch():
    tvm = pytest.importorskip("torchvision.models")
    from dygrad.vision import models as dvm

    def build(fw):
        fw.manual_seed(0)
        return (tvm if fw is torch else dvm).resnet18(num_classes=3)
    dm, tm = _both(build)
    x = RNG.standard_normal((2, 3, 8, 8))
    labels = np.array([0, 2])
    ct = RNG.standard_normal((2, 3))
    res = []
    for fw, m in ((dygrad, dm), (torch, tm)):
        # eval: PyTorch refuses the running-statistics update of train mode inside grad
        m.eval()
        F, xx, yy = fw.func, _t(fw, x), _t(fw, labels)
        p = detached_params(m)

        def loss(p, x):
            return fw.nn.functional.cross_entropy(F.functional_call(m, p, (x,)), yy)
        g, v = F.grad_and_value(loss, argnums=(0, 1))(p, xx)
        out, vjp_fn = F.vjp(lambda x: F.functional_call(m, p, (x,)), xx)
        res.append((g, v, out, vjp_fn(_t(fw, ct))))
    assert_close(res[0], res[1], 1e-8, 1e-10)
    # the module's own parameters and buffers were not touched
    for (k, a), (_, b) in zip(dm.state_dict().items(), tm.state_dict().items()):
        assert_close(a, b)


def _maml(fw, model, xs, ys, xq, yq, inner_lr=0.1, steps=2):
    """Second-order MAML: a meta-gradient through `steps` inner SGD steps."""
    F = fw.func
    meta = {k: v for k, v in model.named_parameters()}

    def inner_loss(p, x, y):
        return _mse(fw, F.functional_call(model, p, (x,)), y)
    p = meta
    for _ in range(steps):
        g = F.grad(inner_loss)(p, xs, ys)
        p = {k: p[k] - inner_lr * g[k] for k in p}
    outer = inner_loss(p, xq, yq)
    outer.backward()
    return outer, {k: v.grad for k, v in meta.items()}


def test_maml_second_order_meta_gradient_matches_torch():
    dm, tm = _both(_mlp)
    xs, ys = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 2))
    xq, yq = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 2))
    got = _maml(dygrad, dm, *(_t(dygrad, a) for a in (xs, ys, xq, yq)))
    want = _maml(torch, tm, *(_t(torch, a) for a in (xs, ys, xq, yq)))
    assert_close(got, want)
    # second order: the meta-gradient differs from the first-order one
    assert all(g is not None for g in got[1].values())


def _train_step(fw, model, x, y):
    """grad of a gradient penalty inside a step, then backward through the outer params."""
    F = fw.func
    params = dict(model.named_parameters())
    gx = F.grad(lambda x: F.functional_call(model, params, (x,)).sum())(x)
    loss = _mse(fw, model(x), y) + (gx ** 2).sum()
    loss.backward()
    return loss, gx, {k: v.grad for k, v in model.named_parameters()}


def test_grad_inside_training_step_backprops_to_outer_params():
    dm, tm = _both(_mlp)
    x, y = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 2))
    got = _train_step(dygrad, dm, _t(dygrad, x), _t(dygrad, y))
    want = _train_step(torch, tm, _t(torch, x), _t(torch, y))
    assert got[1].requires_grad and want[1].requires_grad
    assert_close(got, want)
