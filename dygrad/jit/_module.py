"""TracedModule: a module whose forward replays a trace of the original module's call.

It shares the original's parameters, buffers and submodules (same objects, same state_dict
keys), so optimizers, checkpoints and train()/eval() see one model. The training flags of every
submodule are part of each trace's key, so switching modes traces again.
"""
from ..autograd.grad_mode import STATE
from ..nn.modules.module import Module, _HOOK_DICTS
from ..nn.modules._module_hooks import _global_any
from ._traced import TracedFunction


def module_tracer(module, fn, name=None, **options):
    """A TracedFunction calling fn (the module, or its original forward) whose plans are keyed
    by the training flags of every submodule; tracing fails (eager fallback) while the module
    or a submodule has hooks, which a replay would not run."""
    mods = list(module.modules())

    def flags():
        return tuple([m.training for m in mods])

    def call(*args, **kwargs):
        # only runs while tracing or for eager fallbacks; replays skip it
        if STATE.trace is not None and (_global_any[0] or any(
                m.__dict__.get(h) for m in mods for h in _HOOK_DICTS[:6])):
            STATE.trace.fail("the module has hooks, which a replay would not run")
        return fn(*args, **kwargs)

    return TracedFunction(call, name or type(module).__name__, flags, **options)


class TracedModule(Module):
    def __init__(self, original):
        super().__init__()
        d = self.__dict__
        d["_parameters"] = original._parameters
        d["_buffers"] = original._buffers
        d["_modules"] = original._modules
        d["_non_persistent_buffers_set"] = original._non_persistent_buffers_set
        d["_original"] = original
        d["original_name"] = type(original).__name__
        self.training = original.training
        d["_mods"] = list(original.modules())
        d["_traced"] = module_tracer(original, original)

    def forward(self, *args, **kwargs):
        return self._traced(*args, **kwargs)

    def train(self, mode=True):
        self._original.train(mode)
        self.training = mode
        return self

    @property
    def code(self):
        return self._traced.code

    @property
    def graph(self):
        return self._traced.graph

    def extra_repr(self):
        return f"original_name={self.original_name}"

