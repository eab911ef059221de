"""torch.func without the oracle: values against closed forms and finite differences, the
structure of results, errors, functional_call's swapping and restoring, stack_module_state,
and how results attach to the caller's graph."""
import numpy as np
import pytest

import dygrad as torch
from dygrad import nn
from dygrad.func import (functional_call, grad, grad_and_value, hessian, jacfwd, jacrev, jvp,
                         stack_module_state, vjp)


def _x():
    return torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)


def _close(a, b, tol=1e-10):
    np.testing.assert_allclose(np.asarray(a.detach().numpy() if hasattr(a, "numpy") else a),
                               np.asarray(b.detach().numpy() if hasattr(b, "numpy") else b),
                               rtol=tol, atol=tol)


def _fd_jacobian(f, x, eps=1e-6):
    x0 = x.detach().numpy()
    cols = []
    for i in range(x0.size):
        d = np.zeros_like(x0)
        d.flat[i] = eps
        hi = f(torch.tensor(x0 + d)).numpy()
        lo = f(torch.tensor(x0 - d)).numpy()
        cols.append(((hi - lo) / (2 * eps)).ravel())
    return np.stack(cols, -1).reshape(f(x).shape + x.shape)


def test_grad_and_higher_orders_match_closed_forms():
    x = _x()
    _close(grad(lambda x: (x ** 3).sum())(x), 3 * x ** 2)
    _close(grad(grad(lambda t: t ** 3))(torch.tensor(2.0, dtype=torch.float64)), 12.0)
    _close(hessian(lambda x: (x ** 3).sum())(x), torch.diag(6 * x))
    _close(jacrev(jacrev(lambda x: (x ** 3).sum()))(x), torch.diag(6 * x))
    _close(jacfwd(jacrev(lambda x: (x.sin() * x).sum()))(x),
           torch.diag(2 * x.cos() - x * x.sin()))


def test_jacobians_match_finite_differences():
    def f(x):
        return torch.stack([x.prod(), (x.exp() * x).sum(), x.norm()]) * x[:2].sum()
    x = _x()
    fd = _fd_jacobian(f, x)
    _close(jacrev(f)(x), fd, 1e-6)
    _close(jacfwd(f)(x), fd, 1e-6)
    t = torch.tensor([1.0, 2.0, -1.0], dtype=torch.float64)
    out, jt = jvp(f, (x,), (t,))
    _close(out, f(x))
    _close(jt, fd @ t.numpy(), 1e-6)
    out, vjp_fn = vjp(f, x)
    ct = torch.tensor([0.5, -1.0, 3.0], dtype=torch.float64)
    (g,) = vjp_fn(ct)
    _close(g, ct.numpy() @ fd, 1e-6)


def test_argnums_has_aux_and_structures():
    x, y = _x(), _x() + 1

    def f(a, b):
        return (a * b).sum(), {"aux": a * 2}
    (ga, gb), aux = grad(f, argnums=(0, 1), has_aux=True)(x, y)
    _close(ga, y), _close(gb, x), _close(aux["aux"], x * 2)
    g, (value, aux) = grad_and_value(f, argnums=-1, has_aux=True)(x, y)
    _close(g, x), _close(value, (x * y).sum())
    g = grad(lambda d: (d["a"] * d["b"][0]).sum())({"a": x, "b": [y]})
    assert list(g) == ["a", "b"] and isinstance(g["b"], list)
    _close(g["a"], y), _close(g["b"][0], x)
    jac = jacrev(lambda a, b: {"s": (a * b).sum(), "v": a * b}, argnums=(0, 1))(x, y)
    assert jac["s"][0].shape == (3,) and jac["v"][1].shape == (3, 3)
    _close(jac["v"][1], torch.diag(x))
    out, vjp_fn, aux = vjp(lambda a: (a * 2, a.sum()), x, has_aux=True)
    _close(vjp_fn(torch.ones(3, dtype=torch.float64))[0], torch.full((3,), 2.0))
    assert isinstance(vjp_fn(torch.ones(3, dtype=torch.float64)), tuple)


def test_output_not_depending_on_the_input_gives_zeros():
    x = _x()
    _close(grad(lambda x: torch.tensor(1.0))(x), torch.zeros(3))
    _close(jacrev(lambda x: torch.ones(2))(x), torch.zeros(2, 3))
    _close(jvp(lambda x: torch.ones(2), (x,), (x,))[1], torch.zeros(2))
    _close(vjp(lambda x: torch.ones(2), x)[1](torch.ones(2))[0], torch.zeros(3))


