"""Index validation for [] and index_put, as PyTorch does it: bounds checked only when the result
has elements, index_put's value dtype rule, and the single-mask keys that PyTorch writes with
masked_fill_ instead."""
import numpy as np

from .._tensor import Tensor
from ._reduce_util import scalar_type_name
from ._util import checked_scalar

_ALL = slice(None)  # indexing.py's full slice: akey entries are compared to it by identity


def _check_bounds(arr, n, ordinal):
    if arr.size and (arr.min() < -n or arr.max() >= n):
        bad = arr[(arr < -n) | (arr >= n)].flat[0]
        raise IndexError(f"index {bad} is out of bounds for dimension {ordinal} with size {n}")


def _out_of_bounds(shape, bkey, akey, adv, oob):
    """PyTorch checks index bounds only when the result has elements: raise then, else make the
    bad indices harmless (zeros) so that the empty result keeps its shape."""
    vshape = np.broadcast_to(np.empty((), np.int8), shape)[tuple(bkey) + (Ellipsis,)].shape
    rest = 1
    for i, s in enumerate(vshape):
        if i >= len(akey) or akey[i] is _ALL:
            rest *= s
    picked = np.prod(np.broadcast_shapes(*(a.shape for a in adv)))
    empty = not (rest and picked)
    for pos, n, ordinal in oob:
        if not n:
            if picked:  # a size-0 dim refuses any index, unless the indices pick nothing
                raise IndexError("index is out of bounds for dimension with size 0")
        elif not empty:
            _check_bounds(akey[pos], n, ordinal)
        akey[pos] = np.zeros_like(akey[pos])


def _check_put_dtype(x, value, bkey=None, akey=None):
    """index_put (advanced-index writes) takes only values of x's own dtype, as PyTorch does
    (after checking that the value broadcasts to the indexing result, as PyTorch does)."""
    if isinstance(value, Tensor) and value._data.dtype != x._data.dtype:
        if akey is not None:
            rshape = np.broadcast_to(np.empty((), np.int8), x._data.shape)[bkey][akey].shape
            vshape = value._data.shape
            while vshape and vshape[0] == 1 and len(vshape) > len(rshape):
                vshape = vshape[1:]
            try:
                fits = np.broadcast_shapes(vshape, rshape) == rshape
            except ValueError:
                fits = False
            if not fits:
                raise RuntimeError(
                    f"shape mismatch: value tensor of shape {list(value._data.shape)} cannot be "
                    f"broadcast to indexing result of shape {list(rshape)}")
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got "
            f"{scalar_type_name(x._data.dtype)} for the destination and "
            f"{scalar_type_name(value._data.dtype)} for the source.")


def _single_mask(key):
    """The mask of a key whose only advanced index is one bool/uint8 tensor of >= 1 dims (PyTorch
    writes a one-element value there with masked_fill_, which converts dtypes), else None."""
    mask = None
    for k in (key if type(key) is tuple else (key,)):
        if isinstance(k, Tensor):
            k = k._data
        if isinstance(k, np.ndarray):
            if k.ndim == 0 or k.dtype.kind not in "bu" or mask is not None:
                return None
            mask = k
        elif isinstance(k, (list, tuple)) and k and all(type(v) is bool for v in k):
            if mask is not None:
                return None
            mask = np.asarray(k)
        elif isinstance(k, (list, tuple, range, bool, np.bool_)):
            return None
    return mask


def _put_value(x, key, value, vd, bkey, akey):
    """The values an advanced-index write stores. PyTorch writes a one-element value under a
    key whose only advanced index is one mask with masked_fill_ (any dtype, converted as a
    checked scalar); any other such write is index_put, which takes only x's dtype."""
    vt = isinstance(value, Tensor)
    d = x._data
    if vt and vd.size != 1 and vd.dtype == d.dtype:
        return vd
    mask = _single_mask(key) if not vt or vd.size == 1 else None
    if mask is not None and mask.dtype.kind == "u":
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           "unsigned char")
    if vt and vd.dtype != d.dtype:
        if mask is None:
            _check_put_dtype(x, value, bkey, akey)
        vd = np.asarray(checked_scalar(vd.reshape(-1)[0], d.dtype))
    return vd
