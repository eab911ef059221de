"""Tensor creation: from data, filled, ranges, and random."""
import math

import numpy as np

from . import _dtype
from . import random as _random
from ._tensor import Tensor, _wrap
from .device import check_device
from .ops._util import size_args

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "empty", "full",
           "zeros_like", "ones_like", "empty_like", "full_like", "rand_like", "randn_like",
           "randint_like", "arange", "range", "linspace", "logspace", "eye", "rand", "randn",
           "randint", "randperm", "normal", "bernoulli", "multinomial", "scalar_tensor"]


def _infer_np_dtype(data):
    """dtype PyTorch infers from data: Python floats take the default dtype, ints int64, bools
    bool; NumPy scalars, arrays and Tensors keep theirs; mixed items promote (torch rules)."""
    from ._dtype import _promote_np
    found = [None]

    def add(npdt):
        found[0] = npdt if found[0] is None else _promote_np(found[0], npdt)

    def walk(x):
        if isinstance(x, Tensor):
            add(x._data.dtype)
        elif isinstance(x, (list, tuple)):
            for y in x:
                walk(y)
        elif isinstance(x, (np.ndarray, np.generic)):
            add(_dtype.from_numpy_dtype(x.dtype).np)
        elif isinstance(x, bool):
            add(np.dtype(np.bool_))
        elif isinstance(x, int):
            add(np.dtype(np.int64))
        elif isinstance(x, float):
            add(_dtype._default[0].np)
        elif isinstance(x, complex):
            raise TypeError("dygrad does not support complex numbers")
        else:
            raise TypeError(
                f"Could not infer dtype of {type(x).__name__}: tensor() accepts numbers, bools, "
                "nested lists/tuples of them, NumPy arrays and Tensors")

    walk(data)
    return found[0] if found[0] is not None else _dtype._default[0].np


def _to_nested(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_to_nested(x) for x in data]
    return data


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    check_device(device, "tensor()")
    if isinstance(data, Tensor):
        arr = data._data.copy() if dtype is None else data._data.astype(_dtype.to_numpy_dtype(dtype))
    elif isinstance(data, np.ndarray):
        if dtype is None:
            _dtype.from_numpy_dtype(data.dtype)
            arr = np.array(data, copy=True)
        else:
            arr = np.array(data, dtype=_dtype.to_numpy_dtype(dtype))
    else:
        npdt = _dtype.to_numpy_dtype(dtype) if dtype is not None else _infer_np_dtype(data)
        try:
            arr = np.array(_to_nested(data), dtype=npdt)
        except ValueError as e:
            raise ValueError(f"tensor(): could not build a tensor from the data ({e}); nested "
                             "sequences must have equal lengths") from None
        except OverflowError:
            raise RuntimeError(f"tensor(): value cannot be converted to type {_dtype.from_numpy_dtype(npdt)} without overflow") from None
    if arr.dtype.byteorder not in "=|":
        arr = arr.astype(arr.dtype.newbyteorder("="))
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad = True
    return t


def scalar_tensor(s, dtype=None, device=None, requires_grad=False):
    return tensor(s, dtype=dtype or _dtype.get_default_dtype(), requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None):
    check_device(device, "as_tensor()")
    if isinstance(data, Tensor):
        return data if dtype is None or _dtype.as_dtype(dtype).np == data._data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or _dtype.to_numpy_dtype(dtype) == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


asarray = as_tensor


def from_numpy(ndarray):
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    if ndarray.dtype.byteorder == ">":
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    return _wrap(ndarray)


def _make(shape, npdt, filler, requires_grad, device, op):
    check_device(device, f"{op}()")
    for s in shape:
        if s < 0:
            raise RuntimeError(f"{op}(): Trying to create tensor with negative dimension {s}: {list(shape)}")
    arr = filler(shape, npdt)
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad = True
    return t


def _np_dt(dtype):
    return _dtype._default[0].np if dtype is None else _dtype.to_numpy_dtype(dtype)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    return _make(size_args(size), _np_dt(dtype), np.zeros, requires_grad, device, "zeros")


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    return _make(size_args(size), _np_dt(dtype), np.ones, requires_grad, device, "ones")


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False, memory_format=None):
    # zero-filled: uninitialised memory would make runs irreproducible for no real gain
    return _make(size_args(size), _np_dt(dtype), np.zeros, requires_grad, device, "empty")


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        npdt = _dtype.scalar_np_dtype(fill_value)
    else:
        npdt = _dtype.to_numpy_dtype(dtype)
    return _make(size_args((size,) if isinstance(size, int) else tuple(size)), npdt,
                 lambda s, d: np.full(s, fill_value, dtype=d), requires_grad, device, "full")


