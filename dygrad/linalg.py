"""dygrad.linalg: PyTorch's torch.linalg namespace (the subset dygrad implements).

Every function is a declared op (ops/linalg_namespace.py, ops/norms.py, ops/linalg.py), generated
into dygrad/_ns_linalg.py with its out= spelling.
"""
from .ops.dense import LinAlgError  # noqa: F401
from ._ns_linalg import *  # noqa: F401,F403  (the declared ops of torch.linalg)
from ._ns_linalg import __all__ as _declared

__all__ = ["LinAlgError"] + _declared
