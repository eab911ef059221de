"""dygrad.amp: automatic mixed precision on CPU (torch.amp): autocast regions with PyTorch's
CPU policy and GradScaler. See docs/amp.md. The op modules import dygrad.amp._state at
startup; the rest loads on first use."""
__all__ = ["autocast", "GradScaler", "is_autocast_available", "custom_fwd", "custom_bwd"]
_WHERE = {"autocast": "autocast_mode", "is_autocast_available": "autocast_mode",
          "custom_fwd": "autocast_mode", "custom_bwd": "autocast_mode",
          "GradScaler": "grad_scaler"}
_SUBMODULES = ("autocast_mode", "grad_scaler")


def __getattr__(name):
    import importlib
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _WHERE:
        value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dygrad.amp' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_WHERE) | set(_SUBMODULES))
