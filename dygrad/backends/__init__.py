"""torch.backends: flags of the accelerated backends, as a CPU-only PyTorch build reports them.

The flags can be set (scripts set cudnn.benchmark / deterministic); dygrad's NumPy kernels are
deterministic whatever they say."""
from . import cpu, cuda, cudnn, mps  # noqa: F401

__all__ = ["cpu", "cuda", "cudnn", "mps"]
