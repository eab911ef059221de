"""MobileNetV3 (large and small) as torchvision's `torchvision.models.mobilenetv3`: same
layout (state_dict keys), BatchNorm settings (eps 0.001, momentum 0.01), initialization and
forward pass."""
from functools import partial
from typing import Any, Callable, List, Optional, Sequence

from ... import flatten, nn
from ..ops.misc import Conv2dNormActivation, SqueezeExcitation as SElayer
from ._api import no_pretrained, register_model
from ._utils import _make_divisible
from .mobilenetv2 import _init_mobilenet

__all__ = ["MobileNetV3", "InvertedResidualConfig", "InvertedResidual", "mobilenet_v3_large",
           "mobilenet_v3_small"]


class InvertedResidualConfig:
    """One bottleneck's settings; channel counts scaled by width_mult and made multiples of 8."""

    def __init__(self, input_channels: int, kernel: int, expanded_channels: int, out_channels: int,
                 use_se: bool, activation: str, stride: int, dilation: int, width_mult: float):
        self.input_channels = self.adjust_channels(input_channels, width_mult)
        self.kernel = kernel
        self.expanded_channels = self.adjust_channels(expanded_channels, width_mult)
        self.out_channels = self.adjust_channels(out_channels, width_mult)
        self.use_se = use_se
        self.use_hs = activation == "HS"  # "HS": hard-swish, "RE": ReLU
        self.stride = stride
        self.dilation = dilation

    @staticmethod
    def adjust_channels(channels: int, width_mult: float):
        return _make_divisible(channels * width_mult, 8)


