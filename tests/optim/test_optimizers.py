"""Each optimizer against the real torch: same start, same 20 gradients, same parameters/state.
(The NumPy-reference tests of the same records, which run without torch: test_optim_records.py.)"""

import numpy as np
import pytest

import dygrad
from dygrad import optim
from optim_helpers import dy_param, grad_of, make_arrays, to_np, torch_param
from optim_records import CASES

torch = None


def _torch():
    """torch for the parity tests (they skip without it); the other tests here run without it."""
    global torch
    torch = pytest.importorskip("torch")
    return torch

# the cases of every optimizer's record (optim_records.py), here against torch

TOL = {np.float32: dict(rtol=2e-6, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


def _build(name, kwargs, dtype, seed=0):
    _torch()
    init, curv = make_arrays(dtype, seed)
    tps = [torch_param(torch, a) for a in init]
    dps = [dy_param(a) for a in init]
    return (getattr(torch.optim, name)(tps, **kwargs), tps,
            getattr(optim, name)(dps, **kwargs), dps, curv)


def _run(topt, tps, dopt, dps, curv, steps, start=0, skip_last=True):
    """`steps` steps on both; the torch parameters' values define the gradients for both."""
    _torch()
    for k in range(start, start + steps):
        for i, (tp, dp, c) in enumerate(zip(tps, dps, curv)):
            if skip_last and i == len(tps) - 1:
                continue  # this parameter never gets a gradient: it must be left alone
            g = grad_of(c, to_np(tp), k)
            tp.grad = torch.tensor(g)
            dp.grad = dygrad.tensor(g.copy())
        topt.step()
        dopt.step()


def _assert_state_equal(tsd, dsd, tol):
    _torch()
    assert list(tsd["state"]) == list(dsd["state"])
    for pid, tstate in tsd["state"].items():
        dstate = dsd["state"][pid]
        assert list(tstate) == list(dstate)
        for key, tv in tstate.items():
            dv = dstate[key]
            if isinstance(tv, torch.Tensor):
                assert isinstance(dv, dygrad.Tensor), key
                assert str(tv.dtype) == str(dv.dtype), key
                assert tuple(tv.shape) == tuple(dv.shape), key
                np.testing.assert_allclose(to_np(dv), to_np(tv), err_msg=key, **tol)
            else:
                assert tv == dv, key


@pytest.mark.parametrize("name,kwargs", CASES)
def test_matches_torch_float32(name, kwargs):
    topt, tps, dopt, dps, curv = _build(name, kwargs, np.float32)
    _run(topt, tps, dopt, dps, curv, 20)
    for tp, dp in zip(tps, dps):
        assert dp.dtype == dygrad.float32
        np.testing.assert_allclose(to_np(dp), to_np(tp), **TOL[np.float32])
    _assert_state_equal(topt.state_dict(), dopt.state_dict(), TOL[np.float32])


@pytest.mark.parametrize("name,kwargs", CASES[::2])
def test_matches_torch_float64(name, kwargs):
    topt, tps, dopt, dps, curv = _build(name, kwargs, np.float64)
    _run(topt, tps, dopt, dps, curv, 20)
    for tp, dp in zip(tps, dps):
        assert dp.dtype == dygrad.float64
        np.testing.assert_allclose(to_np(dp), to_np(tp), **TOL[np.float64])
    _assert_state_equal(topt.state_dict(), dopt.state_dict(), TOL[np.float64])


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)), ("NAdam", dict()),
    ("Adagrad", dict(lr=0.1)), ("LBFGS", dict()), ("Rprop", dict()), ("ASGD", dict(t0=2)),
])
def test_param_groups_and_dict_layout_match_torch(name, kwargs):
    _torch()
    init, _ = make_arrays(np.float32)
    tps = [torch_param(torch, a) for a in init]
    dps = [dy_param(a) for a in init]
    if name == "LBFGS":
        tgroups, dgroups = tps, dps
    else:
        tgroups = [{"params": tps[:2]}, {"params": tps[2:], "lr": 0.5, "weight_decay": 0.25}]
        dgroups = [{"params": dps[:2]}, {"params": dps[2:], "lr": 0.5, "weight_decay": 0.25}]
    topt = getattr(torch.optim, name)(tgroups, **kwargs)
    dopt = getattr(optim, name)(dgroups, **kwargs)
    assert repr(dopt) == repr(topt)
    for tg, dg in zip(topt.param_groups, dopt.param_groups):
        assert list(tg) == list(dg)
        assert all(tg[k] == dg[k] for k in tg if k != "params")
    tsd, dsd = topt.state_dict(), dopt.state_dict()
    assert tsd["param_groups"] == dsd["param_groups"]
    assert list(tsd["state"]) == list(dsd["state"])


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)), ("Adam", dict(lr=0.01, amsgrad=True)),
    ("NAdam", dict(lr=0.01)), ("Adagrad", dict(lr=0.1, lr_decay=0.1)), ("Rprop", dict(lr=0.1)),
    ("ASGD", dict(lr=0.05, t0=2)),
])
def test_loads_a_torch_state_dict_and_continues_like_torch(name, kwargs):
    _torch()
    topt, tps, dopt, dps, curv = _build(name, kwargs, np.float32)
    _run(topt, tps, dopt, dps, curv, 5, skip_last=False)
    tsd = topt.state_dict()
    converted = {
        "state": {i: {k: dygrad.tensor(to_np(v)) if isinstance(v, torch.Tensor) else v
                      for k, v in st.items()} for i, st in tsd["state"].items()},
        "param_groups": tsd["param_groups"],
    }
    fresh = [dy_param(to_np(tp)) for tp in tps]
    dopt2 = getattr(optim, name)(fresh, **kwargs)
    dopt2.load_state_dict(converted)
    _run(topt, tps, dopt2, fresh, curv, 10, start=5, skip_last=False)
    for tp, dp in zip(tps, fresh):
        np.testing.assert_allclose(to_np(dp), to_np(tp), **TOL[np.float32])


