"""Products: matmul in all its forms, mm, bmm, mv, dot, outer, addmm, baddbmm, cross, cdist.

einsum and tensordot live in einsum.py; inverse/det/solve in dense.py. They are re-exported
here because Tensor methods and torch.* call `linalg.<op>`.
"""
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ._record import attach, record2
from ..autograd.grad_mode import STATE
from ..autograd.node import Node, sum_to
from . import _bw
from ._registry import op
from ._reduce_util import scalar_type_name
from ._util import wrap_dim
from .einsum import einsum, tensordot  # noqa: F401
from .dense import inverse, det, slogdet, solve, LinAlgError  # noqa: F401
from ..amp._state import STATE as _AC, cast as _autocast


def _x(shape):
    return "x".join(map(str, shape))


def _dtname(d):
    return scalar_type_name(d.dtype).lower()


def _check(a, b, op):
    if not isinstance(b, Tensor):
        raise TypeError(f"{op}(): argument 'other' must be Tensor, not {type(b).__name__}")
    ad, bd = a._data, b._data
    if ad.dtype != bd.dtype:
        if ad.dtype.kind == "b" and bd.ndim > 2:  # bmm looks at the kernel before the dtypes
            raise NotImplementedError("\"bmm\" not implemented for 'Bool'")
        if ad.ndim == 1 and bd.ndim == 1:
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                               f"{scalar_type_name(ad.dtype)} and {scalar_type_name(bd.dtype)}")
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_dtname(ad)} != "
                           f"{_dtname(bd)}")
    return ad, bd


def _kernel(na, nb):
    """The name of the PyTorch CPU kernel that matmul of these ranks lands in (its messages)."""
    if na == 1 and nb == 1:
        return "dot"
    if nb == 1:
        return "addmv_impl_cpu"
    return "addmm_impl_cpu_" if nb == 2 else "bmm"


def _no_bool(out, k, kernel):
    """PyTorch has no bool kernels for products; it only answers without one when there is
    nothing to compute (an empty result, or a sum over zero terms giving all False)."""
    if kernel == "dot" or (out.size and k):
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _mismatch(ad, bd):
    if ad.ndim == 1 and bd.ndim == 1:
        return RuntimeError(
            f"inconsistent tensor size, expected tensor [{ad.shape[0]}] and src [{bd.shape[0]}] "
            f"to have the same number of elements, but got {ad.shape[0]} and {bd.shape[0]} "
            "elements respectively")
    if ad.ndim == 2 and bd.ndim == 1:
        return RuntimeError(f"size mismatch, got input ({ad.shape[0]}), mat ({_x(ad.shape)}), "
                            f"vec ({bd.shape[0]})")
    sa = ad.shape[-2:] if ad.ndim > 1 else (1,) + ad.shape
    sb = bd.shape[-2:] if bd.ndim > 1 else bd.shape + (1,)
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_x(sa)} and {_x(sb)})")


def _np_matmul(ad, bd):
    if ad.dtype == np.float16 or ad.dtype.kind == "V":
        # float16/bfloat16 accumulate in float32 and round once, as PyTorch's CPU kernels do
        return np.matmul(ad.astype(np.float32), bd.astype(np.float32)).astype(ad.dtype)
    return np.matmul(ad, bd)


class MmBackward0(Node):
    __slots__ = ()

    def backward(self, g, a, b):
        nf = self.next_functions
        return (g @ _bw.transpose_last(b) if nf[0][0] is not None else None,
                _bw.transpose_last(a) @ g if nf[1][0] is not None else None)


class DotBackward0(Node):
    __slots__ = ()

    def backward(self, g, a, b):
        nf = self.next_functions
        return (g * b if nf[0][0] is not None else None, g * a if nf[1][0] is not None else None)


class MvBackward0(Node):
    __slots__ = ()

    def backward(self, g, a, v):
        nf = self.next_functions
        ga = gv = None
        if nf[0][0] is not None:
            ga = _bw.reshape(g, (-1, 1)) * _bw.reshape(v, (1, -1))
        if nf[1][0] is not None:
            gv = _bw.transpose_last(a) @ g
        return ga, gv


