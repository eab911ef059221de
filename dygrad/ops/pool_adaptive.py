"""Adaptive pooling (adaptive_avg_pool1d/2d, adaptive_max_pool1d/2d): windows chosen so that the
output has exactly the requested size, as PyTorch's start = floor(i * in / out), end =
ceil((i + 1) * in / out)."""
import numpy as np

from .._tensor import Tensor, _wrap
from ._record import record1
from ..autograd.node import Node
from ._window_args import ints, pool_input
from . import _maxpool
from .pool import _avg_pool, _batched, _max_pool


def _adaptive_bounds(size, out):
    starts = [(i * size) // out for i in range(out)]
    ends = [-(-((i + 1) * size) // out) for i in range(out)]
    return starts, ends


def _adaptive_size(op, output_size, size):
    """output_size as ints (None keeps that input size); negative sizes are refused, while 0
    gives an empty result as in PyTorch."""
    nd = len(size)
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != nd:
            raise RuntimeError(f"{op}: output_size must be {nd}, got {list(output_size)}")
        if nd == 1 and output_size[0] is None:
            raise TypeError(f"{op}(): argument 'output_size' must be tuple of ints, but found "
                            f"element of type NoneType at pos 0")
        out = tuple(n if o is None else o for o, n in zip(output_size, size))
    elif output_size is None:
        raise TypeError(f"{op}(): argument 'output_size' must be tuple of ints, not NoneType")
    else:
        out = (output_size,) * nd
    out = ints(out, nd, "output_size", op)
    if min(out) < 0:
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0 "
                           f"but received {list(out)}")
    return out


class _EmptyAdaptiveBackward(Node):
    """An adaptive pool with an output size of 0: the forward gives an empty result, and
    PyTorch's backward refuses an empty gradient."""
    __slots__ = ("op", "gshape")

    def backward(self, g):
        dim = next(i for i, n in enumerate(self.gshape) if n == 0 and i >= len(self.gshape) - 2)
        raise RuntimeError(
            f"{self.op}_backward(): Expected grad_output to have non-zero size for non-batch "
            f"dimensions, but grad_output has sizes {list(self.gshape)} with dimension {dim} "
            "being empty")


def _empty_adaptive(x, oh, ow, return_indices, drop, op):
    n, c = x._data.shape[:2]
    full = (n, c, oh, ow)
    shape = tuple([d for i, d in enumerate(full) if i not in drop])
    r, node = record1(np.zeros(shape, x._data.dtype), _EmptyAdaptiveBackward, x)
    if node is not None:  # (PyTorch's 1-D pools run as 2-D ones and name their 4-D shape)
        node.op, node.gshape = op, tuple([d for i, d in enumerate(full) if i or 0 not in drop])
    idx = _wrap(np.zeros(shape, np.int64))
    return (r, idx) if return_indices else r


def _first_max_or_last_nan(flat):
    """PyTorch's adaptive max pool takes the first maximum of a window, or its last NaN."""
    isn = np.isnan(flat)
    a = flat.argmax(-1)
    if isn.any():
        last = flat.shape[-1] - 1 - isn[..., ::-1].argmax(-1)
        a = np.where(isn.any(-1), last, a)
    return a


def _global_mean(input, output_size, nd):
    """adaptive_avg_pool to size 1 is a mean, which PyTorch also takes over empty dimensions
    (giving nan)."""
    if not isinstance(input, Tensor) or input._data.ndim not in (nd + 1, nd + 2):
        return None
    if output_size != 1 and tuple(output_size if isinstance(output_size, (tuple, list))
                                  else (output_size,)) != (1,) * nd:
        return None
    if 0 not in input._data.shape[-nd:]:
        return None
    return input.mean(dim=tuple(range(-nd, 0)), keepdim=True)


def adaptive_avg_pool2d(input: Tensor, output_size: int | None | tuple[int | None, ...]) -> Tensor:
    """Average pooling to a fixed (H_out, W_out); None keeps that input size.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
        >>> F.adaptive_avg_pool2d(x, 1)
        tensor([[[[7.5000]]]])
        >>> F.adaptive_avg_pool2d(torch.ones(2, 3, 7, 5), (2, None)).shape
        torch.Size([2, 3, 2, 5])
    """
    r = _global_mean(input, output_size, 2)
    if r is not None:
        return r
    x, unbatched = _batched(input, "adaptive_avg_pool2d")
    oh, ow = _adaptive_size("adaptive_avg_pool2d", output_size, x._data.shape[2:])
    return _adaptive_avg(x, oh, ow, (0,) if unbatched else (), "adaptive_avg_pool2d")


def _adaptive_avg(x, oh, ow, drop, op):
    """adaptive average pool of the 4-D x, the dims in drop left out of the result."""
    n, c, h, w = x._data.shape
    if oh == 0 or ow == 0:
        return _empty_adaptive(x, oh, ow, False, drop, op)
    if h % oh == 0 and w % ow == 0:
        k = (h // oh, w // ow)
        return _avg_pool(x, k, k, (0, 0), False, True, None, drop, op)
    hs, he = _adaptive_bounds(h, oh)
    ws, we = _adaptive_bounds(w, ow)
    from .shape import stack
    rows = [stack([x[:, :, hs[i]:he[i], ws[j]:we[j]].mean(dim=(2, 3)) for j in range(ow)], -1)
            for i in range(oh)]
    r = stack(rows, -2)
    if drop:
        shape = [d for i, d in enumerate(r.shape) if i not in drop]
        r = r.reshape(shape)
    return r


def adaptive_max_pool2d(input: Tensor, output_size: int | None | tuple[int | None, ...],
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max pooling to a fixed (H_out, W_out); None keeps that input size.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.adaptive_max_pool2d(torch.arange(16.0).reshape(1, 1, 4, 4), (1, 2))
        tensor([[[[13., 15.]]]])
    """
    x, unbatched = _batched(input, "adaptive_max_pool2d")
    oh, ow = _adaptive_size("adaptive_max_pool2d", output_size, x._data.shape[2:])
    return _adaptive_max(x, oh, ow, return_indices, (0,) if unbatched else (),
                         "adaptive_max_pool2d")


def _adaptive_max(x, oh, ow, return_indices, drop, op):
    """adaptive max pool of the 4-D x, the dims in drop left out of the result."""
    n, c, h, w = x._data.shape
    if oh == 0 or ow == 0:
        return _empty_adaptive(x, oh, ow, return_indices, drop, op)
    if h % oh == 0 and w % ow == 0:
        k = (h // oh, w // ow)
        return _max_pool(x, k, k, (0, 0), (1, 1), False, return_indices, drop, op)
    oshape = tuple([d for i, d in enumerate((n, c, oh, ow)) if i not in drop])
    return _maxpool.record_by_index(x, oshape, return_indices, _adaptive_argmax, (oh, ow))


def _adaptive_argmax(xd, oh, ow):
    """(local, flat, None) indices of each adaptive window's maximum, as window_argmax."""
    n, c, h, w = xd.shape
    hs, he = _adaptive_bounds(h, oh)
    ws, we = _adaptive_bounds(w, ow)
    local = np.empty((n, c, oh, ow), dtype=np.int64)
    for i in range(oh):
        for j in range(ow):
            win = xd[:, :, hs[i]:he[i], ws[j]:we[j]]
            kw_ = we[j] - ws[j]
            a = _first_max_or_last_nan(win.reshape(n, c, win.shape[2] * kw_))
            local[:, :, i, j] = (hs[i] + a // kw_) * w + ws[j] + a % kw_
    base = (np.arange(n * c) * (h * w)).reshape(n, c, 1, 1)
    return local, local + base, None


def adaptive_avg_pool1d(input: Tensor, output_size: int | None | tuple[int | None, ...]) -> Tensor:
    """Average pooling whose windows are chosen to give exactly `output_size` positions.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.adaptive_avg_pool1d(torch.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]]]), 2)
        tensor([[[2., 5.]]])
    """
    r = _global_mean(input, output_size, 1)
    if r is not None:
        return r
    pool_input("adaptive_avg_pool1d", input, 1)
    (o,) = _adaptive_size("adaptive_avg_pool1d", output_size, input.shape[-1:])
    x, unbatched = _batched(input.unsqueeze(-2), "adaptive_avg_pool1d")
    return _adaptive_avg(x, 1, o, (0, 2) if unbatched else (2,), "adaptive_avg_pool2d")


def adaptive_max_pool1d(input: Tensor, output_size: int | None | tuple[int | None, ...],
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max pooling whose windows give exactly `output_size` positions.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.adaptive_max_pool1d(torch.tensor([[[1.0, 5.0, 3.0, 4.0, 2.0, 6.0]]]), 2)
        tensor([[[5., 6.]]])
    """
    pool_input("adaptive_max_pool1d", input, 1)
    (o,) = _adaptive_size("adaptive_max_pool1d", output_size, input.shape[-1:])
    x, unbatched = _batched(input.unsqueeze(-2), "adaptive_max_pool1d")
    return _adaptive_max(x, 1, o, return_indices, (0, 2) if unbatched else (2,),
                         "adaptive_max_pool2d")


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_adaptive(onnx_pool, onnx_global):
    def lower(g, c):
        x, out = c["input"], c.outs[0]
        if c.get("return_indices", False) or x.dim() < 3:
            return None
        n = out.dim() - 2
        ins, outs = x.shape[-n:], out.shape[-n:]
        if all(o == 1 for o in outs):
            return g.op(onnx_global, [g.value(x)])
        if any(i % o and i != 1 for i, o in zip(ins, outs)):
            return None  # uneven windows: no single ONNX pooling does them
        # an axis of size 1 is repeated (every window is that one element); others divide
        k = [1 if i == 1 else i // o for i, o in zip(ins, outs)]
        y = g.op(onnx_pool, [g.value(x)], kernel_shape=k, strides=k)
        if any(i == 1 and o > 1 for i, o in zip(ins, outs)):
            y = g.op("Expand", [y, g.ints([1] * (x.dim() - n) + [o if i == 1 else 1
                                                                for i, o in zip(ins, outs)])])
        return y
    return lower


for _d in (1, 2, 3):
    _rule("onnx", f"adaptive_avg_pool{_d}d")(_onnx_adaptive("AveragePool", "GlobalAveragePool"))
    _rule("onnx", f"adaptive_max_pool{_d}d")(_onnx_adaptive("MaxPool", "GlobalMaxPool"))
