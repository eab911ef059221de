"""torch.func.vmap without PyTorch: every batched result equals the per-sample loop's (values and
gradients), nesting, in_dims/out_dims trees, chunking, randomness modes, the fallback's warning
(once per op) and vmap's errors."""
import warnings

import numpy as np
import pytest

import dygrad as torch
from dygrad.func import grad, vmap, functional_call, stack_module_state
from dygrad.func import _batched, _batching_intercept

F = torch.nn.functional
RNG = np.random.default_rng(0)


def t(*shape, dtype=np.float64):
    return torch.tensor(RNG.standard_normal(shape).astype(dtype))


def loop(f, *args, in_dims=0):
    dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
    n = next(a.shape[d] for a, d in zip(args, dims) if d is not None)
    outs = [f(*[a if d is None else a.select(d, i) for a, d in zip(args, dims)]) for i in range(n)]
    return _stack_tree(outs)


def _stack_tree(outs):
    if isinstance(outs[0], (tuple, list)):
        return tuple(_stack_tree([o[j] for o in outs]) for j in range(len(outs[0])))
    return torch.stack(outs)


def close(a, b, tol=1e-12):
    if isinstance(b, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            close(x, y, tol)
        return
    assert tuple(a.shape) == tuple(b.shape) and a.dtype == b.dtype, (a.shape, b.shape)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


X = t(5, 3, 4)
CASES = {
    "unary": (lambda a: a.sin().exp() - a.tanh(), (X,)),
    "binary_bcast": (lambda a, b: a * b + 2 / (b + 3) - (1 - a) ** 2, (X, t(5, 4))),
    "sum_mean": (lambda a: a.sum(1) + a.mean() + a.sum(-1, keepdim=True).mean(0), (X,)),
    "reductions": (lambda a: (a.amax(0), a.max(1), a.argmax(), a.var(0), a.std(), a.prod(),
                              a.logsumexp(-1), a.norm(dim=-1)), (X,)),
    "scalar_sample": (lambda a: a.sum().sum() + a.sum().mean(0), (X,)),
    "softmax": (lambda a: F.log_softmax(a, -1) + torch.softmax(a, 0), (X,)),
    "matmul": (lambda a, b, v: (a @ b, torch.matmul(v, a.t()), a @ v, torch.dot(v, v),
                                torch.mm(a, b), torch.outer(v, v)), (X, t(5, 4, 2), t(5, 4))),
    "addmm_linear": (lambda a, w, b, c: (torch.addmm(c, a, w.t(), beta=0.5, alpha=2.0),
                                         F.linear(a, w, b), F.linear(a[0], w)),
                     (X, t(5, 2, 4), t(5, 2), t(5, 3, 2))),
    "shapes": (lambda a: (a.reshape(-1, 2), a.view(12), a.flatten(), a.t(), a.permute(1, 0),
                          a.unsqueeze(-1), a[:, :1].expand(2, 3, 4), a.transpose(0, 1),
                          a.movedim(0, 1), a.repeat(2, 1, 1), a.flip(0)), (X,)),
    "squeeze": (lambda a: (a.squeeze(), a.squeeze(0), a.squeeze((0, 2))), (t(5, 1, 3, 1),)),
    "index": (lambda a: (a[1:, ::2], a[0], a[..., 1], a[torch.tensor([0, 2, 2])],
                         a[:, torch.tensor([1, 3])], a[None]), (X,)),
    "join": (lambda a, b: (torch.cat([a, b], 1), torch.stack([a, a]), a.chunk(2, -1),
                           a.unbind(1), a.split(1)), (X, t(5, 3, 2))),
    "where_clamp": (lambda a: (torch.where(a > 0, a, 0.0), a.clamp(-0.5, 0.5),
                               a.masked_fill(a < 0, 1.0)), (X,)),
    "setitem": (lambda a, b: _setitem(a, b), (X, t(5, 4))),
    "inplace": (lambda a: a.clone().mul_(2).add_(1).relu_(), (X,)),
    "like": (lambda a: torch.zeros_like(a) + torch.ones_like(a) * a + a.new_zeros(4), (X,)),
    "casts": (lambda a: (a.float(), (a > 0).long(), a.to(torch.float32)), (X,)),
    "losses": (lambda a, b, c: (F.mse_loss(a, b), F.l1_loss(a, b, reduction="sum"),
                                F.cross_entropy(a, c), F.nll_loss(a, c, reduction="none"),
                                F.cross_entropy(a, c, ignore_index=1, label_smoothing=0.1),
                                F.cross_entropy(a[0], c[0]),
                                F.binary_cross_entropy_with_logits(a, b.sigmoid())),
               (X, t(5, 3, 4), torch.tensor(RNG.integers(0, 4, (5, 3))))),
    "activations": (lambda a: (F.relu(a), F.gelu(a), F.silu(a), F.leaky_relu(a, 0.2),
                               F.softplus(a), F.elu(a), F.hardtanh(a)), (X,)),
    "conv_pool": (lambda a, w, b: (F.conv2d(a, w, b, padding=1), F.max_pool2d(a, 2),
                                   F.avg_pool2d(a[0], 2), F.conv2d(a[0], w, stride=2),
                                   F.adaptive_avg_pool2d(a, 1)),
                  (t(3, 2, 3, 6, 6), t(3, 4, 3, 3, 3), t(3, 4))),
    "layer_norm_embedding": (lambda a, i: (F.layer_norm(a, (4,)),
                                           F.embedding(i, torch.ones(6, 2))),
                             (X, torch.tensor(RNG.integers(0, 6, (5, 3))))),
}


def _setitem(a, b):
    c = a.clone()
    c[0] = b
    c[1, 1:] = 2.0
    c[..., 0] = b[0]
    return c


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_per_sample_loop(name):
    f, args = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback: every op here has a batching rule
        got = vmap(f)(*args)
    close(got, loop(f, *args))


def test_in_dims_out_dims_trees():
    a, b = t(3, 4), t(4, 3)
    f = vmap(lambda d, s: d["x"] * d["y"] + s, in_dims=({"x": 0, "y": None}, 1), out_dims=1)
    got = f({"x": a, "y": b[:, 0]}, b)
    assert tuple(got.shape) == (4, 3)
    close(got, torch.stack([a[i] * b[:, 0] + b[:, i] for i in range(3)], 1))
    pair = vmap(lambda x: (x.sum(), {"m": x * 2}), out_dims=(0, {"m": 1}))(a)
    close(pair[0], a.sum(1))
    close(pair[1]["m"], (a * 2).t())
    close(vmap(lambda x: x[0], in_dims=-1)(b), b[0])
    ones = vmap(lambda x: torch.ones(2), out_dims=None)(a)
    close(ones, torch.ones(2))
    close(vmap(lambda x, n: x * n, in_dims=(0, None))(a, 3), a * 3)
    close(vmap(torch.sin, chunk_size=2)(a), a.sin())  # chunks of 2, 2, 1 samples


def test_nested():
    a, b = t(2, 3, 4), t(3, 4)
    close(vmap(vmap(torch.mul))(a, a), a * a)
    outer = vmap(vmap(lambda u, m: (u * m).sum(), in_dims=(0, None)), in_dims=(None, 0))
    close(outer(b, a), torch.stack([torch.stack([(b[j] * a[i]).sum() for j in range(3)])
                                    for i in range(2)]))
    mv = vmap(vmap(lambda u, m: m @ u, in_dims=(0, None)), in_dims=(None, 0))
    close(mv(b, a), torch.stack([torch.stack([a[i] @ b[j] for j in range(3)])
                                 for i in range(2)]))
    close(vmap(vmap(lambda u: u.sum(0)), in_dims=1)(a), a.sum(-1).t())


def _mlp():
    torch.manual_seed(0)
    nn = torch.nn
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))


