"""linear, bilinear and embedding, each one fused graph node with a NumPy backward; one_hot.

The backward formulas use only operators, reshape and `.T`, so they run on NumPy arrays in an
ordinary backward and on Tensors under create_graph=True (double backward).
"""
import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import no_grad
from ..autograd.node import Node, sum_to
from . import _bw
from ._layer_util import attach, edges, needs_grad, short_name, check_tensor
from ._record import record, record1, record2
from ..amp._state import STATE as _AC, cast as _autocast

__all__ = ["linear", "bilinear", "embedding", "one_hot"]

_BOOL = np.dtype(bool)


class LinearBackward(Node):
    """y = x @ W.T (+ b); x of any rank >= 1, W of shape (out, in), as one fused node.

    PyTorch records linear as addmm/mm plus views, so its grad_fn is named after the last of
    those (AddmmBackward0, MmBackward0, ViewBackward0, ...); name() and repr() report that name
    (`torch_name`) while the class keeps its own, so no two node classes share a name."""
    __slots__ = ("bshape", "torch_name")

    def name(self):
        return self.torch_name

    def __repr__(self):
        return f"<{self.torch_name} object at {hex(id(self))}>"

    def backward(self, g, x, w):
        nf = self.next_functions
        xs = x.shape
        n_in = w.shape[1]
        gx = gw = gb = None
        if len(xs) == 2:
            g2, x2 = g, x
        else:  # explicit leading size: -1 is ambiguous when a size is 0
            lead = int(np.prod(xs[:-1]))
            g2 = _bw.reshape(g, (lead, w.shape[0]))
            x2 = _bw.reshape(x, (lead, n_in))
        if nf[0][0] is not None:
            gx = g2 @ w
            if len(xs) != 2:
                gx = _bw.reshape(gx, tuple(xs))
        if nf[1][0] is not None:
            gw = g2.T @ x2
        if len(nf) > 2 and nf[2][0] is not None:
            gb = sum_to(g, self.bshape)
        return gx, gw, gb


# PyTorch's grad_fn name for linear, by (input rank, whether there is a bias)
# (rank 3 stands for any rank above 2)
_TORCH_NAMES = {(2, True): "AddmmBackward0", (2, False): "MmBackward0", (1, True): "ViewBackward0",
                (1, False): "SqueezeBackward4", (3, True): "ViewBackward0",
                (3, False): "UnsafeViewBackward0"}


