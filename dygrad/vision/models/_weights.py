"""torchvision's weight enums by name (`ResNet18_Weights.IMAGENET1K_V1`, `.DEFAULT`, ...), so
a program that names pretrained weights reaches the builder's clear refusal instead of an
AttributeError: dygrad ships no pretrained weights and downloads nothing."""
from enum import Enum

from ._api import BUILTIN_MODELS, _ALIASES, _refuse

__all__ = ["WeightsEnum", "get_model_weights", "get_weight"]


class WeightsEnum(Enum):
    """Base of the weight enums: members name torchvision's published weights, which dygrad
    does not have (passing one to a builder raises ValueError saying how to load a .pth)."""

    @classmethod
    def verify(cls, obj):
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            return cls[obj.replace(cls.__name__ + ".", "")]
        raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                        f"{obj.__class__.__name__}.")

    def get_state_dict(self, *args, **kwargs):
        _refuse(self.value[0], f"weights={self!r}")

    def __repr__(self):
        return f"{self.__class__.__name__}.{self._name_}"


# builder -> (enum class name, its members, the DEFAULT member), as torchvision 0.28
_TABLE = {
    "alexnet": ("AlexNet_Weights", "V1", "V1"),
    "densenet121": ("DenseNet121_Weights", "V1", "V1"),
    "densenet161": ("DenseNet161_Weights", "V1", "V1"),
    "densenet169": ("DenseNet169_Weights", "V1", "V1"),
    "densenet201": ("DenseNet201_Weights", "V1", "V1"),
    "mobilenet_v2": ("MobileNet_V2_Weights", "V1 V2", "V2"),
    "mobilenet_v3_large": ("MobileNet_V3_Large_Weights", "V1 V2", "V2"),
    "mobilenet_v3_small": ("MobileNet_V3_Small_Weights", "V1", "V1"),
    "resnet18": ("ResNet18_Weights", "V1", "V1"),
    "resnet34": ("ResNet34_Weights", "V1", "V1"),
    "resnet50": ("ResNet50_Weights", "V1 V2", "V2"),
    "resnet101": ("ResNet101_Weights", "V1 V2", "V2"),
    "resnet152": ("ResNet152_Weights", "V1 V2", "V2"),
    "resnext50_32x4d": ("ResNeXt50_32X4D_Weights", "V1 V2", "V2"),
    "resnext101_32x8d": ("ResNeXt101_32X8D_Weights", "V1 V2", "V2"),
    "resnext101_64x4d": ("ResNeXt101_64X4D_Weights", "V1", "V1"),
    "squeezenet1_0": ("SqueezeNet1_0_Weights", "V1", "V1"),
    "squeezenet1_1": ("SqueezeNet1_1_Weights", "V1", "V1"),
    "vgg11": ("VGG11_Weights", "V1", "V1"),
    "vgg11_bn": ("VGG11_BN_Weights", "V1", "V1"),
    "vgg13": ("VGG13_Weights", "V1", "V1"),
    "vgg13_bn": ("VGG13_BN_Weights", "V1", "V1"),
    "vgg16": ("VGG16_Weights", "V1 FEATURES", "V1"),
    "vgg16_bn": ("VGG16_BN_Weights", "V1", "V1"),
    "vgg19": ("VGG19_Weights", "V1", "V1"),
    "vgg19_bn": ("VGG19_BN_Weights", "V1", "V1"),
    "wide_resnet50_2": ("Wide_ResNet50_2_Weights", "V1 V2", "V2"),
    "wide_resnet101_2": ("Wide_ResNet101_2_Weights", "V1 V2", "V2"),
}

_BY_BUILDER = {}
for _builder, (_cls, _members, _default) in _TABLE.items():
    _items = [(f"IMAGENET1K_{m}", (_builder, m)) for m in _members.split()]
    _items.append(("DEFAULT", (_builder, _default)))  # same value: an alias, as torchvision's
    _BY_BUILDER[_builder] = globals()[_cls] = WeightsEnum(_cls, _items, module=__name__)
    __all__.append(_cls)
del _builder, _cls, _members, _default, _items


def get_model_weights(name):
    """The weight enum class of a builder (or its name), as torchvision's."""
    key = name if isinstance(name, str) else getattr(name, "__name__", "")
    key = _ALIASES.get(key.lower(), key.lower())
    if key not in _BY_BUILDER:
        if key in BUILTIN_MODELS:
            raise ValueError(f"The model {key!r} has no pretrained weights in torchvision either.")
        raise ValueError(f"Unknown model {key!r}")
    return _BY_BUILDER[key]


def get_weight(name: str):
    """The enum member named "ClassName.MEMBER", as torchvision's get_weight."""
    cls_name, _, member = name.partition(".")
    cls = globals().get(cls_name)
    if not (isinstance(cls, type) and issubclass(cls, WeightsEnum)) or member not in cls.__members__:
        raise ValueError(f"Invalid weight name provided: '{name}'.")
    return cls[member]
