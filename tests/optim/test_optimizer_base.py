"""Optimizer base behaviour: param groups, state_dict layout and loading, zero_grad, hooks, repr."""
import copy
import warnings

import numpy as np
import pytest

import dygrad
from dygrad import optim
from dygrad.optim.optimizer import (register_optimizer_step_post_hook,
                                    register_optimizer_step_pre_hook, required)
from optim_helpers import dy_param, to_np, torch_param

ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
       "Rprop", "ASGD", "LBFGS"]


def _torch():
    """torch for the parity tests (skipped without it); the others here run without torch."""
    return pytest.importorskip("torch")


def _arrays(shapes):
    return [np.arange(np.prod(s), dtype=np.float32).reshape(s) / 10 for s in shapes]


def _dy(*shapes):
    return [dy_param(a) for a in _arrays(shapes)]


def _pair(*shapes):
    torch = _torch()
    arrays = _arrays(shapes)
    return [torch_param(torch, a) for a in arrays], [dy_param(a) for a in arrays]


def _same_error(make_torch, make_dygrad):
    with pytest.raises(Exception) as texc:
        make_torch()
    with pytest.raises(type(texc.value)) as dexc:
        make_dygrad()
    assert str(dexc.value) == str(texc.value)
    return dexc.value


@pytest.mark.parametrize("name", ALL)
def test_default_repr_and_group_keys_match_torch(name):
    torch = _torch()
    (tp,), (dp,) = _pair((2,))
    topt, dopt = getattr(torch.optim, name)([tp]), getattr(optim, name)([dp])
    assert repr(dopt) == repr(topt)
    assert list(dopt.param_groups[0]) == list(topt.param_groups[0])
    assert dopt.defaults == topt.defaults
    assert dopt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]


def test_params_may_be_a_generator_dicts_or_named_pairs():
    torch = _torch()
    tps, dps = _pair((2,), (3,), (1,))
    assert len(optim.SGD(iter(dps)).param_groups[0]["params"]) == 3
    topt = torch.optim.Adam([("a", tps[0]), ("b", tps[1])], lr=0.1)
    dopt = optim.Adam([("a", dps[0]), ("b", dps[1])], lr=0.1)
    assert list(dopt.param_groups[0]) == list(topt.param_groups[0])
    assert dopt.param_groups[0]["param_names"] == ["a", "b"]
    assert dopt.param_groups[0]["params"][1] is dps[1]
    assert dopt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]
    _same_error(lambda: topt.add_param_group({"params": [tps[2]]}),
                lambda: dopt.add_param_group({"params": [dps[2]]}))


def test_param_group_options_and_add_param_group():
    torch = _torch()
    tps, dps = _pair((2,), (3,), (4,))
    topt = torch.optim.SGD([{"params": tps[:1]}, {"params": tps[1], "lr": 0.5}], lr=0.1,
                           momentum=0.9)
    dopt = optim.SGD([{"params": dps[:1]}, {"params": dps[1], "lr": 0.5}], lr=0.1, momentum=0.9)
    topt.add_param_group({"params": [tps[2]], "nesterov": True})
    dopt.add_param_group({"params": [dps[2]], "nesterov": True})
    assert [list(g) for g in dopt.param_groups] == [list(g) for g in topt.param_groups]
    assert [g["lr"] for g in dopt.param_groups] == [0.1, 0.5, 0.1]
    assert dopt.param_groups[2]["nesterov"] is True
    assert repr(dopt) == repr(topt)


@pytest.mark.parametrize("case", [
    "tensor", "empty", "not_a_tensor", "non_leaf", "two_groups", "set_in_group", "not_a_dict",
    "missing_name",
])
def test_bad_params_give_torch_errors(case):
    torch = _torch()
    (tp, tq), (dp, dq) = _pair((2,), (2,))

    def build(fw, opt_mod, p, q):
        if case == "tensor":
            return opt_mod.SGD(p)
        if case == "empty":
            return opt_mod.SGD([])
        if case == "not_a_tensor":
            return opt_mod.SGD([p, 5])
        if case == "non_leaf":
            return opt_mod.SGD([p * 2])
        if case == "two_groups":
            return opt_mod.SGD([{"params": [p]}, {"params": [q, p]}])
        if case == "set_in_group":
            return opt_mod.SGD([{"params": {p}}])
        if case == "not_a_dict":
            return opt_mod.SGD([p]).add_param_group([q])
        return opt_mod.SGD([("a", p), q])

    err = _same_error(lambda: build(torch, torch.optim, tp, tq),
                      lambda: build(dygrad, optim, dp, dq))
    if case == "tensor":
        assert "but got torch.FloatTensor" in str(err)


