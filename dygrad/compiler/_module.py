"""OptimizedModule: what torch.compile returns for an nn.Module.

As in PyTorch, the original module is its child `_orig_mod` (state_dict keys gain the
`_orig_mod.` prefix), attributes it lacks are read from the original, and train()/eval() reach
the original through the child. Calling it runs the compiled replayer of the original's call.
"""
from ..nn.modules.module import Module


class OptimizedModule(Module):
    """A compiled module (torch._dynamo.eval_frame.OptimizedModule's role)."""

    def __init__(self, mod: Module, compiled) -> None:
        super().__init__()
        self._orig_mod = mod
        self.__dict__["_compiled"] = compiled
        self.training = mod.training

    def forward(self, *args, **kwargs):
        return self.__dict__["_compiled"](*args, **kwargs)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.__dict__["_modules"]["_orig_mod"], name)
