"""Gathers and scatters along a dim: gather, scatter, scatter_add, scatter_reduce, with gradients.

0-d inputs are handled as 1-element 1-d arrays (PyTorch allows them); results are reshaped back.
index_select/index_add/index_fill/index_copy and take/put live in index_ops.py.
"""
import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.node import Node
from . import _bw
from ._flat import flat_put, flat_take, positions
from ._registry import op
from ._util import checked_scalar, record_float as _record, wrap_dim

_NAMES = {np.dtype(k): v for k, v in (
    (np.float32, "Float"), (np.float64, "Double"), (np.float16, "Half"), (np.int64, "Long"),
    (np.int32, "Int"), (np.int16, "Short"), (np.int8, "Char"), (np.uint8, "Byte"), (np.bool_, "Bool"))}
_I64 = np.dtype(np.int64)
_I32 = np.dtype(np.int32)


def _index(index, op, int64_only=False, msg=None, err=RuntimeError):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    idx = index._data
    if idx.dtype != _I64 and (int64_only or idx.dtype != _I32):
        raise err(msg or f"{op}(): Expected dtype int32/int64 for index")
    return idx


def _nd1(a):
    return a.reshape(1) if a.ndim == 0 else a


def _shape1(shape):
    return tuple(shape) or (1,)


# ---------------------------------------------------------------------------------------------
# gather / scatter along a dim
def _coords(idx, dim):
    """Full coordinates of the elements that index (idx along dim) addresses."""
    nd = idx.ndim
    out = []
    for k in range(nd):
        if k == dim:
            out.append(idx)
        else:
            shape = [1] * nd
            shape[k] = idx.shape[k]
            out.append(np.arange(idx.shape[k]).reshape(shape))
    return tuple(out)


def _prepare(x, dim, index, op, src=None, what="self"):
    """Validates a gather/scatter call; returns (x1, idx1, dim, coords, src1, src_key)."""
    idx = _index(index, op if op != "scatter_add" else "scatter")
    x1, i1 = _nd1(x._data), _nd1(idx)
    dim = wrap_dim(dim, x1.ndim, op)
    s1 = _nd1(src._data) if src is not None else None
    if s1 is not None and src._data.dtype != x._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if idx.size == 0:  # PyTorch checks neither shapes nor bounds of an empty index
        none = np.zeros(0, np.intp)
        return x1, i1, dim, (none,) * x1.ndim, s1, None if s1 is None else (none,) * s1.ndim
    if x1.ndim != i1.ndim:
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {what} tensor")
    if s1 is not None and s1.ndim != i1.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    for k in range(x1.ndim):
        if (k != dim and i1.shape[k] > x1.shape[k]) or (s1 is not None and i1.shape[k] > s1.shape[k]):
            if what == "input":
                raise RuntimeError(
                    f"Size does not match at dimension {k} expected index {list(i1.shape)} to be no "
                    f"larger than self {list(x1.shape)} apart from dimension {dim}")
            tail = f" and to be no larger size than src {list(s1.shape)}" if s1 is not None else ""
            raise RuntimeError(f"Expected index {list(i1.shape)} to be no larger than self "
                               f"{list(x1.shape)} apart from dimension {dim}{tail}")
    n = x1.shape[dim]
    if i1.size and (i1.min() < 0 or i1.max() >= n):
        bad = i1[(i1 < 0) | (i1 >= n)].flat[0]
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {n}")
    skey = tuple(slice(0, s) for s in i1.shape)
    return x1, i1, dim, _coords(i1, dim), s1, skey


class GatherBackward0(Node):
    __slots__ = ("shape", "dim", "idx")

    def backward(self, g, *_):  # the saved index is self.idx's tensor (checked unchanged)
        if isinstance(g, Tensor):
            return scatter_add(_wrap(np.zeros(self.shape, g._data.dtype)), self.dim, _wrap(self.idx), g)
        x1 = np.zeros(self.shape, g.dtype)
        if self.idx.size:  # an empty index may have any shape (PyTorch checks none)
            i1 = _nd1(self.idx)
            np.add.at(_nd1(x1), _coords(i1, self.dim), np.reshape(g, i1.shape))
        return x1


