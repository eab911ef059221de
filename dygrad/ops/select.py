"""Clamping and selection: clamp, maximum/minimum (ties split the gradient), where, lerp."""

import numpy as np

from ..autograd.views import check_no_overlap, written
from .. import _dtype
from .._tensor import Tensor, _inplace
from ..autograd.grad_mode import STATE
from ..autograd.node import Node, sum_to
from . import _bw
from ._registry import op
from .elementwise import (_Binary, _binary, _broadcast_error, _fmt, _float_np, _data,
                          as_tensor_like)

from .unary import _Unary
from ._util import checked_scalar
from ._record import record, record1

ndarray = np.ndarray


class ClampBackward1(_Unary):
    __slots__ = ("lo", "hi")

    def backward(self, g, x):
        xd = _data(x)
        keep = np.ones(xd.shape, bool)
        if self.lo is not None:
            keep &= xd >= _data(self.lo)
        if self.hi is not None:
            keep &= xd <= _data(self.hi)
        return _bw.where(keep, g, 0)


class ClampBackward0(Node):
    """clamp with tensor bounds. PyTorch's masks: x gets g where lo <= x <= hi, lo where
    x < lo < hi, hi where x > hi or lo > hi (hi is the result); a NaN where it decides sends g
    nowhere."""
    __slots__ = ("has", "shapes", "dtypes")

    def backward(self, g, *vals):
        has_lo, has_hi = self.has
        xd = _data(vals[0])
        lo = _data(vals[1]) if has_lo else None
        hi = _data(vals[1 + has_lo]) if has_hi else None
        keep = (xd >= lo) & (xd <= hi) if has_lo and has_hi else (xd >= lo if has_lo else xd <= hi)
        masks = [keep]
        if has_lo:
            masks.append((xd < lo) & (lo < hi) if has_hi else xd < lo)
        if has_hi:
            masks.append((xd > hi) | (lo > hi) if has_lo else xd > hi)
        outs = []
        for m, nf, shape, dt in zip(masks, self.next_functions, self.shapes, self.dtypes):
            if nf[0] is None:
                outs.append(None)
                continue
            r = sum_to(_bw.where(m, g, 0), shape)
            outs.append(_bw.cast(r, dt))
        return tuple(outs)


def _np_clamp(d, lo, hi):
    # max then min, as PyTorch: NaN (in x or a bound) propagates, and lo > hi gives hi
    if lo is not None:
        d = np.maximum(d, lo)
    return d if hi is None else np.minimum(d, hi)


def _broadcastable(a, b):
    try:
        np.broadcast_shapes(a._data.shape, b._data.shape)
        return True
    except ValueError:
        return False


def _clamp_tensors(x, min, max):
    if (min is not None and not isinstance(min, Tensor)) or (max is not None and not isinstance(max, Tensor)):
        raise TypeError(f"clamp(): min and max must both be Tensors or both numbers, got "
                        f"({type(min).__name__}, {type(max).__name__})")
    ts = [t for t in (x, min, max) if t is not None]
    npdt = _dtype.result_np_dtype(ts)
    if npdt.kind == "b":
        raise RuntimeError("clamp is not supported for complex types or bool")
    arrs = [t._data if t._data.dtype == npdt else t._data.astype(npdt) for t in ts]
    has = (min is not None, max is not None)

    def kernel(*a):
        return np.asarray(_np_clamp(a[0], a[1] if has[0] else None, a[-1] if has[1] else None), npdt)

    try:
        out = kernel(*arrs)
    except ValueError as e:     # shapes that do not broadcast: PyTorch's error, not NumPy's
        pairs = [(a, b) for i, a in enumerate(ts) for b in ts[i + 1:]]
        a, b = next(((a, b) for a, b in pairs if not _broadcastable(a, b)), pairs[0])
        raise _broadcast_error("clamp", a, b, e) from None
    ts = tuple(ts)
    r, node = record(out, ClampBackward0, ts, replay=(_clamp_replay, kernel, npdt, ts), name="clamp")
    if node is not None:
        node.has = has
        node.shapes = [t._data.shape for t in ts]
        node.dtypes = [t._data.dtype for t in ts]
        node.save(*ts)
    return r


