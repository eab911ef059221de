"""dygrad.vision.models: torchvision's model builders and classes (`torchvision.models`), and
small models for `dygrad train` (an MLP, LeNet-5, CIFAR-style ResNets).

torchvision's builders (resnet18..152, resnext, wide_resnet, vgg11..19[_bn], alexnet,
squeezenet1_0/1_1, mobilenet_v2, mobilenet_v3_small/large, densenet121..201) take
`weights=None` and the same keyword arguments; their state_dict keys are torchvision's, so a
torchvision .pth loads with `model.load_state_dict(dygrad.load(path))`. No weights are shipped
or downloaded: `weights` other than None is refused.

Example:
    >>> from dygrad.vision import models
    >>> model = models.get_model("resnet18", weights=None, num_classes=10)
    >>> "vgg16_bn" in models.list_models()
    True
"""
from ._api import get_model, get_model_builder, list_models, register_model, trainer_models
from .alexnet import AlexNet, alexnet
from .cifar_resnet import CifarBasicBlock, CifarResNet, resnet8, resnet20
from .densenet import DenseNet, densenet121, densenet161, densenet169, densenet201
from .lenet import LeNet5, lenet5
from .mlp import MLP, mlp
from .mobilenetv2 import MobileNetV2, mobilenet_v2
from .mobilenetv3 import MobileNetV3, mobilenet_v3_large, mobilenet_v3_small
from .resnet import (BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50, resnet101,
                     resnet152, resnext50_32x4d, resnext101_32x8d, resnext101_64x4d,
                     wide_resnet50_2, wide_resnet101_2)
from .squeezenet import SqueezeNet, squeezenet1_0, squeezenet1_1
from .vgg import (VGG, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn)
from . import mobilenet  # noqa: F401  (torchvision.models.mobilenet)
from . import _weights
from ._weights import *  # noqa: F401,F403  (ResNet18_Weights, ...: refused by the builders)

__all__ = [
    "get_model", "get_model_builder", "list_models", "register_model", "trainer_models",
    "AlexNet", "alexnet", "DenseNet", "densenet121", "densenet161", "densenet169", "densenet201",
    "MobileNetV2", "mobilenet_v2", "MobileNetV3", "mobilenet_v3_large", "mobilenet_v3_small",
    "ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50", "resnet101",
    "resnet152", "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2",
    "wide_resnet101_2", "SqueezeNet", "squeezenet1_0", "squeezenet1_1", "VGG", "vgg11",
    "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
    "MLP", "mlp", "LeNet5", "lenet5", "CifarBasicBlock", "CifarResNet", "resnet8", "resnet20",
]
__all__ += _weights.__all__
