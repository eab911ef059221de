"""PixelShuffle, PixelUnshuffle and ChannelShuffle layers; Unfold and Fold (sliding blocks)."""
from ..._tensor import Tensor
from ...ops import layer_shape as _shape
from .module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle", "ChannelShuffle", "Unfold", "Fold"]

_size = int | tuple[int, ...]  # an int means the same value for both spatial dimensions


class _ChannelShuffleBase(Module):
    """A channel/space rearrangement with one int argument, stored under the attribute named by
    `_arg` and passed to the op `_fn` (in ops.layer_shape)."""

    _arg = ""

    def forward(self, input: Tensor) -> Tensor:
        """Rearranges `input` by the layer's factor."""
        return type(self)._fn(input, getattr(self, self._arg))

    def extra_repr(self):
        return f"{self._arg}={getattr(self, self._arg)}"


class PixelShuffle(_ChannelShuffleBase):
    """Rearranges channels into space: (*, C * r * r, H, W) -> (*, C, H * r, W * r) with
    r = upscale_factor (the upsampling step of sub-pixel convolution).

    Example::

        >>> m = torch.nn.PixelShuffle(2)
        >>> m(torch.arange(4.0).reshape(1, 4, 1, 1))
        tensor([[[[0., 1.],
                  [2., 3.]]]])
        >>> m(torch.ones(2, 8, 3, 5)).shape
        torch.Size([2, 2, 6, 10])
    """

    __constants__ = ["upscale_factor"]

    def __init__(self, upscale_factor: int):
        super().__init__()
        self.upscale_factor = upscale_factor

    _arg = "upscale_factor"
    _fn = staticmethod(_shape.pixel_shuffle)


class PixelUnshuffle(_ChannelShuffleBase):
    """Inverse of PixelShuffle: (*, C, H * r, W * r) -> (*, C * r * r, H, W) with
    r = downscale_factor.

    Example::

        >>> m = torch.nn.PixelUnshuffle(2)
        >>> m(torch.arange(4.0).reshape(1, 1, 2, 2)).flatten()
        tensor([0., 1., 2., 3.])
        >>> m(torch.ones(2, 2, 6, 4)).shape
        torch.Size([2, 8, 3, 2])
    """

    __constants__ = ["downscale_factor"]

    def __init__(self, downscale_factor: int):
        super().__init__()
        self.downscale_factor = downscale_factor

    _arg = "downscale_factor"
    _fn = staticmethod(_shape.pixel_unshuffle)


class ChannelShuffle(_ChannelShuffleBase):
    """Splits the C channels (dim 1) into `groups` groups and interleaves them, so channel
    g * (C // groups) + i moves to i * groups + g.

    Input (N, C, *), same shape out.

    Example::

        >>> m = torch.nn.ChannelShuffle(2)
        >>> m(torch.arange(4.0).reshape(1, 4, 1)).flatten()
        tensor([0., 2., 1., 3.])
    """

    __constants__ = ["groups"]

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    _arg = "groups"
    _fn = staticmethod(_shape.channel_shuffle)


class Unfold(Module):
    """Extracts sliding local blocks (im2col): (N, C, H, W) -> (N, C * prod(kernel_size), L),
    one column per block position, L positions in all.

    Example::

        >>> m = torch.nn.Unfold(kernel_size=2)
        >>> m(torch.arange(9.0).reshape(1, 1, 3, 3))
        tensor([[[0., 1., 3., 4.],
                 [1., 2., 4., 5.],
                 [3., 4., 6., 7.],
                 [4., 5., 7., 8.]]])
        >>> m(torch.ones(2, 3, 5, 5)).shape
        torch.Size([2, 12, 16])
    """

    __constants__ = ["kernel_size", "dilation", "padding", "stride"]

    def __init__(self, kernel_size: _size, dilation: _size = 1, padding: _size = 0,
                 stride: _size = 1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        """Returns the sliding blocks of `input` as columns."""
        return _shape.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """Sums sliding local blocks back into a tensor (col2im), the adjoint of Unfold:
    (N, C * prod(kernel_size), L) -> (N, C, *output_size); overlapping entries add up.

    Example::

        >>> fold = torch.nn.Fold(output_size=(3, 3), kernel_size=2)
        >>> fold(torch.ones(1, 4, 4))
        tensor([[[[1., 2., 1.],
                  [2., 4., 2.],
                  [1., 2., 1.]]]])
    """

    __constants__ = ["output_size", "kernel_size", "dilation", "padding", "stride"]

    def __init__(self, output_size: _size, kernel_size: _size, dilation: _size = 1,
                 padding: _size = 0, stride: _size = 1):
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        """Sums the columns of `input` into an image of `output_size`."""
        return _shape.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