def _clamp_replay(kernel, npdt, ts):
    """clamp's replay kernel for a graph capture (built only while one runs)."""
    return (lambda *a: kernel(*[v.astype(npdt, copy=False) for v in a])), ts


def _clamp_scalar_replay(npdt, lo, hi, x):
    return (lambda d: np.asarray(_np_clamp(d.astype(npdt, copy=False), lo, hi), npdt)), (x,)


@op(out=True, out_dtype="same", aliases=('clip',), inplace="dygrad.ops.select:clamp_", backward=ClampBackward1,
    summary='Clamps every element into [min, max] (either bound may be None or a tensor).',
    example='torch.tensor([-2.0, 0.5, 3.0]), min=-1.0, max=1.0')
def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_tensors(input, min, max)
    d = input._data
    lo = min
    hi = max
    if d.dtype.kind not in "fV" and (isinstance(lo, float) or isinstance(hi, float)):
        d = d.astype(_dtype._default[0].np)
    elif d.dtype.kind == "b":
        d = _bool_clamp_input(d, lo, hi)
    if d.dtype.kind in "iu":  # integer bounds must fit the dtype (PyTorch's checked conversion)
        lo = None if lo is None else checked_scalar(lo, d.dtype)
        hi = None if hi is None else checked_scalar(hi, d.dtype)
    out = np.asarray(_np_clamp(d, lo, hi), dtype=d.dtype)
    t, node = record1(out, ClampBackward1, input, (_clamp_scalar_replay, d.dtype, lo, hi, input),
                      name="clamp")
    if node is not None:
        node.save(input)
        node.lo, node.hi = lo, hi
    return t


clip = clamp


def _bool_clamp_input(d, lo, hi):
    """A bool tensor clamped by scalars computes in the promoted dtype: int bounds give int64
    (PyTorch's promotion, not logical ops); bool bounds alone have no kernel in PyTorch."""
    if all(b is None or type(b) is bool for b in (lo, hi)):
        which = "clamp" if lo is not None and hi is not None else \
            "clamp_min" if lo is not None else "clamp_max"
        raise NotImplementedError(f'"{which}_scalar_cpu" not implemented for \'Bool\'')
    return d.astype(np.int64)


def _fits_in_place(d, lo, hi):
    """Scalar bounds that clamp a tensor of d's dtype without changing its dtype."""
    if d.dtype.kind in "fV":
        return True
    return d.dtype.kind in "iu" and all(b is None or isinstance(b, (int, np.integer))
                                        for b in (lo, hi))


def clamp_(x, min=None, max=None):
    if not (STATE.enabled and x._rg) and not isinstance(min, Tensor) and not isinstance(max, Tensor) \
            and _fits_in_place(x._data, min, max):
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        d = x._data
        if d.dtype.kind in "iu":
            min = None if min is None else checked_scalar(min, d.dtype)
            max = None if max is None else checked_scalar(max, d.dtype)
        if 0 in d.strides:
            check_no_overlap(d)
        if min is not None and max is not None:
            np.clip(d, min, max, out=d)
        elif min is not None:
            np.maximum(d, min, out=d)
        else:
            np.minimum(d, max, out=d)
        return written(x)
    # clamp the values of a copy: the gradient needs the pre-clamp values, which x loses
    return _inplace(x, clamp(x.clone(), min, max))


def clamp_min(input, min):
    return clamp(input, min, None)


def clamp_min_(x, min):
    return clamp_(x, min, None)


def clamp_max(input, max):
    return clamp(input, None, max)


def clamp_max_(x, max):
    return clamp_(x, None, max)


# one bound each: declared from one table (their bodies above are one line each)
for _fn, _bound, _ex in ((clamp_min, "at least min", "0.0"), (clamp_max, "at most max", "1.0")):
    op(out=True, out_dtype="same", inplace=f"dygrad.ops.select:{_fn.__name__}_",
       summary=f"Clamps every element to {_bound}.",
       example=f"torch.tensor([-2.0, 0.5, 3.0]), {_ex}")(_fn)