@pytest.mark.parametrize("call,exc,msg", [
    (lambda: grad(lambda x: x * 2)(_x()), RuntimeError, "return a scalar Tensor, got tensor with 1 dims"),
    (lambda: grad(lambda x: (x * 2).sum().item())(_x()), RuntimeError, "to return a Tensor, got <class 'float'>"),
    (lambda: grad(lambda x: x.sum(), has_aux=True)(_x()), RuntimeError, "should be a tuple: (output, aux)"),
    (lambda: grad(lambda x: x.sum(), argnums=1)(_x()), RuntimeError, "Got argnum=1, but only 1 positional inputs"),
    (lambda: grad(lambda x: x.sum(), argnums=())(_x()), RuntimeError, "argnums must be non-empty"),
    (lambda: grad(lambda x: x.sum(), argnums=1.0)(_x()), RuntimeError, "argnums must be int or Tuple"),
    (lambda: grad(lambda x: x * 2)(3.0), ValueError, "must be Tensor, got <class 'float'>"),
    (lambda: grad(lambda x: x.sum())(torch.arange(3)), RuntimeError, "floating point dtype"),
    (lambda: vjp(lambda x: 3, _x()), RuntimeError, "return only tensors, got unsupported type <class 'int'>"),
    (lambda: vjp(lambda x: x * 2, _x())[1](torch.ones(2)), RuntimeError, "Mismatch in shape: grad_output[0] has a shape of torch.Size([2])"),
    (lambda: vjp(lambda x: x * 2, _x())[1]((torch.ones(3),)), RuntimeError, "pytree structure of cotangents"),
    (lambda: jvp(lambda x: x, _x(), _x()), RuntimeError, "Expected primals to be a tuple"),
    (lambda: jvp(lambda x: x, (_x(),), (_x(), _x())), RuntimeError, "same python structure"),
    (lambda: jvp(lambda x: x, (_x(),), (torch.ones(2),)), RuntimeError, "different size than that of the original"),
    (lambda: jacrev(lambda x: x, chunk_size=0)(_x()), ValueError, "`chunk_size` should be greater than 0"),
    (lambda: jacfwd(lambda x: x, randomness="x")(_x()), RuntimeError, "Only allowed values for randomness"),
])
def test_errors_as_pytorch(call, exc, msg):
    with pytest.raises(exc) as info:
        call()
    assert msg in str(info.value)


def test_results_attach_to_the_callers_graph_only_when_they_depend_on_it():
    x = _x()
    assert not grad(lambda x: (x * x).sum())(x).requires_grad
    out, _ = vjp(lambda x: x * x, x)
    assert not out.requires_grad
    w = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    g = grad(lambda x: (x * w).sum() ** 2)(x)  # 2 (x.w) w
    assert g.requires_grad
    g.sum().backward()  # d/dw of 2 (x.w) sum(w) = 2 x sum(w) + 2 (x.w)
    _close(w.grad, 2 * x * w.sum() + 2 * (x * w).sum())
    with torch.no_grad():
        assert not grad(lambda x: (x * w).sum() ** 2)(x).requires_grad


def test_nested_transforms_tell_a_closed_over_input_from_an_argument():
    x = torch.tensor(3.0, dtype=torch.float64)
    # d/dx [d/dy (x * y)]_{y=x} = d/dx x = 1 (not 2: the inner y is not the outer x)
    _close(grad(lambda x: grad(lambda y: x * y)(x))(x), 1.0)
    _close(jvp(lambda x: grad(lambda y: (x * y ** 2))(x), (x,), (torch.tensor(1.0).double(),))[1],
           4 * x)


class _Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 2)
        self.b = nn.Linear(2, 2)
        self.b.weight = self.a.weight
        self.register_buffer("scale", torch.ones(1))

    def forward(self, x):
        return self.b(self.a(x)) * self.scale


