"""Dataset selection for `dygrad train` / `dygrad eval`.

Every dataset is read once into a uint8 array (N x H x W x C) and served by `ImageArrayDataset`,
whose `__getitems__` converts a whole batch at once (ToTensor + Normalize, vectorized): with
per-image transforms the data pipeline, not the model, would dominate small models like LeNet-5.
"""
import os
from dataclasses import dataclass, field

import numpy as np

from ..utils.data import Dataset
from . import CLIError

__all__ = ["DATASETS", "DataSplits", "ImageArrayDataset", "load_data", "passthrough_collate"]

# name -> (title, torchvision-style class name, per-channel mean, std)
DATASETS = {
    "mnist-embedded": ("MNIST-10k (embedded)", None, (0.1307,), (0.3081,)),
    "mnist": ("MNIST", "MNIST", (0.1307,), (0.3081,)),
    "fashion-mnist": ("Fashion-MNIST", "FashionMNIST", (0.2860,), (0.3530,)),
    "cifar10": ("CIFAR-10", "CIFAR10", (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "fake": ("FakeData (random images)", None, (0.5,), (0.5,)),
}
_FAKE_SIZES = {"train": 1024, "eval": 256}
_FILE_ROLES = {"train": ("train-images", "train-labels"), "eval": ("t10k-images", "t10k-labels")}


class ImageArrayDataset(Dataset):
    """uint8 images N x H x W x C with int64 labels; items and batches come out as PyTorch's
    ToTensor() + Normalize(mean, std) would give them (float32, C x H x W)."""

    def __init__(self, images, labels, mean, std):
        if images.ndim == 3:
            images = images[..., None]
        self.images = images
        self.labels = np.asarray(labels, dtype=np.int64)
        self.mean = np.asarray(mean, np.float32).reshape(1, -1, 1, 1)
        self.std = np.asarray(std, np.float32).reshape(1, -1, 1, 1)

    def __len__(self):
        return len(self.labels)

    def _batch(self, idx):
        from .._tensor import _wrap
        x = self.images[idx].transpose(0, 3, 1, 2).astype(np.float32)
        x /= 255.0
        x -= self.mean
        x /= self.std
        return _wrap(np.ascontiguousarray(x)), _wrap(self.labels[idx])

    def __getitems__(self, indices):
        return self._batch(np.asarray(indices, dtype=np.int64))

    def __getitem__(self, index):
        x, y = self._batch(np.array([index], dtype=np.int64))
        return x[0], int(y._data[0])


def passthrough_collate(batch):
    """collate_fn for ImageArrayDataset: __getitems__ already returns the collated batch."""
    return batch


@dataclass
class DataSplits:
    name: str                      # key in DATASETS
    title: str                     # e.g. "MNIST-10k (embedded)"
    train: ImageArrayDataset = None
    eval: ImageArrayDataset = None
    train_total: int = 0           # size of the full split before --limit-*
    eval_total: int = 0
    eval_label: str = "test"       # what the evaluation split is: "held out" or "test"
    classes: list = field(default_factory=list)
    mean: tuple = ()
    std: tuple = ()
    notes: list = field(default_factory=list)  # warnings worth one line each

    @property
    def image_shape(self):
        ds = self.eval if self.eval is not None else self.train
        n, h, w, c = ds.images.shape
        return c, h, w

    def describe(self, source=""):
        """'MNIST-10k (embedded): 8,000 train / 2,000 held out', naming --limit-* subsets."""
        parts = []
        for ds, total, label in ((self.train, self.train_total, "train"),
                                 (self.eval, self.eval_total, self.eval_label)):
            if ds is None:
                continue
            n = len(ds)
            parts.append(f"{n:,} {label}" if n == total else f"{n:,} of {total:,} {label}")
        where = f" from {source}" if source else ""
        return f"{self.title}{where}: {' / '.join(parts)}"


def _limited(images, labels, limit):
    return (images, labels) if limit is None else (images[:limit], labels[:limit])


def _require_dir(name, data_dir, download, what):
    if data_dir is None:
        raise CLIError(f"--dataset {name} needs its files: pass --data-dir DIR (a folder holding "
                       f"{what}), or add --download to fetch them into ./data")
    if not os.path.isdir(data_dir) and not download:
        raise CLIError(f"data directory {data_dir} does not exist. Fix: pass --data-dir pointing "
                       f"at the folder that holds {what}, or add --download to fetch them into "
                       f"{data_dir}")


def _read_idx_files(name, cls, data_dir, roles, notes):
    """{role: (images, labels)} read from the official IDX files under data_dir."""
    from ..vision.datasets import find_mnist_files
    from ..vision.datasets._utils import file_digest, read_idx
    try:
        paths = find_mnist_files(data_dir, cls.__name__)
    except FileNotFoundError as exc:
        found = str(exc).split(". Pass download=True")[0]
        raise CLIError(f"{found}. Fix: point --data-dir at the folder holding the four official "
                       f"{cls.__name__} files (directly, or in {cls.__name__}/raw/ under it), or "
                       f"add --download to fetch them into {data_dir}") from None
    known = {f: md5 for f, md5 in cls.resources}
    known.update({f: md5 for f, md5 in cls.raw_md5.items()})
    out = {}
    for role in roles:
        arrays = []
        for key in _FILE_ROLES[role]:
            path = paths[key]
            try:
                arr = read_idx(path)
            except (ValueError, OSError) as exc:
                raise CLIError(f"dataset file {path} is corrupt: {exc}. Fix: delete it and re-run "
                               f"with --download, or copy the official {os.path.basename(path)} "
                               "there again") from None
            md5 = known.get(os.path.basename(path))
            if md5 is not None and file_digest(path, "md5") != md5:
                notes.append(f"warning: {path} parses as IDX but its MD5 differs from the official "
                             f"file's ({md5}); using it anyway")
            arrays.append(arr)
        images, labels = arrays
        if images.dtype != np.uint8 or images.ndim != 3:
            raise CLIError(f"dataset file {paths[_FILE_ROLES[role][0]]} is not a {name} image file "
                           f"(uint8 N x H x W expected, got {images.dtype} {images.shape}). Fix: "
                           "replace it with the official file")
        if labels.shape != images.shape[:1] or labels.max(initial=0) >= len(cls.classes):
            raise CLIError(f"dataset file {paths[_FILE_ROLES[role][1]]} does not match "
                           f"{paths[_FILE_ROLES[role][0]]} ({labels.shape[0]} labels for "
                           f"{images.shape[0]} images, or labels out of range). Fix: replace both "
                           "with the official files")
        out[role] = images, labels
    return out


def _download_idx(name, cls, data_dir):
    try:
        cls(data_dir, train=True, download=True)
    except (RuntimeError, OSError) as exc:
        raise CLIError(f"could not download {name}: {exc}") from None


def _load_arrays(name, data_dir, download, roles, notes):
    """({role: (images, labels)}, classes, eval_label)."""
    if name == "mnist-embedded":
        if data_dir is not None:
            raise CLIError("--data-dir is not used with --dataset mnist-embedded (its images ship "
                           "with dygrad). Fix: drop --data-dir, or pass --dataset mnist to train "
                           "on the full MNIST in that folder")
        from ..vision.datasets import EmbeddedMNIST
        split = {"train": "train", "eval": "heldout"}
        try:
            sets = {r: EmbeddedMNIST(split[r]) for r in roles}
        except RuntimeError as exc:
            raise CLIError(str(exc)) from None
        return ({r: (d.data._data, d.targets._data) for r, d in sets.items()},
                [str(i) for i in range(10)], "held out")
    if name == "fake":
        from ..vision.datasets import FakeData
        out = {}
        for r in roles:
            # the eval images come from other seeds than the training ones
            ds = FakeData(_FAKE_SIZES[r], image_size=(1, 28, 28), num_classes=10,
                          random_offset=0 if r == "train" else 1_000_000)
            imgs, labels = zip(*(ds[i] for i in range(len(ds))))
            out[r] = np.stack(imgs), np.array(labels, np.int64)
        return out, [str(i) for i in range(10)], "held out"
    if download and data_dir is None:
        data_dir = "data"
    if name in ("mnist", "fashion-mnist"):
        from ..vision.datasets import MNIST, FashionMNIST
        cls = MNIST if name == "mnist" else FashionMNIST
        _require_dir(name, data_dir, download,
                     "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                     "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz")
        if download:
            _download_idx(name, cls, data_dir)
        classes = [str(i) for i in range(10)] if cls is MNIST else list(cls.classes)
        return _read_idx_files(name, cls, data_dir, roles, notes), classes, "test"
    from ..vision.datasets import CIFAR10
    _require_dir(name, data_dir, download, "cifar-10-batches-bin/ (the CIFAR-10 binary version)")
    out = {}
    try:
        for r in roles:
            ds = CIFAR10(data_dir, train=(r == "train"), download=download)
            out[r] = ds.data, np.asarray(ds.targets, np.int64)
    except (RuntimeError, OSError) as exc:
        msg = str(exc).replace("Pass download=True", "Fix: add --download").replace(
            "under root (e.g. --data-dir)", "under --data-dir")
        raise CLIError(msg) from None
    return out, list(ds.classes), "test"


def load_data(name, data_dir=None, download=False, limit_train=None, limit_eval=None,
              roles=("train", "eval")):
    """Reads the dataset `name` (a key of DATASETS) and returns its DataSplits."""
    if name not in DATASETS:
        raise CLIError(f"unknown dataset '{name}'; choose one of: {', '.join(DATASETS)}")
    title, _, mean, std = DATASETS[name]
    notes = []
    arrays, classes, eval_label = _load_arrays(name, data_dir, download, roles, notes)
    splits = DataSplits(name, title, eval_label=eval_label, classes=classes, mean=mean, std=std,
                        notes=notes)
    for role, limit in (("train", limit_train), ("eval", limit_eval)):
        if role not in arrays:
            continue
        images, labels = arrays[role]
        setattr(splits, role + "_total", len(labels))
        images, labels = _limited(images, labels, limit)
        setattr(splits, role, ImageArrayDataset(images, labels, mean, std))
    return splits