del _fn, _bound, _ex


class MaximumBackward0(_Binary):
    __slots__ = ("sign",)

    def backward(self, g, a, b):
        # PyTorch's rule: ties split the gradient; a NaN pair sends it to both inputs; the
        # loser gets exactly 0 (masked, so a nan or inf incoming gradient does not leak)
        ad, bd = _data(a), _data(b)
        lt, gt = (ad < bd, ad > bd) if self.sign > 0 else (ad > bd, ad < bd)
        tie = ad == bd
        gs = g * _bw.const(np.where(tie, 0.5, 1.0).astype(_float_np(ad)), g) if tie.any() else g
        nf = self.next_functions
        ga = _bw.where(lt, 0, gs) if nf[0][0] is not None else None
        gb = _bw.where(gt, 0, gs) if nf[1][0] is not None else None
        return ga, gb


class MinimumBackward0(MaximumBackward0):
    __slots__ = ()


def _extremum(name, npop, node, sign, summary):
    """maximum/minimum/fmax/fmin: one body, the kernel and which side wins (sign) per op."""
    def extremum(input, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"{name}(): argument 'other' must be Tensor, not {type(other).__name__}")
        r = _binary(input, other, npop, node, name)
        if r.grad_fn is not None:
            r.grad_fn.sign = sign
        return r
    extremum.__name__ = extremum.__qualname__ = name
    return op(out=True, backward=node, summary=summary,
              example="torch.tensor([1.0, 5.0, -2.0]), torch.tensor([3.0, 2.0, -1.0])")(extremum)


maximum = _extremum("maximum", np.maximum, MaximumBackward0, 1,
                    "Elementwise maximum (NaN if either is NaN).")
minimum = _extremum("minimum", np.minimum, MinimumBackward0, -1,
                    "Elementwise minimum (NaN if either is NaN).")


class FmaxBackward0(_Binary):
    __slots__ = ("sign",)

    def backward(self, g, a, b):
        # the gradient goes to `a` where a wins or ties or b is NaN, else to `b` (no split)
        ad, bd = _data(a), _data(b)
        to_a = ((ad >= bd) if self.sign > 0 else (ad <= bd)) | np.isnan(bd)
        nf = self.next_functions
        ga = _bw.where(to_a, g, 0) if nf[0][0] is not None else None
        gb = _bw.where(to_a, 0, g) if nf[1][0] is not None else None
        return ga, gb


class FminBackward0(FmaxBackward0):
    __slots__ = ()


fmax = _extremum("fmax", np.fmax, FmaxBackward0, 1,
                 "Elementwise maximum ignoring NaN (NaN only where both are).")
fmin = _extremum("fmin", np.fmin, FminBackward0, -1,
                 "Elementwise minimum ignoring NaN (NaN only where both are).")


class WhereBackward0(Node):
    __slots__ = ("oshape", "shapes", "dtypes")

    def backward(self, g, cond):  # saved: the condition
        if isinstance(cond, Tensor):
            cond = cond._data
        c = np.broadcast_to(cond if cond.dtype.kind == "b" else cond.astype(bool), self.oshape)
        nf = self.next_functions
        ga = gb = None
        if nf[0][0] is not None:
            ga = sum_to(_bw.where(c, g, 0), self.shapes[0])
            if self.dtypes[0] is not None:
                ga = _bw.cast(ga, self.dtypes[0])
        if nf[1][0] is not None:
            gb = sum_to(_bw.where(c, 0, g), self.shapes[1])
            if self.dtypes[1] is not None:
                gb = _bw.cast(gb, self.dtypes[1])
        return ga, gb

    def _release_extra(self):
        pass


@op(self_arg="input", tensor_first=None, out=True, out_dtype="same",
    backward=WhereBackward0,
    summary='input where condition holds, else other (alone: nonzero(condition, as_tuple=True)).',
    example='torch.tensor([True, False, True]), torch.tensor([1.0, 2.0, 3.0]), torch.tensor(-1.0)')
