"""torch.autocast / torch.amp.autocast: regions where ops follow PyTorch's CPU mixed-precision
policy (dygrad.amp._state.POLICY). Only "cpu" is real here; "cuda" (and the deprecated
torch.cuda.amp.autocast) warn and disable themselves, as PyTorch does on a machine without CUDA."""
from __future__ import annotations

import copy
import functools
import warnings

from .. import _dtype
from ._state import STATE

__all__ = ["autocast", "is_autocast_available"]

_DEFAULT = {"cpu": "bfloat16", "cuda": "float16"}
_KNOWN = ("cpu", "cuda", "mps", "xpu", "hpu", "xla", "ipu", "mtia", "meta", "privateuseone")


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can run on device_type: only "cpu" in dygrad."""
    return device_type == "cpu"


class autocast:
    """Context manager and decorator: inside, the ops on PyTorch's CPU lower-precision list
    (linear, matmul, conv, bmm, baddbmm, ...) cast their floating inputs to `dtype`, the ops
    on its float32 list (the losses, prod, ...) to float32, and the rest keep their inputs'
    dtypes. Gradients flow back through the casts to float32 parameters in float32.

    Example::

        >>> m = torch.nn.Linear(4, 2)
        >>> with torch.autocast("cpu", dtype=torch.bfloat16):
        ...     y = m(torch.ones(3, 4))
        >>> y.dtype
        torch.bfloat16
    """

    def __init__(self, device_type: str, dtype=None, enabled: bool = True,
                 cache_enabled: bool | None = None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _KNOWN:
            raise RuntimeError(f"Invalid device string: '{device_type}'")
        self.device = device_type
        self.fast_dtype = getattr(_dtype, _DEFAULT.get(device_type, "float16")) if dtype is None \
            else _dtype.as_dtype(dtype)
        self._cache_enabled = True if cache_enabled is None else bool(cache_enabled)
        enabled = bool(enabled)
        if enabled and device_type != "cpu":
            if device_type == "cuda":
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                              UserWarning, stacklevel=2)
            else:
                warnings.warn(f"User specified an unsupported autocast device_type "
                              f"'{device_type}'", UserWarning, stacklevel=2)
            enabled = False
        if enabled and self.fast_dtype not in (_dtype.bfloat16, _dtype.float16):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling "
                          "autocast.\nCPU Autocast only supports dtypes of torch.bfloat16, "
                          "torch.float16 currently.", UserWarning, stacklevel=2)
            enabled = False
        self._enabled = enabled

    def __enter__(self):
        if self.device != "cpu":
            return self
        self._prev = (STATE.on, STATE.dtype, STATE.cache_on)
        STATE.on = self._enabled
        if self._enabled:
            STATE.dtype = self.fast_dtype
        STATE.cache_on = self._cache_enabled
        STATE.depth += 1
        return self

    def __exit__(self, *exc):
        if self.device != "cpu":
            return False
        STATE.on, STATE.dtype, STATE.cache_on = self._prev
        STATE.depth -= 1
        if STATE.depth == 0:  # leaving the outermost region frees the cast weights
            STATE.cache.clear()
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with copy.copy(self):  # a fresh region per call (recursion, threads of one program)
                return func(*args, **kwargs)
        return decorate_autocast


def _cpu_only(device_type):
    if not isinstance(device_type, str):
        raise TypeError(f"expected a device type string, got {type(device_type).__name__}")
    if device_type not in _KNOWN:
        raise RuntimeError(f"Invalid device string: '{device_type}'")
    return device_type == "cpu"


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether an enabled autocast region is active for device_type (no argument: CUDA's)."""
    return device_type is not None and _cpu_only(device_type) and STATE.on


def get_autocast_dtype(device_type: str):
    """The low-precision dtype autocast uses on device_type (CPU: bfloat16 unless set)."""
    if _cpu_only(device_type):
        return STATE.dtype or _dtype.bfloat16
    return getattr(_dtype, _DEFAULT.get(device_type, "float16"))


def set_autocast_enabled(device_type: str, enabled: bool) -> None:
    if _cpu_only(device_type):
        STATE.on = bool(enabled)
        if STATE.dtype is None:
            STATE.dtype = _dtype.bfloat16


