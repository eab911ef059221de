"""What the collectives share: argument checks, root ranks, ReduceOp and NumPy buffers for MPI.

MPI reads and writes C-contiguous NumPy arrays. A tensor whose array already is one is used
in place; otherwise the op works on a contiguous copy and writes the result back when it
finishes. float16 travels as raw 16-bit words and is reduced in float32 (MPI has no portable
half type); bool travels as bytes and is reduced as 0/1 bytes (SUM and MAX are logical or,
PRODUCT and MIN logical and), which every MPI supports.
"""
import enum

import numpy as np

from .._tensor import Tensor
from .process_group import _mpi

__all__ = ["ReduceOp"]


class _RedOpType(enum.IntEnum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8

    def __str__(self):
        return f"RedOpType.{self.name}"


_RedOpType.__name__ = _RedOpType.__qualname__ = "RedOpType"


class ReduceOp:
    """Reduction operations for all_reduce, reduce and reduce_scatter. The members
    (ReduceOp.SUM, ...) are ReduceOp.RedOpType values, as in PyTorch."""
    RedOpType = _RedOpType
    SUM = _RedOpType.SUM
    AVG = _RedOpType.AVG
    PRODUCT = _RedOpType.PRODUCT
    MIN = _RedOpType.MIN
    MAX = _RedOpType.MAX
    BAND = _RedOpType.BAND
    BOR = _RedOpType.BOR
    BXOR = _RedOpType.BXOR
    PREMUL_SUM = _RedOpType.PREMUL_SUM

    def __init__(self, op=_RedOpType.SUM):
        self.op = _as_redop(op)

    def __eq__(self, other):
        try:
            return self.op == _as_redop(other)
        except TypeError:
            return NotImplemented

    def __hash__(self):
        return hash(self.op)

    def __repr__(self):
        return f"ReduceOp({self.op!r})"


def _as_redop(op):
    if isinstance(op, ReduceOp):
        return op.op
    if isinstance(op, _RedOpType):
        return op
    if isinstance(op, int) and not isinstance(op, bool) and 0 <= op <= 8:
        return _RedOpType(op)
    raise TypeError(f"expected a ReduceOp (e.g. dist.ReduceOp.SUM) for op, got {op!r}")


_FLOAT_OPS = {_RedOpType.SUM: "SUM", _RedOpType.AVG: "SUM", _RedOpType.PRODUCT: "PROD",
              _RedOpType.MIN: "MIN", _RedOpType.MAX: "MAX"}
_INT_OPS = {_RedOpType.SUM: "SUM", _RedOpType.PRODUCT: "PROD", _RedOpType.MIN: "MIN",
            _RedOpType.MAX: "MAX", _RedOpType.BAND: "BAND", _RedOpType.BOR: "BOR",
            _RedOpType.BXOR: "BXOR"}
_BOOL_OPS = {_RedOpType.SUM: "MAX", _RedOpType.PRODUCT: "MIN", _RedOpType.MIN: "MIN",
             _RedOpType.MAX: "MAX", _RedOpType.BAND: "MIN", _RedOpType.BOR: "MAX",
             _RedOpType.BXOR: "BXOR"}
_DTYPE_NAMES = {"b": "Bool", "f": "Float", "i": "Long", "u": "Byte"}


def reduce_plan(dtype, op, opname):
    """(MPI op, dtype to reduce in or None for dtype itself, whether to divide by the group
    size afterwards) for reducing arrays of `dtype` with `op`."""
    op = _as_redop(op)
    kind = dtype.kind
    table = _FLOAT_OPS if kind in "fV" else _BOOL_OPS if kind == "b" else _INT_OPS
    name = table.get(op)
    if name is None:
        if op == _RedOpType.AVG:
            raise RuntimeError(
                f"{opname}: ReduceOp.AVG needs a floating-point tensor, got dtype "
                f"{_dtype_str(dtype)} (result type Float can't be cast to the desired output "
                f"type {_DTYPE_NAMES.get(kind, kind)})")
        raise RuntimeError(f"{opname}: ReduceOp.{op.name} is not supported for tensors of dtype "
                           f"{_dtype_str(dtype)}")
    cast = np.float32 if dtype == np.float16 else None
    return getattr(_mpi(), name), cast, op == _RedOpType.AVG


def _dtype_str(npdt):
    from .._dtype import from_numpy_dtype
    return str(from_numpy_dtype(npdt))


def wire(a):
    """The array as MPI moves it: float16 as 16-bit words, bool as bytes (same memory)."""
    k = a.dtype
    if k == np.float16:
        return a.view(np.uint16)
    if k == np.bool_:
        return a.view(np.uint8)
    return a


def source(t):
    """t's values in a C-contiguous array MPI may read (t's own array when possible)."""
    a = t._data
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def target(t, cast=None, keep=True):
    """(array MPI writes t's new values into, whether they must be copied back into t).
    keep=True starts the array from t's values (for in-place reductions)."""
    a = t._data
    if cast is None and a.flags.c_contiguous and a.flags.writeable:
        return a, False
    dt = cast or a.dtype
    if keep:
        return np.array(a, dtype=dt, order="C"), True
    return np.empty(a.shape, dtype=dt), True


def store(t, buf, copied):
    """Makes buf t's values (when it is a separate array) and records the in-place write."""
    if copied:
        np.copyto(t._data, buf, casting="unsafe")
    t._vc[0] += 1


def check_tensor(t, name):
    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type Tensor "
                        f"but got {type(t)} instead.")


def check_tensor_list(lst, name):
    if not isinstance(lst, list):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"List[Tensor] but got {type(lst)} instead.")
    if not all(isinstance(t, Tensor) for t in lst):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"List[Tensor] but got {type(lst)} with elements of type "
                        f"{[type(t) for t in lst]}.")


def check_same_dtype(tensors):
    first = None
    for t in tensors:
        if first is None:
            first = t
        elif t._data.dtype != first._data.dtype:
            raise ValueError(f"Invalid usage of tensors with different dtypes: found "
                             f"{first.dtype} and {t.dtype}")


def check_list_shapes(opname, lst, shape, size, what):
    if len(lst) != size:
        raise RuntimeError(f"{opname}: {what} must hold one tensor per rank of the group "
                           f"({size}), got {len(lst)}")
    for i, t in enumerate(lst):
        if t._data.shape != shape:
            raise RuntimeError(f"{opname}: invalid tensor size at index {i} of {what} (expected "
                               f"{tuple(shape)}, got {tuple(t._data.shape)})")


def group_root(pg, rank, group_rank, what, default=None):
    """The group rank named by a global `rank` or by `group_rank` (src/dst arguments)."""
    if group_rank is not None:
        if rank is not None:
            raise ValueError(f"Can't specify both group_{what} and {what}")
        r = int(group_rank)
        if not 0 <= r < pg._size:
            raise ValueError(f"Invalid group_{what} {r} for a group of size {pg._size}")
        return r
    if rank is None:
        if default is None:
            raise ValueError(f"Must specify {what} or group_{what}")
        rank = pg._ranks[default]
    r = pg._to_group.get(int(rank))
    if r is None:
        raise ValueError(f"Invalid {what} rank {rank}: global rank {rank} is not part of the "
                         f"group (ranks {pg._ranks})")
    return r
