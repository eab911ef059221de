"""The MNIST test set shipped inside the package, split 8,000 train / 2,000 held out.

It lets examples and tests run offline. It is not the official 60k/10k protocol: anything reported
on it should carry `DESCRIPTION` (or the dataset's `.split_name`).
"""
import os

import numpy as np

from ..._tensor import _wrap
from ._utils import file_digest, read_idx
from .mnist import MNIST
from .vision import VisionDataset, _ImageArrays

__all__ = ["EmbeddedMNIST", "load_embedded_mnist", "mnist_splits", "EMBEDDED_DIR", "DESCRIPTION"]

EMBEDDED_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_data")
_FILES = {
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
N_TRAIN = 8000
DESCRIPTION = ("MNIST-10k: 8,000 train / 2,000 held out (the official 10k MNIST test set shipped "
               "with dygrad; train = first 8,000 images, held out = last 2,000)")
_SPLITS = {
    "train": (slice(0, N_TRAIN), "MNIST-10k train (first 8,000 of the official 10k test set)"),
    "heldout": (slice(N_TRAIN, None), "MNIST-10k held out (last 2,000 of the official 10k test set)"),
    "all": (slice(None), "MNIST-10k all (the official 10k test set)"),
}


def _verified(fname):
    path = os.path.join(EMBEDDED_DIR, fname)
    if not os.path.isfile(path):
        raise RuntimeError(f"embedded MNIST file {path} is missing: the dygrad installation is "
                           "incomplete (reinstall it, or pass --data-dir to use a downloaded MNIST)")
    digest = file_digest(path, "sha256")
    if digest != _FILES[fname]:
        raise RuntimeError(f"embedded MNIST file {path} is corrupted: SHA-256 {digest}, expected "
                           f"{_FILES[fname]} (reinstall dygrad)")
    return path


class EmbeddedMNIST(_ImageArrays):
    """split="train" (8,000 images), "heldout" (2,000) or "all" (10,000) of the embedded set.

    Items, `.data`, `.targets` and `.classes` behave as in `MNIST`; `.split_name` says which
    subset this is and `.description` names the whole split protocol.
    """

    classes = MNIST.classes
    description = DESCRIPTION
    class_to_idx = MNIST.class_to_idx

    def __init__(self, split="train", transform=None, target_transform=None):
        if split not in _SPLITS:
            raise ValueError(f"EmbeddedMNIST: unknown split {split!r}; choose one of "
                             f"{', '.join(map(repr, _SPLITS))}")
        # not _ImageArrays' (root, train, download) constructor: the split names the arrays
        VisionDataset.__init__(self, EMBEDDED_DIR, transform=transform,
                               target_transform=target_transform)
        self.split = split
        sl, self.split_name = _SPLITS[split]
        images = read_idx(_verified("t10k-images-idx3-ubyte.gz"))[sl]
        labels = read_idx(_verified("t10k-labels-idx1-ubyte.gz"))[sl]
        # slices of the full arrays: copy so the dataset doesn't pin (or alias) the other part
        self.data = _wrap(np.ascontiguousarray(images))
        self.targets = _wrap(labels.astype(np.int64))

    def extra_repr(self):
        return f"Split: {self.split_name}"


def load_embedded_mnist(split="train", transform=None, target_transform=None):
    """The embedded MNIST-10k subset: "train" (first 8,000), "heldout" (last 2,000) or "all"."""
    return EmbeddedMNIST(split, transform=transform, target_transform=target_transform)


def mnist_splits(data_dir=None, transform=None, target_transform=None, eval_transform=None):
    """(train_set, eval_set, description) for scripts with a --data-dir option.

    With data_dir, the official 60k/10k MNIST found there (files directly in it or in
    torchvision's <data_dir>/MNIST/raw layout); without, the embedded 8,000/2,000 split.
    eval_transform defaults to transform.
    """
    eval_transform = transform if eval_transform is None else eval_transform
    if data_dir is None:
        return (EmbeddedMNIST("train", transform, target_transform),
                EmbeddedMNIST("heldout", eval_transform, target_transform), DESCRIPTION)
    train = MNIST(data_dir, train=True, transform=transform, target_transform=target_transform)
    test = MNIST(data_dir, train=False, transform=eval_transform, target_transform=target_transform)
    return train, test, f"MNIST (official 60,000 train / 10,000 test, from {data_dir})"
