"""Matrix helpers composed from the differentiable basics: trace, kron, inner, addmv, addr,
addbmm, matrix_power, logdet, block_diag, chain_matmul, dist, cov, corrcoef."""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ._record import attach
from ..autograd.grad_mode import STATE
from ..autograd.node import Node, sum_to
from ._reduce_util import scalar_type_name
from ._registry import op
from .linalg import matmul, mm, mv, outer, tensordot, _int_scalars
from .dense import slogdet, inverse
from ..amp._state import STATE as _AC, cast as _autocast


@op(summary='Sum of the main diagonal of a 2-D tensor.',
    example='torch.tensor([[1.0, 2.0], [3.0, 4.0]])')
def trace(input):
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, = _autocast('trace', input)
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    return input.diagonal().sum()


@op(out=True, summary='Kronecker product.',
    example='torch.tensor([1.0, -1.0]), torch.tensor([1.0, 2.0])')
def kron(input, other):
    nd = max(input.dim(), other.dim())
    a = input.reshape((1,) * (nd - input.dim()) + tuple(input.shape))
    b = other.reshape((1,) * (nd - other.dim()) + tuple(other.shape))
    sa, sb = tuple(a.shape), tuple(b.shape)
    ai = [v for n in sa for v in (n, 1)]
    bi = [v for n in sb for v in (1, n)]
    return (a.reshape(ai) * b.reshape(bi)).reshape([x * y for x, y in zip(sa, sb)])


@op(out_dtype="same", out=True, summary='Inner product over the last dims.',
    example='torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([1.0, -1.0])')
def inner(input, other):
    if input.dim() == 0 or other.dim() == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got "
                           f"shapes {list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([-1], [-1]))


class _AxpbyBackward(Node):
    """out = alpha * prod + beta * input, where prod is already a recorded product."""
    __slots__ = ("alpha", "beta", "ishape")

    def backward(self, g):
        nf = self.next_functions
        gp = gi = None
        if nf[0][0] is not None:
            gp = g if self.alpha == 1 else g * self.alpha
        if nf[1][0] is not None:  # beta == 0 still gives the input a (zero) gradient
            gi = sum_to(g if self.beta == 1 else g * self.beta, self.ishape)
        return gp, gi


class AddmvBackward0(_AxpbyBackward):
    __slots__ = ()


class AddrBackward0(_AxpbyBackward):
    __slots__ = ()


class AddbmmBackward0(_AxpbyBackward):
    __slots__ = ()


def _axpby(inp, prod, beta, alpha, node_cls, op, terms=True):
    """beta * input + alpha * prod for inputs already checked to share prod's dtype. As in
    PyTorch, beta == 0 ignores the input's values (its NaN/inf do not propagate) but the input
    stays in the graph; integer results take integer alpha/beta (0.5 -> 0)."""
    pd, idt = prod._data, inp._data
    try:
        ok = np.broadcast_shapes(idt.shape, pd.shape) == pd.shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"{op}: the input of shape {list(idt.shape)} cannot be broadcast to the "
                           f"result shape {list(pd.shape)}")
    dt = pd.dtype
    if dt.kind == "b":
        out = pd if alpha else np.zeros_like(pd)
        out = out | idt if beta else out.copy()
    else:
        if dt.kind in "iu":  # `terms`: the product sums over at least one term
            alpha, beta = _int_scalars(pd, alpha, beta, terms, op)
        if alpha == 0 and op != "addr":  # addmv/addbmm (BLAS) skip the product altogether
            out = np.zeros_like(pd)
        else:
            out = pd if alpha == 1 else pd * alpha
        if beta != 0:
            out = out + (idt if beta == 1 else idt * beta)
        elif out is pd:
            out = pd.copy()
        out = out.astype(dt, copy=False)
    if STATE.enabled and (prod._rg or inp._rg) and dt.kind in "fV":
        node = node_cls((prod._grad_node(), inp._grad_node()))
        node.alpha, node.beta, node.ishape = alpha, beta, idt.shape
        t = attach(out, node)
        return t
    return _wrap(out)


def _scalar_kinds(dt, beta, alpha):
    """addr's checks: integral results refuse float alpha/beta, non-bool ones bool alpha/beta."""
    for name, v in (("beta", beta), ("alpha", alpha)):
        if dt.kind in "biu" and isinstance(v, (float, np.floating)):
            raise RuntimeError(f"For integral input tensors, argument {name} must not be a "
                               "floating point number.")
        if dt.kind != "b" and isinstance(v, (bool, np.bool_)):
            raise RuntimeError(f"Boolean {name} only supported for Boolean results.")


@op(out_dtype="same", inplace=True, out=True, summary='beta * input + alpha * (mat @ vec).',
    example='torch.tensor([1.0, -1.0]), torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([1.0, -1.0])')