def test_functional_call_swaps_ties_and_restores():
    m = _Tied()
    before = {k: v for k, v in list(m.named_parameters()) + list(m.named_buffers())}
    x = torch.ones(1, 2)
    w, z = torch.full((2, 2), 0.5), torch.zeros(2)
    full = {"a.weight": w, "a.bias": z, "b.bias": z, "scale": torch.full((1,), 2.0)}
    out = functional_call(m, full, (x,), strict=True)
    _close(out, torch.full((1, 2), 2.0))  # ((1 1) w) w * 2 = 1 * 2
    # the tied b.weight follows a.weight; tie_weights=False leaves it the module's own
    out_tied = functional_call(m, {"b.weight": w}, x)
    expected = (x @ w.T + m.a.bias) @ w.T + m.b.bias
    _close(out_tied, expected, 1e-6)
    out_untied = functional_call(m, {"a.weight": w}, x, tie_weights=False)
    _close(out_untied, (x @ w.T + m.a.bias) @ m.b.weight.T + m.b.bias, 1e-6)
    # several dicts, kwargs
    out2 = functional_call(m, ({"a.weight": w, "a.bias": z}, {"b.bias": z, "scale": full["scale"]}),
                           args=(), kwargs={"x": x})
    _close(out2, out)
    after = {k: v for k, v in list(m.named_parameters()) + list(m.named_buffers())}
    assert all(after[k] is before[k] for k in before)


def test_functional_call_restores_when_forward_raises():
    m = _Tied()
    weight = m.a.weight
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        functional_call(m, {"a.weight": torch.zeros(3, 3), "extra": torch.ones(1)},
                        (torch.ones(1, 2),))
    assert m.a.weight is weight and m.b.weight is weight and not hasattr(m, "extra")


@pytest.mark.parametrize("values,kw,exc,msg", [
    ({"a.weight": torch.zeros(2, 2)}, {"strict": True}, RuntimeError,
     "Error(s) in reparametrizing for _Tied:\n\tMissing key(s): 'a.bias', 'b.bias', 'scale'."),
    ({"a.weight": torch.zeros(2, 2), "a.bias": torch.zeros(2), "b.bias": torch.zeros(2),
      "scale": torch.ones(1), "foo": torch.ones(1)}, {"strict": True}, RuntimeError,
     "\tUnexpected key(s): 'foo'."),
    ({"a.weight": torch.zeros(2, 2), "b.weight": torch.ones(2, 2)}, {}, ValueError,
     "functional_call got multiple values for keys ['a.weight', 'b.weight'], which are tied"),
    (({"a.bias": torch.zeros(2)}, {"a.bias": torch.zeros(2)}), {}, ValueError,
     "['a.bias'] appeared in multiple dictionaries"),
    ({"a.bias": 3}, {}, TypeError, "3 is not an instance of torch.Tensor"),
])
def test_functional_call_errors(values, kw, exc, msg):
    with pytest.raises(exc) as info:
        functional_call(_Tied(), values, (torch.ones(1, 2),), **kw)
    assert msg in str(info.value)


def test_functional_call_batchnorm_updates_the_given_buffer():
    bn = nn.BatchNorm1d(2)
    rm = torch.zeros(2)
    x = torch.tensor([[1.0, 2.0], [3.0, 6.0]])
    functional_call(bn, {"running_mean": rm}, x)
    _close(rm, torch.tensor([0.2, 0.4]), 1e-6)
    _close(bn.running_mean, torch.zeros(2))
    assert bn.num_batches_tracked.item() == 1


def test_stack_module_state():
    torch.manual_seed(0)
    models = [nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)) for _ in range(3)]
    params, buffers = stack_module_state(models)
    assert list(params) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    w = params["0.weight"]
    assert w.shape == (3, 2, 3) and w.is_leaf and w.requires_grad
    _close(w[1], models[1][0].weight)
    assert buffers["1.running_mean"].shape == (3, 2) and not buffers["1.running_mean"].requires_grad
    assert buffers["1.num_batches_tracked"].dtype == torch.int64
    w.sum().backward()
    assert models[0][0].weight.grad is None  # a new leaf, not a view of the models' tensors
    with pytest.raises(RuntimeError, match="Expected at least one model, got 0"):
        stack_module_state([])
    with pytest.raises(RuntimeError, match="same training/eval mode"):
        stack_module_state([nn.Linear(2, 2), nn.Linear(2, 2).eval()])
    with pytest.raises(RuntimeError, match="same class"):
        stack_module_state([nn.Linear(2, 2), nn.Conv1d(2, 2, 1)])
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    b.bias.requires_grad_(False)
    with pytest.raises(RuntimeError, match="Expected bias from each model to have the same"):
        stack_module_state([a, b])


