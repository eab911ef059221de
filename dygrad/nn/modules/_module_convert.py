"""Module's dtype and device conversions: to(), float()/double()/half(), cpu()/cuda().

Conversions replace each parameter's values in place (the Parameter objects stay the same, so
optimizers built before a .double() keep working), and build new buffer tensors.
"""
from ...autograd.grad_mode import no_grad

__all__ = ["_ConvertMixin"]


class _ConvertMixin:
    def _apply(self, fn, recurse=True):
        """Replaces every parameter's and buffer's values by fn(tensor), keeping the objects."""
        if recurse:
            for m in self.children():
                m._apply(fn)
        with no_grad():
            for p in self._parameters.values():
                if p is None:
                    continue
                p._data = fn(p)._data
                if p.grad is not None:
                    p.grad._data = fn(p.grad)._data
            for k, b in self._buffers.items():
                if b is not None:
                    self._buffers[k] = fn(b)
        return self

    def to(self, *args, **kwargs):
        from ...device import parse_to_args
        dtype, _ = parse_to_args("Module.to", args, dict(kwargs))
        if dtype is None:
            return self
        if not dtype.is_floating_point:
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got "
                            f"desired dtype={dtype}")
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)

    def cpu(self):
        return self

    def cuda(self, device=None):
        from ...device import raise_no_cuda
        # .cuda() always means a CUDA device (PyTorch refuses a CPU device here too); portable
        # code moves models with .to(device).
        raise_no_cuda(f"Module.cuda(device={device!r})" if device is not None else "Module.cuda()")

    def xpu(self, device=None):
        raise RuntimeError("Module.xpu(): dygrad runs on the CPU only")

    def mps(self, device=None):
        raise RuntimeError("Module.mps(): dygrad runs on the CPU only")

    def ipu(self, device=None):
        raise RuntimeError("Module.ipu(): dygrad runs on the CPU only")

    def type(self, dst_type):
        return self._apply(lambda t: t.type(dst_type))

    def float(self):
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self):
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self):
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def bfloat16(self):
        """Casts floating-point parameters and buffers to bfloat16 (needs ml_dtypes)."""
        return self._apply(lambda t: t.bfloat16() if t.is_floating_point() else t)

    def to_empty(self, *, device=None, recurse=True):
        from ...device import check_device
        check_device(device, "Module.to_empty")
        from ..._creation import empty_like
        return self._apply(lambda t: empty_like(t), recurse=recurse)

    def share_memory(self):
        """Moves every parameter, gradient and buffer into memory shared between processes
        (`Tensor.share_memory_()`, in place) and returns the module: processes it is then sent
        to train the same parameters (Hogwild, torch.multiprocessing).

        Example::

            >>> m = torch.nn.Linear(2, 1).share_memory()
            >>> m.weight.is_shared()
            True
        """
        return self._apply(lambda t: t.share_memory_())