@op(out=True, out_dtype="same", backward=GatherBackward0,
    summary="Values of input along dim at index (index's shape): for dim 0, "
            "out[i][j] = input[index[i][j]][j].",
    example="torch.tensor([[1.0, 2.0], [3.0, 4.0]]), 1, torch.tensor([[0, 0], [1, 0]])")
def gather(input, dim, index, *, sparse_grad=False):
    x1, i1, dim, coords, _, _ = _prepare(input, dim, index, "gather", what="input")
    t, node = _record(x1[coords].reshape(index._data.shape), GatherBackward0, input)
    if node is not None:
        node.shape, node.dim, node.idx = input._data.shape, dim, index._data
        node.save(index)
    return t


class _ScatterBackward(Node):
    """Shared plumbing: gradients are computed on the 1-d-ified arrays and reshaped back."""
    __slots__ = ("shape", "sshape", "coords", "skey", "hit", "ishape")

    def check_src(self, reduce=None):
        """PyTorch's src gradient has the index's shape: unless src's shape expands to it, the
        backward raises. prod/amax/amin broadcast src against the index-shaped values in their
        formulas (for self's gradient too), so they raise only when the two do not broadcast."""
        ss, si = tuple(self.sshape), tuple(self.ishape)
        if ss == si:
            return
        if reduce in ("prod", "amax", "amin"):
            bad = [k for k in range(-1, -min(len(ss), len(si)) - 1, -1)
                   if ss[k] != si[k] and ss[k] != 1 and si[k] != 1]
            if bad:
                k = bad[0]
                raise RuntimeError(
                    f"The size of tensor a ({ss[k]}) must match the size of tensor b ({si[k]}) at "
                    f"non-singleton dimension {max(len(ss), len(si)) + k}")
            return
        if len(ss) <= len(si) and all(a == 1 or a == b for a, b in zip(ss[::-1], si[::-1])):
            return
        raise RuntimeError(f"Function {type(self).__name__} returned an invalid gradient at index 1 "
                           f"- got {list(si)} but expected shape compatible with {list(ss)}")

    def to_src(self, gsel):
        """Places gathered gradient values into a zero gradient of src's shape."""
        s1 = _shape1(self.sshape)
        if isinstance(gsel, Tensor):
            return flat_put(gsel, self.sshape, positions(s1)[self.skey])
        out = np.zeros(s1, gsel.dtype)
        out[self.skey] = gsel
        return out.reshape(self.sshape)

    def pick(self, g):
        """g (shape of self) at the scattered coordinates."""
        if isinstance(g, Tensor):
            return flat_take(g, positions(_shape1(self.shape))[self.coords])
        return _nd1(g)[self.coords]

    def masked(self, g, keep):
        """g with zeros where `keep` (a constant bool array of self's shape) is False."""
        if isinstance(g, Tensor):
            return g * _wrap(keep.reshape(self.shape).astype(g._data.dtype))
        return np.where(keep.reshape(self.shape), g, 0).astype(g.dtype, copy=False)


class ScatterBackward0(_ScatterBackward):
    __slots__ = ()

    def backward(self, g, *_):
        nf = self.next_functions
        if nf[1][0] is not None:
            self.check_src()
        gx = self.masked(g, ~self.hit) if nf[0][0] is not None else None
        gs = self.to_src(self.pick(g)) if nf[1][0] is not None else None
        return gx, gs


class ScatterAddBackward0(_ScatterBackward):
    __slots__ = ()

    def backward(self, g, *_):
        gs = None
        if self.next_functions[1][0] is not None:
            self.check_src()
            gs = self.to_src(self.pick(g))
        return g, gs


