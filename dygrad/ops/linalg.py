"""Linear algebra: matmul in all its forms, mm, bmm, mv, dot, outer, einsum."""
import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node, sum_to
from . import _bw


def _fmt(x):
    return f"{list(x._data.shape)} ({x.dtype})"


class MmBackward0(Node):
    __slots__ = ()

    def backward(self, g, a, b):
        nf = self.next_functions
        return (g @ _bw.transpose_last(b) if nf[0][0] is not None else None,
                _bw.transpose_last(a) @ g if nf[1][0] is not None else None)


class MatmulBackward0(Node):
    """General matmul: 1-D operands promoted as NumPy/PyTorch do, batch dims broadcast."""
    __slots__ = ("sa", "sb")

    def backward(self, g, a, b):
        sa, sb = self.sa, self.sb
        nf = self.next_functions
        a2 = _bw.reshape(a, (1,) + sa) if len(sa) == 1 else a
        b2 = _bw.reshape(b, sb + (1,)) if len(sb) == 1 else b
        g2 = g
        if len(sa) == 1 and len(sb) == 1:
            g2 = _bw.reshape(g, (1, 1))
        elif len(sa) == 1:
            g2 = _bw.reshape(g, g.shape[:-1] + (1, g.shape[-1]))
        elif len(sb) == 1:
            g2 = _bw.reshape(g, tuple(g.shape) + (1,))
        ga = gb = None
        if nf[0][0] is not None:
            ga = g2 @ _bw.transpose_last(b2)
            ga = sum_to(ga, (1,) + sa if len(sa) == 1 else sa)
            ga = _bw.reshape(ga, sa)
        if nf[1][0] is not None:
            gb = _bw.transpose_last(a2) @ g2
            gb = sum_to(gb, sb + (1,) if len(sb) == 1 else sb)
            gb = _bw.reshape(gb, sb)
        return ga, gb


def matmul(a, b):
    if not isinstance(b, Tensor):
        raise TypeError(f"matmul(): argument 'other' must be Tensor, not {type(b).__name__}")
    ad, bd = a._data, b._data
    if ad.ndim == 0 or bd.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {ad.ndim}D and {bd.ndim}D")
    if ad.dtype != bd.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype}")
    try:
        out = np.matmul(ad, bd)
    except ValueError:
        ka = ad.shape[-1]
        kb = bd.shape[-2] if bd.ndim > 1 else bd.shape[0]
        if ka != kb:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({'x'.join(map(str, ad.shape[-2:] if ad.ndim > 1 else ad.shape))} "
                f"and {'x'.join(map(str, bd.shape[-2:] if bd.ndim > 1 else bd.shape))}) in matmul of {_fmt(a)} and {_fmt(b)}") from None
        raise RuntimeError(f"matmul: batch dimensions of {_fmt(a)} and {_fmt(b)} cannot be broadcast") from None
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if STATE.enabled and (a._rg or b._rg):
        if ad.ndim == 2 and bd.ndim == 2:
            node = MmBackward0((a._grad_node(), b._grad_node()))
        else:
            node = MatmulBackward0((a._grad_node(), b._grad_node()))
            node.sa, node.sb = ad.shape, bd.shape
        node.save(a, b)
        t = _wrap(out, True)
        t.grad_fn = node
        return t
    return _wrap(out)


def mm(a, b):
    if a._data.ndim != 2 or b._data.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got {_fmt(a)} and {_fmt(b)}")
    return matmul(a, b)


def bmm(a, b):
    if a._data.ndim != 3 or b._data.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got {_fmt(a)} and {_fmt(b)}")
    if a._data.shape[0] != b._data.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {_fmt(a)} and {_fmt(b)}")
    return matmul(a, b)
