"""DenseNet-121/161/169/201 as torchvision's `torchvision.models.densenet`: same layout
(state_dict keys), initialization and forward pass."""
from collections import OrderedDict
from typing import Any, List, Tuple

from ... import Tensor, cat, flatten, nn
from ...nn import functional as F
from ._api import no_pretrained, register_model

__all__ = ["DenseNet", "densenet121", "densenet161", "densenet169", "densenet201"]


class _DenseLayer(nn.Module):
    """BN-ReLU-1x1 conv (bn_size * growth_rate wide) then BN-ReLU-3x3 conv (growth_rate wide),
    over the concatenation of all the block's earlier feature maps."""

    def __init__(self, num_input_features: int, growth_rate: int, bn_size: int, drop_rate: float,
                 memory_efficient: bool = False) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1, stride=1,
                               bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1,
                               padding=1, bias=False)
        self.drop_rate = float(drop_rate)
        # memory_efficient (checkpointing the bottleneck) is accepted: dygrad has no activation
        # checkpointing yet, so the bottleneck is kept in memory; the values are the same
        self.memory_efficient = memory_efficient

    def bn_function(self, inputs: List[Tensor]) -> Tensor:
        return self.conv1(self.relu1(self.norm1(cat(inputs, 1))))

    def forward(self, input):
        prev_features = [input] if isinstance(input, Tensor) else input
        out = self.conv2(self.relu2(self.norm2(self.bn_function(prev_features))))
        if self.drop_rate > 0:
            out = F.dropout(out, p=self.drop_rate, training=self.training)
        return out


class _DenseBlock(nn.ModuleDict):
    _version = 2

    def __init__(self, num_layers: int, num_input_features: int, bn_size: int, growth_rate: int,
                 drop_rate: float, memory_efficient: bool = False) -> None:
        super().__init__()
        for i in range(num_layers):
            self.add_module(f"denselayer{i + 1}", _DenseLayer(
                num_input_features + i * growth_rate, growth_rate=growth_rate, bn_size=bn_size,
                drop_rate=drop_rate, memory_efficient=memory_efficient))

    def forward(self, init_features):
        features = [init_features]
        for _, layer in self.items():
            features.append(layer(features))
        return cat(features, 1)


class _Transition(nn.Sequential):
    """BN-ReLU-1x1 conv halving the channels, then a 2x2 average pool."""

    def __init__(self, num_input_features: int, num_output_features: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(num_input_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1,
                              bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)


class DenseNet(nn.Module):
    """DenseNet-BC (Huang et al., 2017): growth_rate channels per layer, block_config layers per
    dense block, transitions halving the channels between blocks.

    Example:
        >>> import dygrad
        >>> from dygrad.vision.models import DenseNet
        >>> net = DenseNet(growth_rate=8, block_config=(2, 2, 2, 2), num_init_features=16,
        ...                num_classes=10)
        >>> net(dygrad.randn(1, 3, 64, 64)).shape
        torch.Size([1, 10])
    """

    def __init__(self, growth_rate: int = 32, block_config: Tuple[int, int, int, int] = (6, 12, 24, 16),
                 num_init_features: int = 64, bn_size: int = 4, drop_rate: float = 0,
                 num_classes: int = 1000, memory_efficient: bool = False) -> None:
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3, bias=False)),
            ("norm0", nn.BatchNorm2d(num_init_features)),
            ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),
        ]))
        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            self.features.add_module(f"denseblock{i + 1}", _DenseBlock(
                num_layers=num_layers, num_input_features=num_features, bn_size=bn_size,
                growth_rate=growth_rate, drop_rate=drop_rate, memory_efficient=memory_efficient))
            num_features += num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module(f"transition{i + 1}", _Transition(num_features, num_features // 2))
                num_features //= 2
        self.features.add_module("norm5", nn.BatchNorm2d(num_features))
        self.classifier = nn.Linear(num_features, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):  # the weight keeps Linear's default initialization
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        out = F.relu(self.features(x), inplace=True)
        out = F.adaptive_avg_pool2d(out, (1, 1))
        return self.classifier(flatten(out, 1))


def _builder(name, growth_rate, block_config, num_init_features):
    def build(*, weights=None, progress: bool = True, **kwargs: Any) -> DenseNet:
        return DenseNet(growth_rate, block_config, num_init_features, **kwargs)
    build.__name__ = build.__qualname__ = name
    build.__module__ = __name__
    build.__doc__ = (f"DenseNet-{name[8:]} (growth {growth_rate}, blocks {block_config}), as "
                     f"torchvision's {name}.\n\nweights must be None (dygrad ships no pretrained "
                     "weights); progress is unused; other keyword arguments go to DenseNet.\n\n"
                     f"Example:\n    >>> model = {name}(num_classes=10)\n")
    return register_model()(no_pretrained(build))


densenet121 = _builder("densenet121", 32, (6, 12, 24, 16), 64)
densenet161 = _builder("densenet161", 48, (6, 12, 36, 24), 96)
densenet169 = _builder("densenet169", 32, (6, 12, 32, 32), 64)
densenet201 = _builder("densenet201", 32, (6, 12, 48, 32), 64)