def addmv(input, mat, vec, *, beta=1, alpha=1):
    if mat.dim() == 2 and vec.dim() == 1:
        dts = (input._data.dtype, mat._data.dtype, vec._data.dtype)
        if len(set(dts)) > 1:
            raise RuntimeError("addmv input tensors must have the same dtype, but got "
                               f"{', '.join(map(scalar_type_name, dts[:2]))}, and "
                               f"{scalar_type_name(dts[2])}")
        if dts[0].kind == "b" and mat._data.size and mat.shape[1]:
            raise NotImplementedError("\"addmv_impl_cpu\" not implemented for 'Bool'")
    return _axpby(input, mv(mat, vec), beta, alpha, AddmvBackward0, "addmv", mat.shape[-1] > 0)


@op(inplace=True, inplace_function=False, out=True,
    summary='beta * input + alpha * outer(vec1, vec2).',
    example='torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([1.0, -1.0]), torch.tensor([1.0, -1.0])')
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    if vec1.dim() != 1 or vec2.dim() != 1:
        raise RuntimeError(f"addr: expected 1-D vectors, but got {vec1.dim()}-D and {vec2.dim()}-D")
    # all three operands take part in the result type (a 0-dim input too, unlike add)
    dt = _dtype._promote_np(_dtype._promote_np(input._data.dtype, vec1._data.dtype),
                            vec2._data.dtype)
    _scalar_kinds(dt, beta, alpha)
    cast = [t if t._data.dtype == dt else t.to(_dtype.from_numpy_dtype(dt))
            for t in (input, vec1, vec2)]
    return _axpby(cast[0], outer(cast[1], cast[2]), beta, alpha, AddrBackward0, "addr")


@op(out_dtype="same", inplace=True, inplace_function=False, out=True,
    summary='beta * input + alpha * (sum of batch1[i] @ batch2[i]).',
    example='torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[[1.0, 2.0], [3.0, 4.0]]]), torch.tensor([[[1.0, 2.0], [3.0, 4.0]]])')
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, batch1, batch2 = _autocast('addbmm', input, batch1, batch2)
    if batch1.dim() != 3 or batch2.dim() != 3:
        raise RuntimeError(f"addbmm: batch1 and batch2 must be 3-D tensors, got {batch1.dim()}-D and "
                           f"{batch2.dim()}-D")
    s1, s2 = batch1._data.shape, batch2._data.shape
    if s1[0] != s2[0]:  # (matmul would broadcast a batch of 1)
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {s1[0]} and "
                           f"{s2[0]}")
    if s1[2] != s2[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({s1[1]}x{s1[2]} and "
                           f"{s2[1]}x{s2[2]})")
    dts = (input._data.dtype, batch1._data.dtype)
    if dts[0] != dts[1]:
        raise RuntimeError("addbmm: self and mat2 must have the same dtype, but got "
                           f"{scalar_type_name(dts[0])} and {scalar_type_name(dts[1])}")
    prod = matmul(batch1, batch2)
    return _axpby(input, prod.sum(0, dtype=prod.dtype), beta, alpha, AddbmmBackward0, "addbmm",
                  batch1.shape[0] > 0 and batch1.shape[2] > 0)


@op(out_dtype="same", out=True, summary='The n-th power of a square matrix (n < 0: of its inverse).',
    example='torch.tensor([[1.0, 2.0], [3.0, 4.0]]), 2')
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


@op(summary='log of the determinant (nan for a negative one).',
    example='torch.tensor([[2.0, 1.0], [1.0, 3.0]])')
def logdet(input):
    """log(det): NaN for a negative determinant, -inf for a singular matrix."""
    sign, logabs = slogdet(input)
    s = sign._data
    if (s > 0).all():
        return logabs
    return logabs.masked_fill(_wrap(s < 0), float("nan")).masked_fill(_wrap(s == 0), float("-inf"))


@op(method=False, tensor_first=None, summary='Block-diagonal matrix of the given tensors.',
    example='torch.tensor([1.0, -1.0]), torch.tensor([[3.0]])')
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


@op(out_dtype="same", method=False, out=True, tensor_first=None,
    summary='Product of a chain of matrices (prefer linalg.multi_dot).',
    example='torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[1.0, 2.0], [3.0, 4.0]])')
def chain_matmul(*matrices):
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    out = matrices[0]
    for m in matrices[1:]:
        out = mm(out, m)
    return out if len(matrices) > 1 else out.clone()


@op(summary='p-norm of input - other.',
    example='torch.tensor([0.0, 0.0]), torch.tensor([3.0, 4.0])')
def dist(input, other, p=2):
    return (input - other).norm(p)


def _float(x):
    return x if x._data.dtype.kind in "fV" else x.to(_dtype.get_default_dtype())


@op(summary='Covariance of the variables in the rows of input.',
    example='torch.tensor([[1.0, 2.0, 4.0], [1.0, 0.0, 2.0]])')
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


@op(summary='Pearson correlation coefficients of the variables in the rows of input.',
    example='torch.tensor([[1.0, 2.0, 4.0], [1.0, 0.0, 2.0]])')
def corrcoef(input):
    c = cov(input)
    if c.dim() == 0:
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.unsqueeze(1) / std.unsqueeze(0)
    return c.clamp(-1, 1)