class ScatterReduceBackward0(_ScatterBackward):
    __slots__ = ("reduce", "include_self", "scale", "src_scale")

    def backward(self, g, *_):
        if self.reduce in ("max", "min"):
            raise RuntimeError(f"Expected 'reduce' to be one of 'sum', 'prod', 'mean', 'amax', "
                               f"'amin' but got {self.reduce}.")
        if self.reduce == "prod" and isinstance(g, Tensor):
            raise RuntimeError("dygrad: double backward of scatter_reduce(reduce='prod') is not supported")
        nf = self.next_functions
        gx = gs = None
        if nf[1][0] is not None or self.reduce in ("prod", "amax", "amin"):
            self.check_src(self.reduce)
        if nf[0][0] is not None:
            gx = self.masked(g, self.scale != 0) if self.reduce == "sum" else g * _bw.const(
                self.scale.reshape(self.shape).astype(_dt(g)), g)
        if nf[1][0] is not None:
            gs = self.to_src(self.pick(g) * _bw.const(self.src_scale.astype(_dt(g)), g))
        return gx, gs


def _dt(g):
    return g._data.dtype if isinstance(g, Tensor) else g.dtype


def _scatter_node(node, x, x1, coords, skey, src, index):
    # coords hold index's array: the node saves index, so changing it in place before backward
    # raises (as PyTorch) instead of moving the gradient. scatter_add's self gradient needs no
    # index: PyTorch checks it only when src requires grad (and scatter with reduce= has no
    # gradient: its backward raises first)
    if type(node) is _NoGrad or (type(node) is ScatterAddBackward0 and
                                 node.next_functions[1][0] is None):
        pass
    else:
        node.save(index)
    node.shape, node.coords, node.skey = x._data.shape, coords, skey
    node.ishape = index._data.shape
    node.sshape = src._data.shape if isinstance(src, Tensor) else ()
    hit = np.zeros(x1.shape, bool)
    hit[coords] = True
    node.hit = hit
    return hit


@op(out=True, out_dtype="same", inplace=True, inplace_function=False,
    backward=ScatterBackward0,
    summary="input with src's values (or value) written along dim at index; "
            "reduce='add'/'multiply' combines them.",
    example="torch.zeros(2, 3), 1, torch.tensor([[2], [0]]), torch.tensor([[1.0], [2.0]])")
def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src
    if src is None and value is None:
        raise TypeError("scatter() missing 1 required positional argument: 'src' or 'value'")
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    x1, i1, dim, coords, s1, skey = _prepare(input, dim, index, "scatter", src)
    # the value is converted (checked) only by a kernel that runs: not for an empty index
    vals = s1[skey] if s1 is not None else checked_scalar(value, x1.dtype) if i1.size else None
    out = x1.copy()
    if not i1.size:
        pass
    elif reduce is None:
        out[coords] = vals
    else:
        (np.add if reduce == "add" else np.multiply).at(out, coords, vals)
    t, node = _record(out.reshape(input._data.shape), ScatterBackward0 if reduce is None else _NoGrad,
                      input, src)
    if node is not None:
        _scatter_node(node, input, x1, coords, skey, src, index)
    return t


class _NoGrad(_ScatterBackward):
    __slots__ = ()

    def backward(self, g, *_):
        raise RuntimeError("derivative for aten::scatter is not implemented")


@op(out=True, out_dtype="same", inplace=True, inplace_function=False,
    backward=ScatterAddBackward0,
    summary="input with src's values added along dim at index (repeated indices accumulate).",
    example="torch.zeros(3), 0, torch.tensor([0, 2, 0]), torch.tensor([1.0, 2.0, 3.0])")
def scatter_add(input, dim, index, src):
    x1, i1, dim, coords, s1, skey = _prepare(input, dim, index, "scatter_add", src)
    out = x1.copy()
    np.add.at(out, coords, s1[skey])
    t, node = _record(out.reshape(input._data.shape), ScatterAddBackward0, input, src)
    if node is not None:
        _scatter_node(node, input, x1, coords, skey, src, index)
    return t


_REDUCE = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum, "amin": np.minimum}


