"""The base of the learning-rate schedulers (dygrad.optim.lr_scheduler.LRScheduler) and the
helpers they share: the per-group values, the warning of a get_lr called outside step, and the
step that a dygrad.jit trace records as an effect. The schedulers themselves live in
lr_scheduler.py (chainable and composite ones) and _lr_cyclic.py (cyclic ones).

A scheduler's state_dict is its __dict__ without the optimizer, so attribute order matters and
follows torch's.
"""
import functools
import warnings

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from .optimizer import Optimizer

__all__ = ["LRScheduler", "EPOCH_DEPRECATION_WARNING"]

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where "
    "possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if "
    "epoch is different from None, the closed form is used instead of the new chainable form, "
    "where available. Please open an issue if you are unable to replicate your use case: "
    "https://github.com/pytorch/pytorch/issues/new/choose."
)


def _per_group(name, optimizer, value):
    """One value per param group: a list/tuple must match their number, a scalar is repeated."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. {name} has "
                f"{len(value)} values, param_groups has {len(optimizer.param_groups)}.")
    else:
        value = [value] * len(optimizer.param_groups)
    return [v.clone() if isinstance(v, Tensor) else v for v in value]


def _group_values(optimizer, key):
    """[group[key] for each group], copying tensors so callers can't alias the optimizer's."""
    return [g[key].clone() if isinstance(g[key], Tensor) else g[key]
            for g in optimizer.param_groups]


def _set_group_value(group, key, value):
    """group[key] = value, writing into the existing tensor when the group holds a Tensor lr."""
    cur = group[key]
    if isinstance(cur, Tensor):
        cur._data[...] = value.item() if isinstance(value, Tensor) else value
        cur._vc[0] += 1
    else:
        group[key] = value


def _check_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


class _Flag:
    """Sets a boolean attribute of a scheduler for the duration of a `with` block."""

    def __init__(self, sched, name):
        self.sched = sched
        self.name = name

    def __enter__(self):
        setattr(self.sched, self.name, True)
        return self

    def __exit__(self, *exc):
        setattr(self.sched, self.name, False)


def _warn_if_outside_step(sched):
    if not sched._get_lr_called_within_step:
        warnings.warn("To get the last learning rate computed by the scheduler, please use "
                      "`get_last_lr()`.", UserWarning, stacklevel=3)


def _replayable_step(step):
    """A scheduler step inside dygrad.jit.trace changes learning rates, which no tensor op shows:
    it is recorded as an effect, to be called again at each replay."""

    @functools.wraps(step)
    def replayable_step(self, *args, **kwargs):
        trace = STATE.trace
        if trace is None or self._is_initial:
            return step(self, *args, **kwargs)
        if args or any(v is not None for v in kwargs.values()):
            # a metric or an epoch would be replayed with its traced value
            trace.fail(f"{type(self).__name__}.step() with an argument is not replayable (a "
                       "replay would reuse its traced value)")
            return step(self, *args, **kwargs)
        return trace.effect(lambda: replayable_step(self, *args, **kwargs), [],
                            f"{type(self).__name__}.step")
    return replayable_step


class LRScheduler:
    """Base class: subclasses implement `get_lr` (and optionally `_get_closed_form_lr`)."""

    _get_lr_called_within_step = False
    _is_initial = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _replayable_step(cls.__dict__["step"])

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                lr = group["lr"]
                group.setdefault("initial_lr", lr.clone() if isinstance(lr, Tensor) else lr)
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        "scheduler with last_epoch >= 0.\nThis typically happens when:\n1. You're "
                        "trying to resume training from a checkpoint but haven't properly loaded "
                        "the optimizer state\n2. You're using last_epoch >= 0 for a fresh "
                        "training run (not recommended)")
        self.base_lrs = _group_values(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        self._step_count = 0
        with _Flag(self, "_is_initial"):
            self.step()

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)

    def get_last_lr(self):
        return self._last_lr

    def get_lr(self):
        raise NotImplementedError

    @_replayable_step
    def step(self, epoch=None):
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch "
                "1.1.0 and later, you should call them in the opposite order: `optimizer.step()` "
                "before `lr_scheduler.step()`.  Failure to do this will result in PyTorch "
                "skipping the first value of the learning rate schedule. See more details at "
                "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
                UserWarning, stacklevel=3)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=3)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        with _Flag(self, "_get_lr_called_within_step"):
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed = getattr(self, "_get_closed_form_lr", None)
                values = closed() if closed is not None else self.get_lr()
        self._set_lrs(values)

    def _set_lrs(self, values):
        """Gives each param group its new lr, and keeps a copy as the last lrs."""
        for group, lr in zip(self.optimizer.param_groups, values):
            _set_group_value(group, "lr", lr)
        self._last_lr = _group_values(self.optimizer, "lr")
