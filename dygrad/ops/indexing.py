"""Indexing with [] (getitem/setitem, basic and advanced) and index_put.

A key is applied in two steps, as PyTorch does: ints, slices, None and Ellipsis make a view of the
input (`bkey`); integer arrays and masks are then applied to that view (`akey`: NumPy advanced
indexing over full slices and arrays). Doing it in this order gives PyTorch's layout where it
differs from NumPy's, e.g. x[0, :, [0, 1]] has shape (3, 2) for x of shape (2, 3, 4).

gather/scatter live in scatter.py, index_*/take/put in index_ops.py and the mask ops in masked.py.
"""
import operator
import warnings

import numpy as np

from .._tensor import Tensor, _wrap, _inplace
from ..autograd.grad_mode import STATE
from ..autograd.views import check_no_overlap, written
from ..autograd.node import Node, sum_to
from . import _bw
from ._flat import flat_put, flat_take, positions
from ._registry import op
from ._index_checks import _ALL, _check_put_dtype, _out_of_bounds, _put_value
from ._record import record, record1
from ._util import checked_scalar
from .shape import expand_shape
from .slicing import SelectBackward0, SliceBackward0, picked as _picked

_TRUE = np.zeros(1, np.intp)
_FALSE = np.zeros(0, np.intp)
_INDEX_DTYPES = (np.dtype(np.int64), np.dtype(np.int32))
_BAD_DTYPE = "tensors used as indices must be long, int, byte or bool tensors"


def _seq_as_tuple(key):
    """PyTorch reads a list holding slices, None, Ellipsis, Tensors or sequences as a tuple."""
    if len(key) >= 32:
        return False
    for k in key:
        if k is None or k is Ellipsis or isinstance(k, (slice, Tensor, np.ndarray, list, tuple, range)):
            return True
    return False


def _array_item(arr):
    """(kind, value) of an index given as an array: 'arr', 'mask', or a 0-d 'int'/'bool'."""
    dt = arr.dtype
    if dt == np.uint8:
        warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                      "torch.bool instead.", UserWarning, stacklevel=4)
        arr = arr.astype(bool)
        dt = arr.dtype
    if dt.kind == "b":
        return ("bool", bool(arr)) if arr.ndim == 0 else ("mask", arr)
    if dt not in _INDEX_DTYPES:
        raise IndexError(_BAD_DTYPE)
    return ("int", int(arr)) if arr.ndim == 0 else ("arr", arr)


def _item(k):
    if k is None:
        return "none", None
    if k is Ellipsis:
        return "ell", None
    if isinstance(k, slice):
        if k.step is not None:
            step = operator.index(k.step)
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if step < 0:
                raise ValueError("step must be greater than zero")
        return "slice", k
    if isinstance(k, (bool, np.bool_)):
        return "bool", bool(k)
    if isinstance(k, (int, np.integer)):
        return "int", int(k)
    if isinstance(k, Tensor):
        return _array_item(k._data)
    if isinstance(k, np.ndarray):
        return _array_item(k)
    if isinstance(k, (list, tuple, range)):
        arr = np.asarray([int(v) if isinstance(v, Tensor) and v._data.dtype.kind in "iu" else v
                          for v in k]) if k else np.zeros(0, np.int64)
        if arr.dtype.kind == "b":
            return "mask", arr
        if arr.dtype.kind not in "iu":
            raise IndexError(_BAD_DTYPE)
        return "arr", arr.astype(np.int64, copy=False)
    if isinstance(k, float):
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                         "Variables are valid indices (got float)")
    try:
        return "int", operator.index(k)
    except TypeError:
        raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                         f"Variables are valid indices (got {type(k).__name__})") from None