def test_reachable_as_torch_func_and_functorch():
    import dygrad
    assert dygrad.func.grad is grad
    import subprocess
    import sys
    code = """if True:
        import dygrad.compat; dygrad.compat.install()
        import warnings
        import functorch, torch
        from torch.func import grad, functional_call
        assert torch.func.grad is grad
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            g = functorch.grad(lambda x: (x * x).sum())(torch.ones(2))
            fmodel, params = functorch.make_functional(torch.nn.Linear(2, 1))
            out = fmodel(params, torch.ones(3, 2))
            fe, pe, be = functorch.combine_state_for_ensemble([torch.nn.Linear(2, 1)] * 3)
        assert g.tolist() == [2.0, 2.0] and out.shape == (3, 1)
        assert pe[0].shape == (3, 1, 2) and not pe[0].requires_grad
        assert [x.category for x in w] == [FutureWarning] * 3
        assert "Please use `torch.func.grad` instead" in str(w[0].message)
        assert "Please use `torch.func.functional_call` instead" in str(w[1].message)
        print("ok")
    """
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip() == "ok", r.stderr


def test_functorch_module_api():
    from dygrad.func import _functorch as functorch
    bn = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    with pytest.warns(FutureWarning, match="functorch.make_functional"):
        with pytest.raises(RuntimeError, match="`model` has buffers"):
            functorch.make_functional(bn)
    with pytest.warns(FutureWarning, match="functorch.make_functional_with_buffers"):
        fmodel, params, buffers = functorch.make_functional_with_buffers(bn)
    assert len(params) == 4 and len(buffers) == 3 and params[0] is not bn[0].weight
    x = torch.tensor([[1.0, 2.0], [3.0, 5.0]])
    with torch.no_grad():
        _close(fmodel(params, buffers, x), bn(x), 1e-6)
    g = grad(lambda p: fmodel(p, buffers, x).pow(2).sum())(params)
    assert isinstance(g, tuple) and g[0].shape == (2, 2)
    with pytest.warns(FutureWarning, match="torch.func.stack_module_state"):
        with pytest.raises(RuntimeError, match="combine_state_for_ensemble: Expected at least"):
            functorch.combine_state_for_ensemble([])


def test_transforms_under_vmap_equal_the_per_sample_loop():
    from dygrad.func import vmap
    torch.manual_seed(0)
    x = torch.randn(4, 3, dtype=torch.float64)
    t = torch.randn(4, 3, dtype=torch.float64)

    def f(x):
        return x.sin() * x.sum()
    for T, args in ((jacrev(f), (x,)), (jacfwd(f), (x,)),
                    (hessian(lambda x: (x.sin() * x).sum()), (x,)),
                    (lambda x, t: jvp(f, (x,), (t,))[1], (x, t)),
                    (lambda x, t: vjp(f, x)[1](t)[0], (x, t))):
        loop = torch.stack([T(*(a[i] for a in args)) for i in range(4)])
        _close(vmap(T)(*args), loop, 1e-12)


def test_linearize_functionalize_and_batch_norm_replacement():
    from dygrad.func import functionalize, linearize, replace_all_batch_norm_modules_
    x = _x()
    out, jvp_fn = linearize(lambda a, b: (a * b, a.sum()), x, x + 1)
    assert not out[0].requires_grad
    t = torch.tensor([1.0, 0.0, 2.0], dtype=torch.float64)
    for _ in range(2):  # reusable
        ja, js = jvp_fn(t, t)
        _close(ja, t * (x + 1) + x * t), _close(js, t.sum())
    with pytest.raises(RuntimeError, match=r"tangent:0 with shape torch.Size\(\[2\]\)"):
        jvp_fn(torch.ones(2), t)
    with pytest.raises(RuntimeError, match="same argspec as the primals"):
        jvp_fn(t)

    def g(a):
        a.add_(1)
        return a * 2
    y = x.clone()
    _close(functionalize(g)(y), (x + 1) * 2)
    _close(y, x + 1)
    with pytest.raises(RuntimeError, match="received invalid argument for remove=x"):
        functionalize(g, remove="x")
    m = nn.Sequential(nn.BatchNorm1d(2), nn.Sequential(nn.BatchNorm2d(3)))
    assert replace_all_batch_norm_modules_(m) is m
    assert m[0].running_mean is None and m[1][0].running_var is None
    assert m[0].num_batches_tracked is None and not m[0].track_running_stats
    m[0](torch.randn(4, 2))  # batch statistics, nothing to update


def test_jvp_output_dtype_promotes_with_the_tangent_as_pytorch():
    x32 = torch.tensor([1.0, 2.0])
    _, j = jvp(lambda x: x.sin() * 2, (x32,), (x32.double(),))
    assert j.dtype == torch.float64
    _close(j, 2 * x32.double().cos() * x32.double(), 1e-6)
    _, j = jvp(lambda x: x * 2, (x32.double(),), (x32,))
    assert j.dtype == torch.float64
