"""dtype objects and PyTorch's type-promotion rules.

A dygrad dtype wraps one NumPy dtype. Promotion follows PyTorch, not NumPy: operands are ranked
by priority (tensors with dimensions, then 0-dim tensors, then Python scalars) and by category
(bool < integer < floating); a lower-priority operand only changes the result when it belongs to
a higher category (so int64 tensor + 2.5 -> float32, float32 tensor + float64 0-dim -> float32).
"""
import numpy as np

__all__ = ["dtype", "get_default_dtype", "set_default_dtype", "promote_types", "can_cast"]


class dtype:
    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_signed", "is_complex", "_cat")

    def __init__(self, name, npdtype, cat, itemsize=None):
        self.name = name
        if npdtype is not None:
            self.np = np.dtype(npdtype)
        self.itemsize = itemsize or self.np.itemsize
        self.is_floating_point = cat == 2
        self.is_complex = False
        self.is_signed = cat == 2 or np.dtype(npdtype).kind == "i"
        self._cat = cat  # 0 bool, 1 integer, 2 floating

    def __getattr__(self, attr):
        # only reached for an unfilled slot: bfloat16's NumPy dtype, which loads ml_dtypes
        # (about 1 s to import) the first time a bfloat16 array is needed
        if attr == "np" and self.name == "bfloat16":
            return _bf16_np()
        raise AttributeError(f"'torch.dtype' object has no attribute '{attr}'")

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_complex(self):  # pragma: no cover - complex dtypes are not supported
        raise TypeError("dygrad does not support complex dtypes")


bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
# bfloat16's NumPy dtype comes from the optional ml_dtypes package (pip install 'dygrad[bf16]'),
# loaded on first use so that naming torch.bfloat16 costs nothing and works without it
bfloat16 = dtype("bfloat16", None, 2, itemsize=2)
_BF16_MISSING = ("torch.bfloat16 tensors need the ml_dtypes package (NumPy's bfloat16 dtype): "
                 "pip install 'dygrad[bf16]' (or pip install ml_dtypes)")


def _bf16_np():
    """bfloat16's NumPy dtype, registering it on first call; ImportError naming the extra when
    ml_dtypes is not installed."""
    try:
        import ml_dtypes
    except ImportError:
        raise ImportError(_BF16_MISSING) from None
    npdt = np.dtype(ml_dtypes.bfloat16)
    bfloat16.np = npdt
    _BY_NP[npdt] = bfloat16
    _FMAX[npdt] = float(ml_dtypes.finfo(npdt).max)
    return npdt


def is_bf16_np(npdt):
    """True for ml_dtypes' bfloat16 NumPy dtype (kind 'V', not 'f')."""
    return npdt.kind == "V" and npdt.name == "bfloat16"

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME["bfloat16"] = bfloat16
# PyTorch's aliases
_BY_NAME.update(half=float16, float=float32, double=float64, short=int16, int=int32, long=int64)

_default = [float32]


def _by_name(name):
    return _BY_NAME[name]


def from_numpy_dtype(npdt):
    try:
        return _BY_NP[npdt]
    except KeyError:
        try:
            npdt = np.dtype(npdt)
            if npdt.name == "bfloat16" and npdt.kind == "V":
                _bf16_np()
            return _BY_NP[npdt]
        except (KeyError, TypeError):
            raise TypeError(
                f"can't convert NumPy array of dtype {np.dtype(npdt)}: the supported dtypes are "
                "float64, float32, float16, bfloat16, int64, int32, int16, int8, uint8, and bool"
            ) from None


def to_numpy_dtype(dt):
    """Accepts a dygrad dtype, a NumPy dtype, a Python type or a name; returns a NumPy dtype."""
    if type(dt) is dtype:
        return dt.np
    return as_dtype(dt).np


def as_dtype(dt):
    if type(dt) is dtype:
        return dt
    if dt is None:
        return _default[0]
    if dt is float:
        return float64
    if dt is int:
        return int64
    if dt is bool:
        return bool_
    if isinstance(dt, str):
        try:
            return _BY_NAME[dt.replace("torch.", "")]
        except KeyError:
            raise TypeError(f"unknown dtype name {dt!r}") from None
    return from_numpy_dtype(dt)


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def _promote_np(a, b):
    """PyTorch's promote_types on NumPy dtypes (int + float takes the float type as it is)."""
    if a is b or a == b:
        return a
    ka, kb = a.kind, b.kind
    if ka == "V" or kb == "V":  # bfloat16 (kind 'V'): a float type NumPy does not rank
        if ka in "iub":
            return b
        if kb in "iub":
            return a
        # with another float: float16 or float32 -> float32, float64 -> float64 (PyTorch)
        other = b if ka == "V" else a
        return _NP_F32 if other.itemsize <= 4 else other
    if ka == "f" and kb in "iub":
        return a
    if kb == "f" and ka in "iub":
        return b
    return np.promote_types(a, b)