def parse_key(shape, key):
    """(bkey, akey): the basic key (a tuple ending in Ellipsis) and the advanced key applied to
    its result (None when the index is basic only)."""
    if type(key) is not tuple:
        if type(key) is list and _seq_as_tuple(key):
            warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated; "
                          "use x[tuple(seq)] instead of x[seq]", UserWarning, stacklevel=3)
            key = tuple(key)
        else:
            key = (key,)
    items = [_item(k) for k in key]
    ndim = len(shape)
    used = 0
    n_ell = 0
    for kind, k in items:
        if kind in ("int", "slice", "arr"):
            used += 1
        elif kind == "mask":
            used += k.ndim
        elif kind == "ell":
            n_ell += 1
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if used > ndim:
        if ndim == 0 and any(kind == "int" for kind, _ in items):
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    bkey = []
    akey = []
    adv = []
    src = extra = 0
    oob = []
    for kind, k in items:
        if kind == "int":
            n = shape[src]
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for dimension {src + extra} with size {n}")
            bkey.append(k)
            src += 1
        elif kind == "slice":
            bkey.append(k)
            akey.append(_ALL)
            src += 1
        elif kind == "none" or kind == "bool":
            bkey.append(None)
            akey.append(_ALL if kind == "none" else (_TRUE if k else _FALSE))
            extra += 1
        elif kind == "ell":
            fill = ndim - used
            bkey += [_ALL] * fill
            akey += [_ALL] * fill
            src += fill
        elif kind == "arr":
            n = shape[src]
            if k.size and (k.min() < -n or k.max() >= n):
                oob.append((len(akey), n, len(adv)))  # raised below unless the result is empty
            bkey.append(_ALL)
            akey.append(k)
            adv.append(k)
            src += 1
        else:  # mask
            for j in range(k.ndim):
                if k.shape[j] != shape[src + j]:
                    raise IndexError(
                        f"The shape of the mask {list(k.shape)} at index {j} does not match the "
                        f"shape of the indexed tensor {list(shape)} at index {src + j}")
            nz = k.nonzero()
            bkey += [_ALL] * k.ndim
            akey += nz
            adv += nz
            src += k.ndim
        if kind == "bool":
            adv.append(akey[-1])
    if not adv:
        return tuple(bkey) + (Ellipsis,), None
    if len(adv) > 1:
        try:
            np.broadcast_shapes(*(a.shape for a in adv))
        except ValueError:
            raise IndexError(
                "shape mismatch: indexing tensors could not be broadcast together with shapes "
                + ", ".join(str(list(a.shape)) for a in adv)) from None
    if oob:
        _out_of_bounds(shape, bkey, akey, adv, oob)
    while akey[-1] is _ALL:
        akey.pop()
    return tuple(bkey) + (Ellipsis,), tuple(akey)


def _key_tensors(key):
    """The index tensors of a [] key that advanced indexing reads (a 0-d one is read as a number,
    as PyTorch reads it). The nodes that read their arrays save them: changing one in place
    before backward then raises, as in PyTorch, instead of moving the gradient."""
    if isinstance(key, Tensor):
        return (key,) if key._data.ndim else ()
    if type(key) is tuple or type(key) is list:
        return tuple([k for k in key if isinstance(k, Tensor) and k._data.ndim])
    return ()


class IndexBackward0(Node):
    __slots__ = ("shape", "bkey", "akey")

    def backward(self, g, *_):  # saved: the key's index tensors (akey holds their arrays)
        if isinstance(g, Tensor):
            return flat_put(g, self.shape, positions(self.shape)[self.bkey][self.akey])
        out = np.zeros(self.shape, g.dtype)
        np.add.at(out[self.bkey], self.akey, g)
        return out


def getitem(x, key):
    d = x._data
    tk = type(key)
    if tk is int and d.ndim:  # fast path: x[i]
        n = d.shape[0]
        if not -n <= key < n:
            raise IndexError(f"index {key} is out of bounds for dimension 0 with size {n}")
        return _picked(x, (key, Ellipsis), SelectBackward0)
    if tk is slice and key.step is None and d.ndim:  # fast path: x[a:b]
        return _picked(x, (key,), SliceBackward0)
    bkey, akey = parse_key(d.shape, key)
    if akey is None:
        return _picked(x, bkey, SliceBackward0)
    keys = _key_tensors(key)
    # a capture replays a constant key only: index tensors may change from call to call
    t, node = record1(d[bkey][akey], IndexBackward0, x,
                      None if keys else (_index_replay, bkey, akey, x), name="index")
    if node is not None:
        node.shape, node.bkey, node.akey = d.shape, bkey, akey
        node.save(*keys)
    return t


def _index_replay(bkey, akey, x):
    """getitem's replay kernel for a graph capture (built only while one runs)."""
    return (lambda d: d[bkey][akey]), (x,)


def _assign(target, akey, vd, x):
    """target[akey] = vd (target[...] when basic) with PyTorch's errors for a bad value shape."""
    try:
        if akey is None:
            target[...] = vd
        else:
            target[akey] = vd
    except ValueError:
        if not target.flags.writeable:
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a "
                "single memory location. Please clone() the tensor before performing the "
                "operation.") from None
        vshape = tuple(np.shape(vd))
        if akey is not None:
            tshape = target[akey].shape
            raise RuntimeError(
                f"shape mismatch: value tensor of shape {list(vshape)} cannot be broadcast to "
                f"indexing result of shape {list(tshape)}") from None
        while vshape and vshape[0] == 1 and len(vshape) > target.ndim:
            vshape = vshape[1:]
        expand_shape(vshape, target.shape, x.type())
        raise


