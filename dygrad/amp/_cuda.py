"""torch.cuda.amp on a machine without CUDA: the deprecated spellings warn as PyTorch's do
there and disable themselves, so scaler.scale(loss).backward(); scaler.step(opt);
scaler.update() trains in float32."""
from .autocast_mode import cuda_autocast as autocast  # noqa: F401
from .grad_scaler import CudaGradScaler as GradScaler  # noqa: F401

import functools
import warnings

from . import autocast_mode as _am

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd"]


def custom_fwd(fwd=None, *, cast_inputs=None):
    """Deprecated torch.cuda.amp.custom_fwd: torch.amp.custom_fwd(device_type='cuda')."""
    warnings.warn("`torch.cuda.amp.custom_fwd(args...)` is deprecated. Please use "
                  "`torch.amp.custom_fwd(args..., device_type='cuda')` instead.", FutureWarning,
                  stacklevel=2)
    return _am.custom_fwd(fwd=fwd, device_type="cuda", cast_inputs=cast_inputs)


def custom_bwd(bwd=None):
    """Deprecated torch.cuda.amp.custom_bwd: torch.amp.custom_bwd(device_type='cuda')."""
    warnings.warn("`torch.cuda.amp.custom_bwd(args...)` is deprecated. Please use "
                  "`torch.amp.custom_bwd(args..., device_type='cuda')` instead.", FutureWarning,
                  stacklevel=2)
    return _am.custom_bwd(bwd=bwd, device_type="cuda")
