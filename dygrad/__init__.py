"""dygrad: a define-by-run deep-learning framework on NumPy with PyTorch's API.

    import dygrad as torch
"""
__version__ = "0.1.0"

import numpy as _np

# PyTorch computes inf and nan silently (log(0) = -inf, 0/0 = nan). Doing the same per op through
# np.errstate would cost about 1 us an op, so dygrad sets NumPy's handling once, at import.
_np.seterr(divide="ignore", invalid="ignore", over="ignore", under="ignore")

from . import _malloc  # noqa: E402
_malloc.tune()  # large arrays reuse freed heap memory instead of fresh pages (see _malloc.py)

from ._dtype import (dtype, get_default_dtype, set_default_dtype, promote_types, can_cast,  # noqa: F401
                     bool_ as bool, uint8, int8, int16, int32, int64, float16, float32, float64)
from ._dtype import float16 as half, float32 as float, float64 as double, bfloat16  # noqa: F401
from ._dtype import int16 as short, int32 as int, int64 as long  # noqa: F401
from ._tensor import Tensor, Size  # noqa: F401
from .device import device  # noqa: F401
from .autograd.grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,  # noqa: F401
                                 is_grad_enabled, is_inference_mode_enabled)
from .random import Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state, default_generator  # noqa: F401
from ._creation import (tensor, as_tensor, asarray, from_numpy, zeros, ones, empty, full,  # noqa: F401
                        zeros_like, ones_like, empty_like, full_like, rand_like, randn_like,
                        randint_like, arange, linspace, logspace, eye, rand, randn, randint,
                        randperm, normal, scalar_tensor, frombuffer,
                        empty_strided, tril_indices, triu_indices)
from .ops.bucketing import searchsorted, bucketize, histc, bincount, heaviside, diag_embed  # noqa: F401
from .device import get_default_device, set_default_device  # noqa: F401
from ._creation import range as _range_fn
from ._tensor_str import set_printoptions  # noqa: F401
from ._layout import (memory_format, contiguous_format, preserve_format, channels_last,  # noqa: F401
                      channels_last_3d)
from . import autograd, cuda, accelerator, random, backends  # noqa: F401
from ._functions import *  # noqa: F401,F403  (the torch.* functional namespace)
from ._op_functions import *  # noqa: F401,F403  (the declared ops, generated from ops/_registry)
from .ops import return_types  # noqa: F401,E402

# Subpackages load on first use: `import dygrad` stays fast (the import-time benchmark), while
# `dygrad.nn`, `import dygrad.nn as nn` and `from dygrad import optim` all work as usual.
_LAZY_MODULES = frozenset({"nn", "optim", "utils", "linalg", "testing", "serialization", "vision",
                           "distributed", "cli", "special", "jit", "compiler", "distributions",
                           "multiprocessing", "_dynamo", "onnx", "amp", "cpu", "func", "fx",
                           "profiler"})
_LAZY_ATTRS = {"save": "serialization", "load": "serialization", "vmap": "func"}
_LAZY_ATTRS.update(dict.fromkeys((  # torch.autocast and its state functions (amp autocast)
    "autocast", "is_autocast_enabled", "get_autocast_dtype", "set_autocast_enabled",
    "set_autocast_dtype", "is_autocast_cache_enabled", "set_autocast_cache_enabled",
    "clear_autocast_cache", "is_autocast_cpu_enabled", "get_autocast_cpu_dtype",
    "get_autocast_gpu_dtype", "set_autocast_cpu_enabled", "set_autocast_cpu_dtype"),
    "amp.autocast_mode"))


from ._lazy import lazy as _make_lazy  # noqa: E402

__getattr__, __dir__ = _make_lazy(__name__, _LAZY_MODULES, _LAZY_ATTRS)

range = _range_fn


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(t):
    return t.is_floating_point()


def numel(t):
    return t.numel()


def typename(obj):
    return obj.type() if isinstance(obj, Tensor) else type(obj).__name__


from ._threads import (set_num_threads, get_num_threads, set_num_interop_threads,  # noqa: E402
                       get_num_interop_threads)


def use_deterministic_algorithms(mode, *, warn_only=False):
    """dygrad's algorithms are deterministic already."""


def are_deterministic_algorithms_enabled():
    return True


def compile(model=None, **kwargs):
    """torch.compile: see dygrad.compiler.compile (capture once per input signature, replay).

    Example::

        >>> f = torch.compile(lambda x: torch.relu(x) * 2)
        >>> f(torch.tensor([-1.0, 2.0]))
        tensor([0., 4.])
    """
    from .compiler import compile as _compile
    return _compile(model, **kwargs)


FloatTensor = DoubleTensor = HalfTensor = LongTensor = IntTensor = ShortTensor = CharTensor = ByteTensor = BoolTensor = BFloat16Tensor = None


def _legacy_types():
    # torch.FloatTensor(...) etc.: constructors producing a fixed dtype
    g = globals()
    for name, dt in (("FloatTensor", float32), ("DoubleTensor", float64), ("HalfTensor", float16),
                     ("LongTensor", int64), ("IntTensor", int32), ("ShortTensor", int16),
                     ("CharTensor", int8), ("ByteTensor", uint8), ("BoolTensor", bool),
                     ("BFloat16Tensor", bfloat16)):
        def make(dt):
            class _T(Tensor):
                def __new__(cls, *args, **kwargs):
                    kwargs["dtype"] = dt
                    t = Tensor.__new__(Tensor, *args, **kwargs)
                    return t
            return _T
        cls = make(dt)
        cls.__name__ = cls.__qualname__ = name
        g[name] = cls


_legacy_types()
