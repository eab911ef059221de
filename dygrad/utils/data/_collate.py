"""Turning a list of samples into a batch (default_collate) and samples into tensors
(default_convert, used when automatic batching is off).

Both recurse through containers: dicts keep their keys, named tuples their type, other
sequences are transposed, so a batch of (image, label) pairs becomes [images, labels].
"""
import collections.abc
import copy
import re

import numpy as np

from ..._tensor import Tensor

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map",
           "collate_tensor_fn", "collate_numpy_array_fn", "collate_numpy_scalar_fn",
           "collate_float_fn", "collate_int_fn", "collate_str_fn"]

# dtype.str kinds that cannot become tensors: bytes, strings, objects.
np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
    "found {}")


def _dg():
    import dygrad
    return dygrad


def default_convert(data):
    """NumPy arrays and scalars become tensors, recursively inside containers; the rest is
    returned unchanged."""
    t = type(data)
    if isinstance(data, Tensor):
        return data
    if t.__module__ == "numpy" and t.__name__ not in ("str_", "string_", "bytes_"):
        if t is np.ndarray and np_str_obj_array_pattern.search(data.dtype.str):
            return data
        return _dg().as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        converted = {k: default_convert(data[k]) for k in data}
        return _rebuild_mapping(data, converted)
    if isinstance(data, tuple):
        if hasattr(data, "_fields"):  # named tuple
            return t(*(default_convert(d) for d in data))
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def _rebuild_mapping(like, items):
    """A mapping of ``like``'s type holding ``items``; a plain dict if that type refuses."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            # copy keeps extra state of dict subclasses (defaultdict's factory, OrderedDict order)
            out = copy.copy(like)
            out.update(items)
            return out
        return type(like)(items)
    except TypeError:
        return items


def _rebuild_sequence(like, items):
    try:
        if isinstance(like, collections.abc.MutableSequence):
            out = copy.copy(like)
            for i, v in enumerate(items):
                out[i] = v
            return out
        return type(like)(items)
    except TypeError:
        return items


def collate(batch, *, collate_fn_map=None):
    """Collates ``batch`` by the type of its first element.

    ``collate_fn_map`` maps a type (or tuple of types) to ``fn(batch, *, collate_fn_map)``; the
    exact type is looked up first, then isinstance in the map's order. Containers are handled
    here by recursing into them.
    """
    elem = batch[0]
    t = type(elem)
    if collate_fn_map is not None:
        fn = collate_fn_map.get(t)
        if fn is not None:
            return fn(batch, collate_fn_map=collate_fn_map)
        for key, fn in collate_fn_map.items():
            if isinstance(elem, key):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        items = {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map) for k in elem}
        return _rebuild_mapping(elem, items)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # named tuple
        return t(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        n = len(elem)
        if any(len(e) != n for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return columns
        return _rebuild_sequence(elem, columns)
    raise TypeError(default_collate_err_msg_format.format(t))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    return _dg().stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    dtype = batch[0].dtype
    if np_str_obj_array_pattern.search(dtype.str):
        raise TypeError(default_collate_err_msg_format.format(dtype))
    as_tensor = _dg().as_tensor
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    # Each scalar keeps its own dtype and the batch takes their promoted type, as in PyTorch
    # (np.int32 scalars give an int32 tensor; np.float32 with np.float64 gives float64).
    dg = _dg()
    dt = None
    for b in batch:
        d = _scalar_dtype(b, dg)
        if d is None:
            return dg.as_tensor(batch)
        dt = d if dt is None else dg.promote_types(dt, d)
    return dg.tensor(batch, dtype=dt)


def _scalar_dtype(x, dg):
    if isinstance(x, np.generic):
        return dg._dtype.from_numpy_dtype(x.dtype) if x.dtype.kind in "biuf" else None
    if isinstance(x, bool):
        return dg.bool
    if isinstance(x, int):
        return dg.int64
    if isinstance(x, float):
        return dg.get_default_dtype()
    return None


def collate_float_fn(batch, *, collate_fn_map=None):
    dg = _dg()
    return dg.tensor(batch, dtype=dg.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    return _dg().tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Stacks a list of samples into a batch: tensors and NumPy arrays are stacked along a new
    first dimension, Python floats become a float64 tensor, ints an int64 tensor, bools a bool
    tensor, strings stay a list, and containers are collated field by field."""
    return collate(batch, collate_fn_map=default_collate_fn_map)
