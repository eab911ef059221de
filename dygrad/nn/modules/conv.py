"""Convolution layers: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d (PyTorch's init, repr and
state_dict)."""
from typing import Optional

from ...ops import conv as _conv
from ..._tensor import Tensor
from .linear import _WeightBiasLayer

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]

_size = int | tuple[int, ...]  # an int means the same value for every spatial dimension


def _ntuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


class _ConvNd(_WeightBiasLayer):
    __constants__ = ["stride", "padding", "dilation", "groups", "padding_mode", "output_padding",
                     "in_channels", "out_channels", "kernel_size"]

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, n, device=None, dtype=None):
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        valid = {"zeros", "reflect", "replicate", "circular"}
        if padding_mode not in valid:
            raise ValueError(f"padding_mode must be one of {valid}, but got padding_mode='{padding_mode}'")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in _ntuple(stride, n)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = _ntuple(stride, n)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, n)
        self.dilation = _ntuple(dilation, n)
        self.transposed = transposed
        self.output_padding = _ntuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        if transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self._init_weight_bias(shape, out_channels, bias, dtype)

    def extra_repr(self):
        n = len(self.kernel_size)
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * n:
            s += ", padding={padding}"
        if self.dilation != (1,) * n:
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * n:
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)

    def _mode_pad(self, x):
        """Non-zero padding modes pad explicitly, then convolve without padding."""
        from ..functional import pad as F_pad
        n = len(self.kernel_size)
        if isinstance(self.padding, str):
            if self.padding == "valid":
                return x, 0
            pads = []
            for k, d in zip(reversed(self.kernel_size), reversed(self.dilation)):
                total = d * (k - 1)
                pads += [total // 2, total - total // 2]
        else:
            pads = []
            for p in reversed(self.padding):
                pads += [p, p]
        return F_pad(x, pads, mode=self.padding_mode), (0,) * n


class _ConvForwardNd(_ConvNd):
    """Conv1d/Conv2d: PyTorch's public constructor for `_n` spatial dimensions and the forward
    through the op `_conv_fn`; non-zero padding modes pad explicitly first."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: _size, stride: _size = 1,
                 padding: str | _size = 0, dilation: _size = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False,
                         0, groups, bias, padding_mode, self._n, device, dtype)

    def _conv_forward(self, input, weight, bias):
        padding = self.padding
        if self.padding_mode != "zeros":
            input, padding = self._mode_pad(input)
        return type(self)._conv_fn(input, weight, bias, self.stride, padding, self.dilation,
                                   self.groups)

    def forward(self, input: Tensor) -> Tensor:
        """Convolves `input` with `weight` (plus `bias`)."""
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_ConvForwardNd):
    """1-d convolution (cross-correlation) of in_channels with out_channels learned kernels.

    Input (N, C_in, L) or (C_in, L); output length
    (L + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1.

    Example::

        >>> m = torch.nn.Conv1d(4, 8, kernel_size=3, stride=2)
        >>> m(torch.ones(2, 4, 9)).shape
        torch.Size([2, 8, 4])
        >>> m.weight.shape
        torch.Size([8, 4, 3])
    """

    _n = 1
    _conv_fn = staticmethod(_conv.conv1d)


class Conv2d(_ConvForwardNd):
    """2-d convolution (cross-correlation) of in_channels with out_channels learned kernels.

    Input (N, C_in, H, W) or (C_in, H, W); each spatial size becomes
    (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1.

    Example::

        >>> m = torch.nn.Conv2d(3, 6, kernel_size=3, padding=1)
        >>> m(torch.ones(1, 3, 5, 5)).shape
        torch.Size([1, 6, 5, 5])
        >>> torch.nn.Conv2d(3, 6, (3, 1), padding='same')(torch.ones(3, 4, 4)).shape
        torch.Size([6, 4, 4])
    """

    _n = 2
    _conv_fn = staticmethod(_conv.conv2d)


class _ConvTransposeNd(_ConvNd):
    """ConvTranspose1d/2d: PyTorch's public constructor for `_n` spatial dimensions and the
    forward through the op `_conv_fn`, with `output_size` picking the output_padding."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: _size, stride: _size = 1,
                 padding: _size = 0, output_padding: _size = 0, groups: int = 1, bias: bool = True,
                 dilation: _size = 1, padding_mode: str = "zeros", device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True,
                         output_padding, groups, bias, padding_mode, self._n, device, dtype)

    def forward(self, input: Tensor, output_size: Optional[list[int]] = None) -> Tensor:
        """Applies the transposed convolution, sized to `output_size` when given."""
        op = self._output_padding(input, output_size)
        return type(self)._conv_fn(input, self.weight, self.bias, self.stride, self.padding, op,
                                   self.groups, self.dilation)

    def _output_padding(self, input, output_size):
        """The output_padding that gives output_size (spatial sizes, optionally led by the batch
        and channel sizes); as in PyTorch only sizes up to stride - 1 past the smallest one are
        reachable."""
        if output_size is None:
            return self.output_padding
        n = len(self.kernel_size)
        lead = 2 if input.dim() == n + 2 else 1
        output_size = list(output_size)
        if len(output_size) == n + lead:
            output_size = output_size[lead:]
        if len(output_size) != n:
            raise ValueError(f"ConvTranspose{n}D: for {input.dim()}D input, output_size must have "
                             f"{n} or {n + lead} elements (got {len(output_size)})")
        size = list(input.shape[-n:])
        lo = [(size[d] - 1) * self.stride[d] - 2 * self.padding[d] +
              self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(n)]
        hi = [lo[d] + self.stride[d] - 1 for d in range(n)]
        if any(not lo[d] <= output_size[d] <= hi[d] for d in range(n)):
            raise ValueError(f"requested an output size of {output_size}, but valid sizes range "
                             f"from {lo} to {hi} (for an input of {size})")
        return tuple(output_size[d] - lo[d] for d in range(n))


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-d convolution (the gradient of Conv1d with respect to its input), which
    upsamples: output length (L - 1) * stride - 2 * padding + dilation * (kernel_size - 1)
    + output_padding + 1. `output_size` in forward picks among the lengths a stride allows.

    Example::

        >>> m = torch.nn.ConvTranspose1d(4, 2, kernel_size=3, stride=2)
        >>> m(torch.ones(1, 4, 5)).shape
        torch.Size([1, 2, 11])
        >>> m(torch.ones(1, 4, 5), output_size=[12]).shape
        torch.Size([1, 2, 12])
    """

    _n = 1
    _conv_fn = staticmethod(_conv.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-d convolution (the gradient of Conv2d with respect to its input), which
    upsamples each spatial size to (size - 1) * stride - 2 * padding
    + dilation * (kernel_size - 1) + output_padding + 1.

    Example::

        >>> m = torch.nn.ConvTranspose2d(4, 2, kernel_size=2, stride=2)
        >>> m(torch.ones(1, 4, 3, 3)).shape
        torch.Size([1, 2, 6, 6])
    """

    _n = 2
    _conv_fn = staticmethod(_conv.conv_transpose2d)
