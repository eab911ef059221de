"""torch.set_num_threads / get_num_threads: the thread pools NumPy computes with.

dygrad's arithmetic runs in NumPy, whose matrix products use a BLAS library (OpenBLAS, MKL...)
with its own thread pool. threadpoolctl (`pip install dygrad[threads]`) is the library that
reads and sets those pools while the program runs; without it the pools keep the size the
environment gave them (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS) and set_num_threads warns once.
"""
from __future__ import annotations

import os
import warnings

_warned = False


def _check(n, name):
    if isinstance(n, bool) or not hasattr(n, "__index__"):
        raise RuntimeError(f"{name} expects an int, but got {type(n).__name__}")
    n = n.__index__()
    if n <= 0:
        raise RuntimeError(f"{name} expects a positive integer")
    return n


def set_num_threads(n: int) -> None:
    """Sets the number of threads NumPy's BLAS and OpenMP pools use (matrix products,
    convolutions through them), from now on.

    Example::

        >>> torch.set_num_threads(1)
        >>> torch.get_num_threads()
        1
    """
    global _warned
    n = _check(n, "set_num_threads")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        if not _warned:
            _warned = True
            warnings.warn("dygrad.set_num_threads: threadpoolctl is not installed (pip install "
                          "dygrad[threads]), so NumPy's BLAS keeps its thread count; set "
                          "OPENBLAS_NUM_THREADS before starting Python instead", RuntimeWarning,
                          stacklevel=2)
        return
    threadpool_limits(limits=n)  # applies to every pool loaded now, until changed again


def get_num_threads() -> int:
    """The number of threads NumPy's BLAS pool uses (the largest pool when there are several).

    Example::

        >>> torch.set_num_threads(2)
        >>> torch.get_num_threads()
        2
    """
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        env = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
        return int(env) if env and env.isdigit() and int(env) > 0 else (os.cpu_count() or 1)
    import numpy  # noqa: F401  (its BLAS must be loaded to be seen)
    pools = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
    return max(pools) if pools else (os.cpu_count() or 1)


_interop = None


def set_num_interop_threads(n: int) -> None:
    """Accepted for PyTorch code: dygrad runs no inter-op thread pool (ops run one after the
    other in the calling thread). As PyTorch, it can be set once, before it is read."""
    global _interop
    n = _check(n, "set_num_interop_threads")
    if _interop is not None:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has "
                           "started or set_num_interop_threads called")
    _interop = n


def get_num_interop_threads() -> int:
    """The value given to set_num_interop_threads (1 by default: ops run in the calling
    thread)."""
    return 1 if _interop is None else _interop
