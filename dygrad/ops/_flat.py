"""A differentiable gather/scatter pair over flat element positions.

Every view (select, slice, diagonal, unfold, basic or advanced index) of a tensor of shape S picks
the elements `x.reshape(-1)[idx]` where idx is that same view applied to `arange(numel(S))`.
Backward code of the shape and indexing ops uses this pair when it runs on Tensors
(create_graph=True): each is the other's gradient, so derivatives of any order stay exact.
"""
import numpy as np

from .._tensor import Tensor
from ..autograd.node import Node
from ._util import record


def positions(shape):
    """arange over `shape`: apply a view to it to get the flat positions the view picks."""
    n = 1
    for s in shape:
        n *= s
    return np.arange(n).reshape(shape)


def np_put(g, shape, idx):
    """zeros(shape) with g added at flat positions idx (repeated positions accumulate)."""
    out = np.zeros(shape, g.dtype)
    np.add.at(out.reshape(-1), idx, g)
    return out


class FlatTakeBackward(Node):
    __slots__ = ("shape", "idx")

    def backward(self, g):
        return flat_put(g, self.shape, self.idx)


class FlatPutBackward(Node):
    __slots__ = ("idx",)

    def backward(self, g):
        return flat_take(g, self.idx)


def flat_take(x, idx):
    """x.reshape(-1)[idx] for an ndarray or a Tensor (recorded)."""
    idx = np.asarray(idx)
    if not isinstance(x, Tensor):
        return np.reshape(x, -1)[idx.reshape(-1)].reshape(idx.shape)
    t, node = record(x._data.reshape(-1)[idx.reshape(-1)].reshape(idx.shape), FlatTakeBackward, (x,))
    if node is not None:
        node.shape, node.idx = x._data.shape, idx
    return t


def flat_put(g, shape, idx):
    """zeros(shape) with g scatter-added at flat positions idx, for an ndarray or a Tensor."""
    if not isinstance(g, Tensor):
        return np_put(g, shape, idx)
    t, node = record(np_put(g._data, shape, idx), FlatPutBackward, (g,))
    if node is not None:
        node.idx = idx
    return t
