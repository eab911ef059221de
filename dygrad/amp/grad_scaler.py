"""torch.amp.GradScaler: dynamic loss scaling. The loss is multiplied by a scale before
backward; unscale_ divides the gradients back and records whether any is inf/nan; step skips
the optimizer's step when one was; update halves the scale after such a step (backoff) and
doubles it after growth_interval clean steps in a row. The scale is a float32 value, stepped
in float32 as PyTorch does, so its trajectory matches PyTorch's exactly."""
from __future__ import annotations

import warnings
from enum import Enum

import numpy as np

__all__ = ["GradScaler"]


class OptState(Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


class GradScaler:
    """Scales losses, unscales gradients and skips steps whose gradients overflowed.

    Example::

        >>> model = torch.nn.Linear(2, 1)
        >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> scaler = torch.amp.GradScaler("cpu")
        >>> loss = model(torch.ones(4, 2)).pow(2).mean()
        >>> scaler.scale(loss).backward()
        >>> scaler.step(opt)
        >>> scaler.update()
        >>> scaler.get_scale()
        65536.0
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = enabled
        if device == "cuda" and enabled:
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  "
                          "Disabling.", UserWarning, stacklevel=2 + getattr(self, "_depth", 0))
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale = None
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker = None
            self._per_optimizer_states = {}

    def _lazy_init(self):
        self._scale = np.float32(self._init_scale)
        self._growth_tracker = self._init_growth_tracker

    def _check_scale_growth_tracker(self, funcname):
        fix = "This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration."
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  " + fix)

    def _state(self, optimizer):
        return self._per_optimizer_states.setdefault(
            id(optimizer), {"stage": OptState.READY, "found_inf": None})

    def scale(self, outputs):
        """outputs (a tensor, or an iterable of them) multiplied by the current scale."""
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._lazy_init()
        from .._tensor import Tensor
        from .._creation import tensor

        def one(v):
            if isinstance(v, Tensor):
                return v * tensor(float(self._scale), dtype=_f32())
            if isinstance(v, (list, tuple)):
                return type(v)(one(x) for x in v)
            if hasattr(v, "__iter__"):
                return map(one, v)
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")
        return one(outputs)

    def unscale_(self, optimizer) -> None:
        """Divides the gradients of optimizer's parameters by the scale, in place, and records
        whether any of them is inf or nan."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        st = self._state(optimizer)
        if st["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if st["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv = np.float32(1.0) / self._scale
        found = None  # stays None when no parameter has a gradient (PyTorch records no check)
        from .. import _dtype
        from ..autograd.grad_mode import no_grad
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    g = p.grad
                    if g is None:
                        continue
                    if g.dtype is _dtype.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    g.mul_(float(inv))  # inv is a float32 value: exact in a float32 grad
                    d = g._data
                    found = bool(found)
                    if not found and not np.isfinite(d.astype(np.float32, copy=False)).all():
                        found = True
        st["found_inf"] = found
        st["stage"] = OptState.UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """optimizer.step(*args, **kwargs) unless the unscaled gradients held inf/nan (then
        nothing, and None is returned). Unscales first if unscale_ was not called."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        st = self._state(optimizer)
        if st["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if st["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if st["found_inf"] is None:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        retval = None
        if not st["found_inf"]:
            retval = optimizer.step(*args, **kwargs)
        st["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale=None) -> None:
        """Backoff after a skipped step, growth after growth_interval clean steps; or sets the
        scale to new_scale (a float or a one-element tensor)."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, float):
                self._scale = np.float32(new_scale)
            else:
                if not (getattr(new_scale, "numel", lambda: 0)() == 1 and not new_scale.requires_grad):
                    raise AssertionError("new_scale should be a float or a 1-element "
                                         "torch.cpu.FloatTensor or torch.FloatTensor with requires_grad=False.")
                self._scale = np.float32(new_scale.item())
        else:
            found = [s["found_inf"] for s in self._per_optimizer_states.values()
                     if s["found_inf"] is not None]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(found):
                self._scale = np.float32(self._scale * np.float32(self._backoff_factor))
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    grown = np.float32(self._scale * np.float32(self._growth_factor))
                    if np.isfinite(grown):
                        self._scale = grown
                    self._growth_tracker = 0
        self._per_optimizer_states = {}

    def _get_scale_async(self):
        return self._scale

    def get_scale(self) -> float:
        """The current scale (init_scale before the first scale(); 1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return float(self._init_scale if self._scale is None else self._scale)

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker

    def is_enabled(self) -> bool:
        return self._enabled

    def state_dict(self) -> dict:
        """scale, growth_factor, backoff_factor, growth_interval, _growth_tracker ({} when
        disabled)."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale = np.float32(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker = state_dict["_growth_tracker"]


def _f32():
    from .._dtype import float32
    return float32


class CudaGradScaler(GradScaler):
    """torch.cuda.amp.GradScaler: PyTorch's FutureWarning; on this CUDA-less machine it warns
    and disables itself, so scale/step/update pass through."""
    _depth = 1

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)
