"""torch.backends.cuda without CUDA: settable matmul / attention flags with PyTorch's defaults."""

__all__ = ["is_built", "matmul", "flash_sdp_enabled", "enable_flash_sdp", "mem_efficient_sdp_enabled",
           "enable_mem_efficient_sdp", "math_sdp_enabled", "enable_math_sdp", "cudnn_sdp_enabled",
           "enable_cudnn_sdp", "sdp_kernel", "preferred_linalg_library"]


def is_built():
    return False


class _Matmul:
    """torch.backends.cuda.matmul: the cuBLAS flags (settable, ignored on the CPU)."""

    def __init__(self):
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True
        self.fp32_precision = "none"


matmul = _Matmul()

_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def _sdp_flag(kernel):
    """The getter and setter PyTorch has for one attention kernel's flag."""
    def enabled() -> bool:
        return _sdp[kernel]

    def enable(enabled: bool) -> None:
        _sdp[kernel] = bool(enabled)

    enabled.__name__ = enabled.__qualname__ = f"{kernel}_sdp_enabled"
    enable.__name__ = enable.__qualname__ = f"enable_{kernel}_sdp"
    enabled.__doc__ = f"Whether the {kernel} attention kernel is enabled (a flag on the CPU)."
    enable.__doc__ = f"Enables or disables the {kernel} attention kernel (a flag on the CPU)."
    return enabled, enable


flash_sdp_enabled, enable_flash_sdp = _sdp_flag("flash")
mem_efficient_sdp_enabled, enable_mem_efficient_sdp = _sdp_flag("mem_efficient")
math_sdp_enabled, enable_math_sdp = _sdp_flag("math")
cudnn_sdp_enabled, enable_cudnn_sdp = _sdp_flag("cudnn")


class sdp_kernel:
    """Deprecated context manager choosing attention kernels; records the flags and restores
    them on exit (the CPU always runs the math kernel)."""

    def __init__(self, enable_flash=True, enable_math=True, enable_mem_efficient=True,
                 enable_cudnn=True):
        self._new = {"flash": enable_flash, "math": enable_math,
                     "mem_efficient": enable_mem_efficient, "cudnn": enable_cudnn}

    def __enter__(self):
        self._saved = dict(_sdp)
        _sdp.update({k: bool(v) for k, v in self._new.items()})
        return self

    def __exit__(self, *exc):
        _sdp.update(self._saved)
        return False


def preferred_linalg_library(backend=None):
    return "default"
