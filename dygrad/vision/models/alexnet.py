"""AlexNet as torchvision's `torchvision.models.alexnet` (the one-GPU variant of "One weird
trick", Krizhevsky 2014): same layout (state_dict keys), default initialization, forward pass."""
from typing import Any

from ... import flatten, nn
from ._api import no_pretrained, register_model

__all__ = ["AlexNet", "alexnet"]


class AlexNet(nn.Module):
    """Five convolutions with three max pools, a 6x6 adaptive average pool and three linear
    layers with dropout.

    Example:
        >>> import dygrad
        >>> from dygrad.vision.models import AlexNet
        >>> AlexNet(num_classes=10)(dygrad.randn(1, 3, 64, 64)).shape
        torch.Size([1, 10])
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes))

    def forward(self, x):
        return self.classifier(flatten(self.avgpool(self.features(x)), 1))


@register_model()
@no_pretrained
def alexnet(*, weights=None, progress: bool = True, **kwargs: Any) -> AlexNet:
    """AlexNet, as torchvision's builder.

    weights must be None (dygrad ships no pretrained weights); progress is accepted and unused;
    other keyword arguments (num_classes, dropout) go to AlexNet.

    Example:
        >>> model = alexnet(weights=None, num_classes=10)
    """
    return AlexNet(**kwargs)