def _cnn():
    torch.manual_seed(1)
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(3 * 3 * 3, 4))


@pytest.mark.parametrize("build,shape,classes", [(_mlp, (6, 4), 3), (_cnn, (4, 1, 8, 8), 4)])
def test_per_sample_gradients_equal_the_loop(build, shape, classes):
    model = build().double()
    params = {k: v.detach() for k, v in model.named_parameters()}
    x, y = t(*shape), torch.tensor(RNG.integers(0, classes, shape[0]))

    def loss(p, xi, yi):
        return F.cross_entropy(functional_call(model, p, (xi.unsqueeze(0),)), yi.unsqueeze(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)
    for k, p in params.items():
        want = torch.stack([grad(loss)(params, x[i], y[i])[k] for i in range(shape[0])])
        assert tuple(got[k].shape) == (shape[0],) + tuple(p.shape)
        close(got[k], want)


def test_grad_of_batched_input_and_vjp_cotangents():
    x, w = t(5, 3), t(3)
    close(vmap(grad(lambda a: (a.sin() * w).sum()))(x), x.cos() * w)
    _, vjp_fn = torch.func.vjp(lambda a: a.sin(), w)
    close(vmap(vjp_fn)(x)[0], x * w.cos())  # a batch of cotangents, one backward each


def test_ensemble_with_stack_module_state():
    models = [_mlp().double() for _ in range(3)]
    for i, m in enumerate(models):
        for p in m.parameters():
            p.data.add_(float(i))
    params, buffers = stack_module_state(models)
    x = t(5, 4)
    got = vmap(lambda p, b, xi: functional_call(models[0], (p, b), (xi,)),
               in_dims=(0, 0, None))(params, buffers, x)
    close(got, torch.stack([m(x) for m in models]))


def test_fallback_warns_once_per_op_and_is_right():
    _batched._WARNED.discard("histc")
    x = t(4, 6)
    with pytest.warns(UserWarning, match="batching rule for histc"):
        got = vmap(lambda a: torch.histc(a, bins=3, min=-1, max=1))(x)
    close(got, loop(lambda a: torch.histc(a, bins=3, min=-1, max=1), x))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vmap(lambda a: torch.histc(a, bins=3, min=-1, max=1))(x)  # warned already


def test_randomness():
    x = torch.ones(4, 6)
    with pytest.raises(RuntimeError, match="randomness error mode"):
        vmap(lambda a: a + torch.rand(6))(x)
    with pytest.raises(RuntimeError, match="randomness error mode"):
        vmap(lambda a: F.dropout(a))(x)
    same = vmap(lambda a: a * torch.rand(6), randomness="same")(x)
    assert (same == same[0]).all()
    diff = vmap(lambda a: a * torch.rand(6), randomness="different")(x)
    assert not (diff == diff[0]).all()
    d_same = vmap(lambda a: F.dropout(a, 0.5), randomness="same")(x)
    assert (d_same == d_same[0]).all() and set(np.unique(d_same.numpy())) <= {0.0, 2.0}
    d_diff = vmap(lambda a: F.dropout(a, 0.5), randomness="different")(torch.ones(16, 32))
    assert not (d_diff == d_diff[0]).all()
    close(vmap(lambda a: F.dropout(a, 0.5, training=False))(x), x)  # no draw: no error
    with pytest.raises(RuntimeError, match="Only allowed values for randomness"):
        vmap(torch.sin, randomness="sometimes")


def test_errors():
    x = t(3, 4)
    with pytest.raises(ValueError, match="same size in the mapped dimension, got sizes"):
        vmap(torch.add)(x, t(2, 4))
    with pytest.raises(RuntimeError, match=r"calling \.item\(\)"):
        vmap(lambda a: a.sum().item())(x)
    with pytest.raises(RuntimeError, match="data-dependent control flow"):
        vmap(lambda a: a if a.sum() > 0 else -a)(x)
    with pytest.raises(RuntimeError, match="inplace arithmetic"):
        vmap(lambda a, u: u.__setitem__(0, a.sum()), in_dims=(0, None))(x, torch.zeros(4))
    with pytest.raises(RuntimeError, match="inplace arithmetic"):
        vmap(lambda a, u: u.add_(a), in_dims=(0, None))(x, torch.zeros(4))
    with pytest.raises(RuntimeError, match="dynamic shape"):
        vmap(lambda a: a.nonzero())(x)
    with pytest.raises(ValueError, match="expected in_dim to satisfy -2 <= in_dim < 2"):
        vmap(torch.sin, in_dims=2)(x)
    with pytest.raises(ValueError, match="in_dims is not compatible"):
        vmap(torch.add, in_dims=(0,))(x, x)
    with pytest.raises(ValueError, match="expected `in_dims` to be int or a"):
        vmap(torch.sin, in_dims="a")(x)
    with pytest.raises(ValueError, match="can not return a BatchedTensor when out_dim is None"):
        vmap(torch.sin, out_dims=None)(x)
    with pytest.raises(ValueError, match="must only return Tensors"):
        vmap(lambda a: 3)(x)
    with pytest.raises(ValueError, match="We cannot vmap over non-Tensor arguments"):
        vmap(lambda a, s: a * s, in_dims=(0, 0))(x, 2.0)
    with pytest.raises(ValueError, match="got no inputs"):
        vmap(lambda: 1)()
    with pytest.raises(ValueError, match="chunk_size should be None or greater than 0"):
        vmap(torch.sin, chunk_size=0)
    with pytest.raises(RuntimeError, match="backward\\(\\) called inside a functorch transform"):
        vmap(lambda a: a.sum().backward())(x.clone().requires_grad_())
    with pytest.raises(RuntimeError, match="Cannot access data pointer"):
        vmap(lambda a: a.tolist())(x)


def test_interception_is_gone_after_vmap():
    vmap(torch.sin)(t(2, 2))
    assert _batching_intercept._STATE["installed"] == 0
    assert F.linear.__name__ == "linear" and not hasattr(F.linear, "__wrapped__")
    assert not hasattr(torch.ops if hasattr(torch, "ops") else F, "vmap_intercept")


def test_autograd_through_vmap():
    x = t(4, 3).requires_grad_()
    w = t(3).requires_grad_()
    out = vmap(lambda a: (a * w).sin().sum())(x)
    out.sum().backward()
    close(x.grad, (x * w).cos().detach() * w.detach())
    close(w.grad, ((x * w).cos() * x).sum(0).detach())


def test_models_eval_mode():
    """A recurrent layer (no rule: the per-sample loop, warned once) and a CNN with batch norm
    in eval mode (all rules) equal the per-sample loop."""
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 4, batch_first=True).double()
    x = t(3, 2, 5, 3)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "There is a performance drop")
        out, (h, c) = vmap(lstm)(x)
    for i in range(3):
        o_i, (h_i, c_i) = lstm(x[i])
        close(out[i], o_i)
        close(h[i], h_i)
    nn = torch.nn
    cnn = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 2)).double().eval()
    cnn[1].running_mean.uniform_(-1, 1)
    xi = t(4, 2, 2, 5, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = vmap(cnn)(xi)
    close(got, loop(cnn, xi))


def test_docs_examples():
    import os
    import re
    doc = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "func.md")
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("## vmap"):text.index("## How it works")]
    for block in re.findall(r"```python\n(.*?)```", section, re.S):
        lines = []
        ns = {"__name__": "vmap_doc", "print": lambda *a: lines.append(" ".join(map(str, a)))}
        exec(compile(block, "docs/func.md", "exec"), ns)  # noqa: S102
        shown = [ln.split("# ", 1)[1] for ln in block.splitlines()
                 if ln.strip().startswith("print(") and "# " in ln]
        assert len(shown) == len(lines)
        for want, got in zip(shown, lines):
            assert got.startswith(want.strip()), (got, want)


