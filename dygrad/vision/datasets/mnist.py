"""MNIST and Fashion-MNIST from the official IDX files (gzip-compressed or not).

Files are looked for in torchvision's layout `<root>/<ClassName>/raw/`, and also in `<root>/raw/`
and directly in `<root>/`, so a `--data-dir` holding the four official files works as is.
Images reach the transforms as 2-D uint8 NumPy arrays (H x W); there is no PIL dependency.
"""
import os

import numpy as np

from ..._tensor import _wrap
from ._utils import check_md5, download_from_mirrors, read_idx
from .vision import _ImageArrays

__all__ = ["MNIST", "FashionMNIST", "find_mnist_files"]

_STEMS = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "t10k": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _candidate_names(stem):
    # Uncompressed first (faster to read); some redistributions spell it "train-images.idx3-ubyte".
    dotted = stem.replace("-idx", ".idx")
    return (stem, stem + ".gz", dotted, dotted + ".gz")


def _search_folders(root, name):
    root = os.fspath(root)
    return [os.path.join(root, name, "raw"), os.path.join(root, "raw"), root]


def _find(stem, folders):
    for folder in folders:
        for fname in _candidate_names(stem):
            path = os.path.join(folder, fname)
            if os.path.isfile(path):
                return path
    return None


def _missing_message(what, stems, folders, name):
    files = " and ".join(f"{s}[.gz]" for s in stems)
    where = ", ".join(folders)
    return (f"{what} not found: looked for {files} in {where}. Pass download=True to fetch the "
            f"official files (MD5-verified), or point root (e.g. --data-dir) at a folder holding "
            f"them, either directly or in torchvision's <root>/{name}/raw layout.")


def find_mnist_files(data_dir, name="MNIST"):
    """Locates the four official files under data_dir.

    Accepts a folder holding the files directly, `<data_dir>/raw/`, or torchvision's
    `<data_dir>/<name>/raw/`. Returns {"train-images": path, "train-labels": ...,
    "t10k-images": ..., "t10k-labels": ...}; raises FileNotFoundError saying where it looked.
    """
    folders = _search_folders(data_dir, name)
    found, missing = {}, []
    for stems in _STEMS.values():
        for stem in stems:
            path = _find(stem, folders)
            if path is None:
                missing.append(stem)
            else:
                found[stem.rsplit("-", 2)[0]] = path
    if missing:
        raise FileNotFoundError(_missing_message(f"{name} files", missing, folders, name))
    return found


class MNIST(_ImageArrays):
    """The MNIST digits: `train=True` gives the 60,000 training images, else the 10,000 test ones.

    `.data` is a uint8 Tensor N x 28 x 28, `.targets` an int64 Tensor; items are
    (2-D uint8 ndarray, int) before the transforms.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    # MD5s of the decompressed files, so an already extracted copy counts as verified too
    raw_md5 = {
        "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
        "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
        "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
        "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    }
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    @property
    def raw_folder(self):
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _folders(self):
        return _search_folders(self.root, type(self).__name__)

    def _load_data(self):
        name = type(self).__name__
        stems = _STEMS["train" if self.train else "t10k"]
        folders = self._folders()
        paths = [_find(s, folders) for s in stems]
        if None in paths:
            split = "training" if self.train else "test"
            raise RuntimeError(_missing_message(f"Dataset {name} ({split} split)", stems, folders, name))
        try:
            images, labels = read_idx(paths[0]), read_idx(paths[1])
        except ValueError as exc:
            raise RuntimeError(f"{exc}. Delete the damaged file and pass download=True, or replace "
                               "it with the official one.") from None
        if images.dtype != np.uint8 or images.ndim != 3:
            raise RuntimeError(f"{paths[0]}: expected uint8 images N x H x W, got {images.dtype} "
                               f"with shape {images.shape}")
        if labels.dtype != np.uint8 or labels.shape != images.shape[:1]:
            raise RuntimeError(f"{paths[1]}: expected {images.shape[0]} uint8 labels to match "
                               f"{paths[0]}, got {labels.dtype} with shape {labels.shape}")
        return _wrap(images), _wrap(labels.astype(np.int64))

    def _check_resource(self, filename, md5):
        """(ok, note): ok when a copy verified by MD5 (or, lacking a known MD5, by parsing) exists."""
        stem = filename[:-3] if filename.endswith(".gz") else filename
        notes = []
        for folder in self._folders():
            for fname in _candidate_names(stem):
                path = os.path.join(folder, fname)
                if not os.path.isfile(path):
                    continue
                if fname.endswith(".gz"):
                    if check_md5(path, md5):
                        return True, ""
                    notes.append(f"{path} failed its MD5 check (expected {md5})")
                elif stem in self.raw_md5:
                    if check_md5(path, self.raw_md5[stem]):
                        return True, ""
                    notes.append(f"{path} failed its MD5 check (expected {self.raw_md5[stem]})")
                else:
                    try:
                        read_idx(path)
                        return True, ""
                    except ValueError as exc:
                        notes.append(str(exc))
        return False, "; ".join(notes)

    def _check_exists(self):
        return all(self._check_resource(f, md5)[0] for f, md5 in self.resources)

    def download(self):
        """Fetches the files that are missing or fail their MD5 check; verified copies are kept."""
        for filename, md5 in self.resources:
            ok, note = self._check_resource(filename, md5)
            if ok:
                continue
            hint = f"(or pass a --data-dir that holds it); note: {note}" if note else \
                "(or pass a --data-dir that holds it)"
            download_from_mirrors(filename, self.mirrors, self.raw_folder, md5, hint=hint)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: same file format and layout as MNIST, ten clothing classes."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    raw_md5 = {}
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
