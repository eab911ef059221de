"""VGG 11/13/16/19, with and without BatchNorm, as torchvision's `torchvision.models.vgg`:
same module layout (state_dict keys), initialization and forward pass."""
from typing import Any, Dict, List, Union

from ... import flatten, nn
from ._api import no_pretrained, register_model

__all__ = ["VGG", "make_layers", "cfgs", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
           "vgg16_bn", "vgg19", "vgg19_bn"]


class VGG(nn.Module):
    """`features`, then a 7x7 adaptive average pool and three linear layers (4096 wide, ReLU and
    dropout between them).

    Example:
        >>> from dygrad.vision.models.vgg import VGG, make_layers, cfgs
        >>> VGG(make_layers(cfgs["A"]), num_classes=10).classifier[6].out_features
        10
    """

    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes))
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        return self.classifier(flatten(self.avgpool(self.features(x)), 1))


def make_layers(cfg: List[Union[str, int]], batch_norm: bool = False) -> nn.Sequential:
    """3x3 convolutions (padding 1) of the widths in cfg, each followed by ReLU (BatchNorm2d
    first with batch_norm=True); "M" is a 2x2 max pool."""
    layers = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        in_channels = v
    return nn.Sequential(*layers)


# the four configurations of Simonyan & Zisserman's table 1: 11, 13, 16 and 19 weight layers
cfgs: Dict[str, List[Union[str, int]]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512,
          512, 512, "M"],
}


def _vgg(cfg: str, batch_norm: bool, **kwargs: Any) -> VGG:
    return VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)


def _builder(name, cfg, batch_norm, depth):
    def build(*, weights=None, progress: bool = True, **kwargs: Any) -> VGG:
        return _vgg(cfg, batch_norm, **kwargs)
    build.__name__ = build.__qualname__ = name
    build.__module__ = __name__
    bn = " with BatchNorm" if batch_norm else ""
    build.__doc__ = (f"VGG-{depth}{bn} (configuration {cfg}), as torchvision's {name}.\n\n"
                     "weights must be None (dygrad ships no pretrained weights); progress is "
                     "accepted and unused; other keyword arguments go to VGG (num_classes, "
                     f"init_weights, dropout).\n\nExample:\n    >>> model = {name}(num_classes=10)\n")
    return register_model()(no_pretrained(build))


vgg11 = _builder("vgg11", "A", False, 11)
vgg11_bn = _builder("vgg11_bn", "A", True, 11)
vgg13 = _builder("vgg13", "B", False, 13)
vgg13_bn = _builder("vgg13_bn", "B", True, 13)
vgg16 = _builder("vgg16", "D", False, 16)
vgg16_bn = _builder("vgg16_bn", "D", True, 16)
vgg19 = _builder("vgg19", "E", False, 19)
vgg19_bn = _builder("vgg19_bn", "E", True, 19)
