"""VisionDataset: the common base of the image datasets (root, transforms, torchvision's repr)."""
import os

import numpy as np

from ..._tensor import Tensor
from ...utils.data import Dataset

__all__ = ["VisionDataset", "StandardTransform"]


def _as_numpy(x):
    """The NumPy array behind .data/.targets, which users may replace by a Tensor, array or list."""
    if isinstance(x, Tensor):
        return x._data
    return x if isinstance(x, np.ndarray) else np.asarray(x)


def _apply_pair(transform, target_transform, img, target):
    if transform is not None:
        img = transform(img)
    if target_transform is not None:
        target = target_transform(target)
    return img, target


class StandardTransform:
    """Applies `transform` to the image and `target_transform` to the target."""

    def __init__(self, transform=None, target_transform=None):
        self.transform = transform
        self.target_transform = target_transform

    def __call__(self, img, target):
        return _apply_pair(self.transform, self.target_transform, img, target)

    @staticmethod
    def _format(transform, head):
        lines = repr(transform).splitlines()
        return [head + lines[0]] + [" " * len(head) + line for line in lines[1:]]

    def __repr__(self):
        body = [type(self).__name__]
        if self.transform is not None:
            body += self._format(self.transform, "Transform: ")
        if self.target_transform is not None:
            body += self._format(self.target_transform, "Target transform: ")
        return "\n".join(body)


class VisionDataset(Dataset):
    """Base class: stores root and the transforms; subclasses give __getitem__ and __len__.

    `transforms` (a callable on (image, target)) and the pair `transform`/`target_transform`
    are mutually exclusive, as in torchvision.
    """

    _repr_indent = 4

    def __init__(self, root=None, transforms=None, transform=None, target_transform=None):
        if isinstance(root, (str, os.PathLike)):
            root = os.path.expanduser(root)
        self.root = root
        separate = transform is not None or target_transform is not None
        if transforms is not None and separate:
            raise ValueError("Only transforms or transform/target_transform can be passed as argument")
        self.transform = transform
        self.target_transform = target_transform
        if separate:
            transforms = StandardTransform(transform, target_transform)
        self.transforms = transforms

    def _transformed(self, img, target):
        """(img, target) after this dataset's transform and target_transform."""
        return _apply_pair(self.transform, self.target_transform, img, target)

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def extra_repr(self):
        return ""

    def __repr__(self):
        body = [f"Number of datapoints: {self.__len__()}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if self.transforms is not None:
            body.append(repr(self.transforms))
        lines = [f"Dataset {type(self).__name__}"] + [" " * self._repr_indent + line for line in body]
        return "\n".join(lines)


class _ImageArrays(VisionDataset):
    """A dataset held as two arrays, `.data` (images) and `.targets` (ints), with a `.train`
    flag (MNIST, CIFAR10): torchvision's (root, train, ..., download) constructor, which loads
    the arrays with the subclass's `_load_data()` after `download()` if asked; items, length and
    the split line."""

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        self.data, self.targets = self._load_data()

    def _load_data(self):
        raise NotImplementedError(f"{type(self).__name__} must define _load_data")

    def __getitem__(self, index):
        # .data/.targets may have been replaced by the user (e.g. sliced to a subset), so read
        # them here rather than caching arrays. The image is copied so transforms can't alter
        # the dataset; a list of targets (CIFAR's) is indexed as is, not converted per item.
        img = _as_numpy(self.data)[index].copy()
        targets = self.targets
        target = int(targets[index] if isinstance(targets, list) else _as_numpy(targets)[index])
        return self._transformed(img, target)

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"
