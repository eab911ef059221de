"""LeNet-5 (with ReLU and max pooling, as in most PyTorch tutorials)."""
from ... import nn
from ._api import register_model


class LeNet5(nn.Module):
    def __init__(self, num_classes=10, in_channels=1, image_size=28):
        super().__init__()
        # 28x28 inputs are padded to LeNet's original 32x32 by the first convolution
        pad = 2 if image_size == 28 else 0
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=pad), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        side = ((image_size + 2 * pad - 4) // 2 - 4) // 2
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * side * side, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


@register_model()
def lenet5(num_classes=10, in_channels=1, image_size=28):
    return LeNet5(num_classes, in_channels, image_size)