class MatmulBackward0(Node):
    """General matmul: 1-D operands promoted as NumPy/PyTorch do, batch dims broadcast."""
    __slots__ = ("sa", "sb")

    def backward(self, g, a, b):
        sa, sb = self.sa, self.sb
        nf = self.next_functions
        a2 = _bw.reshape(a, (1,) + sa) if len(sa) == 1 else a
        b2 = _bw.reshape(b, sb + (1,)) if len(sb) == 1 else b
        gs = tuple(g.shape)
        if len(sa) == 1:
            g = _bw.reshape(g, gs[:-1] + (1, gs[-1]))
        elif len(sb) == 1:
            g = _bw.reshape(g, gs + (1,))
        ga = gb = None
        if nf[0][0] is not None:
            ga = _bw.reshape(sum_to(g @ _bw.transpose_last(b2), tuple(a2.shape)), sa)
        if nf[1][0] is not None:
            # a one-row product (vmap's per-sample weight gradients) is an outer product: einsum
            # gives it exactly, 5-10x faster than NumPy's stacked matmul or a broadcast multiply
            # (built in the weight's own layout, seen transposed)
            if a2.shape[-2] == 1 and type(a2) is type(g) is np.ndarray and a2.dtype.kind == "f":
                gb = np.swapaxes(np.einsum("...n,...k->...nk", g[..., 0, :], a2[..., 0, :]),
                                 -1, -2)
            else:
                gb = _bw.transpose_last(a2) @ g
            gb = _bw.reshape(sum_to(gb, tuple(b2.shape)), sb)
        return ga, gb


def _saving2(out, a, b, node_cls, replay=None, name=None):
    t, node = record2(out, node_cls, a, b, replay, None, name)
    if node is not None:
        node.save(a, b)
    return t, node


@op(out_dtype="same", out=True, namespaces=("torch", "linalg"),
    summary="Matrix product with NumPy's rules for 1-D and batched operands.",
    example='torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([1.0, -1.0])')
def matmul(input, other):
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, other = _autocast('matmul', input, other)
    return _matmul(input, other)


def _matmul(input, other):  # matmul without autocast's policy: mv, dot and vdot call it
    ad, bd = _check(input, other, "matmul")
    na, nb = ad.ndim, bd.ndim
    if na == 0 or nb == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D")
    if ad.shape[-1] != (bd.shape[-2] if nb > 1 else bd.shape[0]):
        raise _mismatch(ad, bd)
    try:
        out = _np_matmul(ad, bd)
    except ValueError:
        sa, sb = ad.shape[:-2], bd.shape[:-2]
        for i in range(1, min(len(sa), len(sb)) + 1):
            if sa[-i] != sb[-i] and sa[-i] != 1 and sb[-i] != 1:
                raise RuntimeError(
                    f"The size of tensor a ({sa[-i]}) must match the size of tensor b ({sb[-i]}) "
                    f"at non-singleton dimension {max(len(sa), len(sb)) - i}") from None
        raise
    if ad.dtype.kind == "b":
        _no_bool(out, ad.shape[-1], _kernel(na, nb))
    cls = (MmBackward0 if na == 2 and nb == 2 else DotBackward0 if na == 1 and nb == 1
           else MvBackward0 if na == 2 and nb == 1 else MatmulBackward0)
    t, node = _saving2(out, input, other, cls, _np_matmul, "matmul")
    if cls is MatmulBackward0 and node is not None:
        node.sa, node.sb = ad.shape, bd.shape
    return t


@op(out_dtype="same", out=True, summary='Product of two matrices.',
    example='torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[1.0, 2.0], [3.0, 4.0]])')
def mm(input, mat2):
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, mat2 = _autocast('mm', input, mat2)
    if input._data.ndim != 2:
        raise RuntimeError(f"self must be a matrix (got a {input._data.ndim}-D tensor in mm)")
    if not isinstance(mat2, Tensor) or mat2._data.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix (got shape {list(np.shape(_d(mat2)))} in mm)")
    return matmul(input, mat2)


def _d(x):
    return x._data if isinstance(x, Tensor) else x


def _check_batches(batch1, batch2, op=None):
    """bmm/baddbmm operands, in PyTorch's order: both 3-D, batch2's (batch, rows) matching
    batch1's (batch, columns), then one dtype (baddbmm, naming `op`; bmm checks it in matmul)."""
    for name, x in (("batch1", batch1), ("batch2", batch2)):
        if _d(x).ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    sa, sb = batch1._data.shape, batch2._data.shape
    if sb[:2] != (sa[0], sa[2]):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{sa[0]}, {sa[2]}] but got: [{sb[0]}, {sb[1]}].")
    if op is not None:
        _check(batch1, batch2, op)


@op(out_dtype="same", out=True, summary='Batched product of 3-D tensors: input[i] @ mat2[i].',
    example='torch.tensor([[[1.0, 2.0], [3.0, 4.0]]]), torch.tensor([[[1.0, 2.0], [3.0, 4.0]]])')
def bmm(input, mat2):
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, mat2 = _autocast('bmm', input, mat2)
    _check_batches(input, mat2)
    return matmul(input, mat2)


@op(out_dtype="same", out=True, summary='Product of a matrix and a vector.',
    example='torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([1.0, -1.0])')
def mv(input, vec):
    if input._data.ndim != 2 or _d(vec).ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, {_d(vec).ndim}")
    return _matmul(input, vec)


