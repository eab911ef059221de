"""A multilayer perceptron for flattened images (784-256-128-10 by default)."""
from ... import nn
from ._api import register_model


class MLP(nn.Module):
    def __init__(self, in_features=784, hidden=(256, 128), num_classes=10, in_channels=None,
                 image_size=None):
        super().__init__()
        if in_channels is not None and image_size is not None:
            in_features = in_channels * image_size * image_size
        layers = [nn.Flatten()]
        prev = in_features
        for h in hidden:
            layers += [nn.Linear(prev, h), nn.ReLU()]
            prev = h
        layers.append(nn.Linear(prev, num_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


@register_model()
def mlp(num_classes=10, in_channels=1, image_size=28, **kwargs):
    return MLP(num_classes=num_classes, in_channels=in_channels, image_size=image_size, **kwargs)
