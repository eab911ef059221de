"""torch.linalg ops whose spelling differs from the torch.* op of the same name (linalg.norm,
linalg.cross with dim=-1, ...): each is declared under its own op name (`linalg_<name>`) and
exported as torch.linalg.<name> ("linalg:<name>" in its namespaces). Those that are the same
function (matmul, vector_norm, matrix_norm) are declared with their op.
"""
from .. import _dtype
from . import dense as _dense
from . import return_types as _rt
from ._registry import op
from .linalg import cross, matmul, mm
from .norms import vector_norm, matrix_norm
from ..amp._state import STATE as _AC, cast as _autocast

_SQ = "torch.tensor([[2.0, 1.0], [1.0, 3.0]])"


def _zeros_info(A):
    """The `info` result of the *_ex functions: zeros of int32 over the batch (dygrad raises on
    singular input instead of reporting it)."""
    from .._creation import zeros
    return zeros(A.shape[:-2], dtype=_dtype.int32)


@op(out_dtype="same", name="linalg_norm", namespaces=("linalg:norm",), method=False, out=True,
    summary="Vector norm over one dim (or a 1-D input), matrix norm over two (or a 2-D input "
            "given ord); without ord and dim, the 2-norm of all elements.", example=_SQ)
def linalg_norm(input, ord=None, dim=None, keepdim=False, *, dtype=None):
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None:
        if ord is None:
            return vector_norm(input, 2, None, keepdim, dtype=dtype)
        nd = input._data.ndim
        if nd not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                               f"1D or 2D. Got {nd}D.")
        dim = tuple(range(nd))
    if len(dim) == 1:
        return vector_norm(input, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if len(dim) == 2:
        return matrix_norm(input, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")


@op(out_dtype="same", name="linalg_inv", namespaces=("linalg:inv",), method=False, out=True,
    summary="Inverse of a square matrix (or of each in a batch).", example=_SQ)
def linalg_inv(A):
    return _dense.inverse(A)


@op(out_dtype="same", name="linalg_inv_ex", namespaces=("linalg:inv_ex",), method=False, out=True,
    summary="(inverse, info) of square matrices; info is 0 (a singular input raises).",
    example=_SQ)
def linalg_inv_ex(A, *, check_errors=False):
    return _rt.linalg_inv_ex(_dense.inverse(A), _zeros_info(A))


@op(out_dtype="same", name="linalg_det", namespaces=("linalg:det",), method=False, out=True,
    summary="Determinant of a square matrix (or of each in a batch).", example=_SQ)
def linalg_det(A):
    return _dense.det(A)


@op(out_dtype="same", name="linalg_slogdet", namespaces=("linalg:slogdet",), method=False, out=True,
    summary="(sign, logabsdet) of the determinant of square matrices.", example=_SQ)
def linalg_slogdet(A):
    return _dense.slogdet_as(A, _rt.linalg_slogdet)


@op(out_dtype="same", name="linalg_solve", namespaces=("linalg:solve",), method=False, out=True,
    summary="X with A @ X = B (X @ A = B when left=False).",
    example=_SQ + ", torch.tensor([1.0, 2.0])")
def linalg_solve(A, B, *, left=True):
    return _dense.solve(A, B, left=left)


@op(out_dtype="same", name="linalg_solve_ex", namespaces=("linalg:solve_ex",), method=False, out=True,
    summary="(solution, info) of A @ X = B; info is 0 (a singular input raises).",
    example=_SQ + ", torch.tensor([1.0, 2.0])")
def linalg_solve_ex(A, B, *, left=True, check_errors=False):
    return _rt.linalg_solve_ex(_dense.solve(A, B, left=left), _zeros_info(A))


@op(out_dtype="same", name="linalg_cross", namespaces=("linalg:cross",), method=False, out=True,
    summary="Cross product of 3-vectors along dim (the last by default).",
    example="torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0])")
def linalg_cross(input, other, *, dim=-1):
    return cross(input, other, dim)


@op(out_dtype="same", name="linalg_vecdot", namespaces=("linalg:vecdot",), method=False, out=True,
    summary="Dot products of vectors along dim (broadcast over the other dims).",
    example="torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])")
def linalg_vecdot(x, y, *, dim=-1):
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        x, y = _autocast("linalg.vecdot", x, y)
    return (x * y).sum(dim)


@op(out_dtype="same", name="linalg_multi_dot", namespaces=("linalg:multi_dot",), method=False, out=True,
    tensor_first=None, summary="Product of a list of matrices (the first/last may be vectors).",
    example=f"[{_SQ}, {_SQ}, torch.tensor([1.0, -1.0])]")
def linalg_multi_dot(tensors):
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
        out = mm(out, t)
    if first.dim() == 1:
        out = out.squeeze(0)
    if last.dim() == 1:
        out = out.squeeze(-1)
    return out


@op(out_dtype="same", name="linalg_matrix_power", namespaces=("linalg:matrix_power",), method=False, out=True,
    summary="The n-th power of square matrices (n < 0: of the inverse; n = 0: the identity).",
    example=_SQ + ", 2")
def linalg_matrix_power(A, n):
    d = A._data
    if d.ndim < 2 or d.shape[-1] != d.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, got shape "
                           f"{list(d.shape)}")
    if n < 0:
        A, n = _dense.inverse(A), -n
    if n == 0:
        # the identity, still connected to A (with a zero gradient) as in PyTorch
        from .._creation import eye, ones
        from .elementwise import where
        return where(ones(d.shape, dtype=_dtype.bool_), eye(d.shape[-1], dtype=A.dtype), A)
    out = A
    for _ in range(n - 1):
        out = matmul(out, A)
    return out
