"""Random tensors: rand, randn, randint, randperm, normal, bernoulli, multinomial, poisson and the
*_like forms, with PyTorch's signatures, dtypes, argument checks and errors.

Every sampler draws from `generator` or, when it is None, the default generator, so
`torch.manual_seed(s)` makes a program reproducible. The numbers are not PyTorch's (dygrad uses
PCG64); the distributions, shapes and dtypes are.
"""
import warnings

import numpy as np

from .. import _dtype
from .. import _convert
from .. import random as _random
from .._tensor import Tensor, _wrap
from ._record import record, record1
from ..autograd.node import Node
from ..device import check_device
from ._registry import op
from .bucketing import _NotDifferentiable

# (bernoulli, multinomial and poisson are declared ops: their torch.* spellings are generated)
__all__ = ["rand", "randn", "randint", "randperm", "normal", "rand_like", "randn_like", "randint_like"]

# C type names PyTorch's random_ bound checks print
_RANDINT_CTYPE = {"uint8": "unsigned char", "int8": "signed char", "int16": "short int",
                  "int32": "int", "int64": "long int", "bool": "bool", "float16": "c10::Half"}


def _sized(op, args, size, dtype, requires_grad, device, out, kernel, sample, generator):
    check_device(device, f"{op}()")
    if not args and size is None:
        raise TypeError(f"{op}() received an invalid combination of arguments - got (), but "
                        "expected (tuple of ints size, *, torch.Generator generator, ...)")
    shape = _convert.shape_arg(op, args, size)
    _convert.check_shape(shape)
    if dtype is None and out is not None:
        dtype = out.dtype
    npdt = _random._float_dt(dtype, kernel)
    return _convert.finish(sample(shape, 0.0, 1.0, generator, npdt), requires_grad, out, op)


