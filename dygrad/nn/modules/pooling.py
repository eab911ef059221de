"""Pooling layers (PyTorch's names, arguments and reprs)."""
from typing import Optional

from ..._tensor import Tensor
from ...ops import pool as _pool
from ...ops import pool_adaptive as _adaptive
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
           "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "LPPool1d", "LPPool2d"]

_size = int | tuple[int, ...]  # an int means the same value for every pooled dimension


class _MaxPoolNd(Module):
    __constants__ = ["kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"]

    def __init__(self, kernel_size: _size, stride: Optional[_size] = None, padding: _size = 0,
                 dilation: _size = 1, return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return ("kernel_size={kernel_size}, stride={stride}, padding={padding}, dilation={dilation}, "
                "ceil_mode={ceil_mode}").format(**self.__dict__)


class MaxPool1d(_MaxPoolNd):
    """Maximum over sliding 1-d windows of `kernel_size`; padded positions never win the max.

    Input (N, C, L) or (C, L); output length (L + 2 * padding - dilation * (kernel_size - 1) - 1)
    // stride + 1 (rounded up with ceil_mode). return_indices=True also returns the argmax indices.

    Example::

        >>> m = torch.nn.MaxPool1d(2)
        >>> m(torch.tensor([[[1.0, 5.0, 2.0, 0.0, 7.0]]]))
        tensor([[[5., 2.]]])
        >>> torch.nn.MaxPool1d(2, return_indices=True)(torch.tensor([[[1.0, 5.0, 2.0, 0.0]]]))
        (tensor([[[5., 2.]]]), tensor([[[1, 2]]]))
    """

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        """Max-pools the last dimension of `input` (with the indices if return_indices)."""
        return _pool.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                                self.ceil_mode, self.return_indices)


class MaxPool2d(_MaxPoolNd):
    """Maximum over sliding 2-d windows of `kernel_size`; padded positions never win the max.

    Input (N, C, H, W) or (C, H, W); each spatial size becomes (size + 2 * padding - dilation
    * (kernel_size - 1) - 1) // stride + 1 (rounded up with ceil_mode).

    Example::

        >>> m = torch.nn.MaxPool2d(2)
        >>> m(torch.arange(16.0).reshape(1, 1, 4, 4))
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
        >>> torch.nn.MaxPool2d(3, stride=2, padding=1)(torch.ones(2, 3, 7, 7)).shape
        torch.Size([2, 3, 4, 4])
    """

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        """Max-pools the last two dimensions of `input` (with the indices if return_indices)."""
        return _pool.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                                self.ceil_mode, self.return_indices)


class AvgPool1d(Module):
    """Mean over sliding 1-d windows of `kernel_size`; zero padding counts in the mean unless
    count_include_pad=False.

    Input (N, C, L) or (C, L); output length (L + 2 * padding - kernel_size) // stride + 1.

    Example::

        >>> torch.nn.AvgPool1d(2)(torch.tensor([[[1.0, 3.0, 5.0, 7.0]]]))
        tensor([[[2., 6.]]])
    """

    def __init__(self, kernel_size: _size, stride: Optional[_size] = None, padding: _size = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True):
        super().__init__()
        self.kernel_size = (kernel_size,) if isinstance(kernel_size, int) else tuple(kernel_size)
        s = kernel_size if stride is None else stride
        self.stride = (s,) if isinstance(s, int) else tuple(s)
        self.padding = (padding,) if isinstance(padding, int) else tuple(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def extra_repr(self):
        return "kernel_size={kernel_size}, stride={stride}, padding={padding}".format(**self.__dict__)

    def forward(self, input: Tensor) -> Tensor:
        """Average-pools the last dimension of `input`."""
        return _pool.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                                self.count_include_pad)


class AvgPool2d(Module):
    """Mean over sliding 2-d windows of `kernel_size` (or the sum divided by divisor_override).

    Input (N, C, H, W) or (C, H, W); each spatial size becomes
    (size + 2 * padding - kernel_size) // stride + 1.

    Example::

        >>> torch.nn.AvgPool2d(2)(torch.arange(16.0).reshape(1, 1, 4, 4))
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]])
    """

    __constants__ = ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"]

    def __init__(self, kernel_size: _size, stride: Optional[_size] = None, padding: _size = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: Optional[int] = None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self):
        return "kernel_size={kernel_size}, stride={stride}, padding={padding}".format(**self.__dict__)

    def forward(self, input: Tensor) -> Tensor:
        """Average-pools the last two dimensions of `input`."""
        return _pool.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                                self.count_include_pad, self.divisor_override)