def where(condition, input=None, other=None):
    if input is None and other is None:
        from .masked import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        condition = as_tensor_like(condition, None)
    cd = condition._data
    if cd.dtype.kind != "b":
        if cd.dtype == np.uint8:
            cd = cd.astype(bool)
        else:
            raise RuntimeError(
                f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                f"{condition.dtype}")
    a = input if isinstance(input, Tensor) else None
    b = other if isinstance(other, Tensor) else None
    operands = [x for x in (input, other)]
    npdt = _dtype.result_np_dtype(operands)
    ad = a._data if a is not None else checked_scalar(input, npdt)
    bd = b._data if b is not None else checked_scalar(other, npdt)
    try:
        out = np.where(cd, ad, bd)
    except ValueError:
        raise RuntimeError(
            f"where: shapes of condition {list(cd.shape)}, input {_fmt(input)} and other "
            f"{_fmt(other)} cannot be broadcast together") from None
    out = np.asarray(out, dtype=npdt)
    t, node = record(out, WhereBackward0, (input, other),
                     replay=(_where_replay, npdt, condition, input if a is not None else ad,
                             other if b is not None else bd), name="where")
    if node is not None:
        node.oshape = out.shape
        node.shapes = (np.shape(ad), np.shape(bd))
        node.dtypes = (None if a is None or a._data.dtype == npdt else a._data.dtype,
                       None if b is None or b._data.dtype == npdt else b._data.dtype)
        # the condition is saved: changing it in place before backward raises, as in PyTorch
        node.save(condition)
    return t


def _where_replay(npdt, *args):
    """where's replay kernel for a graph capture (built only while one runs)."""
    return (lambda c, a, b: np.asarray(np.where(c.astype(bool, copy=False), a, b), npdt)), args


class LerpBackward0(Node):
    __slots__ = ("shapes", "w_is_t")

    def backward(self, g, start, end, *w):
        weight = w[0] if w else self.__dict__["wscalar"]
        nf = self.next_functions
        gs = sum_to(g * (-weight + 1), self.shapes[0]) if nf[0][0] is not None else None
        ge = sum_to(g * weight, self.shapes[1]) if nf[1][0] is not None else None
        gw = None
        if len(nf) > 2 and nf[2][0] is not None:
            gw = sum_to(g * (end - start), self.shapes[2])
        return (gs, ge, gw) if len(nf) > 2 else (gs, ge)


@op(out=True, inplace=True, inplace_function=False, tensor_first="overloads",
    summary='Linear interpolation input + weight * (end - input).',
    example='torch.tensor([0.0, 1.0]), torch.tensor([10.0, 3.0]), 0.5')
def lerp(input, end, weight):
    sd, ed = input._data.dtype, end._data.dtype
    if sd != ed:
        from .._convert import _CTYPE
        raise RuntimeError(f"expected dtype {_CTYPE.get(sd.name, sd.name)} for `end` but got "
                           f"dtype {_CTYPE.get(ed.name, ed.name)}")
    if sd.kind not in "fV":
        from .._convert import SCALAR_NAMES
        kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
        raise NotImplementedError(
            f'"{kernel}" not implemented for \'{SCALAR_NAMES.get(sd.name, sd.name)}\'')
    return input + (end - input) * weight