def test_duplicate_params_warn_like_torch():
    torch = _torch()
    (tp,), (dp,) = _pair((2,))
    with pytest.warns(UserWarning, match="duplicate parameters") as trec:
        torch.optim.SGD([tp, tp])
    with pytest.warns(UserWarning, match="duplicate parameters") as drec:
        optim.SGD([dp, dp])
    assert str(drec[0].message) == str(trec[0].message)


def test_required_default_must_be_given_per_group():
    class NeedsLr(optim.Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, {"lr": lr})

    (dp,), = [_dy((2,))]
    with pytest.raises(ValueError, match="didn't specify a value of required optimization "
                                         "parameter lr"):
        NeedsLr([dp])
    assert NeedsLr([{"params": [dp], "lr": 0.1}]).param_groups[0]["lr"] == 0.1


def test_differentiable_true_is_refused():
    (dp,), = [_dy((2,))]
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        optim.Adam([dp], differentiable=True)


def test_state_is_a_defaultdict_keyed_by_parameter():
    dps = _dy((2,), (3,))
    opt = optim.SGD(dps, lr=0.1, momentum=0.9)
    assert len(opt.state) == 0
    dps[1].grad = dygrad.ones(3)
    opt.step()
    assert list(opt.state) == [dps[1]]
    assert list(opt.state[dps[1]]) == ["momentum_buffer"]
    assert opt.state[dps[0]] == {}  # a defaultdict, like torch's


def test_sgd_without_momentum_keeps_no_state():
    torch = _torch()
    tps, dps = _pair((2,))
    topt, dopt = torch.optim.SGD(tps, lr=0.1), optim.SGD(dps, lr=0.1)
    tps[0].grad, dps[0].grad = torch.ones(2), dygrad.ones(2)
    topt.step()
    dopt.step()
    assert topt.state_dict()["state"] == dopt.state_dict()["state"] == {}


def test_zero_grad():
    dp, dq = _dy((2,), (3,))
    opt = optim.SGD([dp, dq])
    dp.grad = dygrad.ones(2)
    opt.zero_grad()
    assert dp.grad is None and dq.grad is None

    g = dp.grad = dygrad.ones(2)
    version = g._version
    opt.zero_grad(set_to_none=False)
    assert dp.grad is g
    np.testing.assert_array_equal(to_np(g), [0.0, 0.0])
    assert g._version == version + 1
    assert dq.grad is None

    # a gradient that is part of a graph is detached first, as torch does
    x = dygrad.tensor([1.0, 2.0], requires_grad=True)
    dp.grad = x * 2
    opt.zero_grad(set_to_none=False)
    assert dp.grad.grad_fn is None and not dp.grad.requires_grad
    np.testing.assert_array_equal(to_np(dp.grad), [0.0, 0.0])


def test_zero_grad_on_read_only_gradient_array():
    (dp,), = [_dy((3,))]
    ro = np.ones(3, np.float32)
    ro.flags.writeable = False
    dp.grad = dygrad.zeros(3)
    dp.grad._data = np.broadcast_to(np.float32(1.0), (3,))
    opt = optim.SGD([dp])
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(to_np(dp.grad), [0.0, 0.0, 0.0])


