"""`functorch`: the name torch.func had before PyTorch 2.0, which PyTorch 2.13 still offers.

As in PyTorch, its transforms are torch.func's behind a FutureWarning that names the torch.func
spelling, and it keeps the older module API: ``make_functional``,
``make_functional_with_buffers`` and ``combine_state_for_ensemble`` (a module turned into a
function of its parameters), built here on :func:`functional_call`.
"""
import copy
import functools
import warnings

from .. import func as _func
from ..nn.modules.module import Module

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "functionalize", "make_functional", "make_functional_with_buffers", "combine_state_for_ensemble",
           "FunctionalModule", "FunctionalModuleWithBuffers"]


def _warn(old, new):
    warnings.warn(
        "We've integrated functorch into PyTorch. As the final step of the integration, "
        f"`functorch.{old}` is deprecated as of PyTorch 2.0 and will be deleted in a future "
        f"version of PyTorch >= 2.3. Please use `{new}` instead; see the PyTorch 2.0 release "
        "notes and/or the `torch.func` migration guide for more details "
        "https://pytorch.org/docs/main/func.migrating.html", FutureWarning, stacklevel=3)


def _deprecated(name):
    target = getattr(_func, name)

    @functools.wraps(target)
    def wrapper(*args, **kwargs):
        _warn(name, f"torch.func.{name}")
        return target(*args, **kwargs)
    return wrapper


grad = _deprecated("grad")
grad_and_value = _deprecated("grad_and_value")
vjp = _deprecated("vjp")
jvp = _deprecated("jvp")
jacrev = _deprecated("jacrev")
jacfwd = _deprecated("jacfwd")
hessian = _deprecated("hessian")
vmap = _deprecated("vmap")
functionalize = _func.functionalize  # not deprecated in PyTorch 2.13


class FunctionalModule(Module):
    """A module called as ``fmodel(params, *args)``: `params` replace its parameters, in the
    order of ``named_parameters()``."""

    def __init__(self, stateless_model, param_names):
        super().__init__()
        self.stateless_model = stateless_model
        self.param_names = tuple(param_names)

    def forward(self, params, *args, **kwargs):
        return _func.functional_call(self.stateless_model, dict(zip(self.param_names, params)),
                                     args, kwargs)


class FunctionalModuleWithBuffers(Module):
    """A module called as ``fmodel(params, buffers, *args)``."""

    def __init__(self, stateless_model, param_names, buffer_names):
        super().__init__()
        self.stateless_model = stateless_model
        self.param_names = tuple(param_names)
        self.buffer_names = tuple(buffer_names)

    def forward(self, params, buffers, *args, **kwargs):
        values = dict(zip(self.param_names, params))
        values.update(zip(self.buffer_names, buffers))
        return _func.functional_call(self.stateless_model, values, args, kwargs)


def _split(model, disable_autograd_tracking):
    twin = copy.deepcopy(model)
    names, params = zip(*twin.named_parameters()) if list(twin.parameters()) else ((), ())
    if disable_autograd_tracking:
        params = tuple(p.detach() for p in params)
    return twin, names, tuple(params)


def make_functional(model, disable_autograd_tracking=False):
    """``(fmodel, params)``: a copy of `model` as a function ``fmodel(params, *args)`` and its
    parameters (new tensors: the model's own are not shared). Deprecated as in PyTorch: use
    :func:`torch.func.functional_call`.

    Example::

        >>> fmodel, params = functorch.make_functional(torch.nn.Linear(2, 1))
        >>> fmodel(params, torch.ones(3, 2)).shape
        torch.Size([3, 1])
    """
    _warn("make_functional", "torch.func.functional_call")
    if list(model.buffers()):
        raise RuntimeError("make_functional(model): `model` has buffers. Please use "
                           "make_functional_with_buffers(model) instead.")
    twin, names, params = _split(model, disable_autograd_tracking)
    return FunctionalModule(twin, names), params


def make_functional_with_buffers(model, disable_autograd_tracking=False):
    """``(fmodel, params, buffers)``, called as ``fmodel(params, buffers, *args)``."""
    _warn("make_functional_with_buffers", "torch.func.functional_call")
    twin, names, params = _split(model, disable_autograd_tracking)
    bnames = [n for n, _ in twin.named_buffers()]
    buffers = tuple(b for _, b in twin.named_buffers())
    return FunctionalModuleWithBuffers(twin, names, bnames), params, buffers


def combine_state_for_ensemble(models):
    """``(fmodel, params, buffers)`` of same-shaped `models`, each parameter and buffer stacked
    on a new leading dim (tensors that do not require grad), for ``vmap(fmodel)``."""
    _warn("combine_state_for_ensemble", "torch.func.stack_module_state")
    models = list(models)
    try:
        params, buffers = _func.stack_module_state(models)
    except RuntimeError as exc:  # the same checks, under this function's name
        msg = str(exc)
        if msg.startswith("stack_module_state:"):
            raise RuntimeError("combine_state_for_ensemble:" + msg[len("stack_module_state:"):])
        raise
    fmodel = FunctionalModuleWithBuffers(copy.deepcopy(models[0]), list(params), list(buffers))
    return (fmodel, tuple(p.detach() for p in params.values()), tuple(buffers.values()))