def _write(target, akey, vd, accumulate, x):
    """target[akey] = vd, or += with repeated indices accumulating."""
    if not accumulate:
        _assign(target, akey, vd, x)
    else:
        try:
            if akey is None:
                target += vd.astype(target.dtype, copy=False)
            else:
                # NumPy's ufunc.at misreads values it has to broadcast (stale or uninitialised
                # memory): hand it values of exactly the indexing result's shape
                rshape = np.broadcast_to(np.empty((), np.int8), target.shape)[akey].shape
                vd = vd.astype(target.dtype, copy=False)
                if vd.shape != rshape:
                    vd = np.ascontiguousarray(np.broadcast_to(vd, rshape))
                np.add.at(target, akey, vd)
        except ValueError:
            tshape = target.shape if akey is None else target[akey].shape
            raise RuntimeError(
                f"shape mismatch: value tensor of shape {list(np.shape(vd))} cannot be broadcast to "
                f"indexing result of shape {list(tshape)}") from None


def _value_array(x, value):
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (bool, int, float, np.generic)):
        return np.asarray(checked_scalar(value, x._data.dtype))
    raise TypeError(f"can't assign a {type(value).__name__} to a {x.type()}")


def setitem(x, key, value):
    vd = _value_array(x, value)
    d = x._data
    bkey, akey = parse_key(d.shape, key)
    vt = isinstance(value, Tensor)
    if akey is not None:
        vd = _put_value(x, key, value, vd, bkey, akey)
    if STATE.enabled and d.dtype.kind in "fV" and (x._rg or (vt and value._rg)):
        if akey is None and (not vt or value._data.ndim <= d[bkey].ndim):
            # x[key] = v is x[key].copy_(v), as in PyTorch: the history records the region
            from .inplace import copy_
            copy_(x[bkey], value)
            return
        _inplace(x, _put(x, bkey, akey, value, False, _key_tensors(key)))
        return
    target = d[bkey]
    if akey is None and 0 in target.strides:
        check_no_overlap(target)
    _assign(target, akey, vd, x)
    written(x, True)


def _reduce_to(g, shape):
    """Sums a gradient over the dims its value was broadcast along (incl. dropped leading 1s)."""
    nd = len(g.shape)
    if len(shape) > nd:
        g = _bw.reshape(g, (1,) * (len(shape) - nd) + tuple(g.shape))
    return sum_to(g, shape)


class IndexPutBackward0(Node):
    __slots__ = ("bkey", "akey", "vshape", "vdtype", "accumulate")

    def backward(self, g, *_):  # saved: the index tensors (akey holds their arrays)
        nf = self.next_functions
        bkey, akey = self.bkey, self.akey
        is_t = isinstance(g, Tensor)
        gx = gv = None
        if nf[0][0] is not None:
            if self.accumulate:
                gx = g
            elif is_t:
                mask = np.ones(g._data.shape, g._data.dtype)
                _assign(mask[bkey], akey, 0, g)
                gx = g * _wrap(mask)
            else:
                gx = g.copy()
                _assign(gx[bkey], akey, 0, g)
        if nf[1][0] is not None:
            if is_t:
                pos = positions(g._data.shape)[bkey]
                sel = flat_take(g, pos if akey is None else pos[akey])
            else:
                sel = g[bkey] if akey is None else g[bkey][akey]
            gv = _reduce_to(sel, self.vshape)
            if self.vdtype is not None:
                gv = _bw.cast(gv, self.vdtype)
        return gx, gv


def _put(x, bkey, akey, value, accumulate, keys):
    """Out of place: a copy of x with x[key] = value (or += value), differentiable in both;
    keys: the index tensors the node saves."""
    out = x._data.copy()
    vt = isinstance(value, Tensor)
    vd = _value_array(x, value)
    _write(out[bkey], akey, vd, accumulate, x)
    t, node = record(out, IndexPutBackward0, (x, value), float_out=True)
    if node is not None:
        node.bkey, node.akey, node.accumulate = bkey, akey, accumulate
        node.vshape = vd.shape
        node.vdtype = vd.dtype if vt and vd.dtype != out.dtype else None
        node.save(*keys)
    return t


def _indices_key(indices):
    if isinstance(indices, Tensor) or not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' must be a tuple of Tensors")
    for k, i in enumerate(indices):
        if not isinstance(i, Tensor):  # PyTorch takes no slices, ints, lists or None here
            raise TypeError(f"index_put(): expected Tensor as element {k} in argument 0, but got "
                            f"{type(i).__name__}")
    return tuple(indices)


