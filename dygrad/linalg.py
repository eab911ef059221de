"""dygrad.linalg: PyTorch's torch.linalg namespace (the subset dygrad implements)."""
from .ops import dense as _dense
from .ops import linalg as _la
from .ops import return_types as _rt
from .ops.dense import LinAlgError, solve  # noqa: F401
from .ops.norms import vector_norm, matrix_norm  # noqa: F401

__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "inv_ex", "det", "slogdet",
           "solve", "solve_ex", "cross", "matmul", "vecdot", "multi_dot", "matrix_power"]


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """Vector norm when dim is an int (or A is 1-D), matrix norm when dim is a 2-tuple (or A is
    2-D and ord is given); with ord and dim both None, the 2-norm of the flattened input."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None:
        if ord is None:
            return vector_norm(A, 2, None, keepdim, dtype=dtype)
        nd = A._data.ndim
        if nd not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                               f"1D or 2D. Got {nd}D.")
        dim = tuple(range(nd))
    if len(dim) == 1:
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")


def inv(A):
    return _dense.inverse(A)


def inv_ex(A, *, check_errors=False):
    from ._creation import zeros
    return _rt.linalg_inv_ex(_dense.inverse(A), zeros(A.shape[:-2], dtype=_int32()))


def _bool():
    from ._dtype import bool_
    return bool_


def _int32():
    from ._dtype import int32
    return int32


def solve_ex(A, B, *, left=True, check_errors=False):
    from ._creation import zeros
    return _rt.linalg_solve_ex(_dense.solve(A, B, left=left), zeros(A.shape[:-2], dtype=_int32()))


def det(A):
    return _dense.det(A)


def slogdet(A):
    return _dense.slogdet(A, _rt.linalg_slogdet)


def cross(input, other, *, dim=-1):
    return _la.cross(input, other, dim)


def matmul(input, other):
    return _la.matmul(input, other)


def vecdot(x, y, *, dim=-1):
    return (x * y).sum(dim)


def multi_dot(tensors):
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first, last = tensors[0], tensors[-1]
    if first.dim() == 1:
        tensors[0] = first.unsqueeze(0)
    if last.dim() == 1:
        tensors[-1] = last.unsqueeze(-1)
    out = tensors[0]
    for t in tensors[1:]:
        out = _la.mm(out, t)
    if first.dim() == 1:
        out = out.squeeze(0)
    if last.dim() == 1:
        out = out.squeeze(-1)
    return out


def matrix_power(A, n):
    d = A._data
    if d.ndim < 2 or d.shape[-1] != d.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, got shape "
                           f"{list(d.shape)}")
    if n < 0:
        A, n = inv(A), -n
    if n == 0:
        # the identity, still connected to A (with a zero gradient) as in PyTorch
        from ._creation import eye, ones
        from .ops.elementwise import where
        return where(ones(d.shape, dtype=_bool()), eye(d.shape[-1], dtype=A.dtype), A)
    out = A
    for _ in range(n - 1):
        out = _la.matmul(out, A)
    return out