def test_load_state_dict_casts_state_to_param_dtype_but_not_step():
    p64 = dy_param(np.ones(3))
    opt = optim.Adam([p64])
    state = {"step": dygrad.tensor(3.0), "exp_avg": dygrad.tensor(np.ones(3, np.float32)),
             "exp_avg_sq": dygrad.tensor(np.ones(3, np.float32))}
    opt.load_state_dict({"state": {0: state}, "param_groups": opt.state_dict()["param_groups"]})
    loaded = opt.state[p64]
    assert loaded["exp_avg"].dtype == dygrad.float64
    assert loaded["exp_avg_sq"].dtype == dygrad.float64
    assert loaded["step"].dtype == dygrad.float32


def test_step_state_is_float32_scalar_tensor_like_torch():
    p = dy_param(np.ones(2, np.float64))
    opt = optim.Adam([p])
    p.grad = dygrad.tensor(np.ones(2))
    opt.step()
    opt.step()
    step = opt.state[p]["step"]
    assert isinstance(step, dygrad.Tensor) and step.dim() == 0 and step.dtype == dygrad.float32
    assert step.item() == 2.0


def test_updates_in_place_and_bumps_version():
    p = dy_param(np.ones(4, np.float32))
    arr = p._data
    v0 = p._version
    opt = optim.Adam([p], lr=0.1)
    p.grad = dygrad.tensor(np.ones(4, np.float32))
    opt.step()
    assert p._data is arr
    assert p._version == v0 + 1
    assert p.requires_grad and p.grad_fn is None
    np.testing.assert_allclose(to_np(p), 0.9, rtol=1e-6)


def test_step_ignores_grad_mode_and_returns_closure_loss():
    p = dy_param(np.array([2.0, -1.0], np.float32))
    opt = optim.SGD([p], lr=0.5)
    calls = []

    def closure():
        calls.append(dygrad.is_grad_enabled())
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with dygrad.no_grad():
        loss = opt.step(closure)
    assert calls == [True]  # torch runs the closure with grad enabled
    assert loss.item() == 5.0
    np.testing.assert_allclose(to_np(p), [0.0, 0.0])


def test_tensor_lr_is_accepted():
    _torch()
    tp = torch_param(torch, np.ones(3, np.float32))
    dp = dy_param(np.ones(3, np.float32))
    topt = torch.optim.SGD([tp], lr=torch.tensor(0.25), momentum=0.5)
    dopt = optim.SGD([dp], lr=dygrad.tensor(0.25), momentum=0.5)
    for _ in range(3):
        tp.grad = torch.ones(3)
        dp.grad = dygrad.ones(3)
        topt.step()
        dopt.step()
    np.testing.assert_allclose(to_np(dp), to_np(tp), rtol=1e-6)
    assert repr(dopt) == repr(topt)


