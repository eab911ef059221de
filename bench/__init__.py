"""Benchmarks: dygrad against PyTorch CPU eager and hand-written NumPy, run side by side.

Nothing here may import numpy at package import time: `python -m bench.run` must be able to set
the BLAS thread variables before numpy loads.
"""
