"""Indexing: __getitem__/__setitem__ (basic and advanced), gather/scatter, index_select, masks."""
import numpy as np

from .._tensor import Tensor, _wrap, _inplace
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from ._util import as_view


def _convert_key(key, shape):
    """Turns a PyTorch index into a NumPy one; returns (key, is_basic)."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    basic = True
    for k in key:
        if isinstance(k, Tensor):
            kd = k._data
            if kd.dtype.kind == "f":
                raise IndexError(
                    f"tensors used as indices must be long, int, byte or bool tensors (got a "
                    f"{k.dtype} tensor of shape {list(kd.shape)})")
            if kd.dtype == np.uint8:
                kd = kd.astype(bool)
            out.append(kd)
            basic = False
        elif isinstance(k, (list, np.ndarray)):
            arr = np.asarray(k)
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(arr)
            basic = False
        elif isinstance(k, bool):
            out.append(np.asarray(k))
            basic = False
        else:
            out.append(k)
    return tuple(out), basic


class IndexBackward0(Node):
    __slots__ = ("shape", "key", "dtype")

    def backward(self, g):
        if isinstance(g, Tensor):
            from .. import _creation
            z = _creation.zeros(self.shape, dtype=g.dtype)
            return index_put(z, self.key, g, accumulate=True)
        out = np.zeros(self.shape, g.dtype)
        np.add.at(out, self.key, g)
        return out


def _index_error(x, key, e):
    return IndexError(f"index {key!r} is out of bounds for tensor of shape {list(x._data.shape)}: {e}")


def getitem(x, key):
    k, basic = _convert_key(key, x._data.shape)
    try:
        res = x._data[k]
    except IndexError as e:
        raise _index_error(x, key, e) from None
    if type(res) is not np.ndarray:
        res = np.asarray(res)
    t = _wrap(res)
    if basic:
        as_view(t, x)
    if STATE.enabled and x._rg:
        node = IndexBackward0((x._grad_node(),))
        node.shape = x._data.shape
        node.key = k
        t._rg = True
        t.grad_fn = node
    return t


class IndexPutBackward0(Node):
    __slots__ = ("key", "vshape", "accumulate")

    def backward(self, g):
        nf = self.next_functions
        gx = gv = None
        if nf[0][0] is not None:
            if self.accumulate:
                gx = g
            elif isinstance(g, Tensor):
                mask = np.ones(g._data.shape, g._data.dtype)
                mask[self.key] = 0
                gx = g * _wrap(mask)
            else:
                gx = g.copy()
                gx[self.key] = 0
        if nf[1][0] is not None:
            gv = g[self.key] if not isinstance(g, Tensor) else getitem(g, self.key)
            from ..autograd.node import sum_to
            gv = sum_to(gv, self.vshape)
        return gx, gv


def index_put(x, key, value, accumulate=False):
    """Out-of-place x with x[key] = value (or += when accumulate), differentiable in both."""
    if not isinstance(value, Tensor):
        value = _wrap(np.asarray(value, dtype=x._data.dtype))
    out = x._data.copy()
    vd = value._data.astype(out.dtype, copy=False)
    try:
        if accumulate:
            np.add.at(out, key, vd)
        else:
            out[key] = vd
    except (IndexError, ValueError) as e:
        raise IndexError(
            f"index_put: cannot assign a value of shape {list(vd.shape)} at index {key!r} of a "
            f"tensor of shape {list(x._data.shape)}: {e}") from None
    if STATE.enabled and (x._rg or value._rg):
        node = IndexPutBackward0((x._grad_node(), value._grad_node()))
        node.key, node.vshape, node.accumulate = key, vd.shape, accumulate
        t = _wrap(out, True)
        t.grad_fn = node
        return t
    return _wrap(out)


def setitem(x, key, value):
    k, _ = _convert_key(key, x._data.shape)
    if STATE.enabled and (x._rg or (isinstance(value, Tensor) and value._rg)):
        _inplace(x, index_put(x, k, value))
        return
    vd = value._data if isinstance(value, Tensor) else value
    try:
        x._data[k] = vd
    except (IndexError, ValueError) as e:
        raise IndexError(
            f"setitem: cannot assign {('a tensor of shape ' + str(list(np.shape(vd)))) if isinstance(value, Tensor) else repr(value)} "
            f"to index {key!r} of a tensor of shape {list(x._data.shape)}: {e}") from None
    x._vc[0] += 1