def promote_types(a, b):
    return from_numpy_dtype(_promote_np(as_dtype(a).np, as_dtype(b).np))


def _category(npdt):
    k = npdt.kind
    return 2 if k in "fV" else (0 if k == "b" else 1)


def _combine(higher, lower):
    """PyTorch's combine_categories: a lower-priority operand only wins through a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.kind in "fV":
        return higher
    if higher.kind == "b" or lower.kind in "fV":
        return _promote_np(higher, lower)
    return higher


_NP_F32 = np.dtype(np.float32)
_NP_I64 = np.dtype(np.int64)
_NP_BOOL = np.dtype(np.bool_)
_NP_U64 = np.dtype(np.uint64)
_2_63, _2_64 = 1 << 63, 1 << 64


def scalar_np_dtype(v):
    """The dtype a Python scalar takes when wrapped (PyTorch's 'wrapped number')."""
    t = type(v)
    if t is bool or t is np.bool_:
        return _NP_BOOL
    if t is int:
        if -_2_63 <= v < _2_63:
            return _NP_I64
        # PyTorch holds a Python int in [2**63, 2**64) as an unsigned 64-bit scalar; beyond
        # that (or below -2**63) it cannot become a Scalar at all
        if _2_63 <= v < _2_64:
            return _NP_U64
        raise OverflowError("int too big to convert" if v > 0
                            else "can't convert negative int to unsigned")
    if t is float:
        return _default[0].np
    if isinstance(v, np.generic):
        k = v.dtype.kind
        return _NP_BOOL if k == "b" else (_NP_I64 if k in "iu" else _default[0].np)
    raise TypeError(f"unsupported scalar type {t.__name__}")


_cache = {}


def result_np_dtype(operands):
    """Result NumPy dtype of an elementwise op over Tensors and Python scalars (PyTorch rules)."""
    dim = zero = wrapped = None
    for o in operands:
        d = getattr(o, "_data", None)
        if d is None:
            s = scalar_np_dtype(o)
            wrapped = s if wrapped is None else _promote_np(wrapped, s)
        elif d.ndim:
            dim = d.dtype if dim is None else _promote_np(dim, d.dtype)
        else:
            zero = d.dtype if zero is None else _promote_np(zero, d.dtype)
    r = _combine(dim, _combine(zero, wrapped))
    if r is _NP_U64:  # only a Python int >= 2**63 brings uint64 in; PyTorch has no such dtype
        other = "Bool" if dim is not None or zero is not None else "Long"
        raise RuntimeError("Promotion for uint16, uint32, uint64 types is not supported, "
                           f"attempted to promote {other} and UInt64")
    return r


_FMAX = {np.dtype(np.float16): 65504.0, np.dtype(np.float32): float(np.finfo(np.float32).max)}


def scalar_value(npdt, v):
    """A Python scalar converted to npdt the way PyTorch casts a wrapped number into an op's
    dtype: an integer out of range wraps around (two's complement), a float beyond a narrow
    float type's range becomes inf (without NumPy's overflow warning)."""
    try:
        if npdt.kind in "fV" and npdt.itemsize < 8 and abs(v) > _FMAX[npdt]:
            with np.errstate(over="ignore"):
                return npdt.type(v)
        return npdt.type(v)
    except OverflowError:
        bits = npdt.itemsize * 8
        v = int(v) % (1 << bits)
        if npdt.kind == "i" and v >= 1 << (bits - 1):
            v -= 1 << bits
        return npdt.type(v)


_CTYPE = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
          "int64": "int64_t", "float32": "float", "float16": "c10::Half", "float64": "double",
          "bool": "bool", "bfloat16": "c10::BFloat16"}


def checked_value(npdt, v):
    """A Python scalar argument (alpha, value, a clamp bound, a pow exponent) converted to npdt
    with PyTorch's checked conversion: RuntimeError where it does not fit. Integers go into an
    unsigned type from -max to max (negatives wrap); floats must lie in the integer range, and
    finite floats within a narrow float type's range; bool takes anything."""
    k = npdt.kind
    if k == "b":
        return npdt.type(v)
    if k in "fV":
        if npdt.itemsize < 8 and v == v and abs(v) != float("inf") and abs(v) > _FMAX[npdt]:
            raise RuntimeError(f"value cannot be converted to type {_CTYPE[npdt.name]} without overflow")
        return npdt.type(v)
    info = np.iinfo(npdt)
    if isinstance(v, (float, np.floating)):
        ok = v == v and info.min <= v <= info.max
    else:
        ok = (-int(info.max) if k == "u" else int(info.min)) <= v <= info.max
    if not ok:
        raise RuntimeError(f"value cannot be converted to type {_CTYPE[npdt.name]} without overflow")
    return scalar_value(npdt, int(v))


def can_cast(from_, to):
    """PyTorch's can_cast: no casting to a lower category (float -> int, int -> bool)."""
    return _category(as_dtype(from_).np) <= _category(as_dtype(to).np)
