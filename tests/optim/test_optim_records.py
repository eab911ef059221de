"""Every optimizer record (optim_records.py) against its NumPy reference, and the generic
properties of the per-parameter protocol. No torch needed: these run where it is absent; the
torch parity of the same records is in test_optimizers.py."""
import copy
import inspect
import pickle

import numpy as np
import pytest

import dygrad
from dygrad import optim
from optim_helpers import dy_param, grad_of, make_arrays, to_np
from optim_records import CASES, RECORDS

CONVERTED = [name for name in RECORDS if name != "LBFGS"]


def _hyper(name, kwargs):
    """The constructor's defaults, updated by the case: every hyperparameter by name."""
    sig = inspect.signature(getattr(optim, name))
    hp = {k: p.default for k, p in sig.parameters.items() if p.default is not p.empty}
    hp.update(kwargs)
    return hp


def _run(opt, params, curv, k0, k1, skip_last=True):
    for k in range(k0, k1):
        for i, (p, c) in enumerate(zip(params, curv)):
            if not (skip_last and i == len(params) - 1):
                p.grad = dygrad.tensor(grad_of(c, to_np(p), k))
        opt.step()


@pytest.mark.parametrize("name,kwargs", CASES)
def test_matches_numpy_reference_float64(name, kwargs):
    ref, _ = RECORDS[name]
    hp = _hyper(name, kwargs)
    init, curv = make_arrays(np.float64)
    params = [dy_param(a) for a in init]
    opt = getattr(optim, name)(params, **kwargs)
    xs = [a.copy() for a in init]
    states = [{} for _ in init]
    for k in range(20):
        for i, (p, c) in enumerate(zip(params[:-1], curv)):
            g = grad_of(c, to_np(p), k)  # dygrad's parameter defines the gradient of both
            p.grad = dygrad.tensor(g)
            xs[i] = ref(xs[i], g.copy(), states[i], hp)
        opt.step()
    for p, x in zip(params, xs):
        assert p.dtype == dygrad.float64
        np.testing.assert_allclose(to_np(p), x, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(to_np(params[-1]), init[-1])  # no gradient: left alone
    assert params[-1] not in opt.state or name == "Adagrad"  # (Adagrad's state is eager)


@pytest.mark.parametrize("name,kwargs", CASES[::3])
def test_float32_stays_float32_and_near_the_reference(name, kwargs):
    ref, _ = RECORDS[name]
    hp = _hyper(name, kwargs)
    init, curv = make_arrays(np.float32)
    params = [dy_param(a) for a in init]
    opt = getattr(optim, name)(params, **kwargs)
    xs = [a.astype(np.float64) for a in init]
    states = [{} for _ in init]
    for k in range(5):
        for i, (p, c) in enumerate(zip(params, curv)):
            g = grad_of(c, to_np(p), k)
            p.grad = dygrad.tensor(g)
            xs[i] = ref(xs[i], g.astype(np.float64), states[i], hp)
        opt.step()
    for p, x in zip(params, xs):
        assert p.dtype == dygrad.float32
        np.testing.assert_allclose(to_np(p), x, rtol=1e-4, atol=1e-5)
    for st in opt.state.values():
        for key, v in st.items():
            if isinstance(v, dygrad.Tensor) and v.dim():
                assert v.dtype == dygrad.float32, key


@pytest.mark.parametrize("name", CONVERTED)
def test_step_state_is_a_float32_scalar_counting_steps(name):
    init, curv = make_arrays(np.float64)
    params = [dy_param(a) for a in init]
    opt = getattr(optim, name)(params, **RECORDS[name][1][-1])
    _run(opt, params, curv, 0, 3)
    for st in opt.state.values():
        if "step" in st:
            step = st["step"]
            assert isinstance(step, dygrad.Tensor) and step.dim() == 0
            assert step.dtype == dygrad.float32 and step.item() in (0.0, 3.0)


@pytest.mark.parametrize("name,kwargs", [(n, RECORDS[n][1][-1]) for n in CONVERTED])
def test_state_dict_round_trip_continues_exactly(name, kwargs):
    init, curv = make_arrays(np.float32)
    a_params = [dy_param(a) for a in init]
    a_opt = getattr(optim, name)(a_params, **kwargs)
    ref_params = [dy_param(a) for a in init]
    ref_opt = getattr(optim, name)(ref_params, **kwargs)
    _run(a_opt, a_params, curv, 0, 10, skip_last=False)
    _run(ref_opt, ref_params, curv, 0, 20, skip_last=False)
    saved = pickle.loads(pickle.dumps(a_opt.state_dict()))  # what a save / load gives
    b_params = [dy_param(to_np(p)) for p in a_params]
    b_opt = getattr(optim, name)(b_params, **kwargs)
    b_opt.load_state_dict(saved)
    assert b_opt.state_dict()["param_groups"] == a_opt.state_dict()["param_groups"]
    _run(b_opt, b_params, curv, 10, 20, skip_last=False)
    for b, r in zip(b_params, ref_params):
        np.testing.assert_array_equal(to_np(b), to_np(r))


@pytest.mark.parametrize("name", CONVERTED)
def test_maximize_is_minimizing_the_negated_loss(name):
    init, curv = make_arrays(np.float64)
    kwargs = dict(RECORDS[name][1][0], maximize=False)
    up = [dy_param(a) for a in init]
    down = [dy_param(a) for a in init]
    opt_up = getattr(optim, name)(up, **dict(kwargs, maximize=True))
    opt_down = getattr(optim, name)(down, **kwargs)
    for k in range(5):
        for p, q, c in zip(up, down, curv):
            g = grad_of(c, to_np(q), k)
            p.grad = dygrad.tensor(-g)
            q.grad = dygrad.tensor(g)
        opt_up.step()
        opt_down.step()
    for p, q in zip(up, down):
        np.testing.assert_array_equal(to_np(p), to_np(q))


def test_a_new_optimizer_is_init_state_plus_update():
    class SignSGD(optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr, "maximize": False})

        def init_state(self, p, state, group):
            state["moves"] = 0

        def update(self, p, grad, state, group):
            p._data -= group["lr"] * np.sign(grad)
            state["moves"] += 1

    a, b = dy_param(np.array([1.0, -2.0])), dy_param(np.zeros(1))
    opt = SignSGD([{"params": [a]}, {"params": [b], "maximize": True}])
    a.grad = dygrad.tensor(np.array([3.0, -0.5]))
    b.grad = dygrad.tensor(np.array([2.0]))
    with dygrad.enable_grad():
        opt.step()
        assert dygrad.is_grad_enabled()  # the updates ran as under no_grad, then it was restored
    np.testing.assert_array_equal(to_np(a), [0.9, -1.9])
    np.testing.assert_array_equal(to_np(b), [0.1])  # maximize: the base negated the gradient
    assert opt.state[a] == {"moves": 1} and opt.state[b] == {"moves": 1}
    assert a.grad_fn is None and a._version == 1
    clone = copy.deepcopy(opt)
    assert clone.state_dict()["state"] == {0: {"moves": 1}, 1: {"moves": 1}}