def rand(*sizes, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """Uniform samples in [0, 1), in the default float dtype unless given."""
    return _sized("rand", sizes, size, dtype, requires_grad, device, out, "check_uniform_bounds",
                  _random._uniform, generator)


def randn(*sizes, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    """Standard normal samples, in the default float dtype unless given."""
    return _sized("randn", sizes, size, dtype, requires_grad, device, out, "normal_kernel_cpu",
                  _random._normal, generator)


def _int_arg(op, v, name, pos):
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        v = int(v)
        if not -(1 << 63) <= v < (1 << 63):
            raise ValueError("Overflow when unpacking long long")
        return v
    if isinstance(v, Tensor) and v._data.ndim == 0 and v._data.dtype.kind in "iu":
        return int(v._data)
    raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be int, not "
                    f"{_convert.type_name(v)}")


def _check_bounds(low, high, npdt):
    """PyTorch's random_(from, to) checks: from < to, both inside the output dtype's range."""
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    k = npdt.kind
    if k in "iub":
        lo, hi = (0, 1) if k == "b" else (int(np.iinfo(npdt).min), int(np.iinfo(npdt).max))
    elif npdt == np.float16:
        lo, hi = -65504, 65504
    else:
        bits = 24 if npdt == np.float32 else 53
        name = "float" if npdt == np.float32 else "double"
        for what, v in (("from", low), ("to - 1", high - 1)):
            if not -(1 << bits) <= v <= (1 << bits):
                warnings.warn(
                    f"{what} is out of bounds [-(2^{bits}), 2^{bits}]. Due to precision limitations "
                    f"{name} can support discrete uniform distribution only within this range. "
                    "This warning will become an error in version 1.7 release, please fix the "
                    "code in advance", UserWarning, stacklevel=4)
        return
    if not lo <= low <= hi:
        raise RuntimeError(f"from is out of bounds for {_RANDINT_CTYPE[npdt.name]}")
    if not lo <= high - 1 <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {_RANDINT_CTYPE[npdt.name]}")


def randint(*args, size=None, low=None, high=None, generator=None, out=None, dtype=None,
            layout=None, device=None, requires_grad=False, pin_memory=False):
    """Integers uniform in [low, high): randint(high, size) or randint(low, high, size);
    int64 unless dtype is given (any dtype, floating included)."""
    check_device(device, "randint()")
    pos = list(args)
    if size is None and pos:
        size = pos.pop()
    if len(pos) == 2:
        low, high = pos
    elif len(pos) == 1:
        if high is None:
            high = pos[0]
        else:
            low = pos[0]
    elif len(pos) > 2:
        raise TypeError(f"randint() takes at most 3 positional arguments ({len(args)} given)")
    if high is None or size is None:
        raise TypeError("randint() received an invalid combination of arguments: expected "
                        "(int high, tuple of ints size) or (int low, int high, tuple of ints size)")
    n_pos = 1 if low is None else 2
    low = 0 if low is None else _int_arg("randint", low, "low", 1)
    high = _int_arg("randint", high, "high", n_pos)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' (position {n_pos + 1}) must be tuple of ints, "
                        f"not {_convert.type_name(size)}")
    shape = _convert.shape_arg("randint", (size,))
    _convert.check_shape(shape)
    if dtype is None:
        dtype = out.dtype if out is not None else _dtype.int64
    npdt = _convert.np_dtype(dtype)
    _check_bounds(low, high, npdt)
    return _convert.finish(_random._randint(low, high, shape, generator).astype(npdt), requires_grad,
                    out, "randint")


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of 0..n-1 (int64 unless dtype is given)."""
    check_device(device, "randperm()")
    n = _int_arg("randperm", n, "n", 1)
    _convert.check_shape((n,))
    if dtype is None:
        dtype = out.dtype if out is not None else _dtype.int64
    npdt = _convert.np_dtype(dtype)
    if npdt.kind == "b":
        _convert.not_implemented("randperm", npdt)
    if npdt == np.float16 and n > 2049:
        raise RuntimeError("n cannot be greater than 2049 for Half type.")
    if npdt.kind in "iu" and n - 1 > np.iinfo(npdt).max:
        raise RuntimeError(f"value cannot be converted to type {_convert._CTYPE[npdt.name]} without overflow")
    perm = _random._rng(generator).permutation(n)
    return _convert.finish(perm.astype(npdt), requires_grad, out, "randperm")


# -- differentiable samplers: PyTorch records them with a zero gradient -----------------------
class _SampleZeroGrad(Node):
    """Sampling is not reparameterised: PyTorch gives the inputs an all-zero gradient."""

    __slots__ = ("_inputs",)

    def backward(self, g, *saved):
        if isinstance(g, Tensor):  # create_graph: keep the zeros connected to g
            grads = tuple((g * 0).sum_to_size(*shape).to(_dtype.from_numpy_dtype(dt))
                          for shape, dt in self._inputs)
        else:
            grads = tuple(np.zeros(shape, dt) for shape, dt in self._inputs)
        return grads if len(grads) > 1 else grads[0]


class NormalBackward1(_SampleZeroGrad):
    __slots__ = ()


class NormalBackward2(_SampleZeroGrad):
    __slots__ = ()


class NormalBackward3(_SampleZeroGrad):
    __slots__ = ()


class BernoulliBackward0(_SampleZeroGrad):
    __slots__ = ()


class PoissonBackward0(_SampleZeroGrad):
    __slots__ = ()


def _record(arr, node_cls, inputs):
    t, node = record(arr, node_cls, inputs)
    if node is not None:
        node._inputs = tuple((x._data.shape, x._data.dtype) for x in inputs)
    return t


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False, pin_memory=False):
    """normal(mean_tensor, std_tensor), normal(mean_tensor, std=1.0), normal(mean, std_tensor)
    (broadcast, in the tensor's dtype), or normal(mean, std, size) (default dtype)."""
    tm, ts = isinstance(mean, Tensor), isinstance(std, Tensor)
    if tm or ts:
        if size is not None:
            raise TypeError("normal(): a size is only accepted with float mean and std; with a "
                            "Tensor mean or std the shape comes from the tensors")
        ref = mean if tm else std
        npdt = ref._data.dtype
        if npdt.kind not in "fV":
            _convert.not_implemented("normal_kernel_cpu", npdt)
        m = mean._data if tm else float(mean)
        s = std._data if ts else float(std)
        if ts:
            if (s < 0).any() or np.isnan(s).any():
                raise RuntimeError("normal expects all elements of std >= 0.0")
        elif not s >= 0.0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(s)}")
        if tm and ts:
            shape = _broadcast(m.shape, s.shape)
        else:
            shape = ref._data.shape
        z = _random._normal(shape, 0.0, 1.0, generator, npdt if npdt != np.float64 else None)
        arr = (z * s + m).astype(npdt, copy=False)
        if out is not None:
            return _convert.write_out(out, arr, "normal")
        cls, inputs = ((NormalBackward3, (mean, std)) if tm and ts else
                       (NormalBackward1, (mean,)) if tm else (NormalBackward2, (std,)))
        return _record(arr, cls, inputs)
    if size is None:
        raise TypeError("normal() received an invalid combination of arguments: with float mean "
                        "and std a size is required, e.g. normal(0.0, 1.0, size=(2, 3))")
    mean, std = float(mean), float(std)
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")
    check_device(device, "normal()")
    shape = _convert.shape_arg("normal", (size,))
    _convert.check_shape(shape)
    if dtype is None and out is not None:
        dtype = out.dtype
    npdt = _random._float_dt(dtype, "normal_kernel_cpu")
    return _convert.finish(_random._normal(shape, mean, std, generator, npdt), requires_grad, out, "normal")


def _broadcast(a, b):
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {i}")
    return tuple(max(x, y) if x and y else 0 for x, y in zip(a, b))


