"""Dense linear algebra with gradients: inverse, det, slogdet, solve (batched)."""
import numpy as np

from .._tensor import Tensor, _wrap
from ._record import attach, record1, record2
from ..autograd.node import Node, sum_to
from . import _bw, return_types
from ._reduce_util import finish, scalar_type_name
from ._registry import op


class LinAlgError(RuntimeError):
    """A linear-algebra failure such as a singular matrix (PyTorch's torch.linalg.LinAlgError)."""


def _square(x, op):
    d = x._data
    if d.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if d.shape[-1] != d.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are "
                           f"{d.shape[-2]} by {d.shape[-1]} matrices")
    if d.dtype.kind not in "fV":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. "
                           f"Got {scalar_type_name(d.dtype)}")
    if d.dtype.itemsize == 2 and op in ("linalg.det", "linalg.solve"):
        # PyTorch reaches its LU kernel first for these, which has no half/bfloat16 version
        raise NotImplementedError(f"\"lu_cpu\" not implemented for "
                                  f"'{'Half' if d.dtype == np.float16 else 'BFloat16'}'")
    if d.dtype.itemsize == 2:
        raise RuntimeError(f"{op}: Low precision dtypes not supported. Got "
                           f"{'Half' if d.dtype == np.float16 else 'BFloat16'}")
    return d


def _mT(x):
    return _bw.transpose_last(x)


class LinalgInvExBackward0(Node):
    __slots__ = ()

    def backward(self, g, inv):
        ti = _mT(inv)
        return -(ti @ g @ ti)


_SQ = "torch.tensor([[2.0, 1.0], [1.0, 3.0]])"


@op(out_dtype="same", out=True, backward=LinalgInvExBackward0, example=_SQ,
    summary="Inverse of a square matrix (or of each in a batch); torch.linalg.inv's alias.")
def inverse(input):
    x = input
    d = _square(x, "linalg.inv")
    try:
        out = np.linalg.inv(d)
    except np.linalg.LinAlgError:
        raise LinAlgError("linalg.inv: The input matrix is singular, the inversion could not be "
                          f"completed (input of shape {list(d.shape)}).") from None
    t, node = finish(out, x, LinalgInvExBackward0)
    if node is not None:
        node.save_output(t)
    return t


def _cofactor(d):
    """det(A) * inv(A)^T, also where A is singular (from an SVD: no division by det)."""
    u, s, vh = np.linalg.svd(d)
    n = s.shape[-1]
    others = np.empty_like(s)
    for i in range(n):  # product of all singular values but the i-th
        others[..., i] = np.prod(np.delete(s, i, axis=-1), axis=-1)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return sign[..., None, None] * (u * others[..., None, :]) @ vh


class LinalgDetBackward0(Node):
    __slots__ = ()

    def backward(self, g, a, det):
        g2 = _bw.reshape(g, tuple(g.shape) + (1, 1))
        if isinstance(a, Tensor):
            if (det._data == 0).any():
                raise RuntimeError("linalg.det: double backward at a singular matrix is not supported")
            return g2 * _bw.reshape(det, tuple(det.shape) + (1, 1)) * _mT(inverse(a))
        return g2 * _cofactor(a)


@op(backward=LinalgDetBackward0, example=_SQ,
    summary="Determinant of a square matrix (or of each in a batch).")
def det(input):
    x = input
    d = _square(x, "linalg.det")
    t, node = finish(np.asarray(np.linalg.det(d), dtype=d.dtype), x, LinalgDetBackward0)
    if node is not None:
        node.save(x)
        node.save_output(t)
    return t


class LinalgSlogdetBackward0(Node):
    __slots__ = ()
    _nout = 2

    def _apply(self, grads, create_graph):
        (a,) = self._vals(create_graph)
        g = grads[1]
        if g is None:
            return (None,)
        inv = inverse(a) if isinstance(a, Tensor) else np.linalg.inv(a)
        return (_bw.reshape(g, tuple(g.shape) + (1, 1)) * _mT(inv),)


@op(out_dtype="same", out=True, backward=LinalgSlogdetBackward0, example=_SQ,
    summary="(sign, logabsdet) of the determinant of square matrices.")
def slogdet(input):
    return slogdet_as(input, return_types.slogdet)


def slogdet_as(x, _result):
    """slogdet returned as the named tuple `_result` (torch.linalg.slogdet's has its own name)."""
    d = _square(x, "linalg.slogdet")
    sign, logabs = np.linalg.slogdet(d)
    sign = np.asarray(sign, dtype=d.dtype)
    logabs = np.asarray(logabs, dtype=d.dtype)
    s, node = record1(sign, LinalgSlogdetBackward0, x)
    if node is None:
        return _result(s, _wrap(logabs))
    node.save(x)
    # both outputs are recorded (as in PyTorch); the sign's gradient is zero
    return _result(s, attach(logabs, node, 1))


class LinalgSolveExBackward0(Node):
    """X = A^-1 B:  dB = A^-T G,  dA = -dB X^T (batch dims reduced to each input's shape)."""
    __slots__ = ("vec", "sa", "sb")

    def backward(self, g, a, x):
        nf = self.next_functions
        gb = _solve_any(_mT(a), g, self.vec)
        ga = None
        if nf[0][0] is not None:
            if self.vec:
                col = _bw.reshape(gb, tuple(gb.shape) + (1,))
                row = _bw.reshape(x, tuple(x.shape[:-1]) + (1, x.shape[-1]))
                ga = -(col * row)
            else:
                ga = -(gb @ _mT(x))
            ga = sum_to(ga, self.sa)
        return ga, (sum_to(gb, self.sb) if nf[1][0] is not None else None)


def _solve_any(a, b, vec):
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        a = a if isinstance(a, Tensor) else _wrap(a)
        b = b if isinstance(b, Tensor) else _wrap(b)
        return solve(a, b)
    return _np_solve(a, b, vec)


def _np_solve(a, b, vec):
    try:
        if vec:
            return np.linalg.solve(a, b[..., None])[..., 0]
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise LinAlgError("linalg.solve: The solver failed because the input matrix is "
                          "singular.") from None


def solve(A, B, *, left=True):
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return solve(A.mT, B.mT).mT
    ad = _square(A, "linalg.solve")
    bd = B._data
    if ad.dtype != bd.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {scalar_type_name(ad.dtype)} and B of type "
                           f"{scalar_type_name(bd.dtype)} instead")
    # B is a batch of vectors when it is 1-D or has exactly A's batch shape plus one dim
    vec = bd.ndim == 1 or (bd.ndim == ad.ndim - 1 and bd.shape == ad.shape[:-1])
    n = ad.shape[-1]
    if (bd.shape[-1] if vec else bd.shape[-2] if bd.ndim > 1 else -1) != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({'x'.join(map(str, ad.shape[-2:]))} and "
                           f"{'x'.join(map(str, bd.shape))})")
    out = _np_solve(ad, bd, vec)
    t, node = record2(out, LinalgSolveExBackward0, A, B)
    if node is not None:
        node.vec, node.sa, node.sb = vec, ad.shape, bd.shape
        node.save(A)
        node.save_output(t)
    return t