def _linear_checks(x, w, b):
    xd, wd = x._data, w._data
    # PyTorch adds a 0-dim bias of a non-matrix input in place after the product, taking any
    # dtype that casts to the output's; other biases meet addmm/addmv's same-dtype check
    if xd.dtype != wd.dtype or (b is not None and b._data.dtype != xd.dtype and (
            xd.ndim == 2 or b._data.ndim)):
        other = wd.dtype if xd.dtype != wd.dtype else b._data.dtype
        raise RuntimeError(f"linear: expected m1 and m2 to have the same dtype, but got: "
                           f"{short_name(xd.dtype)} != {short_name(other)}")
    if xd.ndim == 0:
        raise RuntimeError("linear: both arguments to linear need to be at least 1D, but they are "
                           f"0D and {wd.ndim}D")
    if xd.shape[-1] != wd.shape[1]:
        lead = int(np.prod(xd.shape[:-1])) if xd.ndim > 1 else 1
        raise RuntimeError(f"linear: mat1 and mat2 shapes cannot be multiplied "
                           f"({lead}x{xd.shape[-1]} and {wd.shape[1]}x{wd.shape[0]})")
    if xd.dtype is _BOOL and xd.size and wd.size:  # no bool kernel unless nothing to compute
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight.T + bias, recorded as a single node.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([[1.0, 2.0]])
        >>> w = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, -1.0]])
        >>> F.linear(x, w, torch.tensor([0.5, 0.0, 0.0]))
        tensor([[ 1.5000,  3.0000, -2.0000]])
    """
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, weight, bias = _autocast('linear', input, weight, bias)
    try:
        xd, wd = input._data, weight._data
    except AttributeError:
        check_tensor(input, "input", "linear")
        check_tensor(weight, "weight", "linear")
        raise
    if wd.ndim != 2:
        if wd.ndim == 1:  # a vector weight gives one value per row: matmul covers that form
            if bias is not None and (xd.ndim == 2 or bias._data.ndim):
                # PyTorch routes a biased product through addmm, which needs a matrix weight;
                # only a 0-dim bias on a non-matrix input takes its matmul + add path
                raise RuntimeError("linear: mat2 must be a matrix, got 1-D tensor")
            out = input.matmul(weight)
            return out if bias is None else out.add_(bias)
        raise RuntimeError(f"linear: weight must be 1-D or 2-D, got {wd.ndim}-D of shape {list(wd.shape)}")
    if xd.dtype is not wd.dtype or xd.ndim == 0 or xd.shape[-1] != wd.shape[1] or \
            (bias is not None and bias._data.dtype is not xd.dtype) or xd.dtype is _BOOL:
        _linear_checks(input, weight, bias)
        if bias is not None and bias._data.dtype is not xd.dtype:
            return linear(input, weight).add_(bias)
    if bias is not None:
        bd = bias._data
        oshape = xd.shape[:-1] + wd.shape[:1]
        if bd.shape != oshape[-1:]:
            try:
                full = np.broadcast_shapes(oshape, bd.shape)
            except ValueError:
                raise RuntimeError(f"linear: bias of shape {list(bd.shape)} cannot be broadcast to "
                                   f"the output shape {list(oshape)}") from None
            if full != oshape:
                # PyTorch adds the bias without growing the product's shape; only a 1-D input
                # (run as a row of a matrix) takes a (1, out) bias
                if xd.ndim == 1 and bd.ndim == 2 and full == (1,) + oshape:
                    return linear(input, weight, bias.reshape(bd.shape[1:]))
                raise RuntimeError(f"linear: bias of shape {list(bd.shape)} cannot be added to "
                                   f"the output of shape {list(oshape)} without broadcasting it")
        out = _np_linear(xd, wd, bd)
    else:
        out = _np_linear(xd, wd)
    if bias is None:
        t, node = record2(out, LinearBackward, input, weight, _np_linear, None, "linear")
    else:
        t, node = record(out, LinearBackward, (input, weight, bias), replay=_np_linear,
                         name="linear")
    if node is not None:
        node.bshape = None if bias is None else bias._data.shape
        node.torch_name = _TORCH_NAMES[min(xd.ndim, 3), bias is not None]
        node.save(input, weight)
    return t


def _np_linear(xd, wd, bd=None):
    if xd.dtype.kind == "V":  # bfloat16: accumulate in float32, round once (as PyTorch's CPU)
        f = np.float32
        return _np_linear(xd.astype(f), wd.astype(f), None if bd is None else bd.astype(f)).astype(xd.dtype)
    if xd.ndim == 2:
        out = np.dot(xd, wd.T)
    elif xd.ndim == 1:
        out = wd @ xd
    else:
        lead = int(np.prod(xd.shape[:-1]))  # not -1: ambiguous when a size is 0
        out = (xd.reshape(lead, xd.shape[-1]) @ wd.T).reshape(xd.shape[:-1] + (wd.shape[0],))
    if bd is not None:
        out += bd
    return out


class _BilinearBackward(Node):
    __slots__ = ("bshape",)

    def backward(self, g, x1, x2, w):
        nf = self.next_functions
        ein = _einsum_for(g)
        g1 = ein("...o,oij,...j->...i", g, w, x2) if nf[0][0] is not None else None
        g2 = ein("...o,oij,...i->...j", g, w, x1) if nf[1][0] is not None else None
        gw = None
        if nf[2][0] is not None:
            gw = ein("...o,...i,...j->oij", g, x1, x2)
        gb = sum_to(g, self.bshape) if len(nf) > 3 and nf[3][0] is not None else None
        return g1, g2, gw, gb


class BilinearBackward0(_BilinearBackward):
    __slots__ = ()


def _einsum_for(v):
    if isinstance(v, Tensor):
        from .linalg import einsum
        return einsum
    return lambda spec, *ops: np.einsum(spec, *ops, optimize=True)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o].

    Example::

        >>> import dygrad.nn.functional as F
        >>> x1, x2 = torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0]])
        >>> w = torch.ones(1, 2, 1)
        >>> F.bilinear(x1, x2, w)
        tensor([[9.]])
    """
    for name, t in (("input1", input1), ("input2", input2), ("weight", weight)):
        check_tensor(t, name, "bilinear")
    a, b, w = input1._data, input2._data, weight._data
    if w.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, got {w.ndim}-D")
    if a.shape[:-1] != b.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                           f"{list(a.shape[:-1])} and {list(b.shape[:-1])}")
    if a.shape[-1] != w.shape[1] or b.shape[-1] != w.shape[2]:
        raise RuntimeError(
            f"bilinear(): input sizes {a.shape[-1]} and {b.shape[-1]} do not match weight of shape "
            f"{list(w.shape)} (expected weight.size(1) == input1.size(-1) and weight.size(2) == "
            "input2.size(-1))")
    if a.dtype != w.dtype or b.dtype != w.dtype:
        raise RuntimeError(f"bilinear(): expected all inputs to have the same dtype, got "
                           f"{input1.dtype}, {input2.dtype} and {weight.dtype}")
    out = np.einsum("...i,oij,...j->...o", a, w, b, optimize=True)
    if bias is not None:
        out = out + bias._data
    if needs_grad(input1, input2, weight, bias):
        ins = (input1, input2, weight) if bias is None else (input1, input2, weight, bias)
        node = BilinearBackward0(edges(*ins))
        node.bshape = None if bias is None else bias._data.shape
        node.save(input1, input2, weight)
        return attach(np.ascontiguousarray(out), node)
    return _wrap(np.ascontiguousarray(out))