def _identity(reduce, dt):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dt.kind in "fV":
        lo, hi = -np.inf, np.inf
    elif dt.kind == "b":
        lo, hi = False, True
    else:
        lo, hi = np.iinfo(dt).min, np.iinfo(dt).max
    return lo if reduce == "amax" else hi


@op(out=True, out_dtype="same", inplace=True, inplace_function=False,
    backward=ScatterReduceBackward0,
    summary="input with src's values reduced ('sum', 'prod', 'mean', 'amax', 'amin') along dim at index.",
    example="torch.tensor([1.0, 2.0]), 0, torch.tensor([0, 1, 0]), torch.tensor([5.0, 1.0, 3.0]), 'amax'")
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    alias = reduce if reduce in ("max", "min") else None
    if alias:  # PyTorch's forward takes these for amax/amin; its backward refuses them
        reduce = "a" + reduce
    if reduce not in _REDUCE:
        raise RuntimeError(
            f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    x1, i1, dim, coords, s1, skey = _prepare(input, dim, index, "scatter_reduce", src)
    if reduce == "mean" and x1.dtype.kind == "b":
        raise NotImplementedError(
            "\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'")
    vals = s1[skey]
    out = x1.copy()
    if not include_self:
        out[coords] = _identity(reduce, out.dtype)
    _REDUCE[reduce].at(out, coords, vals)
    cnt = None
    if reduce == "mean":
        cnt = np.full(x1.shape, int(include_self), np.int64)
        np.add.at(cnt, coords, 1)
        cnt = np.maximum(cnt, 1)
        out = (out / cnt if out.dtype.kind in "fV" else out // cnt).astype(out.dtype)
    t, node = _record(out.reshape(input._data.shape), ScatterReduceBackward0, input, src)
    if node is not None:
        hit = _scatter_node(node, input, x1, coords, skey, src, index)
        node.reduce, node.include_self = alias or reduce, include_self
        node.scale, node.src_scale = _reduce_scales(reduce, include_self, x1, vals, out, coords, hit, cnt)
    return t


def _reduce_scales(reduce, include_self, x1, vals, out, coords, hit, cnt):
    """d out / d self (per element of self) and d out / d src (per scattered element)."""
    own = np.ones(x1.shape) if include_self else (~hit).astype(np.float64)
    if reduce == "sum":
        return own, np.ones(vals.shape)
    if reduce == "mean":
        return own / cnt, 1.0 / cnt[coords]
    if reduce in ("amax", "amin"):
        # ties share the gradient evenly; like PyTorch, an excluded self still counts as a tie
        sx = (x1 == out).astype(np.float64)
        sv = (vals == out[coords]).astype(np.float64)
        ties = sx.copy()
        np.add.at(ties, coords, sv)
        # no element equal to a nan result: 0/0 = nan, as PyTorch's formula gives
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(own != 0, sx / ties, 0), sv / ties[coords]
    # prod, with PyTorch's formula (so nan/inf factors give its nans): self's factor is the
    # product with self's zeros replaced by 1, divided by that self; src's is result / src, or,
    # for a src that is the only zero of its group, the product with that zero replaced by 1
    def prod_into(start, v):
        r = start.astype(np.float64)
        if not include_self:
            r[coords] = 1
        np.multiply.at(r, coords, v)
        return r

    with np.errstate(divide="ignore", invalid="ignore"):
        ms = np.where(x1 == 0, 1, x1).astype(np.float64)
        sx = np.where(own != 0, prod_into(ms, vals) / ms, 0)
        zero = vals == 0
        nzero = np.zeros(x1.shape)
        np.add.at(nzero, coords, zero)
        single = zero & (nzero[coords] == 1)
        sv = np.where(single, prod_into(x1, np.where(single, 1, vals))[coords],
                      out[coords] / np.where(zero, 1, vals))
    return sx, sv



# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


@_rule("onnx", "gather")
def _onnx_gather(g, c):
    x = c["input"]
    if x.dim() == 0:
        return None
    return g.op("GatherElements", [g.value(x), g.value(c["index"])], axis=int(c["dim"]) % x.dim())
