"""The softmax family (softmax and log_softmax fused and numerically stable; softmin, glu,
gumbel_softmax composed from them)."""
import warnings

import numpy as np

from .. import _dtype
from .. import random as _random
from .._tensor import Tensor
from ._record import record, record1
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from ._registry import op
from ._util import wrap_dim


# Rows of a large softmax are processed a block at a time, each block through every pass while
# it is still in the L2 cache: the same operations in the same order per row (so the same bits),
# about 35% less time on a 700x10000 float32 log_softmax (the word language model's decoder).
_BLOCK_BYTES = 1 << 20
_BLOCK_MIN = 1 << 20  # elements; smaller arrays stay in cache anyway


def _row_blocks(*arrays, dim):
    """Row ranges of `_BLOCK_BYTES` each when every array is a large C-contiguous ndarray of one
    shape and dtype reduced along its last axis; None otherwise (take the plain path)."""
    a = arrays[0]
    if (type(a) is not np.ndarray or a.size < _BLOCK_MIN or a.ndim < 2
            or dim not in (-1, a.ndim - 1)):
        return None
    for b in arrays:
        if (type(b) is not np.ndarray or b.shape != a.shape or b.dtype != a.dtype
                or not b.flags.c_contiguous):
            return None
    cols = a.shape[-1]
    rows = a.size // cols
    step = max(1, _BLOCK_BYTES // (cols * a.itemsize))
    return [(i, min(i + step, rows)) for i in range(0, rows, step)]


def _by_blocks(blocks, fn, *arrays):
    """A new array like arrays[0] whose rows fn(out_rows, *rows_of_each_array) fills, one block
    of rows at a time."""
    out = np.empty_like(arrays[0])
    rows = [a.reshape(-1, a.shape[-1]) for a in (out,) + arrays]
    for i, j in blocks:
        fn(*(r[i:j] for r in rows))
    return out


def _softmax_bw_rows(o, g, y):
    np.multiply(g, y, out=o)
    np.subtract(g, o.sum(-1, keepdims=True), out=o)
    o *= y


def _log_softmax_bw_rows(o, g, y):
    np.exp(y, out=o)
    o *= g.sum(-1, keepdims=True)
    np.subtract(g, o, out=o)


def _softmax_rows(o, d):
    np.subtract(d, d.max(axis=-1, keepdims=True), out=o)
    np.exp(o, out=o)
    o /= o.sum(axis=-1, keepdims=True)


def _log_softmax_rows(o, d):
    np.subtract(d, d.max(axis=-1, keepdims=True), out=o)
    o -= np.log(np.exp(o).sum(axis=-1, keepdims=True))


class SoftmaxBackward0(Node):
    __slots__ = ("dim",)

    def backward(self, g, y):
        blocks = _row_blocks(g, y, dim=self.dim)
        if blocks is not None:
            return _by_blocks(blocks, _softmax_bw_rows, g, y)
        return (g - (g * y).sum(self.dim, keepdims=True) if not isinstance(g, Tensor)
                else g - (g * y).sum(self.dim, keepdim=True)) * y


class LogSoftmaxBackward0(Node):
    __slots__ = ("dim",)

    def backward(self, g, y):
        if isinstance(g, Tensor):
            return g - y.exp() * g.sum(self.dim, keepdim=True)
        blocks = _row_blocks(g, y, dim=self.dim)
        if blocks is not None:
            return _by_blocks(blocks, _log_softmax_bw_rows, g, y)
        e = np.exp(y)
        if type(e) is not np.ndarray or e.dtype != g.dtype or e.shape != g.shape:
            return g - e * g.sum(self.dim, keepdims=True)
        # g - exp(y) * sum(g), in one array (same operations, same order)
        e *= g.sum(self.dim, keepdims=True)
        return np.subtract(g, e, out=e)


def _prep(x, dim, dtype, op, stacklevel):
    d = x._data
    if dim is None:
        dim = _implicit_dim(op, d.ndim, stacklevel + 1)
    dim = wrap_dim(dim, d.ndim, op)     # a bad dim is reported before a bad dtype, as PyTorch
    if dtype is not None:
        dtype = dtype.np
    elif d.dtype.kind not in "fV" and d.size:   # (PyTorch returns an empty integer input as is)
        raise NotImplementedError(f"{op}: expected a floating-point tensor, got {x.dtype}")
    return dim, dtype


def _softmax(d, dim, npdt):
    """softmax of the array d along dim (cast to npdt first unless None): the eager op and its
    replay kernel."""
    if npdt is not None:
        d = d.astype(npdt)
    if d.ndim == 0 or d.size == 0:  # a 0-dim x is a row of one (NaN for a non-finite x)
        with np.errstate(invalid="ignore"):
            return np.asarray(np.exp(d - d) if d.ndim == 0 else d.copy())
    blocks = _row_blocks(d, dim=dim)
    if blocks is not None:
        return _by_blocks(blocks, _softmax_rows, d)
    m = d.max(axis=dim, keepdims=True)
    e = np.exp(d - m)
    return e / e.sum(axis=dim, keepdims=True)


def _log_softmax(d, dim, npdt):
    """log(softmax(d)) along dim, computed stably: the eager op and its replay kernel."""
    if npdt is not None:
        d = d.astype(npdt)
    if d.ndim == 0 or d.size == 0:
        with np.errstate(invalid="ignore"):
            return np.asarray(d - d if d.ndim == 0 else d.copy())
    blocks = _row_blocks(d, dim=dim)
    if blocks is not None:
        return _by_blocks(blocks, _log_softmax_rows, d)
    m = d.max(axis=dim, keepdims=True)
    s = d - m
    lse = np.log(np.exp(s).sum(axis=dim, keepdims=True))
    s -= lse  # (s - lse, in place: one array less)
    return s


def _recorded(fn, x, node_cls, dim, npdt):
    """fn(x's array, dim, npdt) wrapped; with grad, the output of a node_cls over dim that saves
    it (the backward needs the output, not the input). A capture replays fn itself."""
    t, node = record1(fn(x._data, dim, npdt), node_cls, x, fn, (x, dim, npdt))
    if node is not None:
        node.dim = dim
        node.save_output(t)
    return t


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: _dtype.dtype | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim` (the entries along dim sum to 1). `dtype` casts the input
    first.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.softmax(torch.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]), dim=1)
        tensor([[0.0900, 0.2447, 0.6652],
                [0.3333, 0.3333, 0.3333]])
    """
    dim, npdt = _prep(input, dim, dtype, "softmax", _stacklevel)
    return _recorded(_softmax, input, SoftmaxBackward0, dim, npdt)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: _dtype.dtype | None = None) -> Tensor:
    """log(softmax(x)) along `dim`, computed stably.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.log_softmax(torch.tensor([1.0, 2.0, 3.0]), dim=0)
        tensor([-2.4076, -1.4076, -0.4076])
    """
    dim, npdt = _prep(input, dim, dtype, "log_softmax", _stacklevel)
    return _recorded(_log_softmax, input, LogSoftmaxBackward0, dim, npdt)


# torch.softmax / Tensor.softmax (and torch.special's) take dim without a default and dtype
# positionally: their own signature, distinct from nn.functional's (implicit dim, _stacklevel)
@op(name="softmax", out=True, out_dtype="same", namespaces=("torch", "special"), backward=SoftmaxBackward0,
    summary="exp(x) / sum(exp(x)) along dim (the entries along dim sum to 1); dtype casts the "
            "input first.", example="torch.tensor([1.0, 2.0, 3.0]), 0")
def torch_softmax(input, dim, dtype=None):
    return softmax(input, dim, dtype=dtype)


@op(name="log_softmax", out=True, out_dtype="same", namespaces=("torch", "special"), backward=LogSoftmaxBackward0,
    summary="log(softmax(x)) along dim, computed stably; dtype casts the input first.",
    example="torch.tensor([1.0, 2.0, 3.0]), 0")
def torch_log_softmax(input, dim, dtype=None):
    return log_softmax(input, dim, dtype=dtype)


def _implicit_dim(name, ndim, stacklevel):
    # PyTorch's legacy choice of dim when none is given
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: _dtype.dtype | None = None) -> Tensor:
    """softmax(-x) along `dim`: the smallest entries get the largest weights.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.softmin(torch.tensor([1.0, 2.0, 3.0]), dim=0)
        tensor([0.6652, 0.2447, 0.0900])
    """
    if dim is None:
        dim = _implicit_dim("softmin", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: splits `input` in two halves a, b along `dim` and returns a * sigmoid(b).

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.glu(torch.tensor([[1.0, 2.0, 0.0, 100.0]]))
        tensor([[0.5000, 2.0000]])
    """
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    n = input.shape[dim]
    if n % 2:
        d = dim if dim >= 0 else dim + input.dim()
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f"glu: expected a floating-point input, got {input.dtype}")
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """Samples from the Gumbel-softmax distribution over the last dim; hard=True returns one-hot
    vectors (with the soft sample's gradient).

    Example::

        >>> import dygrad.nn.functional as F
        >>> _ = torch.manual_seed(0)
        >>> y = F.gumbel_softmax(torch.zeros(2, 3), tau=0.5, hard=True)
        >>> y.shape, y.sum(dim=-1)
        (torch.Size([2, 3]), tensor([1., 1.]))
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    # the noise and the one-hot vectors are recorded with their kernels (dygrad.jit replays them)
    args = (logits._data.shape, logits._data.dtype)
    gumbels = record(_gumbels(*args), None, (), replay=_gumbels, args=args, name="gumbels")[0]
    if STATE.trace is not None:
        STATE.trace.keep(gumbels)  # a draw: replays make it whether or not it is used
    y = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y
    # straight-through estimator: (hot - y) without a gradient, + y
    shift = record(_hot_minus(y._data, dim), None, (), replay=_hot_minus, args=(y, dim),
                   name="one_hot_minus")[0]
    return shift + y


def _gumbels(shape, npdt):
    """Gumbel(0, 1) noise drawn from the default generator: -log(Exponential(1))."""
    u = _random._uniform(shape, 0.0, 1.0)
    return (-np.log(-np.log1p(-u))).astype(npdt)


def _hot_minus(y, dim):
    """The one-hot vectors of y's first maxima along dim, minus y."""
    hot = np.zeros_like(y)
    np.put_along_axis(hot, np.expand_dims(y.argmax(axis=dim), dim), 1, axis=dim)
    return hot - y


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_softmax(onnx_op):
    def lower(g, c):
        x, out = c["input"], c.outs[0]
        dim = c.get("dim")
        if dim is None:  # PyTorch's legacy implicit dim
            dim = 0 if x.dim() in (0, 1, 3) else 1
        return g.op(onnx_op, [g.cast(x, out)], axis=int(dim) % (x.dim() or 1))
    lower.__name__ = f"_onnx_{onnx_op.lower()}"
    return lower


_rule("onnx", "softmax")(_onnx_softmax("Softmax"))
_rule("onnx", "log_softmax")(_onnx_softmax("LogSoftmax"))
