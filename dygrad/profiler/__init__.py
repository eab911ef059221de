"""torch.profiler: record_function and profile (see dygrad.autograd.profiler)."""
from ..autograd.profiler import record_function, profile  # noqa: F401

__all__ = ["record_function", "profile"]
