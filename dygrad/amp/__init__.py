"""dygrad.amp: automatic mixed precision on CPU (torch.amp): autocast regions with PyTorch's
CPU policy and GradScaler. See docs/amp.md. The op modules import dygrad.amp._state at
startup; the rest loads on first use."""
__all__ = ["autocast", "GradScaler", "is_autocast_available"]
_WHERE = {"autocast": "autocast_mode", "is_autocast_available": "autocast_mode",
          "GradScaler": "grad_scaler"}


def __getattr__(name):
    if name in _WHERE:
        import importlib
        value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dygrad.amp' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