def _addc_operands(input, tensor1, tensor2, value):
    """addcmul/addcdiv compute in the promoted dtype of all three tensors (uint8 * uint8 must not
    wrap when input is int16), with value converted to it as PyTorch does (0.5 -> 0 for ints)."""
    from .elementwise import cast
    ts = (input, tensor1, tensor2)
    for name, t in zip(("input", "tensor1", "tensor2"), ts):
        if not isinstance(t, Tensor):
            raise TypeError(f"addcmul/addcdiv: argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
    npdt = _dtype.result_np_dtype(ts)
    if npdt.kind == "b":
        raise NotImplementedError("addcmul/addcdiv: not implemented for torch.bool tensors")
    dt = _dtype.from_numpy_dtype(npdt)
    ts = [t if t._data.dtype == npdt else cast(t, dt) for t in ts]
    return ts, (value if value == 1 and type(value) is int else _dtype.checked_value(npdt, value))


class _AddcBackward(Node):
    """One node for input + value * t1 (*|/) t2, with PyTorch's formulas: each tensor's
    gradient is formed at full size and then summed down (the order decides where inf and nan
    appear)."""
    __slots__ = ("shapes", "value")

    def backward(self, g, t1, t2):
        nf = self.next_functions
        s0, s1, s2 = self.shapes
        v = self.value
        g0 = sum_to(g, s0) if nf[0][0] is not None else None
        g1 = sum_to(self.d1(g, t1, t2, v), s1) if nf[1][0] is not None else None
        g2 = sum_to(self.d2(g, t1, t2, v), s2) if nf[2][0] is not None else None
        return g0, g1, g2


class AddcmulBackward0(_AddcBackward):
    __slots__ = ()

    @staticmethod
    def d1(g, t1, t2, v):
        return g * t2 * v

    @staticmethod
    def d2(g, t1, t2, v):
        return g * t1 * v


class AddcdivBackward0(_AddcBackward):
    __slots__ = ()

    @staticmethod
    def d1(g, t1, t2, v):
        return g * (v / t2)

    @staticmethod
    def d2(g, t1, t2, v):
        return -g * (v * t1 / (t2 * t2))


def _addc(input, tensor1, tensor2, value, fwd, node_cls):
    from ._util import record
    (input, tensor1, tensor2), value = _addc_operands(input, tensor1, tensor2, value)
    a, b, c = input._data, tensor1._data, tensor2._data
    out = a + fwd(value * b, c) if value != 1 else a + fwd(b, c)
    out = np.asarray(out)  # 0-dim operands give a NumPy scalar
    t, node = record(out, node_cls, (input, tensor1, tensor2))
    if node is not None:
        node.shapes = (a.shape, b.shape, c.shape)
        node.value = value
        node.save(tensor1, tensor2)
    return t


@op(out=True, inplace=True, inplace_function=False, backward=AddcmulBackward0,
    summary='input + value * tensor1 * tensor2, elementwise.',
    example='torch.tensor([1.0, 1.0]), torch.tensor([2.0, 3.0]), torch.tensor([4.0, 0.5])')
def addcmul(input, tensor1, tensor2, *, value=1):
    return _addc(input, tensor1, tensor2, value, np.multiply, AddcmulBackward0)


@op(out=True, inplace=True, inplace_function=False, backward=AddcdivBackward0,
    summary='input + value * tensor1 / tensor2, elementwise.',
    example='torch.tensor([1.0, 1.0]), torch.tensor([2.0, 3.0]), torch.tensor([4.0, 0.5])')
def addcdiv(input, tensor1, tensor2, *, value=1):
    if isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor) and \
            tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu":
        raise RuntimeError("Integer division with addcdiv is no longer supported; use "
                           "(input + value * tensor1 / tensor2) for a true division, or "
                           "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype)")
    return _addc(input, tensor1, tensor2, value, np.true_divide, AddcdivBackward0)


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


@_rule("onnx", "clamp")
def _onnx_clamp(g, c):
    """min(max(x, lo), hi) in the result's dtype (PyTorch's order: hi wins when lo > hi)."""
    out = c.outs[0]
    y = g.cast(c["input"], out)
    for bound, onnx_op in ((c.get("min"), "Max"), (c.get("max"), "Min")):
        if bound is not None:
            y = g.op(onnx_op, [y, g.cast(bound, out)])
    return y


@_rule("onnx", "where")
def _onnx_where(g, c):
    out = c.outs[0]
    if c.get("input") is None:
        return None  # where(condition) alone: nonzero, data-dependent shape
    cond = c["condition"]
    cv = g.value(cond)
    if cond._data.dtype != np.bool_:
        cv = g.op("Cast", [cv], to=9)
    return g.op("Where", [cv, g.cast(c["input"], out), g.cast(c["other"], out)])


for _name, _onnx_op in (("maximum", "Max"), ("minimum", "Min")):
    _rule("onnx", _name)(lambda g, c, _o=_onnx_op: g.op(_o, [g.cast(c["input"], c.outs[0]),
                                                             g.cast(c["other"], c.outs[0])]))
