"""torch.cpu.amp: deprecated spellings of torch.amp.autocast("cpu") and torch.amp.GradScaler("cpu")."""
import warnings

from ..amp.autocast_mode import cpu_autocast as autocast  # noqa: F401
from ..amp.grad_scaler import GradScaler as _GradScaler

__all__ = ["autocast", "GradScaler"]


class GradScaler(_GradScaler):
    """torch.cpu.amp.GradScaler: PyTorch's FutureWarning, then torch.amp.GradScaler("cpu")."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        warnings.warn("`torch.cpu.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cpu', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cpu", init_scale, growth_factor, backoff_factor, growth_interval, enabled)