def set_autocast_dtype(device_type: str, dtype) -> None:
    if _cpu_only(device_type):
        STATE.dtype = _dtype.as_dtype(dtype)


def is_autocast_cache_enabled() -> bool:
    return STATE.cache_on


def set_autocast_cache_enabled(enabled: bool) -> None:
    STATE.cache_on = bool(enabled)


def clear_autocast_cache() -> None:
    STATE.cache.clear()


class _DeprecatedAutocast(autocast):
    """torch.cpu.amp.autocast / torch.cuda.amp.autocast: PyTorch's FutureWarning, then autocast."""
    _device = "cpu"

    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True):
        d = self._device
        warnings.warn(f"`torch.{d}.amp.autocast(args...)` is deprecated. Please use "
                      f"`torch.amp.autocast('{d}', args...)` instead.", FutureWarning, stacklevel=2)
        if d == "cuda":
            if dtype is None:
                dtype = _dtype.float16
            if enabled:
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                              UserWarning, stacklevel=2)
            super().__init__("cpu", dtype=_dtype.bfloat16, enabled=False, cache_enabled=cache_enabled)
            self.device, self.fast_dtype = "cuda", _dtype.as_dtype(dtype)
            return
        super().__init__(d, dtype=_dtype.bfloat16 if dtype is None else dtype, enabled=enabled,
                         cache_enabled=cache_enabled)


class cpu_autocast(_DeprecatedAutocast):
    _device = "cpu"


class cuda_autocast(_DeprecatedAutocast):
    _device = "cuda"


def _cast(value, dtype):
    from .._tensor import Tensor
    if isinstance(value, Tensor):
        return value.to(dtype) if value.is_floating_point() and value.dtype is not _dtype.float64 \
            else value
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(v, dtype) for v in value)
    if isinstance(value, dict):
        return {k: _cast(v, dtype) for k, v in value.items()}
    return value


def custom_fwd(fwd=None, *, device_type: str, cast_inputs=None):
    """Decorator for a custom autograd.Function's forward: records whether autocast was on (so
    custom_bwd runs backward in the same state); with cast_inputs, inside an autocast region the
    floating inputs are cast to that dtype and forward runs with autocast off."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        ctx = args[0]
        ctx._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None:
            ctx._fwd_used_autocast = is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        on = is_autocast_enabled(device_type)
        ctx._fwd_used_autocast = False
        if on:
            with autocast(device_type=device_type, enabled=False):
                return fwd(*_cast(args, cast_inputs), **_cast(kwargs, cast_inputs))
        return fwd(*args, **kwargs)
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type: str):
    """Decorator for a custom autograd.Function's backward: runs it in the autocast state its
    forward (decorated with custom_fwd) ran in."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type=device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            return bwd(*args, **kwargs)
    return decorate_bwd


# PyTorch's deprecated per-device spellings (DeprecationWarning, then the new function)
def _deprecated(old, new):
    warnings.warn(f"torch.{old} is deprecated. Please use torch.{new} instead.",
                  DeprecationWarning, stacklevel=3)


def is_autocast_cpu_enabled() -> bool:
    _deprecated("is_autocast_cpu_enabled()", "is_autocast_enabled('cpu')")
    return is_autocast_enabled("cpu")


def get_autocast_cpu_dtype():
    _deprecated("get_autocast_cpu_dtype()", "get_autocast_dtype('cpu')")
    return get_autocast_dtype("cpu")


def get_autocast_gpu_dtype():
    _deprecated("get_autocast_gpu_dtype()", "get_autocast_dtype('cuda')")
    return get_autocast_dtype("cuda")


def set_autocast_cpu_enabled(enabled: bool) -> None:
    _deprecated("set_autocast_cpu_enabled(enabled)", "set_autocast_enabled('cpu', enabled)")
    set_autocast_enabled("cpu", enabled)


def set_autocast_cpu_dtype(dtype) -> None:
    _deprecated("set_autocast_cpu_dtype(dtype)", "set_autocast_dtype('cpu', dtype)")
    set_autocast_dtype("cpu", dtype)