def test_state_dict_layout_matches_torch_across_groups():
    torch = _torch()
    tps, dps = _pair((2,), (3,), (4,), (1,))
    topt = torch.optim.Adam([{"params": tps[:2]}, {"params": tps[2:], "lr": 0.01}])
    dopt = optim.Adam([{"params": dps[:2]}, {"params": dps[2:], "lr": 0.01}])
    for i in (0, 2, 3):  # parameter 1 never gets a gradient
        tps[i].grad = torch.full(tuple(tps[i].shape), 0.5)
        dps[i].grad = dygrad.full(tuple(dps[i].shape), 0.5)
    topt.step()
    dopt.step()
    tsd, dsd = topt.state_dict(), dopt.state_dict()
    assert list(dsd) == ["state", "param_groups"]
    assert dsd["param_groups"] == tsd["param_groups"]
    assert [g["params"] for g in dsd["param_groups"]] == [[0, 1], [2, 3]]
    assert list(dsd["state"]) == list(tsd["state"]) == [0, 2, 3]
    for i, st in dsd["state"].items():
        assert list(st) == list(tsd["state"][i])
        assert st["step"].dtype == dygrad.float32 and st["step"].dim() == 0
        assert st["exp_avg"] is dopt.state[dps[i]]["exp_avg"]  # live tensors, as in torch


def test_load_state_dict_validation_matches_torch():
    torch = _torch()
    tps, dps = _pair((2,), (3,))
    topt, dopt = torch.optim.SGD(tps), optim.SGD(dps)
    for bad in ({"state": {}, "param_groups": []},
                {"state": {}, "param_groups": [{"params": [0]}]}):
        _same_error(lambda: topt.load_state_dict(bad), lambda: dopt.load_state_dict(bad))


def test_load_state_dict_takes_group_options_and_keeps_names():
    dps = _dy((2,), (3,))
    dopt = optim.SGD([("w", dps[0]), ("b", dps[1])], lr=0.1, momentum=0.9)
    sd = dopt.state_dict()
    sd["param_groups"][0]["lr"] = 0.5
    del sd["param_groups"][0]["param_names"]
    dopt.load_state_dict(sd)
    assert dopt.param_groups[0]["lr"] == 0.5
    assert dopt.param_groups[0]["param_names"] == ["w", "b"]
    assert dopt.param_groups[0]["params"][0] is dps[0]
    assert sd["param_groups"][0]["params"] == [0, 1]  # the argument is not modified


def test_state_for_unknown_ids_is_kept_as_is():
    (dp,), = [_dy((2,))]
    opt = optim.SGD([dp], momentum=0.5)
    opt.load_state_dict({"state": {7: {"x": 1}},
                         "param_groups": opt.state_dict()["param_groups"]})
    assert opt.state[7] == {"x": 1}


def test_step_hooks_like_torch():
    torch = _torch()
    records = {}
    for fw, mod in ((torch, torch.optim), (dygrad, optim)):
        (p,) = _pair((2,))[0 if fw is torch else 1]
        opt = mod.SGD([p], lr=0.1)
        rec = records[fw.__name__] = []
        handle = opt.register_step_pre_hook(
            lambda o, args, kwargs, opt=opt, rec=rec:
            rec.append(("pre", o is opt, len(args), args[0] is opt, dict(kwargs))))
        opt.register_step_post_hook(
            lambda o, args, kwargs, rec=rec: rec.append(("post", len(args), dict(kwargs))))
        opt.step()
        opt.step(closure=None)
        handle.remove()
        opt.step()
    assert records["dygrad"] == records["torch"]


def test_pre_hook_can_replace_arguments_and_global_hooks_run():
    (dp,), = [_dy((2,))]
    opt = optim.SGD([dp], lr=0.1)
    seen = []
    opt.register_step_pre_hook(lambda o, args, kwargs: (args, {"closure": lambda: 42.0}))
    h1 = register_optimizer_step_pre_hook(lambda o, a, k: seen.append("gpre"))
    h2 = register_optimizer_step_post_hook(lambda o, a, k: seen.append("gpost"))
    try:
        assert opt.step() == 42.0
    finally:
        h1.remove()
        h2.remove()
    opt.step()
    assert seen == ["gpre", "gpost"]