class EmbeddingBackward0(Node):
    # the indices are read through the saved input only (a replay of dygrad.jit passes its own)
    __slots__ = ("wshape", "padding_idx", "freq")

    def backward(self, g, idx):
        idx = (idx._data if isinstance(idx, Tensor) else idx).reshape(-1)
        n, d = self.wshape
        # scale_grad_by_freq: each row's gradient divided by its index's count in the batch
        scale = 1.0 / np.bincount(idx, minlength=n)[idx] if self.freq else None
        if isinstance(g, Tensor):
            from .indexing import index_put
            from .._creation import zeros
            g2 = g.reshape(-1, d)
            if scale is not None:
                g2 = g2 * _wrap(scale[:, None].astype(g2._data.dtype))
            gw = index_put(zeros((n, d), dtype=g.dtype), (_wrap(idx),), g2, accumulate=True)
            if self.padding_idx is not None:
                keep = np.ones((n, 1), g._data.dtype)
                keep[self.padding_idx] = 0
                gw = gw * _wrap(keep)
            return gw
        g2 = g.reshape(-1, d)
        if scale is not None:
            g2 = g2 * scale[:, None].astype(g2.dtype)
        gw = np.zeros((n, d), g.dtype)
        _add_rows(gw, idx, g2)
        if self.padding_idx is not None:
            gw[self.padding_idx] = 0
        return gw


def _add_rows(out, idx, rows):
    """out[idx[k]] += rows[k] for every k, the rows of a repeated index summed in their order
    (np.add.at's result; sorting the indices and summing each run with reduceat is 4-8x
    faster on rows of a few hundred elements)."""
    if not idx.size:
        return
    order = np.argsort(idx, kind="stable")
    si = idx[order]
    starts = np.flatnonzero(np.concatenate(([True], si[1:] != si[:-1])))
    out[si[starts]] += np.add.reduceat(rows[order], starts, axis=0)