def test_randomness_factories_and_inplace_fills():
    x = torch.zeros(4, 3)
    diff = vmap(lambda a: a + torch.normal(0.0, 1.0, (3,)), randomness="different")(x)
    assert not (diff == diff[0]).all()
    same = vmap(lambda a: a + torch.empty(3).uniform_(), randomness="same")(x)
    assert (same == same[0]).all()
    with pytest.raises(RuntimeError, match="different inplace randomness on an unbatched"):
        vmap(lambda a: a + torch.empty(3).uniform_(), randomness="different")(x)
    filled = vmap(lambda a: a.clone().normal_(), randomness="different")(x)
    assert not (filled == filled[0]).all()
    nested = vmap(vmap(lambda a: a + torch.rand(()), randomness="different"),
                  randomness="different")(torch.zeros(3, 5))
    assert len(set(nested.flatten().tolist())) == 15


def test_batch_norm_training_refuses_unbatched_running_stats():
    bn = torch.nn.BatchNorm1d(4).double()
    with pytest.raises(RuntimeError, match="Batch norm got a batched tensor as input while the "
                                           "running_mean or running_var"):
        vmap(bn)(t(3, 2, 4))
    free = torch.nn.BatchNorm1d(4, track_running_stats=False).double()
    xs = t(3, 2, 4)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "There is a performance drop")
        close(vmap(free)(xs), loop(free, xs))  # each sample normalized by its own statistics


