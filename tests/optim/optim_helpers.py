"""Shared helpers for the optimizer tests: parameters in both frameworks and a gradient script."""
import numpy as np

import dygrad


def dy_param(arr):
    """A dygrad leaf parameter holding a copy of arr (nn.Parameter when that exists)."""
    nn = getattr(dygrad, "nn", None)
    if nn is not None and hasattr(nn, "Parameter"):
        return nn.Parameter(dygrad.tensor(arr.copy()))
    return dygrad.tensor(arr.copy(), requires_grad=True)


def torch_param(torch, arr):
    return torch.nn.Parameter(torch.tensor(arr.copy()))


def make_arrays(dtype, seed=0, shapes=((5, 4), (7,), (3,))):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    curv = [rng.uniform(0.5, 2.0, s).astype(dtype) for s in shapes]
    return init, curv


def grad_of(curv, x, k):
    """Gradient of a fixed loss (a quadratic bowl plus a ripple), evaluated at x on step k."""
    return (curv * (x - 1.0) + 0.1 * np.sin(k + x)).astype(x.dtype)


def to_np(t):
    """A dygrad or torch tensor as a NumPy array (copied)."""
    if isinstance(t, dygrad.Tensor):
        return np.array(t._data)
    return t.detach().numpy().copy()
