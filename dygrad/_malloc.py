"""glibc malloc settings for large arrays, applied once at import (Linux with glibc only).

By default glibc serves each allocation above a moving threshold (128 KiB at first) with a fresh
mmap and gives it back to the system on free. A training step allocates and frees arrays of a
few hundred KiB to a few MiB per op, so every step faulted in thousands of fresh zeroed pages:
the char-GPT step took 12,000 page faults and 28 ms of system time per step (of ~180 ms of
CPU). Keeping such arrays on the heap (mmap only above 32 MiB) and not trimming the heap back
to the system until 256 MiB are free at its top lets freed memory be reused: one fault per
step, the same peak resident memory. Set DYGRAD_MALLOC_TUNING=0 to leave malloc as it is.
"""
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20   # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 256 << 20
applied = False


def tune() -> bool:
    """Applies the settings; returns whether it did (False off glibc, or when opted out)."""
    global applied
    if applied or os.environ.get("DYGRAD_MALLOC_TUNING", "1") == "0" \
            or not sys.platform.startswith("linux"):
        return applied
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # glibc only (musl has no mallopt thresholds)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    applied = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return applied