def test_composes_with_the_other_transforms():
    from dygrad.func import hessian, jacfwd, jacrev, jvp
    x, tangents, w = t(4, 3), t(4, 3), t(3, 3)

    def f(a):
        return (a @ w).tanh()

    def g(a):
        return (a @ w).tanh().sum()
    close(vmap(jacrev(f))(x), loop(jacrev(f), x))
    close(vmap(jacfwd(f))(x), loop(jacfwd(f), x))
    close(vmap(hessian(g))(x), loop(hessian(g), x))
    close(vmap(lambda a, b: jvp(f, (a,), (b,))[1])(x, tangents),
          loop(lambda a, b: jvp(f, (a,), (b,))[1], x, tangents))
    close(vmap(grad(lambda a: grad(lambda b: (b ** 3).sum())(a).sum()))(x), 6 * x)


def test_rules_bind_calls_as_inspect_does():
    """The rules' cached binder gives inspect.BoundArguments' arguments/args/kwargs, and a call
    it can not bind raises inspect's TypeError."""
    import inspect
    from dygrad.func._batching_bind import bind
    from dygrad.func._batched import Op

    def f(input, target, weight=None, *, reduction="mean", eps=0.0):
        pass
    x = t(3)
    calls = [((x, x), {}), ((x,), {"target": x}), ((x, x, None), {"reduction": "sum"}),
             ((), {"input": x, "target": x, "eps": 1.0}), ((x, x), {"weight": x, "eps": 2.0})]
    op = Op("f", f)
    for args, kwargs in calls:
        ours, ref = bind(op, args, kwargs), inspect.signature(f).bind(*args, **kwargs)
        assert list(ours.arguments.items()) == list(ref.arguments.items())
        assert ours.args == ref.args and ours.kwargs == ref.kwargs
        ours.arguments["reduction"] = "none"
        ref.arguments["reduction"] = "none"
        assert ours.args == ref.args and ours.kwargs == ref.kwargs
    for args, kwargs in [((x,), {}), ((x, x, x, x), {}), ((x, x), {"input": x}),
                         ((x, x), {"bogus": 1})]:
        with pytest.raises(TypeError):
            bind(op, args, kwargs)


def test_held_references_to_op_functions_are_batched():
    """An op function held where vmap's module patches do not reach (imported by name into
    another module, in a closure, as a default argument) is batched through its code
    trampoline (no per-sample loop, no error), and its code is back after the vmap."""
    import types
    helper = types.ModuleType("vmap_helper_mod")
    exec("from dygrad.nn.functional import gelu, softmax\n"  # noqa: S102 - a test module
         "def act(x):\n    return gelu(x)\n"
         "def held(x, f=softmax):\n    return f(x, -1)\n", helper.__dict__)
    g = F.gelu

    def closure(x):
        return g(x) * 2
    x = t(3, 4)
    code = F.gelu.__code__
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the per-sample loop would warn
        assert torch.equal(vmap(lambda v: helper.act(v))(x), F.gelu(x))
        assert torch.equal(vmap(lambda v: helper.held(v))(x), F.softmax(x, -1))
        assert torch.equal(vmap(closure)(x), F.gelu(x) * 2)
        per = vmap(grad(lambda w, v: helper.act(v * w).sum()), in_dims=(None, 0))(t(4), x)
    assert F.gelu.__code__ is code
    assert per.shape == (3, 4)
