"""Optimizer base class: parameter groups, per-parameter state, state_dict, step hooks.

An algorithm is declared per parameter, as MLX's init_single/apply_single: a subclass writes
`init_state(p, state, group)`, which fills the fresh state dict of a parameter (PyTorch's keys and
types), and `update(p, grad, state, group)`, which changes the parameter in place. The base `step`
does the rest once for all: the closure (run with grad enabled), walking the groups, skipping
parameters without a gradient, `maximize` (the gradient is negated before `update` sees it),
creating state at a parameter's first step, bumping version counters, and the step hooks.
`update` works on NumPy arrays (`p._data`, the state tensors' `._data`) with the in-place helpers
of `_updates.py`; it never goes through autograd, so it behaves as under no_grad whatever the
grad mode. A constructor checks its hyperparameters and builds its defaults with
`checked_defaults` (PyTorch's checks, messages and key order); an algorithm with a `capturable`
option names its error in `_capturable_error`, and step refuses such groups once, here.
"""
import functools
import itertools
import warnings
from collections import OrderedDict, defaultdict
from copy import deepcopy
from types import MappingProxyType

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE, enable_grad
from ..utils.hooks import RemovableHandle

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook"]


class _RequiredParameter:
    """Marks a default that every parameter group must set itself."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

_global_step_pre_hooks = OrderedDict()
_global_step_post_hooks = OrderedDict()


def _add_hook(hooks, hook, prepend=False):
    """Stores hook in the ordered dict `hooks` under a new handle's id (first when prepend)."""
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_optimizer_step_pre_hook(hook):
    """Hook run before every optimizer's step: hook(optimizer, args, kwargs)."""
    return _add_hook(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """Hook run after every optimizer's step: hook(optimizer, args, kwargs)."""
    return _add_hook(_global_step_post_hooks, hook)


def _with_step_hooks(step):
    """Wraps a `step` so that step hooks run around it and schedulers can tell it was called."""

    @functools.wraps(step)
    def hooked_step(*args, **kwargs):
        self = args[0]
        trace = STATE.trace
        if trace is not None:  # inside dygrad.jit.trace: a replay calls step() again
            if len(args) > 1 or any(v is not None for v in kwargs.values()):
                trace.fail("optimizer.step(closure) is not replayable (the closure reruns the "
                           "model)")
            else:
                return trace.effect(self.step, [p for g in self.param_groups
                                                for p in g["params"]],
                                    f"{type(self).__name__}.step")
        self._opt_called = True
        if not (self._optimizer_step_pre_hooks or _global_step_pre_hooks
                or self._optimizer_step_post_hooks or _global_step_post_hooks):
            return step(*args, **kwargs)
        for hook in itertools.chain(list(_global_step_pre_hooks.values()),
                                    list(self._optimizer_step_pre_hooks.values())):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(
                        f"{step} must return None or a tuple of (new_args, new_kwargs), but got "
                        f"{result}.")
                args, kwargs = result
        out = step(*args, **kwargs)
        for hook in itertools.chain(list(self._optimizer_step_post_hooks.values()),
                                    list(_global_step_post_hooks.values())):
            hook(self, args, kwargs)
        return out

    hooked_step._dygrad_hooked = True
    return hooked_step


def _typename(obj):
    if isinstance(obj, Tensor):
        return obj.type()
    return type(obj).__name__


def _check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_betas(betas):
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


def _check_nonneg(value, what):
    if not 0.0 <= value:  # (NaN fails too)
        raise ValueError(f"Invalid {what}: {value}")


def _check_rho(rho):
    if not 0.0 <= rho <= 1.0:
        raise ValueError(f"Invalid rho value: {rho}")


def _check_etas(etas):
    if not 0.0 < etas[0] < 1.0 < etas[1]:
        raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")


# hyperparameters with a rule of their own; any other checked one must be >= 0, and PyTorch's
# message calls it "<name> value"
_RULES = {"lr": _check_lr, "betas": _check_betas, "rho": _check_rho, "etas": _check_etas,
          "eps": lambda eps: _check_nonneg(eps, "epsilon value")}


def checked_defaults(checks: str, **defaults) -> dict:
    """The `defaults` dict of an optimizer, after checking the hyperparameters that `checks`
    names, in its order (PyTorch's: it decides which ValueError a call with several bad values
    gets). The keyword order of `defaults` is PyTorch's key order for that optimizer (state_dict
    and checkpoints show it).

    Example::

        >>> checked_defaults("lr eps", lr=1e-3, eps=-1.0, maximize=False)
        Traceback (most recent call last):
        ValueError: Invalid epsilon value: -1.0
    """
    for name in checks.split():
        rule = _RULES.get(name)
        if rule is None:
            _check_nonneg(defaults[name], name + " value")
        else:
            rule(defaults[name])
    return defaults


def _check_fused(fused, differentiable, foreach):
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def capturable_error(tensors: str = "params and state_steps", xla: bool = True) -> str:
    """PyTorch's message for capturable=True on the CPU (capturable steps need an accelerator;
    dygrad has none): an algorithm's `_capturable_error`. `tensors` names what must be on one."""
    devices = ["cuda", "xpu", "hpu", "privateuseone"] + (["xla"] if xla else [])
    return f"If capturable=True, {tensors} must be on supported devices: {devices}."


# the state `update` gets in a group whose algorithm keeps none (read-only: nothing is kept)
_NO_STATE = MappingProxyType({})


class Optimizer:
    """Base class of all optimizers (torch.optim.Optimizer).

    A subclass written for PyTorch (its own `step`) works as is. A dygrad algorithm instead
    declares `init_state` and `update` per parameter and leaves `step` to this class.

    Example::

        >>> class SignSGD(Optimizer):
        ...     def __init__(self, params, lr=0.01):
        ...         super().__init__(params, {"lr": lr, "maximize": False})
        ...     def update(self, p, grad, state, group):
        ...         p._data -= group["lr"] * np.sign(grad)
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        self._bufs = {}
        self._neg_bufs = {}
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                "dicts, but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # torch runs step hooks around every optimizer's step, including a user subclass's own
        # `step`; wrap each one as its class is created (once: a marker flags wrapped ones).
        step = cls.__dict__.get("step")
        if step is not None and callable(step) and not getattr(step, "_dygrad_hooked", False):
            cls.step = _with_step_hooks(step)
        # an algorithm without init_state (SGD) is not called for it at every first update
        cls._init_is_noop = cls.init_state is Optimizer.init_state

    # -- pickling ------------------------------------------------------------------------
    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        if "_bufs" not in self.__dict__:
            self._bufs = {}
            self._neg_bufs = {}
        self.defaults.setdefault("differentiable", False)

    def __repr__(self):
        # each group opens with a newline, so groups after the first follow a blank line
        out = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            out += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    out += f"    {key}: {group[key]}\n"
        return out + ")"

    # -- parameter groups -----------------------------------------------------------------
    def add_param_group(self, param_group):
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        tensors, names = [], []
        for param in params:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are "
                    "missing")
            param_group["param_names"] = names

        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not self.defaults.get("differentiable", None) and not (
                    param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization "
                    f"parameter {name}")
            param_group.setdefault(name, default)
        if param_group.get("differentiable"):
            raise NotImplementedError(
                f"{type(self).__name__}: differentiable=True is not supported by dygrad "
                "(optimizer steps update parameters in place, outside autograd)")

        if len(tensors) != len(set(tensors)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this "
                "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information", stacklevel=3)

        seen = set()
        for group in self.param_groups:
            seen.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # -- gradients -----------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g._rg = False
                arr = g._data
                if arr.flags.writeable:
                    arr.fill(0)
                else:  # e.g. a broadcast view handed over by backward
                    g._data = np.zeros(arr.shape, arr.dtype)
                g._vc[0] += 1

    # -- stepping ------------------------------------------------------------------------
    # set by load_state_dict when a loaded state tensor's shape is not its parameter's: step()
    # then raises (PyTorch fails there too) instead of letting NumPy broadcast the update
    _state_mismatch = None
    _init_is_noop = True  # (for the base class itself; __init_subclass__ sets it per class)

    @_with_step_hooks
    def step(self, closure=None):
        """One optimization step: `update` on every parameter that has a gradient; returns the
        closure's loss (the closure, if given, is run first, with grad enabled)."""
        if self._state_mismatch is not None:
            raise RuntimeError(self._state_mismatch)
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        states = self.state
        update = self.update
        # as under no_grad (an update written with Tensor ops records no graph); set directly:
        # a no_grad() context costs as much as a small parameter's update
        grad_mode = STATE.enabled
        STATE.enabled = False
        try:
            self._update_all(states, update)
        finally:
            STATE.enabled = grad_mode
        return loss

    def _update_all(self, states, update):
        refusal = self._capturable_error
        # torch's float math never warns (0/0 just gives nan); NumPy's would, so silence it here
        with np.errstate(all="ignore"):
            for group in self.param_groups:
                if refusal is not None and group["capturable"]:
                    self._refuse_capturable(group, refusal)
                maximize = group.get("maximize", False)
                stateless = not self._keeps_state(group)
                for p in group["params"]:
                    g = p.grad
                    if g is None:
                        continue
                    ga = g._data
                    if ga.shape != p._data.shape or ga.dtype != p._data.dtype:
                        self._bad_grad(p, g)
                    if maximize:
                        ga = self._negated(p, ga)
                    if stateless:
                        update(p, ga, _NO_STATE, group)
                    else:
                        state = states.get(p)  # .get: no entry for a parameter without state
                        if state:
                            update(p, ga, state, group)
                        else:
                            self._first_update(p, ga, state, group)
                    p._vc[0] += 1

    def init_state(self, p: Tensor, state: dict, group: dict) -> None:
        """Fills `state`, the empty state dict of parameter `p` (of `group`), before its first
        update: PyTorch's keys and types (e.g. Adam's float32 0-dim 'step', 'exp_avg', ...).

        Example (a momentum buffer)::

            def init_state(self, p, state, group):
                state["step"] = _updates.new_step()
                state["buf"] = _updates.zeros_state(p._data)
        """

    def update(self, p: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        """Changes parameter `p` in place, given its gradient `grad` (a NumPy array, already
        negated when the group has maximize=True), its `state` dict and its `group` options.

        Example (plain gradient descent)::

            def update(self, p, grad, state, group):
                p._data -= group["lr"] * grad
        """
        raise NotImplementedError(
            f"{type(self).__name__} must define update(p, grad, state, group) or its own step()")

    # set by an algorithm that has a `capturable` option: the AssertionError's message a
    # capturable group gets at step (see capturable_error)
    _capturable_error = None

    def _refuse_capturable(self, group, message):
        """Fails the step of a capturable group, as PyTorch does on the CPU: after creating the
        state of the group's parameters that have a gradient, before updating any of them."""
        params = [p for p in group["params"] if p.grad is not None]
        if not params:
            return
        for p in params:
            state = self.state[p]
            if not state:
                self.init_state(p, state, group)
        raise AssertionError(message)

    def _keeps_state(self, group):
        """False where the algorithm keeps no per-parameter state for this group's options (SGD
        without momentum): step then neither looks state up nor creates it."""
        return True

    def _first_update(self, p, grad, state, group):
        """The update of a parameter whose state is empty: init_state first; the state is kept
        only if it holds something (torch's SGD without momentum keeps none)."""
        if state is None:
            state = {}
        if not self._init_is_noop:
            self.init_state(p, state, group)
            if state and p not in self.state:  # kept even if the update raises, as in torch
                self.state[p] = state
        self.update(p, grad, state, group)
        if state and p not in self.state:
            self.state[p] = state

    def _check_state_shapes(self, state, params):
        return _state_shape_error(self, state, params)

    def _bad_grad(self, p, g):
        raise RuntimeError(
            f"{type(self).__name__}.step: the gradient of a parameter must match it, got a "
            f"parameter of shape {list(p.shape)} and dtype {p.dtype} with a gradient of shape "
            f"{list(g.shape)} and dtype {g.dtype}")

    def _scratch(self, p, d, n):
        """n reusable work arrays shaped like parameter p (kept out of `state`/state_dict)."""
        bufs = self._bufs.get(p)
        if bufs is None or len(bufs) < n or bufs[0].shape != d.shape or bufs[0].dtype != d.dtype:
            bufs = self._bufs[p] = [np.empty(d.shape, d.dtype) for _ in range(n)]
        return bufs

    def _negated(self, p, g):
        """-g in an array of its own (the scratch arrays are the update's), for maximize=True."""
        buf = self._neg_bufs.get(p)
        if buf is None or buf.shape != g.shape or buf.dtype != g.dtype:
            buf = self._neg_bufs[p] = np.empty(g.shape, g.dtype)
        return np.negative(g, out=buf)

    # -- hooks ---------------------------------------------------------------------------
    def register_step_pre_hook(self, hook):
        return _add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        return _add_hook(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # -- state_dict ----------------------------------------------------------------------
    def state_dict(self):
        """{'state': {param id: state}, 'param_groups': [group with 'params' as ids]}.

        Ids number the parameters in group order; the state tensors are the live ones.
        """
        for hook in list(self._optimizer_state_dict_pre_hooks.values()):
            hook(self)
        ids = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                if id(p) not in ids:
                    ids[id(p)] = len(ids)
            packed["params"] = [ids[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(ids[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        out = {"state": state, "param_groups": groups}
        for hook in list(self._optimizer_state_dict_post_hooks.values()):
            result = hook(self, out)
            if result is not None:
                out = result
        return out

    def load_state_dict(self, state_dict):
        state_dict = state_dict.copy()
        for hook in list(self._optimizer_load_state_dict_pre_hooks.values()):
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group")
        id_map = dict(zip(itertools.chain.from_iterable(s["params"] for s in saved_groups),
                          itertools.chain.from_iterable(g["params"] for g in groups)))
        raw_groups = state_dict["param_groups"]
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                keep_step = _step_keeps_float32(k, raw_groups)
                state[param] = _cast_state(param, v, None, keep_step)
            else:
                state[k] = v
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            new_groups.append(saved)
        self.__setstate__({"state": state, "param_groups": new_groups})
        self._state_mismatch = self._check_state_shapes(state, id_map.values())
        for hook in list(self._optimizer_load_state_dict_post_hooks.values()):
            hook(self)


def _state_shape_error(opt, state, params):
    """A message for the first loaded state tensor (not 0-dim) whose shape is not its
    parameter's, or None."""
    for p in params:
        st = state.get(p)
        if not isinstance(st, dict):
            continue
        for k, v in st.items():
            # 0-dim state is per-parameter scalars (step, NAdam's mu_product, ...)
            if isinstance(v, Tensor) and v._data.ndim and v._data.shape != p._data.shape:
                return (f"{type(opt).__name__}.step: the loaded state '{k}' of a parameter has shape "
                        f"{list(v._data.shape)}, but the parameter has shape {list(p._data.shape)} "
                        f"(load_state_dict was given the state of a different parameter)")
    return None


def _step_keeps_float32(param_id, groups):
    """Whether this parameter's group is fused/capturable (then 'step' is made float32)."""
    for g in groups:
        if param_id in g["params"]:
            return bool(g.get("fused", False) or g.get("capturable", False))
    return False


def _cast_state(param, value, key, step_to_f32):
    """Copies loaded state for `param`: tensors take the parameter's float dtype, except 'step'."""
    if isinstance(value, Tensor):
        if key == "step":
            if step_to_f32 and value._data.dtype != np.float32:
                return _wrap(value._data.astype(np.float32))
            return value
        pd = param._data.dtype
        if pd.kind in "fV" and value._data.dtype != pd:
            return _wrap(value._data.astype(pd))
        return value
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k, step_to_f32) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v, None, step_to_f32) for v in value)
    return value


