"""Constant padding with its gradient (a crop), in PyTorch's pad-list order (last dim first)."""
import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node


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
    crop = tuple(slice(-lo if lo < 0 else 0, (d.shape[i] + hi) if hi < 0 else None)
                 for i, (lo, hi) in enumerate(width))
    dc = d[crop]
    out = np.pad(dc, [(max(lo, 0), max(hi, 0)) for lo, hi in width], constant_values=value)
    if STATE.enabled and x._rg:
        node = ConstantPadNdBackward0((x._grad_node(),))
        node.width = width
        node.shape = d.shape
        t = _wrap(out, True)
        t.grad_fn = node
        return t
    return _wrap(out)