def _embedding_renorm_(weight, idx, max_norm, norm_type):
    """Rescales (in place, without history) the looked-up rows whose norm exceeds max_norm."""
    rows = np.unique(idx)
    w = weight._data
    sub = w[rows]
    if norm_type == float("inf"):
        norms = np.abs(sub).max(axis=1)
    else:
        norms = (np.abs(sub) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    over = norms > max_norm
    if over.any():
        scale = (max_norm / (norms[over] + 1e-7)).astype(w.dtype)
        with no_grad():
            w[rows[over]] *= scale[:, None]
            weight._vc[0] += 1


def wrap_padding_idx(padding_idx, n):
    """padding_idx (or None) checked against n embeddings and made non-negative, as PyTorch."""
    if padding_idx is None:
        return None
    if (padding_idx > 0 and padding_idx >= n) or padding_idx < -n:  # (0 is never checked)
        raise AssertionError("Padding_idx must be within num_embeddings")
    return padding_idx + n if padding_idx < 0 else padding_idx


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of `weight` picked by the integer tensor `input`.

    Example::

        >>> import dygrad.nn.functional as F
        >>> weight = torch.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 4.0]])
        >>> F.embedding(torch.tensor([2, 1, 2]), weight)
        tensor([[2., 4.],
                [1., 1.],
                [2., 4.]])
    """
    check_tensor(input, "input", "embedding")
    check_tensor(weight, "weight", "embedding")
    idx = input._data
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following "
                           f"scalar types: Long, Int; but got {input.type()} instead (while checking "
                           "arguments for embedding)")
    w = weight._data
    if w.ndim != 2:
        raise RuntimeError(f"embedding(): 'weight' must be 2-D, got {w.ndim}-D")
    n = w.shape[0]
    padding_idx = wrap_padding_idx(padding_idx, n)
    _check_rows(idx, n)
    if max_norm is not None:
        _embedding_renorm_(weight, idx, max_norm, norm_type)
        w = weight._data
    # a capture replays the lookup with the indices as an operand (not with max_norm, whose
    # renormalisation writes into weight)
    t, node = record1(w[idx], EmbeddingBackward0, weight,
                      None if max_norm is not None else (_embedding_replay, weight, input),
                      name="embedding")
    if node is not None:
        # the indices are saved, not copied: changing them in place before backward raises, as
        # in PyTorch (with a copy the gradient silently ignored the change)
        node.save(input)
        node.wshape = w.shape
        node.padding_idx = padding_idx
        node.freq = bool(scale_grad_by_freq)
    return t


def _check_rows(idx, n):
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"index out of range in self (embedding: index {int(bad)} with "
                         f"num_embeddings={n})")


def _lookup(w, idx):
    """embedding's replay kernel: the rows, after the eager op's check of the indices (a
    negative index would otherwise pick a row from the end)."""
    _check_rows(idx, w.shape[0])
    return w[idx]


def _embedding_replay(weight, input):
    """embedding's replay kernel for a graph capture (built only while one runs)."""
    return _lookup, (weight, input)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """One-hot encoding of an integer tensor: shape (*input.shape, num_classes), int64;
    num_classes=-1 means input.max() + 1.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.one_hot(torch.tensor([0, 2, 1]))
        tensor([[1, 0, 0],
                [0, 0, 1],
                [0, 1, 0]])
        >>> F.one_hot(torch.tensor([1]), num_classes=4)
        tensor([[0, 1, 0, 0]])
    """
    check_tensor(tensor, "tensor", "one_hot")
    d = tensor._data
    if d.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if d.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(d.max()) + 1
    if d.size:
        if d.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if d.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(d.shape + (num_classes,), np.int64)
    np.put_along_axis(out, d[..., None], 1, axis=-1)
    return _wrap(out)


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


@_rule("onnx", "linear")
def _onnx_linear(g, c):
    x, w, b = c["input"], c["weight"], c.get("bias")
    if x.dim() == 2 and w.dim() == 2:
        ins = [g.value(x), g.value(w)] + ([g.value(b)] if b is not None else [])
        return g.op("Gemm", ins, transB=1)
    wt = g.const(w._data.T) if not g.is_live(w) else g.op("Transpose", [g.value(w)])
    y = g.op("MatMul", [g.value(x), wt])
    return y if b is None else g.op("Add", [y, g.value(b)])


@_rule("onnx", "embedding")
def _onnx_embedding(g, c):
    if c.get("max_norm") is not None:
        return None  # renormalises the weight in place while it looks up
    return g.op("Gather", [g.value(c["weight"]), g.value(c["input"])], axis=0)
