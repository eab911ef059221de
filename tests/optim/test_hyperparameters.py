"""What the optimizers' constructors and a capturable step do with their options, recorded from
PyTorch 2.13 (runs without torch): the defaults' key order, which ValueError a call with several
bad values gets (the order of the checks), and the AssertionError of capturable=True on the CPU
with the state it leaves."""

import numpy as np
import pytest

import dygrad
from dygrad import optim

DEFAULT_KEYS = {
    "SGD": "lr momentum dampening weight_decay nesterov maximize foreach differentiable fused",
    "Adam": "lr betas eps weight_decay amsgrad maximize foreach capturable differentiable fused "
            "decoupled_weight_decay",
    "AdamW": "lr betas eps weight_decay amsgrad maximize foreach capturable differentiable fused "
             "decoupled_weight_decay",
    "Adamax": "lr betas eps weight_decay foreach maximize differentiable capturable",
    "RAdam": "lr betas eps weight_decay maximize foreach capturable decoupled_weight_decay "
             "differentiable",
    "NAdam": "lr betas eps weight_decay momentum_decay decoupled_weight_decay maximize foreach "
             "capturable differentiable",
    "Adadelta": "lr rho eps weight_decay maximize capturable foreach differentiable",
    "RMSprop": "lr momentum alpha eps centered weight_decay capturable foreach maximize "
               "differentiable",
    "Adagrad": "lr lr_decay eps weight_decay initial_accumulator_value foreach maximize "
               "differentiable fused",
    "Rprop": "lr etas step_sizes foreach maximize differentiable capturable",
    "ASGD": "lr lambd alpha t0 weight_decay foreach maximize differentiable capturable",
}


@pytest.mark.parametrize("name", sorted(DEFAULT_KEYS))
def test_defaults_keep_torchs_key_order(name):
    opt = getattr(optim, name)([dygrad.zeros(2, requires_grad=True)])
    assert list(opt.defaults) == DEFAULT_KEYS[name].split()
    assert [k for k in opt.state_dict()["param_groups"][0] if k != "params"] == list(opt.defaults)


_BAD = {"lr": -1.0, "eps": -1.0, "weight_decay": -1.0, "momentum": -1.0, "alpha": -1.0,
        "rho": 2.0, "lr_decay": -1.0, "initial_accumulator_value": -1.0, "momentum_decay": -1.0,
        "betas": (0.5, 1.0), "etas": (1.5, 1.2)}
# each message of the sequence a call gets when all its checked options are bad and the one
# named is set right before the next call
CHECK_ORDER = {
    "SGD": ["learning rate: -1.0", "momentum value: -1.0", "weight_decay value: -1.0"],
    "Adam": ["learning rate: -1.0", "epsilon value: -1.0", "beta parameter at index 1: 1.0",
             "weight_decay value: -1.0"],
    "Adamax": ["learning rate: -1.0", "epsilon value: -1.0", "beta parameter at index 1: 1.0",
               "weight_decay value: -1.0"],
    "RAdam": ["learning rate: -1.0", "epsilon value: -1.0", "beta parameter at index 1: 1.0",
              "weight_decay value: -1.0"],
    "NAdam": ["learning rate: -1.0", "epsilon value: -1.0", "beta parameter at index 1: 1.0",
              "weight_decay value: -1.0", "momentum_decay value: -1.0"],
    "Adadelta": ["learning rate: -1.0", "rho value: 2.0", "epsilon value: -1.0",
                 "weight_decay value: -1.0"],
    "RMSprop": ["learning rate: -1.0", "epsilon value: -1.0", "momentum value: -1.0",
                "weight_decay value: -1.0", "alpha value: -1.0"],
    "Adagrad": ["learning rate: -1.0", "lr_decay value: -1.0", "weight_decay value: -1.0",
                "initial_accumulator_value value: -1.0", "epsilon value: -1.0"],
    "ASGD": ["learning rate: -1.0", "weight_decay value: -1.0"],
    "Rprop": ["learning rate: -1.0", "eta values: 1.5, 1.2"],
}
_NAMED = {"learning rate": "lr", "epsilon": "eps", "beta parameter": "betas", "eta values": "etas"}


@pytest.mark.parametrize("name", sorted(CHECK_ORDER))
def test_several_bad_options_fail_in_torchs_order(name):
    cls = getattr(optim, name)
    expected = CHECK_ORDER[name]
    kwargs = {k: v for k, v in _BAD.items() if k in DEFAULT_KEYS[name].split()}
    for msg in expected:
        with pytest.raises(ValueError) as exc:
            cls([dygrad.zeros(1, requires_grad=True)], **kwargs)
        assert str(exc.value) == "Invalid " + msg
        what = msg.split(":")[0]
        key = next((k for label, k in _NAMED.items() if what.startswith(label)),
                   what.removesuffix(" value"))
        del kwargs[key]
    cls([dygrad.zeros(1, requires_grad=True)], **kwargs)  # the rest is unchecked (ASGD's alpha)


_CAPTURABLE = {
    "Adam": "params and state_steps", "AdamW": "params and state_steps",
    "Adamax": "params and state_steps", "RAdam": "params and state_steps",
    "NAdam": "params, mu_products and state_steps", "RMSprop": "params and state_steps",
    "Rprop": "params and state_steps", "Adadelta": "params and state_steps",
    "ASGD": "params, mus, etas, and state_steps",
}


@pytest.mark.parametrize("name", sorted(_CAPTURABLE))
def test_capturable_fails_on_cpu_like_torch(name):
    # torch creates the state of every parameter of the group that has a gradient, then fails
    # before any update; parameters without a gradient get no state
    ps = [dygrad.ones(2, requires_grad=True) for _ in range(3)]
    ps[1].grad = dygrad.ones(2)
    ps[2].grad = dygrad.ones(2)
    opt = getattr(optim, name)(ps, capturable=True)
    devices = ["cuda", "xpu", "hpu", "privateuseone"] + (["xla"] if name != "Adadelta" else [])
    with pytest.raises(AssertionError) as exc:
        opt.step()
    assert str(exc.value) == (f"If capturable=True, {_CAPTURABLE[name]} must be on supported "
                              f"devices: {devices}.")
    assert ps[0] not in opt.state
    for p in ps[1:]:
        assert float(opt.state[p]["step"]) == 0.0
        np.testing.assert_array_equal(p.detach().numpy(), np.ones(2, np.float32))


def test_capturable_group_without_gradients_steps_quietly():
    p = dygrad.ones(2, requires_grad=True)
    opt = optim.Adam([p], capturable=True)
    opt.step()  # nothing to update: torch does not fail either
    assert not opt.state