def _index_put_value(x, key, values, bkey, akey, accumulate):
    vd = _value_array(x, values)
    if accumulate:  # always index_put's kernel
        _check_put_dtype(x, values, bkey, akey)
        return vd
    return _put_value(x, key, values, vd, bkey, akey)


@op(inplace="dygrad.ops.indexing:index_put_",
    summary="input with values written (or added, accumulate=True) at input[indices], indices a "
            "tuple of tensors.",
    example="torch.zeros(3), (torch.tensor([0, 2]),), torch.tensor([1.0, 2.0])")
def index_put(input, indices, values, accumulate=False):
    key = _indices_key(indices)
    bkey, akey = parse_key(input._data.shape, key)
    vd = _index_put_value(input, key, values, bkey, akey, accumulate)
    if input._data.dtype.kind not in "fV" and vd is not getattr(values, "_data", None):
        values = _wrap(vd)  # converted for an integer/bool input (no gradient to keep)
    # every index tensor is read, a 0-d one too (PyTorch's index_put checks them all)
    return _put(input, bkey, akey, values, accumulate, key)


def index_put_(input, indices, values, accumulate=False):
    if STATE.enabled and (input._rg or (isinstance(values, Tensor) and values._rg)):
        return _inplace(input, index_put(input, indices, values, accumulate))
    key = _indices_key(indices)
    bkey, akey = parse_key(input._data.shape, key)
    vd = _index_put_value(input, key, values, bkey, akey, accumulate)
    _write(input._data[bkey], akey, vd, accumulate, input)
    input._vc[0] += 1
    return input


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


@_rule("onnx", "getitem")
def _onnx_getitem(g, c):
    """Basic indexing (ints, slices with a positive step, None, Ellipsis) as Slice, Squeeze and
    Unsqueeze, plus one integer tensor (or list) index as Gather. Negative indices and open
    ends count from the axis's end at run time, so a dynamic axis is sliced alike at any size."""
    x, key = c["input"], c["key"]
    key = key if isinstance(key, tuple) else (key,)
    if isinstance(key[0], list) and len(key) == 1:
        key = (key[0],)
    gathers = [k for k in key if isinstance(k, (Tensor, list))]
    if len(gathers) > 1 or any(isinstance(k, Tensor) and k._data.dtype.kind not in "iu"
                               for k in gathers) or \
            any(not (k is None or k is Ellipsis or isinstance(k, (int, slice, Tensor, list))) or
                isinstance(k, bool) for k in key) or sum(k is Ellipsis for k in key) > 1:
        return None  # bool masks, several index tensors: not lowered
    used = sum(k is not None and k is not Ellipsis for k in key)
    if Ellipsis in key:
        at = key.index(Ellipsis)
        key = key[:at] + (slice(None),) * (x.dim() - used) + key[at + 1:]
    big = np.iinfo(np.int64).max
    starts, ends, axes, steps, drop, new, gather = [], [], [], [], [], [], None
    dim = out_dim = 0
    for k in key:
        if k is None:
            new.append(out_dim)
            out_dim += 1
            continue
        if isinstance(k, int):
            starts.append(k), ends.append(k + 1 if k != -1 else big), axes.append(dim)
            steps.append(1), drop.append(dim)
        elif isinstance(k, slice):
            if k.step is not None and k.step <= 0:
                return None
            if k != slice(None):
                starts.append(0 if k.start is None else int(k.start))
                ends.append(big if k.stop is None else int(k.stop))
                axes.append(dim), steps.append(1 if k.step is None else int(k.step))
            out_dim += 1
        else:
            if new or drop:
                return None  # the gathered axis would move; only the simple case is lowered
            gather = (dim, k)
            out_dim += 1
        dim += 1
    y = g.value(x)
    if axes:
        y = g.op("Slice", [y, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    if gather is not None:
        idx = gather[1]
        if (drop or new) and np.ndim(idx._data if isinstance(idx, Tensor) else idx) != 1:
            return None  # the gathered axes would shift the dims dropped or added after it
        idx = g.value(idx) if isinstance(idx, Tensor) else g.ints(idx)
        y = g.op("Gather", [y, idx], axis=gather[0])
    if drop:
        y = g.op("Squeeze", [y, g.ints(drop)])
    if new:
        y = g.op("Unsqueeze", [y, g.ints(new)])
    return y if (axes or drop or new or gather) else g.op("Identity", [y])
