"""Channel/space rearrangements (pixel_shuffle, pixel_unshuffle, channel_shuffle) and sliding
blocks (unfold / fold: im2col and col2im), composed from differentiable tensor ops
(index_select / index_add carry the gradients)."""
import numbers

import numpy as np

from .._tensor import Tensor, _wrap
from ._layer_util import check_tensor

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "unfold",
           "fold"]


def _factor_and_shape(op, input, factor, name, check=True):
    """(factor as an int, input's shape) once input has the 3 dims these ops need. As PyTorch's
    argument parser, a float or bool factor is a TypeError (int() would truncate 2.5 silently)."""
    if check:
        check_tensor(input, "input", op)
    if isinstance(factor, bool) or not isinstance(factor, (numbers.Integral, Tensor)):
        raise TypeError(f"{op}(): argument '{name}' (position 2) must be int, not "
                        f"{type(factor).__name__}")
    if input.dim() < 3:
        if not check:  # channel_shuffle words it differently
            raise RuntimeError(f"{op} expects input with > 2 dims, but got input with sizes "
                               f"{list(input.shape)}")
        raise RuntimeError(f"{op} expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    return int(factor), input.shape


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Moves channels into space: (*, C*r*r, H, W) -> (*, C, H*r, W*r) with r = upscale_factor.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.pixel_shuffle(torch.arange(4.0).reshape(1, 4, 1, 1), 2)
        tensor([[[[0., 1.],
                  [2., 3.]]]])
    """
    r, (*lead, c, h, w) = _factor_and_shape("pixel_shuffle", input, upscale_factor,
                                          "upscale_factor")
    if r <= 0 or c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by "
                           f"the square of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    n = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """The inverse of pixel_shuffle: (*, C, H*r, W*r) -> (*, C*r*r, H, W) with r =
    downscale_factor.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.pixel_unshuffle(torch.arange(4.0).reshape(1, 1, 2, 2), 2).flatten()
        tensor([0., 1., 2., 3.])
    """
    r, (*lead, c, h, w) = _factor_and_shape("pixel_unshuffle", input, downscale_factor,
                                          "downscale_factor")
    if r <= 0 or h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width to be divisible by "
                           f"downscale_factor, but got {h}x{w} and {r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """(N, g*k, *) -> (N, k*g, *): the channels of the g groups interleaved.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.channel_shuffle(torch.arange(6.0).reshape(1, 6, 1), 2).flatten()
        tensor([0., 3., 1., 4., 2., 5.])
    """
    g, (n, c, *rest) = _factor_and_shape("channel_shuffle", input, groups, "groups",
                                             check=False)
    if g <= 0 or c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and "
                           f"{g} groups.")
    return input.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(n, c, *rest)


native_channel_shuffle = channel_shuffle


def _fold_args(op, kernel_size, dilation, padding, stride):
    """PyTorch's rules for fold/unfold's sliding blocks: positive kernel, dilation and stride,
    non-negative padding (a negative one would index past the padded plane's rows)."""
    from ._window_args import ints
    k, d = ints(kernel_size, 2, "kernel_size", op), ints(dilation, 2, "dilation", op)
    p, st = ints(padding, 2, "padding", op), ints(stride, 2, "stride", op)
    for name, v, lo in (("kernel size", k, 1), ("dilation", d, 1), ("stride", st, 1),
                        ("padding", p, 0)):
        if min(v) < lo:
            rule = "greater than zero" if lo else "non-negative"
            raise RuntimeError(f"{op}: {name} should be {rule}, but got {name.split()[0]}={list(v)}")
    return k, d, p, st


def _block_index(c, hp, wp, k, d, st, oh, ow):
    """Flat indices into (C, Hp, Wp) of each (channel, kernel row, kernel col) x block position,
    shaped (C*kh*kw, oh*ow): the im2col layout."""
    ci = np.arange(c).reshape(c, 1, 1, 1, 1)
    ki = np.arange(k[0]).reshape(1, k[0], 1, 1, 1) * d[0]
    kj = np.arange(k[1]).reshape(1, 1, k[1], 1, 1) * d[1]
    oi = np.arange(oh).reshape(1, 1, 1, oh, 1) * st[0]
    oj = np.arange(ow).reshape(1, 1, 1, 1, ow) * st[1]
    idx = ci * (hp * wp) + (ki + oi) * wp + (kj + oj)
    return idx.reshape(c * k[0] * k[1], oh * ow).astype(np.int64)


def _blocks(size, k, d, p, st):
    return [(size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // st[i] + 1 for i in range(2)]


def unfold(input: Tensor, kernel_size: int | tuple[int, ...], dilation: int | tuple[int, ...] = 1,
           padding: int | tuple[int, ...] = 0, stride: int | tuple[int, ...] = 1) -> Tensor:
    """im2col: (N, C, H, W) -> (N, C*kh*kw, L) with the L sliding blocks as columns.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.arange(9.0).reshape(1, 1, 3, 3)
        >>> F.unfold(x, 2)
        tensor([[[0., 1., 3., 4.],
                 [1., 2., 4., 5.],
                 [3., 4., 6., 7.],
                 [4., 5., 7., 8.]]])
    """
    if input.dim() < 3:  # PyTorch indexes the missing spatial dims first
        raise IndexError(f"unfold: Dimension out of range: expected a 3D or 4D input, got {input.dim()}D")
    if input.dim() > 4:
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.dim()}D)")
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    k, d, p, st = _fold_args("unfold", kernel_size, dilation, padding, stride)
    n, c, h, w = x.shape
    oh, ow = _blocks((h, w), k, d, p, st)
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"Given input with spatial size ({h}, {w}), kernel_size={k}, dilation={d}, "
                           f"padding={p}, calculated shape of the array of sliding blocks as ({oh}, {ow}), "
                           "but its components must be at least one.")
    if p != (0, 0):
        from .pad import pad
        x = pad(x, (p[1], p[1], p[0], p[0]))
    hp, wp = h + 2 * p[0], w + 2 * p[1]
    idx = _block_index(c, hp, wp, k, d, st, oh, ow)
    cols = x.reshape(n, c * hp * wp).index_select(1, _wrap(idx.reshape(-1)))
    out = cols.reshape(n, c * k[0] * k[1], oh * ow)
    return out if batched else out.squeeze(0)


def fold(input: Tensor, output_size: int | tuple[int, ...], kernel_size: int | tuple[int, ...],
         dilation: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
         stride: int | tuple[int, ...] = 1) -> Tensor:
    """col2im: (N, C*kh*kw, L) -> (N, C, H, W), summing overlapping blocks.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.fold(torch.ones(1, 4, 4), output_size=3, kernel_size=2)
        tensor([[[[1., 2., 1.],
                  [2., 4., 2.],
                  [1., 2., 1.]]]])
    """
    if input.dim() not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are "
                                  f"supported (got {input.dim()}D)")
    batched = input.dim() == 3
    x = input if batched else input.unsqueeze(0)
    from ._window_args import ints
    size = ints(output_size, 2, "output_size", "fold")
    k, d, p, st = _fold_args("fold", kernel_size, dilation, padding, stride)
    n, ck, L = x.shape
    if ck % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={ck} and kernel_size={k}")
    c = ck // (k[0] * k[1])
    oh, ow = _blocks(size, k, d, p, st)
    if oh <= 0 or ow <= 0 or oh * ow != L:
        raise RuntimeError(f"Given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, "
                           f"stride={st}, expected size of input's dimension 2 to match the calculated "
                           f"number of sliding blocks {oh} * {ow} = {oh * ow}, but got input.size(2)={L}.")
    hp, wp = size[0] + 2 * p[0], size[1] + 2 * p[1]
    idx = _block_index(c, hp, wp, k, d, st, oh, ow)
    zeros = _wrap(np.zeros((n, c * hp * wp), x._data.dtype))
    out = zeros.index_add(1, _wrap(idx.reshape(-1)), x.reshape(n, -1)).reshape(n, c, hp, wp)
    out = out[:, :, p[0]:p[0] + size[0], p[1]:p[1] + size[1]]
    return out if batched else out.squeeze(0)