def _fmt(v):
    return f"{v:g}"


# the examples are certain draws (probabilities 0 and 1): the spellings agree on them and
# the docstrings print the same result every time. (Tensor.bernoulli_ is its own op: a fill.)
# out= is the op's own: PyTorch draws into out in out's dtype, whatever it is
@op(out="native", backward=BernoulliBackward0, example="torch.tensor([0.0, 1.0, 1.0])",
    summary="1 with probability input (or p when given), else 0, in input's dtype and shape "
            "(in out's dtype with out=).")
def bernoulli(input, p=None, *, generator=None, out=None):
    d = input._data
    if d.dtype.kind not in "fV":
        _convert.not_implemented("bernoulli_tensor_cpu_p_" if p is None else "bernoulli_scalar_cpu_", d.dtype)
    if p is None:
        prob = d
        if ((prob < 0) | (prob > 1) | np.isnan(prob)).any():
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false. "
                               "(bernoulli: every probability must lie in [0, 1])")
    else:
        prob = float(p.item() if isinstance(p, Tensor) else p)
        if not 0.0 <= prob <= 1.0:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={prob:g}")
    u = _random._uniform(d.shape, 0.0, 1.0, generator)
    if out is not None:
        return _convert.write_out(out, (u < prob).astype(out._data.dtype), "bernoulli", input._rg)
    arr = (u < prob).astype(d.dtype)
    if p is None:
        return _record(arr, BernoulliBackward0, (input,))
    t, node = record1(arr, _NotDifferentiable, input)  # PyTorch has no derivative for p
    if node is not None:
        node._op = "aten::bernoulli"
    return t


@op(method=False, backward=PoissonBackward0, example="torch.tensor([0.0, 0.0])",
    summary="Poisson samples with rates input (floating, non-negative), in input's dtype.")
def poisson(input, generator=None):
    """Poisson samples with rates `input` (floating, non-negative), in input's dtype."""
    d = input._data
    if d.dtype.kind not in "fV":
        _convert.not_implemented("poisson_cpu", d.dtype)
    if (d < 0).any() or np.isnan(d).any():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    arr = _random._rng(generator).poisson(d.astype(np.float64)).astype(d.dtype)
    return _record(arr, PoissonBackward0, (input,))


@op(out="native", example="torch.tensor([0.0, 1.0, 0.0]), 2, True",
    summary="Category indices drawn with probabilities proportional to each row of input (1-d "
            "or 2-d); without replacement each row yields distinct indices.")
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    d = input._data
    if d.dtype.kind not in "fV":
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           f"{_convert.TORCH_NAME[d.dtype.name]}")
    if d.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    n_cat = d.shape[-1]
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rows = d.reshape(-1, n_cat).astype(np.float64)
    if rows.shape[0] and n_cat:
        if not np.isfinite(rows).all() or (rows < 0).any():
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        sums = rows.sum(axis=1)
        if (sums <= 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not replacement and ((rows > 0).sum(axis=1) < num_samples).any():
            raise RuntimeError("invalid multinomial distribution (with replacement=False, not "
                               "enough non-negative category to sample)")
    rng = _random._rng(generator)
    if replacement:
        cdf = np.cumsum(rows, axis=1)
        cdf /= cdf[:, -1:]
        u = rng.random((rows.shape[0], num_samples))
        res = np.stack([np.searchsorted(cdf[i], u[i], side="right") for i in range(rows.shape[0])]) \
            if rows.shape[0] else np.zeros((0, num_samples), np.int64)
        res = np.minimum(res, n_cat - 1)
    else:
        # exponential race: the k smallest Exp(1)/p are a draw without replacement
        keys = rng.exponential(size=rows.shape) / rows
        res = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    res = res.astype(np.int64).reshape(d.shape[:-1] + (num_samples,))
    if out is None:
        return _wrap(res)
    if out._data.dtype != np.int64:
        raise RuntimeError(f"multinomial expects Long tensor out, got: "
                           f"{_convert.TORCH_NAME[out._data.dtype.name]}")
    return _convert.write_out(out, res, "multinomial")




def _like(op, input, dtype):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{_convert.type_name(input)}")
    return input.dtype if dtype is None else dtype


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return rand(input._data.shape if isinstance(input, Tensor) else None, generator=generator,
                dtype=_like("rand_like", input, dtype), device=device, requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return randn(input._data.shape if isinstance(input, Tensor) else None, generator=generator,
                 dtype=_like("randn_like", input, dtype), device=device, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None):
    """randint_like(input, high) or randint_like(input, low, high), in input's dtype."""
    dt = _like("randint_like", input, dtype)
    if high is None:
        low, high = 0, low
    return randint(low, high, input._data.shape, generator=generator, dtype=dt, device=device,
                   requires_grad=requires_grad)
