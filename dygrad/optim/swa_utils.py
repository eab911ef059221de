"""Stochastic weight averaging: AveragedModel (SWA / EMA of weights), SWALR, update_bn."""
import itertools
import math
import warnings
from copy import deepcopy

import numpy as np

from .. import _dtype
from .._creation import tensor
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..nn import Module
from ._lr_base import LRScheduler, _per_group
from ._updates import lerp_

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] "
                         "range.")


def _lerp_all(averaged, current, weight):
    """averaged[i] <- lerp(averaged[i], current[i], weight), in place on the arrays."""
    for a, c in zip(averaged, current):
        ad = a._data
        lerp_(ad, c._data, weight, np.empty_like(ad))
        a._vc[0] += 1


def get_ema_multi_avg_fn(decay=0.999):
    """In-place exponential moving average over lists of tensors (for AveragedModel)."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param_list, current_param_list, _):
        if ema_param_list[0].is_floating_point():
            _lerp_all(ema_param_list, current_param_list, 1 - decay)
        else:
            for p_ema, p_model in zip(ema_param_list, current_param_list):
                p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn():
    """In-place running mean over lists of tensors (for AveragedModel)."""

    @no_grad()
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        n = num_averaged.item() if isinstance(num_averaged, Tensor) else num_averaged
        if averaged_param_list[0].is_floating_point():
            # torch computes the weight 1 / (n + 1) as a tensor of the default dtype
            weight = _dtype.get_default_dtype().np.type(1) / (n + 1)
            _lerp_all(averaged_param_list, current_param_list, float(weight))
        else:
            for a, c in zip(averaged_param_list, current_param_list):
                a.copy_(a + (c - a) / (n + 1))

    return swa_update


def get_ema_avg_fn(decay=0.999):
    """Exponential moving average of one tensor: decay * ema + (1 - decay) * current."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    """Running mean of one tensor: averaged + (current - averaged) / (num_averaged + 1)."""

    @no_grad()
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """A copy of `model` whose parameters are the running (SWA) or custom average of model's."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=_dtype.int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _pairs(self, model):
        if self.use_buffers:
            mine = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.parameters(), model.parameters()
        return [(a.detach(), b.detach()) for a, b in zip(mine, theirs)]

    def update_parameters(self, model):
        """Folds model's current parameters into the average (the first call copies them)."""
        pairs = self._pairs(model)
        if bool(self.n_averaged == 0):
            for a, b in pairs:
                a.copy_(b)
        if self.n_averaged.item() > 0:
            if self.multi_avg_fn is not None:
                by_dtype = {}
                for a, b in pairs:
                    by_dtype.setdefault(a.dtype, ([], []))
                    by_dtype[a.dtype][0].append(a)
                    by_dtype[a.dtype][1].append(b)
                for mine, theirs in by_dtype.values():
                    self.multi_avg_fn(mine, theirs, self.n_averaged)
            else:
                # on CPU torch averages one tensor at a time, with get_swa_avg_fn by default
                avg_fn = self.avg_fn if self.avg_fn is not None else get_swa_avg_fn()
                for a, b in pairs:
                    a.copy_(avg_fn(a, b, self.n_averaged))
        if not self.use_buffers:
            for a, b in zip(self.module.buffers(), model.buffers()):
                a.detach().copy_(b.detach())
        self.n_averaged += 1


def _is_batchnorm(module):
    return (hasattr(module, "reset_running_stats") and hasattr(module, "running_mean")
            and hasattr(module, "momentum"))


@no_grad()
def update_bn(loader, model, device=None):
    """Recomputes BatchNorm running statistics with one pass over `loader` (cumulative average)."""
    momenta = {}
    for module in model.modules():
        if _is_batchnorm(module):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneals each group's lr to a fixed swa_lr over anneal_epochs, then holds it."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        for value, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please use "
                          "`get_last_lr()`.", UserWarning, stacklevel=2)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        # recover the lr the schedule started from, then move a step further along it
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / span)))
        groups = self.optimizer.param_groups
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / span)))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
