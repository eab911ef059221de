"""torch.cuda.amp on a machine without CUDA: the deprecated spellings warn as PyTorch's do
there and disable themselves, so scaler.scale(loss).backward(); scaler.step(opt);
scaler.update() trains in float32."""
from .autocast_mode import cuda_autocast as autocast  # noqa: F401
from .grad_scaler import CudaGradScaler as GradScaler  # noqa: F401

__all__ = ["autocast", "GradScaler"]