def test_hooks_return_the_one_removable_handle():
    # torch.utils.hooks.RemovableHandle in PyTorch: one id counter with module and tensor hooks
    from dygrad.utils.hooks import RemovableHandle
    (dp,), = [_dy((2,))]
    opt = optim.SGD([dp], lr=0.1)
    seen = []
    h = opt.register_step_pre_hook(lambda o, a, k: seen.append("pre"))
    g = register_optimizer_step_post_hook(lambda o, a, k: seen.append("gpost"))
    t = dp.register_hook(lambda grad: grad)
    assert all(isinstance(x, RemovableHandle) for x in (h, g, t))
    assert len({h.id, g.id, t.id}) == 3
    with g:
        opt.step()
    h.remove()
    h.remove()  # removing twice is harmless
    opt.step()
    assert seen == ["pre", "gpost"]
    calls = []
    opt.register_state_dict_pre_hook(lambda o: calls.append("second"))
    opt.register_state_dict_pre_hook(lambda o: calls.append("first"), prepend=True)
    opt.state_dict()
    assert calls == ["first", "second"]


def test_state_dict_and_load_hooks():
    (dp,), = [_dy((2,))]
    opt = optim.SGD([dp], lr=0.1)
    calls = []
    opt.register_state_dict_pre_hook(lambda o: calls.append("sd_pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    opt.register_load_state_dict_pre_hook(
        lambda o, sd: calls.append("load_pre") or {k: v for k, v in sd.items() if k != "extra"})
    opt.register_load_state_dict_post_hook(lambda o: calls.append("load_post"))
    sd = opt.state_dict()
    assert sd["extra"] == 1
    opt.load_state_dict(sd)
    assert calls == ["sd_pre", "load_pre", "load_post"]


def test_custom_optimizer_subclass_written_for_torch():
    class PlainSGD(optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr})

        @dygrad.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=-group["lr"])
            return None

    (dp,), = [_dy((2,))]
    opt = PlainSGD([dp], lr=0.5)
    hooked = []
    opt.register_step_post_hook(lambda o, a, k: hooked.append(True))
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    dp.grad = dygrad.ones(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()  # no "scheduler before optimizer" warning: the subclass step was tracked
    np.testing.assert_allclose(to_np(dp), [-0.5, -0.4])
    assert hooked == [True]
    assert opt.param_groups[0]["lr"] == 0.25
    assert "Parameter Group 0\n    initial_lr: 0.5\n    lr: 0.25\n" in repr(opt)


def test_base_step_without_an_update_is_not_implemented():
    class Incomplete(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {})

    (dp,), = [_dy((2,))]
    dp.grad = dygrad.ones(2)
    with pytest.raises(NotImplementedError):
        Incomplete([dp]).step()


def test_deepcopy_of_an_optimizer():
    (dp,), = [_dy((2,))]
    opt = optim.Adam([dp], lr=0.1)
    dp.grad = dygrad.ones(2)
    opt.step()
    clone = copy.deepcopy(opt)
    assert repr(clone) == repr(opt)
    (cp,) = clone.param_groups[0]["params"]
    assert cp is not dp
    np.testing.assert_array_equal(to_np(clone.state[cp]["exp_avg"]),
                                  to_np(opt.state[dp]["exp_avg"]))
    cp.grad = dygrad.ones(2)
    clone.step()
    opt.step()
    np.testing.assert_array_equal(to_np(cp), to_np(dp))


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam",
                                  "RAdam", "Adadelta", "Rprop", "ASGD"])
@pytest.mark.parametrize("pshape,sshape", [((4,), (3,)), ((4,), (1,)), ((1,), (4,)), ((4,), (1, 4)),
                                           ((2, 2), (4,))])
def test_loaded_state_of_another_shape_raises_at_step(name, pshape, sshape):
    # PyTorch fails at step(); NumPy would broadcast some of these updates silently
    kw = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}
    p = dygrad.nn.Parameter(dygrad.ones(sshape))
    opt = getattr(dygrad.optim, name)([p], lr=0.1, **kw)
    p.grad = dygrad.ones_like(p)
    opt.step()
    p2 = dygrad.nn.Parameter(dygrad.ones(pshape))
    opt2 = getattr(dygrad.optim, name)([p2], lr=0.1, **kw)
    opt2.load_state_dict(opt.state_dict())
    p2.grad = dygrad.ones(pshape)
    before = p2.detach().clone()
    with pytest.raises(RuntimeError, match=r"has shape \[.*\], but the parameter has shape"):
        opt2.step()
    assert p2.tolist() == before.tolist()
