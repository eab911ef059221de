"""DataParallel on a machine without CUDA devices.

PyTorch's DataParallel, when no accelerator is available, keeps the module, sets device_ids to []
and forwards calls unchanged; dygrad always is in that situation, so this mirrors it exactly:
outputs and gradients are the module's own, and state_dict keys carry the "module." prefix.
"""
from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel expects an nn.Module, got {type(module).__name__}")
        self.module = module
        self.device_ids = []  # no accelerators: requested ids are ignored, as in PyTorch
        self.dim = dim
        self.output_device = None
        self.src_device_obj = None

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)

    def replicate(self, module, device_ids):
        return [module]

    def scatter(self, inputs, kwargs, device_ids):
        return (inputs,), (kwargs,)

    def gather(self, outputs, output_device):
        return outputs[0] if len(outputs) == 1 else outputs


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """Functional form: evaluates module(*inputs) in this process."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))
