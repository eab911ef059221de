"""The torch.* function namespace (torch.add, torch.cat, torch.max, ...).

Each function forwards to its op family module; names and signatures follow PyTorch.
"""
from .ops import elementwise as _ew
from .ops import reduction as _red

__all__ = [
    "equal", "clone", "norm",
]


def equal(input, other):
    return input.equal(other)


def clone(input, *, memory_format=None):
    return input.clone(memory_format=memory_format)


# -- reductions ----------------------------------------------------------------------------------
# torch.norm stays written here: its `out` is positional, before dtype (Tensor.norm has dtype
# 4th), so the two spellings cannot come from one signature; Tensor.norm is declared in
# ops/norms.py (function=False)
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    return _ew._out(_red.norm(input, p, dim, keepdim, dtype=dtype), out, "norm")


# the less common functions live in _functions_extra.py (same namespace)
from ._functions_extra import *  # noqa: E402,F401,F403
from ._functions_extra import __all__ as _extra_all  # noqa: E402

__all__ += _extra_all