class _AdaptiveNd(Module):
    def __init__(self, output_size: Optional[int] | tuple[Optional[int], ...],
                 return_indices: bool = False):
        super().__init__()
        self.output_size = output_size
        if return_indices is not None:
            self.return_indices = return_indices

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveNd):
    """Mean pooling whose windows are chosen to give exactly `output_size` outputs.

    Input (N, C, L) or (C, L), output (N, C, output_size) or (C, output_size).

    Example::

        >>> torch.nn.AdaptiveAvgPool1d(2)(torch.tensor([[[1.0, 3.0, 5.0, 7.0]]]))
        tensor([[[2., 6.]]])
        >>> torch.nn.AdaptiveAvgPool1d(3)(torch.ones(2, 4, 10)).shape
        torch.Size([2, 4, 3])
    """

    def __init__(self, output_size: Optional[int] | tuple[Optional[int], ...]):
        super().__init__(output_size, None)

    def forward(self, input: Tensor) -> Tensor:
        """Average-pools the last dimension of `input` to `output_size`."""
        return _adaptive.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptiveNd):
    """Mean pooling whose windows are chosen to give exactly `output_size` (an int, or (H, W)
    where None keeps that size) outputs.

    Input (N, C, H, W) or (C, H, W).

    Example::

        >>> torch.nn.AdaptiveAvgPool2d(1)(torch.arange(4.0).reshape(1, 1, 2, 2))
        tensor([[[[1.5000]]]])
        >>> torch.nn.AdaptiveAvgPool2d((5, None))(torch.ones(1, 3, 8, 9)).shape
        torch.Size([1, 3, 5, 9])
    """

    def __init__(self, output_size: Optional[int] | tuple[Optional[int], ...]):
        super().__init__(output_size, None)

    def forward(self, input: Tensor) -> Tensor:
        """Average-pools the last two dimensions of `input` to `output_size`."""
        return _adaptive.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveMaxPool1d(_AdaptiveNd):
    """Max pooling whose windows are chosen to give exactly `output_size` outputs; with
    return_indices=True also the argmax indices.

    Input (N, C, L) or (C, L).

    Example::

        >>> torch.nn.AdaptiveMaxPool1d(2)(torch.tensor([[[1.0, 3.0, 7.0, 5.0]]]))
        tensor([[[3., 7.]]])
    """

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        """Max-pools the last dimension of `input` to `output_size`."""
        return _adaptive.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveNd):
    """Max pooling whose windows are chosen to give exactly `output_size` (an int or (H, W))
    outputs; with return_indices=True also the argmax indices.

    Input (N, C, H, W) or (C, H, W).

    Example::

        >>> torch.nn.AdaptiveMaxPool2d(1)(torch.arange(4.0).reshape(1, 1, 2, 2))
        tensor([[[[3.]]]])
        >>> torch.nn.AdaptiveMaxPool2d((2, 3))(torch.ones(1, 3, 8, 9)).shape
        torch.Size([1, 3, 2, 3])
    """

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        """Max-pools the last two dimensions of `input` to `output_size`."""
        return _adaptive.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class _LPPoolNd(Module):
    __constants__ = ["norm_type", "kernel_size", "stride", "ceil_mode"]

    def __init__(self, norm_type: float, kernel_size: _size, stride: Optional[_size] = None,
                 ceil_mode: bool = False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return ("norm_type={norm_type}, kernel_size={kernel_size}, stride={stride}, "
                "ceil_mode={ceil_mode}").format(**self.__dict__)


class LPPool1d(_LPPoolNd):
    """Power-average pooling over 1-d windows: (sum of x**p over the window) ** (1/p).

    Input (N, C, L) or (C, L); output length floor((L - kernel_size) / stride) + 1 (ceil with
    ceil_mode). norm_type=1 is sum pooling, large p approaches max pooling.

    Example::

        >>> pool = torch.nn.LPPool1d(2, kernel_size=2)
        >>> pool(torch.tensor([[[3.0, 4.0, 1.0, 0.0]]]))
        tensor([[[5., 1.]]])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Pools the last dimension of a (N, C, L) or (C, L) input."""
        return _pool.lp_pool1d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """Power-average pooling over 2-d windows: (sum of x**p over the window) ** (1/p).

    Example::

        >>> pool = torch.nn.LPPool2d(1, kernel_size=2)
        >>> pool(torch.ones(1, 1, 2, 2))
        tensor([[[[4.]]]])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Pools the last two dimensions of a (N, C, H, W) or (C, H, W) input."""
        return _pool.lp_pool2d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)