def _like(x, dtype):
    return x._data.dtype if dtype is None else _dtype.to_numpy_dtype(dtype)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _make(input._data.shape, _like(input, dtype), np.zeros, requires_grad, device, "zeros_like")


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _make(input._data.shape, _like(input, dtype), np.ones, requires_grad, device, "ones_like")


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _make(input._data.shape, _like(input, dtype), np.zeros, requires_grad, device, "empty_like")


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _make(input._data.shape, _like(input, dtype),
                 lambda s, d: np.full(s, fill_value, dtype=d), requires_grad, device, "full_like")


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return rand(input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return randn(input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, input._data.shape, dtype=dtype or input.dtype)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError(
            f"arange: upper bound and larger bound inconsistent with step sign (start={start}, end={end}, step={step})")
    if dtype is None:
        npdt = _dtype._default[0].np if any(isinstance(v, float) for v in (start, end, step)) else np.dtype(np.int64)
    else:
        npdt = _dtype.to_numpy_dtype(dtype)
    n = max(0, math.ceil((end - start) / step))
    arr = (start + np.arange(n, dtype=np.float64 if npdt.kind == "f" else np.int64) * step).astype(npdt)
    return _make(arr.shape, npdt, lambda s, d: arr, requires_grad, device, "arange")


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated torch.range: end inclusive, default float dtype."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    npdt = _np_dt(dtype)
    arr = (start + np.arange(n, dtype=np.float64) * step).astype(npdt)
    return _make(arr.shape, npdt, lambda s, d: arr, requires_grad, device, "range")


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    start, end = _num(start), _num(end)
    if steps < 0:
        raise RuntimeError("linspace: number of steps must be non-negative")
    npdt = _np_dt(dtype)
    # PyTorch fills the first half from start and the second half from end (symmetric rounding)
    if steps == 1:
        vals = np.array([start], dtype=np.float64)
    else:
        step = (end - start) / (steps - 1)
        i = np.arange(steps, dtype=np.float64)
        half = steps // 2
        vals = np.where(i < half, start + step * i, end - step * (steps - 1 - i))
    arr = vals.astype(npdt) if npdt.kind == "f" else np.trunc(vals).astype(npdt)
    return _make(arr.shape, npdt, lambda s, d: arr, requires_grad, device, "linspace")


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    lin = linspace(start, end, steps, dtype=_dtype.float64)._data
    arr = np.power(base, lin).astype(_np_dt(dtype))
    return _make(arr.shape, arr.dtype, lambda s, d: arr, requires_grad, device, "logspace")


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if m is None:
        m = n
    return _make((n, m), _np_dt(dtype), lambda s, d: np.eye(n, m, dtype=d), requires_grad, device, "eye")


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    npdt = _random._float_dt(dtype)
    shape = size_args(size)
    return _make(shape, npdt, lambda s, d: _random._uniform(s, 0.0, 1.0, generator, d), requires_grad, device, "rand")


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    npdt = _random._float_dt(dtype)
    shape = size_args(size)
    return _make(shape, npdt, lambda s, d: _random._normal(s, 0.0, 1.0, generator, d), requires_grad, device, "randn")


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint() missing required argument 'size'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    npdt = np.dtype(np.int64) if dtype is None else _dtype.to_numpy_dtype(dtype)
    shape = size_args((size,) if isinstance(size, int) else tuple(size))
    return _make(shape, npdt, lambda s, d: _random._randint(low, high, s, generator).astype(d),
                 requires_grad, device, "randint")


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    npdt = np.dtype(np.int64) if dtype is None else _dtype.to_numpy_dtype(dtype)
    return _make((n,), npdt, lambda s, d: _random._rng(generator).permutation(n).astype(d), requires_grad, device, "randperm")


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        npdt = (mean if isinstance(mean, Tensor) else std)._data.dtype
        z = _random._normal(shape, 0.0, 1.0, generator)
        return _wrap((z * s + m).astype(npdt))
    if size is None:
        raise TypeError("normal() with float mean and std requires a size")
    npdt = _random._float_dt(dtype)
    shape = size_args((size,) if isinstance(size, int) else tuple(size))
    return _make(shape, npdt, lambda s, d: _random._normal(s, mean, std, generator, d), requires_grad, device, "normal")


def bernoulli(input, p=None, *, generator=None, out=None):
    return input.bernoulli(p, generator=generator)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    d = input._data.astype(np.float64)
    rng = _random._rng(generator)
    rows = d.reshape(-1, d.shape[-1])
    res = []
    for row in rows:
        if (row < 0).any() or not np.isfinite(row).all() or row.sum() <= 0:
            raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0, or sums to 0")
        if not replacement and num_samples > np.count_nonzero(row):
            raise RuntimeError("multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        res.append(rng.choice(len(row), size=num_samples, replace=replacement, p=row / row.sum()))
    arr = np.array(res, dtype=np.int64).reshape(d.shape[:-1] + (num_samples,))
    return _wrap(arr)
