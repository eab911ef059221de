"""Constant padding with its gradient (a crop), in PyTorch's pad-list order (last dim first)."""
import numpy as np

from .._tensor import Tensor
from ..autograd.node import Node
from ._layer_util import check_tensor
from ._record import record


def _np_pads(ndim, pads, op):
    if len(pads) % 2 or len(pads) // 2 > ndim:
        raise RuntimeError(
            f"{op}: Padding length must be divisible by 2 and at most twice the number of "
            f"dimensions of the input ({ndim}), got {len(pads)}")
    width = [(0, 0)] * ndim
    for i in range(len(pads) // 2):
        width[ndim - 1 - i] = (int(pads[2 * i]), int(pads[2 * i + 1]))
    return width


class ConstantPadNdBackward0(Node):
    __slots__ = ("width", "shape")

    def backward(self, g):
        idx = tuple(slice(lo if lo > 0 else 0, (g.shape[i] - hi) if hi > 0 else None)
                    for i, (lo, hi) in enumerate(self.width))
        # negative pads cropped the input: their gradient is zero-padded back
        gi = g[idx]
        neg = [(-lo if lo < 0 else 0, -hi if hi < 0 else 0) for lo, hi in self.width]
        if any(a or b for a, b in neg):
            if isinstance(gi, Tensor):
                flat = []
                for a, b in reversed(neg):
                    flat += [a, b]
                return pad_constant(gi, flat, 0.0)
            gi = np.pad(gi, neg)
        return gi


def pad_constant(x, pads, value=0.0):
    d = x._data
    width = _np_pads(d.ndim, pads, "constant_pad_nd")
    if any(n + min(lo, 0) + min(hi, 0) < 0 for n, (lo, hi) in zip(d.shape, width)):
        raise RuntimeError("narrow(): length must be non-negative.")  # cropped past nothing
    t, node = record(_pad_array(d, width, value), ConstantPadNdBackward0, (x,),
                     replay=_pad_array, args=(x, width, value), name="constant_pad_nd")
    if node is not None:
        node.width = width
        node.shape = d.shape
    return t


def _pad_array(d, width, value):
    """d cropped by the negative pads of width and padded with value by the others (the eager
    op and its replay kernel)."""
    crop = tuple(slice(-lo if lo < 0 else 0, (d.shape[i] + hi) if hi < 0 else None)
                 for i, (lo, hi) in enumerate(width))
    return np.pad(d[crop], [(max(lo, 0), max(hi, 0)) for lo, hi in width], constant_values=value)


def _index_map(n, before, after, mode, dim, shape):
    """Source index of every output position along one padded dim."""
    if mode == "reflect":
        if before >= n or after >= n:
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input dimension, "
                f"but got: padding ({before}, {after}) at dimension {dim} of input {list(shape)}")
    if mode == "circular" and (before > n or after > n):
        raise RuntimeError("Padding value causes wrapping around more than once.")
    pos = np.arange(-before, n + after)
    if mode == "reflect":
        period = 2 * (n - 1) if n > 1 else 1
        pos = np.abs(pos) % period
        pos = np.where(pos >= n, period - pos, pos)
    elif mode == "replicate":
        pos = np.clip(pos, 0, n - 1)
    else:
        pos = pos % n
    return pos


_NONCONST_HELP = ("Supported combinations for non-constant padding:\n"
                  "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                  "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                  "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def pad(input: Tensor, pad: tuple[int, ...] | list[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """Pads the last len(pad) // 2 dims; pad = (left, right, top, bottom, front, back).

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([[1.0, 2.0]])
        >>> F.pad(x, (1, 2))
        tensor([[0., 1., 2., 0., 0.]])
        >>> F.pad(x, (1, 1), mode='replicate')
        tensor([[1., 1., 2., 2.]])
    """
    check_tensor(input, "input", "pad")
    pads = [int(p) for p in pad]
    nd = input.dim()
    if len(pads) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pads) // 2 > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pads)} and input of dimension {nd}")
    if mode == "constant":
        return pad_constant(input, pads, 0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    k = len(pads) // 2
    if k not in (1, 2, 3) or nd not in (k + 1, k + 2):
        raise NotImplementedError(f"Padding size {len(pads)} is not supported for {nd}D input "
                                  f"tensor.\n{_NONCONST_HELP}")
    x = input
    sizes = [input.shape[nd - 1 - i] for i in range(k)]
    outs = [n + pads[2 * i] + pads[2 * i + 1] for i, n in enumerate(sizes)]
    if mode != "circular" and (max(outs) <= 0 or min(outs) < 0):  # some may come out empty
        raise RuntimeError(f"pad: input of size {list(input.shape)} is too small for padding "
                           f"{pads}: calculated output sizes {outs[::-1]}")
    if mode == "circular" and any(p < 0 for p in pads):
        # circular padding wraps the cropped input; reflect and replicate map output positions
        # onto the original one (a negative pad just starts or ends the map inside it)
        crop = [(max(-pads[2 * i], 0), max(-pads[2 * i + 1], 0)) for i in range(k)]
        for i, (a, b) in enumerate(crop):
            if sizes[i] - a - b < 0 or (sizes[i] - a - b == 0 and outs[i] > 0):
                raise RuntimeError(f"pad: negative circular padding {pads[2 * i:2 * i + 2]} leaves "
                                   f"nothing of dimension {nd - 1 - i} (size {sizes[i]}) to wrap")
        x = pad_constant(x, [-a for pair in crop for a in pair], 0.0)
        pads = [max(p, 0) for p in pads]
    shape = x.shape
    maps = []
    for i in range(k):
        dim = nd - 1 - i
        maps.append(_index_map(shape[dim], pads[2 * i], pads[2 * i + 1], mode, dim, shape))
    maps.reverse()  # now in dim order
    key = (slice(None),) * (nd - k) + np.ix_(*maps)
    return x[key]


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402

_ONNX_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
                   "circular": "wrap"}


@_rule("onnx", "pad")
def _onnx_pad(g, c):
    """Pad, whose pads list every axis's begins then every axis's ends (PyTorch's pad lists
    (begin, end) pairs from the last axis back)."""
    x, mode = c["input"], c.get("mode", "constant")
    pads = [int(p) for p in c["pad"]]
    if mode not in _ONNX_PAD_MODES or (mode == "circular" and g.opset < 19) or (
            mode != "constant" and min(pads) < 0):
        return None
    nd, k = x.dim(), len(pads) // 2
    begins, ends = [0] * nd, [0] * nd
    for i in range(k):
        begins[nd - 1 - i], ends[nd - 1 - i] = pads[2 * i], pads[2 * i + 1]
    ins = [g.value(x), g.ints(begins + ends)]
    if mode == "constant":
        value = c.get("value")
        ins.append(g.value(0.0 if value is None else value, x))
    return g.op("Pad", ins, mode=_ONNX_PAD_MODES[mode])