@op(out_dtype="same", out=True,
    summary='Inner product of two 1-D tensors.',
    example='torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])')
def dot(input, tensor):
    if input._data.ndim != 1 or _d(tensor).ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {_d(tensor).ndim}D tensors")
    return _matmul(input, tensor)



@op(out_dtype="same", out=True, summary="Inner product of two 1-D tensors, the first conjugated (dot, for real ones).",
    example="torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])")
def vdot(input, other):
    return dot(input, other)


@op(out=True, aliases=("ger",), summary='Outer product of two vectors (ger is an alias).',
    example='torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0, 5.0])')
def outer(input, vec2):
    for name, x in (("self", input), ("vec2", vec2)):
        if _d(x).ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {_d(x).ndim}-D")
    return input.reshape(-1, 1) * vec2


ger = outer


# ---------------------------------------------------------------------------------------------
# fused multiply-add
class AddmmBackward0(Node):
    """beta * input + alpha * (m1 @ m2), batched or not."""
    __slots__ = ("alpha", "beta", "ishape")

    def backward(self, g, m1, m2):
        nf = self.next_functions
        gi = g1 = g2 = None
        al = self.alpha
        if nf[0][0] is not None:
            gi = sum_to(g if self.beta == 1 else g * self.beta, self.ishape)
        if nf[1][0] is not None:
            g1 = g @ _bw.transpose_last(m2)
            g1 = g1 if al == 1 else g1 * al
        if nf[2][0] is not None:
            g2 = _bw.transpose_last(m1) @ g
            g2 = g2 if al == 1 else g2 * al
        return gi, g1, g2


class BaddbmmBackward0(AddmmBackward0):
    __slots__ = ()


def _addmm(inp, m1, m2, beta, alpha, node_cls, op):
    idt = inp._data
    if idt.dtype != m1._data.dtype:
        raise RuntimeError(f"{op}: self and mat2 must have the same dtype, but got "
                           f"{scalar_type_name(idt.dtype)} and {scalar_type_name(m1._data.dtype)}")
    prod = _np_matmul(m1._data, m2._data)
    if prod.dtype.kind == "b":
        _no_bool(prod, m1._data.shape[-1], "addmm_impl_cpu_" if op == "addmm" else op)
    try:
        np.broadcast_shapes(idt.shape, prod.shape)
        if np.broadcast_shapes(idt.shape, prod.shape) != prod.shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(
            f"The expanded size of the tensor of shape {list(idt.shape)} must match the result of "
            f"{op} of shape {list(prod.shape)}.  Target sizes: {list(prod.shape)}.  Tensor "
            f"sizes: {list(idt.shape)}") from None
    if prod.dtype.kind in "iu":  # PyTorch converts alpha/beta to the integer type (0.5 -> 0;
        # nan/inf raise), but only those it uses: none for an empty result, no alpha for a
        # product over an empty inner size
        alpha, beta = _int_scalars(prod, alpha, beta, m1._data.shape[-1] > 0, op)
    if alpha == 0 and op == "addmm":  # BLAS gemm skips the product: its NaN/inf do not show
        out = np.zeros_like(prod)
    else:
        out = prod if alpha == 1 else prod * alpha
    if beta != 0:  # beta == 0 ignores input entirely (so NaN/inf in it do not propagate)
        out = out + (idt if beta == 1 else idt * beta)
    else:
        out = np.broadcast_to(out, prod.shape).copy() if out is prod else out
    out = out.astype(prod.dtype, copy=False)
    if STATE.enabled and (inp._rg or m1._rg or m2._rg):
        node = node_cls((inp._grad_node(), m1._grad_node(), m2._grad_node()))
        node.alpha, node.beta, node.ishape = alpha, beta, idt.shape
        node.save(m1, m2)
        t = attach(out, node)
        return t
    return _wrap(out)


def _int_scalars(prod, alpha, beta, terms, op):
    dt = prod.dtype
    if prod.size or op == "addmv":  # (addmv converts beta even then)
        beta = _dtype.checked_value(dt, beta)
    return (_dtype.checked_value(dt, alpha) if prod.size and terms else 0), beta


@op(out_dtype="same", inplace=True, inplace_function=False, out=True,
    summary='beta * input + alpha * (mat1 @ mat2).',
    example='torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[1.0, 2.0], [3.0, 4.0]]), beta=0.5')
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, mat1, mat2 = _autocast('addmm', input, mat1, mat2)
    for name, x in (("mat1", mat1), ("mat2", mat2)):
        if _d(x).ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {_d(x).ndim}-D tensor")
    _check(mat1, mat2, "addmm")
    if mat1._data.shape[1] != mat2._data.shape[0]:
        raise _mismatch(mat1._data, mat2._data)
    return _addmm(input, mat1, mat2, beta, alpha, AddmmBackward0, "addmm")