def test_wrong_gradient_shape_is_an_error():
    p = dy_param(np.ones(3, np.float32))
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(RuntimeError, match=r"assign a gradient of size '\[1\]' to a tensor of size"):
        p.grad = dygrad.tensor(np.ones(1, np.float32))  # refused at assignment, as in PyTorch
    p._grad = dygrad.tensor(np.ones(1, np.float32))  # past that check: the step still refuses it
    with pytest.raises(RuntimeError, match=r"SGD.step.*shape \[3\].*shape \[1\]"):
        opt.step()


def test_nan_gradients_propagate_without_warnings():
    p = dy_param(np.ones(2, np.float32))
    opt = optim.Adam([p], eps=0.0)
    p.grad = dygrad.tensor(np.array([0.0, np.nan], np.float32))
    opt.step()  # 0/0 and nan must not raise NumPy warnings (errors under this test config)
    assert np.isnan(to_np(p)[1]) and np.isnan(to_np(p)[0])


@pytest.mark.parametrize("name,kwargs,msg", [
    ("SGD", dict(lr=-1), "Invalid learning rate: -1"),
    ("SGD", dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    ("SGD", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("SGD", dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(fused=True, foreach=True), "`fused` and `foreach` cannot be `True` together."),
    ("Adam", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("Adam", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    ("Adam", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(betas=(0, 0.9)), "betas must be either both floats or both Tensors"),
    ("AdamW", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("RMSprop", dict(alpha=-1), "Invalid alpha value: -1"),
    ("RMSprop", dict(momentum=-1), "Invalid momentum value: -1"),
    ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    ("Adagrad", dict(initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value: -1"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adamax", dict(eps=-1), "Invalid epsilon value: -1"),
    ("NAdam", dict(momentum_decay=-1), "Invalid momentum_decay value: -1"),
    ("RAdam", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("LBFGS", dict(lr=-1), "Invalid learning rate: -1"),
    ("Rprop", dict(etas=(0.5, 1.0)), "Invalid eta values: 0.5, 1.0"),
    ("Rprop", dict(lr=-0.5), "Invalid learning rate: -0.5"),
    ("ASGD", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
])
def test_argument_validation_matches_torch(name, kwargs, msg):
    _torch()
    tp = torch_param(torch, np.ones(2, np.float32))
    dp = dy_param(np.ones(2, np.float32))
    with pytest.raises(Exception) as texc:
        getattr(torch.optim, name)([tp], **kwargs)
    with pytest.raises(type(texc.value)) as dexc:
        getattr(optim, name)([dp], **kwargs)
    assert str(dexc.value) == str(texc.value) == msg


def test_adagrad_state_exists_before_the_first_step():
    _torch()
    tp = torch_param(torch, np.ones(2, np.float32))
    dp = dy_param(np.ones(2, np.float32))
    tsd = torch.optim.Adagrad([tp], initial_accumulator_value=0.5).state_dict()
    dsd = optim.Adagrad([dp], initial_accumulator_value=0.5).state_dict()
    _assert_state_equal(tsd, dsd, TOL[np.float32])


def _rosenbrock(x):
    f = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
    g = np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2),
                  200 * (x[1] - x[0] ** 2)], dtype=x.dtype)
    return float(f), g


_QA = np.diag(np.linspace(1.0, 4.0, 5)) + 0.1


def _quadratic(x):
    r = x - np.arange(5)
    g = (_QA @ r).astype(x.dtype)
    return float(0.5 * r @ _QA @ r), g


def _closure_for(p, fw, fn):
    def closure():
        f, g = fn(to_np(p))
        p.grad = fw.tensor(g)
        return fw.tensor(f)
    return closure


LBFGS_KWARGS = [
    dict(), dict(line_search_fn="strong_wolfe"), dict(lr=0.5, history_size=3, max_iter=7),
    dict(line_search_fn="strong_wolfe", history_size=2, max_iter=10),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", LBFGS_KWARGS)
def test_lbfgs_quadratic_matches_torch(kwargs, dtype):
    _torch()
    x0 = np.full(5, 3.0, dtype)
    tp, dp = torch_param(torch, x0), dy_param(x0)
    topt, dopt = torch.optim.LBFGS([tp], **kwargs), optim.LBFGS([dp], **kwargs)
    tol = dict(rtol=1e-10, atol=1e-10) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-5)
    for _ in range(3):
        tl = topt.step(_closure_for(tp, torch, _quadratic))
        dl = dopt.step(_closure_for(dp, dygrad, _quadratic))
        np.testing.assert_allclose(dl.item(), tl.item(), **tol)
        np.testing.assert_allclose(to_np(dp), to_np(tp), **tol)
    tstate, dstate = topt.state[tp], dopt.state[dp]
    assert list(tstate) == list(dstate)
    assert dstate["func_evals"] == tstate["func_evals"]
    assert dstate["n_iter"] == tstate["n_iter"]
    assert len(dstate["old_dirs"]) == len(tstate["old_dirs"])
    np.testing.assert_allclose(to_np(dstate["d"]), to_np(tstate["d"]), **tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", LBFGS_KWARGS)
def test_lbfgs_rosenbrock_matches_torch(kwargs, dtype):
    # Rosenbrock's curved valley amplifies last-bit differences (torch fuses multiply-adds), so
    # trajectories are compared closely only at first; both must then reach the same minimum.
    _torch()
    x0 = np.array([-1.5, 2.0], dtype)
    tp, dp = torch_param(torch, x0), dy_param(x0)
    topt, dopt = torch.optim.LBFGS([tp], **kwargs), optim.LBFGS([dp], **kwargs)
    tl = topt.step(_closure_for(tp, torch, _rosenbrock))
    dl = dopt.step(_closure_for(dp, dygrad, _rosenbrock))
    assert dl.item() == tl.item()  # the loss at the starting point
    tol = 1e-6 if dtype == np.float64 else 1e-3
    np.testing.assert_allclose(to_np(dp), to_np(tp), rtol=tol, atol=tol)
    for _ in range(40):
        topt.step(_closure_for(tp, torch, _rosenbrock))
        dopt.step(_closure_for(dp, dygrad, _rosenbrock))
    np.testing.assert_allclose(to_np(dp), to_np(tp), atol=1e-3)
    np.testing.assert_allclose(to_np(dp), [1.0, 1.0], atol=1e-3)


def test_lbfgs_with_autograd_closure_matches_torch():
    _torch()
    tx = torch_param(torch, np.array([-1.2, 1.0]))
    dx = dy_param(np.array([-1.2, 1.0]))
    results = []
    for x, make in ((tx, torch.optim.LBFGS), (dx, optim.LBFGS)):
        opt = make([x], line_search_fn="strong_wolfe", max_iter=100)

        def closure(x=x, opt=opt):
            opt.zero_grad()
            loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
            loss.backward()
            return loss

        opt.step(closure)
        results.append((to_np(x), opt.state[x]["n_iter"], opt.state[x]["func_evals"]))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    assert results[1][1:] == results[0][1:]
    np.testing.assert_allclose(results[1][0], [1.0, 1.0], atol=1e-4)


def test_lbfgs_rejects_several_groups_and_unknown_line_search():
    a, b = dy_param(np.ones(1)), dy_param(np.ones(1))
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        optim.LBFGS([{"params": [a]}, {"params": [b]}])
    opt = optim.LBFGS([a], line_search_fn="armijo")

    def closure():
        a.grad = dygrad.ones(1, dtype=a.dtype)  # (a grad of another dtype is refused)
        return dygrad.tensor(1.0)

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)


def test_training_a_linear_model_with_autograd_matches_torch():
    _torch()
    rng = np.random.default_rng(3)
    X = rng.standard_normal((32, 3)).astype(np.float32)
    y = (X @ np.array([1.5, -2.0, 0.5], np.float32) + 0.3).astype(np.float32)
    w0 = np.zeros(3, np.float32)
    b0 = np.zeros(1, np.float32)
    tw, tb = torch_param(torch, w0), torch_param(torch, b0)
    dw, db = dy_param(w0), dy_param(b0)
    topt = torch.optim.AdamW([tw, tb], lr=0.05)
    dopt = optim.AdamW([dw, db], lr=0.05)
    tX, ty, dX, dy = torch.tensor(X), torch.tensor(y), dygrad.tensor(X), dygrad.tensor(y)
    for _ in range(30):
        topt.zero_grad()
        dopt.zero_grad()
        tloss = ((tX @ tw + tb - ty) ** 2).mean()
        dloss = ((dX @ dw + db - dy) ** 2).mean()
        tloss.backward()
        dloss.backward()
        topt.step()
        dopt.step()
    np.testing.assert_allclose(to_np(dw), to_np(tw), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(to_np(db), to_np(tb), rtol=1e-4, atol=1e-5)