def test_rprop_and_asgd_state_keys_and_defaults():
    p = dy_param(np.ones(3, np.float32))
    r = optim.Rprop([p])
    assert r.defaults == {"lr": 1e-2, "etas": (0.5, 1.2), "step_sizes": (1e-6, 50),
                          "foreach": None, "maximize": False, "differentiable": False,
                          "capturable": False}
    p.grad = dygrad.ones(3)
    r.step()
    assert list(r.state[p]) == ["step", "prev", "step_size"]
    q = dy_param(np.ones(3, np.float32))
    a = optim.ASGD([q])
    assert a.defaults == {"lr": 1e-2, "lambd": 1e-4, "alpha": 0.75, "t0": 1e6,
                          "weight_decay": 0, "foreach": None, "maximize": False,
                          "differentiable": False, "capturable": False}
    q.grad = dygrad.ones(3)
    a.step()
    st = a.state[q]
    assert list(st) == ["step", "eta", "mu", "ax"]
    assert all(st[k].dim() == 0 and st[k].dtype == dygrad.float32 for k in ("step", "eta", "mu"))
    np.testing.assert_array_equal(to_np(st["ax"]), to_np(q))  # before t0: a copy


@pytest.mark.parametrize("make,msg", [
    (lambda p: optim.Rprop(p, etas=(1.0, 1.2)), "Invalid eta values: 1.0, 1.2"),
    (lambda p: optim.Rprop(p, etas=(0.5, 1.0)), "Invalid eta values: 0.5, 1.0"),
    (lambda p: optim.Rprop(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.ASGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.ASGD(p, lr=-1), "Invalid learning rate: -1"),
])
def test_rprop_asgd_argument_errors(make, msg):
    with pytest.raises(ValueError, match=msg):
        make([dy_param(np.ones(2))])


@pytest.mark.parametrize("name", ["Rprop", "ASGD"])
def test_rprop_asgd_capturable_fail_on_cpu(name):
    p = dy_param(np.ones(2, np.float32))
    opt = getattr(optim, name)([p], capturable=True)
    p.grad = dygrad.ones(2)
    with pytest.raises(AssertionError, match="If capturable=True"):
        opt.step()
    assert "step" in opt.state[p]  # the state was made before the check, as in torch
