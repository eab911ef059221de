"""Convolution layers: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d (PyTorch's init, repr and
state_dict)."""
import math
from typing import Optional

from ... import _creation
from ..parameter import Parameter
from .. import init
from ...ops import conv as _conv
from ..._tensor import Tensor
from .module import Module

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]

_size = int | tuple[int, ...]  # an int means the same value for every spatial dimension


def _ntuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


class _ConvNd(Module):
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
        self.weight = Parameter(_creation.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(_creation.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

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


class Conv1d(_ConvNd):
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

    def __init__(self, in_channels: int, out_channels: int, kernel_size: _size, stride: _size = 1,
                 padding: str | _size = 0, dilation: _size = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False,
                         0, groups, bias, padding_mode, 1, device, dtype)

    def _conv_forward(self, input, weight, bias):
        if self.padding_mode != "zeros":
            x, pad = self._mode_pad(input)
            return _conv.conv1d(x, weight, bias, self.stride, pad, self.dilation, self.groups)
        return _conv.conv1d(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        """Convolves `input` with `weight` (plus `bias`)."""
        return self._conv_forward(input, self.weight, self.bias)


class Conv2d(_ConvNd):
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

    def __init__(self, in_channels: int, out_channels: int, kernel_size: _size, stride: _size = 1,
                 padding: str | _size = 0, dilation: _size = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False,
                         0, groups, bias, padding_mode, 2, device, dtype)

    def _conv_forward(self, input, weight, bias):
        if self.padding_mode != "zeros":
            x, pad = self._mode_pad(input)
            return _conv.conv2d(x, weight, bias, self.stride, pad, self.dilation, self.groups)
        return _conv.conv2d(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        """Convolves `input` with `weight` (plus `bias`)."""
        return self._conv_forward(input, self.weight, self.bias)


class _ConvTransposeNd(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, output_padding,
                 groups, bias, dilation, padding_mode, n, device, dtype):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True,
                         output_padding, groups, bias, padding_mode, n, device, dtype)

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

    def __init__(self, in_channels: int, out_channels: int, kernel_size: _size, stride: _size = 1,
                 padding: _size = 0, output_padding: _size = 0, groups: int = 1, bias: bool = True,
                 dilation: _size = 1, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding,
                         groups, bias, dilation, padding_mode, 1, device, dtype)

    def forward(self, input: Tensor, output_size: Optional[list[int]] = None) -> Tensor:
        """Applies the transposed convolution, sized to `output_size` when given."""
        op = self._output_padding(input, output_size)
        return _conv.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding, op,
                                      self.groups, self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-d convolution (the gradient of Conv2d with respect to its input), which
    upsamples each spatial size to (size - 1) * stride - 2 * padding
    + dilation * (kernel_size - 1) + output_padding + 1.

    Example::

        >>> m = torch.nn.ConvTranspose2d(4, 2, kernel_size=2, stride=2)
        >>> m(torch.ones(1, 4, 3, 3)).shape
        torch.Size([1, 2, 6, 6])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: _size, stride: _size = 1,
                 padding: _size = 0, output_padding: _size = 0, groups: int = 1, bias: bool = True,
                 dilation: _size = 1, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding,
                         groups, bias, dilation, padding_mode, 2, device, dtype)

    def forward(self, input: Tensor, output_size: Optional[list[int]] = None) -> Tensor:
        """Applies the transposed convolution, sized to `output_size` when given."""
        op = self._output_padding(input, output_size)
        return _conv.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, op,
                                      self.groups, self.dilation)
