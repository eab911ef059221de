"""The torch.* function namespace (torch.add, torch.cat, torch.max, ...).

Each function forwards to its op family module; names and signatures follow PyTorch.
"""
from .ops import elementwise as _ew
from .ops import reduction as _red
from .ops import shape as _shape
from .ops import indexing as _idx
from .ops import linalg as _la
from .ops import nn_ops as _nn

__all__ = [
    "equal", "clone", "norm", "reshape", "permute", "transpose", "swapaxes", "swapdims", "t",
    "squeeze", "unsqueeze", "flatten", "unflatten", "ravel", "broadcast_to", "cat", "concat",
    "concatenate", "stack", "hstack", "vstack", "split", "chunk", "unbind", "narrow", "select",
    "flip", "roll", "movedim", "moveaxis", "tril", "triu", "diagonal", "diag", "tile",
    "broadcast_tensors", "meshgrid", "gather", "scatter", "scatter_add", "index_select",
    "masked_fill", "masked_select", "take", "nonzero", "argwhere", "unique", "index_add",
    "atleast_1d", "atleast_2d", "atleast_3d", "dstack", "row_stack", "fliplr", "flipud",
    "index_put", "index_put_", "scatter_reduce", "index_copy", "index_fill", "masked_scatter",
    "einsum", "inverse", "det", "slogdet", "tensordot", "softmax", "log_softmax", "dropout",
]


def equal(input, other):
    return input.equal(other)


def clone(input, *, memory_format=None):
    return _ew.clone(input)


# -- reductions ----------------------------------------------------------------------------------
# torch.norm stays written here: its `out` is positional, before dtype (Tensor.norm has dtype
# 4th), so the two spellings cannot come from one signature; Tensor.norm is declared in
# ops/norms.py (function=False)
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    return _ew._out(_red.norm(input, p, dim, keepdim, dtype=dtype), out, "norm")


# -- shape -----------------------------------------------------------------------------------------
def reshape(input, shape):
    return _shape.reshape(input, shape)


def permute(input, dims):
    return _shape.permute(input, *dims)


def transpose(input, dim0, dim1):
    return _shape.transpose(input, dim0, dim1)


swapaxes = swapdims = transpose


def t(input):
    return _shape.t(input)


def squeeze(input, dim=None):
    return _shape.squeeze(input, dim)


def unsqueeze(input, dim):
    return _shape.unsqueeze(input, dim)


def flatten(input, start_dim=0, end_dim=-1):
    return _shape.flatten(input, start_dim, end_dim)


def unflatten(input, dim, sizes):
    return _shape.unflatten(input, dim, sizes)


def ravel(input):
    return _shape.reshape(input, -1)


def broadcast_to(input, size):
    return _shape.expand(input, size)


def cat(tensors, dim=0, *, out=None):
    return _shape.cat(tensors, dim, out=out)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    return _shape.stack(tensors, dim, out=out)


def hstack(tensors, *, out=None):
    return _shape.hstack(tensors, out=out)


def vstack(tensors, *, out=None):
    return _shape.vstack(tensors, out=out)


from .ops.join import atleast_1d, atleast_2d, atleast_3d, dstack, row_stack  # noqa: E402
from .ops.rearrange import fliplr, flipud  # noqa: E402
from .ops.indexing import index_put, index_put_, scatter_reduce, index_copy, index_fill, masked_scatter  # noqa: E402


def split(tensor, split_size_or_sections, dim=0):
    return _shape.split(tensor, split_size_or_sections, dim)


def chunk(input, chunks, dim=0):
    return _shape.chunk(input, chunks, dim)


def unbind(input, dim=0):
    return _shape.unbind(input, dim)


def narrow(input, dim, start, length):
    return _shape.narrow(input, dim, start, length)


def select(input, dim, index):
    return _shape.select(input, dim, index)


def flip(input, dims):
    return _shape.flip(input, dims)


def roll(input, shifts, dims=None):
    return _shape.roll(input, shifts, dims)


def movedim(input, source, destination):
    return _shape.movedim(input, source, destination)


moveaxis = movedim


def tril(input, diagonal=0):
    return _shape.tril(input, diagonal)


def triu(input, diagonal=0):
    return _shape.triu(input, diagonal)


def diagonal(input, offset=0, dim1=0, dim2=1):
    return _shape.diagonal(input, offset, dim1, dim2)


def diag(input, diagonal=0):
    return _shape.diag(input, diagonal)


def tile(input, dims):
    return _shape.tile(input, dims)


def broadcast_tensors(*tensors):
    return _shape.broadcast_tensors(*tensors)


def meshgrid(*tensors, indexing=None):
    return _shape.meshgrid(*tensors, indexing=indexing)


# -- indexing --------------------------------------------------------------------------------------
def gather(input, dim, index, *, sparse_grad=False):
    return _idx.gather(input, dim, index)


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    return _idx.scatter(input, dim, index, src, value=value, reduce=reduce)


def scatter_add(input, dim, index, src):
    return _idx.scatter_add(input, dim, index, src)


def index_select(input, dim, index):
    return _idx.index_select(input, dim, index)


def index_add(input, dim, index, source, *, alpha=1):
    return _idx.index_add(input, dim, index, source, alpha=alpha)


def masked_fill(input, mask, value):
    return _idx.masked_fill(input, mask, value)


def masked_select(input, mask):
    return _idx.masked_select(input, mask)


def take(input, index):
    return _idx.take(input, index)


def nonzero(input, *, as_tuple=False):
    return _idx.nonzero(input, as_tuple=as_tuple)


def argwhere(input):
    return _idx.nonzero(input)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    return _idx.unique(input, sorted, return_inverse, return_counts, dim)


# -- linear algebra --------------------------------------------------------------------------------
def einsum(equation, *operands):
    return _la.einsum(equation, *operands)


def inverse(input):
    return _la.inverse(input)


def det(input):
    return _la.det(input)


def slogdet(input):
    return _la.slogdet(input)


def tensordot(a, b, dims=2):
    return _la.tensordot(a, b, dims)


# -- nn-flavoured -----------------------------------------------------------------------------------
def softmax(input, dim, dtype=None):
    return _nn.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, dtype=None):
    return _nn.log_softmax(input, dim, dtype=dtype)


def dropout(input, p=0.5, train=True):
    from .ops.dropout import dropout as _dropout
    return _dropout(input, p, train)


# the less common functions live in _functions_extra.py (same namespace)
from ._functions_extra import *  # noqa: E402,F401,F403
from ._functions_extra import __all__ as _extra_all  # noqa: E402

__all__ += _extra_all
