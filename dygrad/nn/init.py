"""Parameter initialisation (torch.nn.init): in-place fills drawn from dygrad's generator.

Every function works under no_grad and returns the tensor it filled. Fan sizes follow PyTorch:
dim 1 is fan-in, dim 0 fan-out, both multiplied by the receptive field (the product of the
remaining dims), so values of a given std/bound match PyTorch's distributions.
"""
import math
import warnings

import numpy as np

from .. import random as _random
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops import elementwise as _ew

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
           "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_", "sparse_", "uniform", "normal", "constant", "eye",
           "dirac", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
           "orthogonal", "sparse"]

_LINEAR_LIKE = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity, param=None):
    """Recommended gain for an activation (PyTorch's table)."""
    if nonlinearity in _LINEAR_LIKE:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _check(tensor, fn):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init.{fn}: expected a Tensor, got {type(tensor).__name__}")
    if tensor._data.dtype.kind not in "fV":
        raise TypeError(f"nn.init.{fn}: expected a floating-point tensor, got {tensor.dtype}")


def _fill(tensor, arr):
    with no_grad():
        _ew.set_data_(tensor, arr)
    return tensor


def _calculate_fan_in_and_fan_out(tensor):
    dims = tensor.dim()
    if dims < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    shape = tensor.shape
    receptive = 1
    for s in shape[2:]:
        receptive *= s
    return shape[1] * receptive, shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid = ["fan_in", "fan_out"]
    if mode not in valid:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    _check(tensor, "uniform_")
    return _fill(tensor, _random._uniform(tensor._data.shape, a, b, generator))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    _check(tensor, "normal_")
    return _fill(tensor, _random._normal(tensor._data.shape, mean, std, generator))


def _std_normal_cdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _truncated_std_normal(rng, n, lo, hi):
    """n draws of N(0, 1) restricted to [lo, hi], by rejection from a proposal that suits the
    interval (Robert, 1995): the normal itself when [lo, hi] holds enough mass, otherwise an
    exponential tail or a uniform proposal, so that far-off intervals stay cheap and exact."""
    if hi <= 0:
        return -_truncated_std_normal(rng, n, -hi, -lo)  # mirror into the upper side
    mass = _std_normal_cdf(hi) - _std_normal_cdf(lo)
    if mass >= 0.25:
        def propose(k):
            return rng.standard_normal(k)

        def accept(z):
            return (z >= lo) & (z <= hi)
    elif lo < 0:  # a narrow interval around 0: uniform proposal under the density's peak
        def propose(k):
            return rng.uniform(lo, hi, k)

        def accept(z):
            return rng.random(z.size) < np.exp(-0.5 * z * z)
    else:
        rate = (lo + math.sqrt(lo * lo + 4.0)) / 2.0
        if hi - lo < 1.0 / rate:  # short interval: uniform proposal, density ratio to lo
            def propose(k):
                return rng.uniform(lo, hi, k)

            def accept(z):
                return rng.random(z.size) < np.exp(0.5 * (lo * lo - z * z))
        else:  # long tail: shifted exponential proposal
            def propose(k):
                return lo + rng.exponential(1.0 / rate, k)

            def accept(z):
                return (z <= hi) & (rng.random(z.size) < np.exp(-0.5 * (z - rate) ** 2))
    out = np.empty(n, np.float64)
    todo = np.arange(n)
    while todo.size:
        z = propose(todo.size)
        ok = accept(z)
        out[todo[ok]] = z[ok]
        todo = todo[~ok]
    return out


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Normal(mean, std) restricted to [a, b] (exactly, by rejection sampling)."""
    _check(tensor, "trunc_normal_")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)
    shape = tensor._data.shape
    z = _truncated_std_normal(_random._rng(generator), int(np.prod(shape)), (a - mean) / std,
                              (b - mean) / std)
    out = np.clip(z * std + mean, a, b)
    return _fill(tensor, out.reshape(shape))


def constant_(tensor, val):
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    return constant_(tensor, 1.0)


def zeros_(tensor):
    with no_grad():
        return tensor.zero_()


def eye_(tensor):
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, np.eye(*tensor._data.shape))


def dirac_(tensor, groups=1):
    """Identity-preserving kernels for convolution weights of dim 3, 4 or 5."""
    dims = tensor.dim()
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    shape = tensor._data.shape
    if shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_group = shape[0] // groups
    arr = np.zeros(shape)
    centre = tuple(s // 2 for s in shape[2:])
    for g in range(groups):
        for d in range(min(out_per_group, shape[1])):
            arr[(g * out_per_group + d, d) + centre] = 1
    return _fill(tensor, arr)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    if 0 in tensor._data.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    if 0 in tensor._data.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def orthogonal_(tensor, gain=1, generator=None):
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian matrix."""
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor._data.shape[0]
    cols = tensor.numel() // rows
    m = _random._normal((rows, cols), 0.0, 1.0, generator)
    if rows < cols:
        m = m.T
    q, r = np.linalg.qr(m)
    # fixing the signs by diag(r) makes the result uniformly (Haar) distributed
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (q * gain).reshape(tensor._data.shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """N(0, std) entries with a fraction `sparsity` of each column set to zero."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor._data.shape
    num_zeros = int(math.ceil(sparsity * rows))
    arr = _random._normal((rows, cols), 0.0, std, generator)
    rng = _random._rng(generator)
    for c in range(cols):
        arr[rng.permutation(rows)[:num_zeros], c] = 0
    return _fill(tensor, arr)


def _deprecated(new):
    name = new.__name__[:-1]

    def old(*args, **kwargs):
        warnings.warn(f"`nn.init.{name}` is now deprecated in favor of `nn.init.{new.__name__}`.",
                      FutureWarning, stacklevel=2)
        return new(*args, **kwargs)
    old.__name__ = old.__qualname__ = name
    old.__doc__ = f"Deprecated alias of {new.__name__}."
    return old


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)