class InvertedResidual(nn.Module):
    """Expansion 1x1 (when the width changes), depthwise kxk, optional squeeze-excitation (hard
    sigmoid gate), linear 1x1 projection; residual when the shape is kept."""

    def __init__(self, cnf: InvertedResidualConfig, norm_layer: Callable[..., nn.Module],
                 se_layer: Callable[..., nn.Module] = partial(SElayer, scale_activation=nn.Hardsigmoid)):
        super().__init__()
        if not 1 <= cnf.stride <= 2:
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        act = nn.Hardswish if cnf.use_hs else nn.ReLU
        layers = []
        if cnf.expanded_channels != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, cnf.expanded_channels, kernel_size=1,
                                               norm_layer=norm_layer, activation_layer=act))
        layers.append(Conv2dNormActivation(
            cnf.expanded_channels, cnf.expanded_channels, kernel_size=cnf.kernel,
            stride=1 if cnf.dilation > 1 else cnf.stride, dilation=cnf.dilation,
            groups=cnf.expanded_channels, norm_layer=norm_layer, activation_layer=act))
        if cnf.use_se:
            layers.append(se_layer(cnf.expanded_channels, _make_divisible(cnf.expanded_channels // 4, 8)))
        layers.append(Conv2dNormActivation(cnf.expanded_channels, cnf.out_channels, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.out_channels = cnf.out_channels
        self._is_cn = cnf.stride > 1

    def forward(self, input):
        result = self.block(input)
        return result + input if self.use_res_connect else result


class MobileNetV3(nn.Module):
    """MobileNetV3 (Howard et al., 2019) from a list of InvertedResidualConfig.

    Example:
        >>> import dygrad
        >>> from dygrad.vision.models import mobilenet_v3_small
        >>> mobilenet_v3_small(num_classes=10)(dygrad.randn(1, 3, 64, 64)).shape
        torch.Size([1, 10])
    """

    def __init__(self, inverted_residual_setting: List[InvertedResidualConfig], last_channel: int,
                 num_classes: int = 1000, block: Optional[Callable[..., nn.Module]] = None,
                 norm_layer: Optional[Callable[..., nn.Module]] = None, dropout: float = 0.2,
                 **kwargs: Any) -> None:
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not (isinstance(inverted_residual_setting, Sequence)
                and all(isinstance(s, InvertedResidualConfig) for s in inverted_residual_setting)):
            raise TypeError("The inverted_residual_setting should be List[InvertedResidualConfig]")
        block = InvertedResidual if block is None else block
        if norm_layer is None:
            norm_layer = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        first = inverted_residual_setting[0].input_channels
        layers = [Conv2dNormActivation(3, first, kernel_size=3, stride=2, norm_layer=norm_layer,
                                       activation_layer=nn.Hardswish)]
        layers += [block(cnf, norm_layer) for cnf in inverted_residual_setting]
        last_in = inverted_residual_setting[-1].out_channels
        last_out = 6 * last_in
        layers.append(Conv2dNormActivation(last_in, last_out, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=nn.Hardswish))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Linear(last_out, last_channel), nn.Hardswish(inplace=True),
            nn.Dropout(p=dropout, inplace=True), nn.Linear(last_channel, num_classes))
        _init_mobilenet(self)

    def _forward_impl(self, x):
        return self.classifier(flatten(self.avgpool(self.features(x)), 1))

    def forward(self, x):
        return self._forward_impl(x)


# (input, kernel, expanded, out, squeeze-excite, activation, stride, dilation) per bottleneck,
# the tables of the MobileNetV3 paper; C4 onwards shrink with reduced_tail, dilate with dilated
_LARGE = [(16, 3, 16, 16, False, "RE", 1), (16, 3, 64, 24, False, "RE", 2),
          (24, 3, 72, 24, False, "RE", 1), (24, 5, 72, 40, True, "RE", 2),
          (40, 5, 120, 40, True, "RE", 1), (40, 5, 120, 40, True, "RE", 1),
          (40, 3, 240, 80, False, "HS", 2), (80, 3, 200, 80, False, "HS", 1),
          (80, 3, 184, 80, False, "HS", 1), (80, 3, 184, 80, False, "HS", 1),
          (80, 3, 480, 112, True, "HS", 1), (112, 3, 672, 112, True, "HS", 1)]
_LARGE_TAIL = [(112, 5, 672, 160, True, "HS", 2), (160, 5, 960, 160, True, "HS", 1),
               (160, 5, 960, 160, True, "HS", 1)]
_SMALL = [(16, 3, 16, 16, True, "RE", 2), (16, 3, 72, 24, False, "RE", 2),
          (24, 3, 88, 24, False, "RE", 1), (24, 5, 96, 40, True, "HS", 2),
          (40, 5, 240, 40, True, "HS", 1), (40, 5, 240, 40, True, "HS", 1),
          (40, 5, 120, 48, True, "HS", 1), (48, 5, 144, 48, True, "HS", 1)]
_SMALL_TAIL = [(48, 5, 288, 96, True, "HS", 2), (96, 5, 576, 96, True, "HS", 1),
               (96, 5, 576, 96, True, "HS", 1)]


def _mobilenet_v3_conf(arch: str, width_mult: float = 1.0, reduced_tail: bool = False,
                       dilated: bool = False, **kwargs: Any):
    div = 2 if reduced_tail else 1
    dilation = 2 if dilated else 1
    if arch == "mobilenet_v3_large":
        head, tail, last = _LARGE, _LARGE_TAIL, 1280
    elif arch == "mobilenet_v3_small":
        head, tail, last = _SMALL, _SMALL_TAIL, 1024
    else:
        raise ValueError(f"Unsupported model type {arch}")
    setting = [InvertedResidualConfig(*row, 1, width_mult) for row in head]
    for i, (inp, k, exp, out, se, act, s) in enumerate(tail):
        inp = inp if i == 0 else inp // div  # the first tail block takes the full-width input
        setting.append(InvertedResidualConfig(inp, k, exp // div if i else exp, out // div, se, act,
                                              s, dilation, width_mult))
    return setting, InvertedResidualConfig.adjust_channels(last // div, width_mult)


def _builder(arch: str):
    def build(*, weights=None, progress: bool = True, **kwargs: Any) -> MobileNetV3:
        setting, last_channel = _mobilenet_v3_conf(arch, **kwargs)
        for k in ("width_mult", "reduced_tail", "dilated"):
            kwargs.pop(k, None)  # consumed by the configuration (MobileNetV3 would ignore them)
        return MobileNetV3(setting, last_channel, **kwargs)
    build.__name__ = build.__qualname__ = arch
    build.__module__ = __name__
    build.__doc__ = (f"MobileNetV3-{arch.rsplit('_', 1)[1].capitalize()}, as torchvision's "
                     f"{arch}.\n\nweights must be None (dygrad ships no pretrained weights); "
                     "progress is unused; width_mult, reduced_tail and dilated shape the "
                     "bottlenecks; other keyword arguments go to MobileNetV3.\n\nExample:\n"
                     f"    >>> model = {arch}(num_classes=10)\n")
    return register_model()(no_pretrained(build))


mobilenet_v3_large = _builder("mobilenet_v3_large")
mobilenet_v3_small = _builder("mobilenet_v3_small")