@op(out_dtype="same", inplace=True, inplace_function=False, out=True,
    summary='beta * input + alpha * bmm(batch1, batch2).',
    example='torch.tensor([[[1.0, 2.0], [3.0, 4.0]]]), torch.tensor([[[1.0, 2.0], [3.0, 4.0]]]), torch.tensor([[[1.0, 2.0], [3.0, 4.0]]]), alpha=2.0')
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, batch1, batch2 = _autocast('baddbmm', input, batch1, batch2)
    _check_batches(batch1, batch2, "baddbmm")
    return _addmm(input, batch1, batch2, beta, alpha, BaddbmmBackward0, "baddbmm")


# ---------------------------------------------------------------------------------------------
# cross product and pairwise distances
class LinalgCrossBackward0(Node):
    __slots__ = ("dim", "shapes")

    def backward(self, g, a, b):
        nf = self.next_functions
        ga = gb = None
        if nf[0][0] is not None:
            ga = sum_to(_cross_any(b, g, self.dim), self.shapes[0])
        if nf[1][0] is not None:
            gb = sum_to(_cross_any(g, a, self.dim), self.shapes[1])
        return ga, gb


def _cross_any(a, b, dim):
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        a = a if isinstance(a, Tensor) else _wrap(a)
        b = b if isinstance(b, Tensor) else _wrap(b)
        return cross(a, b, dim)
    return np.cross(a, b, axis=dim)


@op(out_dtype="same", out=True,
    summary='Cross product of 3-vectors along dim (the first dim of size 3 by default).',
    example='torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0]), 0')
def cross(input, other, dim=None):
    ad, bd = input._data, other._data
    if ad.ndim != bd.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions "
                           f"(got {list(ad.shape)} and {list(bd.shape)}).")
    try:
        shape = np.broadcast_shapes(ad.shape, bd.shape)
    except ValueError:
        raise RuntimeError(f"linalg.cross: shapes {list(ad.shape)} and {list(bd.shape)} cannot "
                           "be broadcast") from None
    if dim is None:
        # torch.cross without dim: the first dim of size 3 (deprecated in PyTorch, so it warns)
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release.", UserWarning, stacklevel=2)
        dim = next((i for i, n in enumerate(shape) if n == 3), -1)
    shown = dim
    dim = wrap_dim(dim, len(shape), "linalg.cross")
    na, nb = ad.shape[dim], bd.shape[dim]
    if na != 3 or nb != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {shown} must have length 3. "
                           f"Got {na} and {nb}")
    if ad.dtype != bd.dtype:
        raise RuntimeError(f"linalg.cross: expected both inputs to have the same dtype, got "
                           f"{input.dtype} and {other.dtype}")
    out = np.cross(ad, bd, axis=dim)
    t, node = _saving2(out, input, other, LinalgCrossBackward0)
    if node is not None:
        node.dim, node.shapes = dim, (ad.shape, bd.shape)
    return t


@op(method=False, tensor_first=None,
    summary='p-norm distances between the rows of x1 and of x2 (batched).',
    example='torch.tensor([[0.0, 0.0], [1.0, 1.0]]), torch.tensor([[3.0, 4.0]])')
def cdist(x1, x2, p=2.0, compute_mode=None):
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        x1, x2 = _autocast('cdist', x1, x2)
    from .norms import vector_norm
    d1, d2 = x1._data, x2._data
    for name, d in (("X1", d1), ("X2", d2)):
        if d.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {d.ndim}D")
    if d1.shape[-1] != d2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {d1.shape[-1]} "
                           f"X2: {d2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values (got p={p})")
    for d in (d1, d2):
        if d.dtype.kind not in "fV":
            raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {x1.dtype}")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return vector_norm(diff, p, -1)


# matrix helpers composed from the ops above; Tensor methods reach them through this module
from .linalg_extra import (trace, kron, inner, addmv, addr, addbmm, matrix_power, logdet,  # noqa: E402,F401
                           block_diag, chain_matmul, dist, cov, corrcoef)
# torch.linalg spellings that differ from the torch.* ops (declared in their module)
from . import linalg_namespace  # noqa: E402,F401


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_matmul(g, c):
    out = c.outs[0]
    other = c.get("other", c.get("mat2"))
    return g.op("MatMul", [g.cast(c["input"], out), g.cast(other, out)])


@_rule("onnx", "addmm")
def _onnx_addmm(g, c):
    out = c.outs[0]
    return g.op("Gemm", [g.cast(c["mat1"], out), g.cast(c["mat2"], out), g.cast(c["input"], out)],
                alpha=float(c.get("alpha", 1)), beta=float(c.get("beta", 1)))


for _name in ("matmul", "mm", "bmm"):
    _rule("onnx", _name)(_onnx_matmul)
