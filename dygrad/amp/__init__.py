"""dygrad.amp: automatic mixed precision on CPU (torch.amp): autocast regions with PyTorch's
CPU policy and GradScaler. See docs/amp.md. The op modules import dygrad.amp._state at
startup; the rest loads on first use."""
__all__ = ["autocast", "GradScaler", "is_autocast_available", "custom_fwd", "custom_bwd"]
_WHERE = {"autocast": "autocast_mode", "is_autocast_available": "autocast_mode",
          "custom_fwd": "autocast_mode", "custom_bwd": "autocast_mode",
          "GradScaler": "grad_scaler"}
_SUBMODULES = ("autocast_mode", "grad_scaler")


from .._lazy import lazy as _make_lazy  # noqa: E402

__getattr__, __dir__ = _make_lazy(__name__, _SUBMODULES, _WHERE)
