"""Matrix helpers composed from the differentiable basics: trace, kron, inner, addmv, addr,
addbmm, matrix_power, logdet, block_diag, chain_matmul, dist, cov, corrcoef."""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from .linalg import matmul, mm, mv, outer, tensordot
from .dense import slogdet, inverse


def trace(input):
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    return input.diagonal().sum()


def kron(input, other):
    nd = max(input.dim(), other.dim())
    a = input.reshape((1,) * (nd - input.dim()) + tuple(input.shape))
    b = other.reshape((1,) * (nd - other.dim()) + tuple(other.shape))
    sa, sb = tuple(a.shape), tuple(b.shape)
    ai = [v for n in sa for v in (n, 1)]
    bi = [v for n in sb for v in (1, n)]
    return (a.reshape(ai) * b.reshape(bi)).reshape([x * y for x, y in zip(sa, sb)])


def inner(input, other):
    if input.dim() == 0 or other.dim() == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got "
                           f"shapes {list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([-1], [-1]))


def _beta_alpha(inp, prod, beta, alpha):
    npdt = prod._data.dtype
    if npdt.kind in "iu":  # PyTorch converts alpha/beta to the integer type (0.5 -> 0)
        alpha, beta = _dtype.checked_value(npdt, alpha), _dtype.checked_value(npdt, beta)
    out = prod if alpha == 1 else prod * alpha
    if beta == 0:  # the input is ignored: its NaN/inf do not propagate
        return out
    return out + (inp if beta == 1 else inp * beta)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    return _beta_alpha(input, mv(mat, vec), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    if vec1.dim() != 1 or vec2.dim() != 1:
        raise RuntimeError(f"addr: expected 1-D vectors, but got {vec1.dim()}-D and {vec2.dim()}-D")
    return _beta_alpha(input, outer(vec1, vec2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    if batch1.dim() != 3 or batch2.dim() != 3:
        raise RuntimeError(f"addbmm: batch1 and batch2 must be 3-D tensors, got {batch1.dim()}-D and "
                           f"{batch2.dim()}-D")
    return _beta_alpha(input, matmul(batch1, batch2).sum(0), beta, alpha)


def matrix_power(input, n):
    if input.dim() < 2 or input.shape[-1] != input.shape[-2]:
        raise RuntimeError("matrix_power: expected a tensor of square matrices, but got shape "
                           f"{list(input.shape)}")
    n = int(n)
    if n == 0:  # the identity, still connected to the graph (with a zero gradient)
        eye = np.broadcast_to(np.eye(input.shape[-1], dtype=input._data.dtype), input._data.shape)
        return input * 0 + _wrap(eye.copy())
    a = inverse(input) if n < 0 else input
    n = abs(n)
    result = None
    while n:
        if n & 1:
            result = a if result is None else matmul(result, a)
        n >>= 1
        if n:
            a = matmul(a, a)
    return result if result is not input else input.clone()


def logdet(input):
    """log(det): NaN for a negative determinant, -inf for a singular matrix."""
    sign, logabs = slogdet(input)
    s = sign._data
    if (s > 0).all():
        return logabs
    return logabs.masked_fill(_wrap(s < 0), float("nan")).masked_fill(_wrap(s == 0), float("-inf"))


def block_diag(*tensors):
    mats = [t.reshape(1, -1) if t.dim() < 2 else t for t in tensors]
    for i, t in enumerate(mats):
        if t.dim() != 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t.dim()} dimensions")
    if not mats:
        return _wrap(np.zeros((1, 0), _dtype.get_default_dtype().np))
    npdt = mats[0]._data.dtype
    for t in mats[1:]:
        npdt = _dtype._promote_np(npdt, t._data.dtype)
    from .join import cat
    cols = sum(t.shape[1] for t in mats)
    rows, left = [], 0
    for t in mats:
        r, c = t.shape
        parts = [_wrap(np.zeros((r, left), npdt)), t, _wrap(np.zeros((r, cols - left - c), npdt))]
        rows.append(cat(parts, 1))
        left += c
    return cat(rows, 0)


def chain_matmul(*matrices):
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    out = matrices[0]
    for m in matrices[1:]:
        out = mm(out, m)
    return out if len(matrices) > 1 else out.clone()


def dist(input, other, p=2):
    return (input - other).norm(p)


def _float(x):
    return x if x._data.dtype.kind == "f" else x.to(_dtype.get_default_dtype())


def cov(input, *, correction=1, fweights=None, aweights=None):
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input "
                           f"with {input.dim()} dimensions")
    x = _float(input)
    x = x.reshape(1, -1) if x.dim() < 2 else x
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = fweights
    if aweights is not None:
        w = aweights if w is None else w * aweights
    if w is None:
        avg = x.mean(1, keepdim=True)
        norm = n - correction
        xm = x - avg
        c = matmul(xm, xm.t()) / max(norm, 0)
    else:
        w = _float(w) if isinstance(w, Tensor) else w
        wsum = w.sum()
        avg = (x * w).sum(1, keepdim=True) / wsum
        if aweights is None:
            norm = wsum - correction
        else:
            norm = wsum - correction * (w * aweights).sum() / wsum
        xm = x - avg
        c = matmul(xm * w, xm.t()) / norm.clamp(min=0)
    return c.squeeze() if input.dim() < 2 else c


def corrcoef(input):
    c = cov(input)
    if c.dim() == 0:
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.unsqueeze(1) / std.unsqueeze(0)
    return c.clamp(-1, 1)
