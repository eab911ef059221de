"""Ready-to-train models: an MLP, LeNet-5 and small ResNets, plus a name registry."""
from .mlp import MLP, mlp
from .lenet import LeNet5, lenet5
from .resnet import BasicBlock, ResNet, resnet8, resnet20

__all__ = ["MLP", "mlp", "LeNet5", "lenet5", "BasicBlock", "ResNet", "resnet8", "resnet20",
           "get_model", "list_models"]

_REGISTRY = {"mlp": mlp, "lenet5": lenet5, "lenet": lenet5, "resnet8": resnet8, "resnet20": resnet20}


def list_models():
    return sorted(k for k in _REGISTRY if k != "lenet")


def get_model(name, **kwargs):
    """Builds a model by name (case-insensitive): mlp, lenet5, resnet8, resnet20."""
    try:
        factory = _REGISTRY[name.lower()]
    except KeyError:
        raise ValueError(f"unknown model '{name}'; choose one of: {', '.join(list_models())}") from None
    return factory(**kwargs)
