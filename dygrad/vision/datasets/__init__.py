"""Image datasets with torchvision's interface, read with NumPy (no PIL, no pickle)."""
from .cifar import CIFAR10
from .embedded import DESCRIPTION as EMBEDDED_MNIST_DESCRIPTION
from .embedded import EmbeddedMNIST, load_embedded_mnist, mnist_splits
from .fakedata import FakeData
from .mnist import MNIST, FashionMNIST, find_mnist_files
from .vision import StandardTransform, VisionDataset

__all__ = ["CIFAR10", "EMBEDDED_MNIST_DESCRIPTION", "EmbeddedMNIST", "FakeData", "FashionMNIST",
           "MNIST", "StandardTransform", "VisionDataset", "find_mnist_files", "load_embedded_mnist",
           "mnist_splits"]
