"""Convolution + normalization + activation blocks and Squeeze-and-Excitation, as
torchvision.ops.misc's (same submodule indices, so state_dict keys match)."""
import warnings
from typing import Callable, Optional, Tuple, Union

from ... import nn

__all__ = ["ConvNormActivation", "Conv2dNormActivation", "SqueezeExcitation"]


class ConvNormActivation(nn.Sequential):
    """A convolution, then a norm layer (unless None), then an activation (unless None).

    padding=None keeps the spatial size at stride 1: (kernel_size - 1) // 2 * dilation per side.
    bias=None puts a bias on the convolution only when there is no norm layer.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: Union[int, Tuple[int, ...]] = 3, stride: Union[int, Tuple[int, ...]] = 1,
                 padding: Optional[Union[int, Tuple[int, ...], str]] = None, groups: int = 1,
                 norm_layer: Optional[Callable[..., nn.Module]] = nn.BatchNorm2d,
                 activation_layer: Optional[Callable[..., nn.Module]] = nn.ReLU,
                 dilation: Union[int, Tuple[int, ...]] = 1, inplace: Optional[bool] = True,
                 bias: Optional[bool] = None, conv_layer: Callable[..., nn.Module] = nn.Conv2d) -> None:
        if padding is None:
            if isinstance(kernel_size, int) and isinstance(dilation, int):
                padding = (kernel_size - 1) // 2 * dilation
            else:
                dims = len(kernel_size) if not isinstance(kernel_size, int) else len(dilation)
                ks = (kernel_size,) * dims if isinstance(kernel_size, int) else tuple(kernel_size)
                dl = (dilation,) * dims if isinstance(dilation, int) else tuple(dilation)
                padding = tuple((k - 1) // 2 * d for k, d in zip(ks, dl))
        if bias is None:
            bias = norm_layer is None
        layers = [conv_layer(in_channels, out_channels, kernel_size, stride, padding,
                             dilation=dilation, groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer(**({} if inplace is None else {"inplace": inplace})))
        super().__init__(*layers)
        self.out_channels = out_channels
        if type(self) is ConvNormActivation:
            warnings.warn("Don't use ConvNormActivation directly, please use Conv2dNormActivation "
                          "and Conv3dNormActivation instead.", UserWarning, stacklevel=2)


class Conv2dNormActivation(ConvNormActivation):
    """Conv2d -> norm (BatchNorm2d by default) -> activation (ReLU by default), as torchvision's.

    Example:
        >>> from dygrad.vision.ops import Conv2dNormActivation
        >>> block = Conv2dNormActivation(3, 16, kernel_size=3, stride=2)
        >>> list(block.state_dict())[:2]
        ['0.weight', '1.weight']
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Union[int, Tuple[int, int]] = 3,
                 stride: Union[int, Tuple[int, int]] = 1,
                 padding: Optional[Union[int, Tuple[int, int], str]] = None, groups: int = 1,
                 norm_layer: Optional[Callable[..., nn.Module]] = nn.BatchNorm2d,
                 activation_layer: Optional[Callable[..., nn.Module]] = nn.ReLU,
                 dilation: Union[int, Tuple[int, int]] = 1, inplace: Optional[bool] = True,
                 bias: Optional[bool] = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, groups, norm_layer,
                         activation_layer, dilation, inplace, bias, nn.Conv2d)


class SqueezeExcitation(nn.Module):
    """Squeeze-and-Excitation (Hu et al., 2017): the input scaled per channel by
    scale_activation(fc2(activation(fc1(avgpool(input))))), fc1/fc2 being 1x1 convolutions.

    Example:
        >>> import dygrad
        >>> from dygrad.vision.ops import SqueezeExcitation
        >>> SqueezeExcitation(16, 4)(dygrad.randn(1, 16, 8, 8)).shape
        torch.Size([1, 16, 8, 8])
    """

    def __init__(self, input_channels: int, squeeze_channels: int,
                 activation: Callable[..., nn.Module] = nn.ReLU,
                 scale_activation: Callable[..., nn.Module] = nn.Sigmoid) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def _scale(self, input):
        return self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(input)))))

    def forward(self, input):
        return self._scale(input) * input
