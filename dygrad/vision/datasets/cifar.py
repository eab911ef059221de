"""CIFAR-10 from the official *binary* distribution (no pickle is ever loaded).

Each record of `cifar-10-batches-bin/*.bin` is 1 label byte followed by 3,072 pixel bytes: the
1,024 red values, then green, then blue, each plane row-major 32 x 32.
"""
import os
import tarfile

import numpy as np

from ._utils import check_md5, download_from_mirrors
from .vision import _ImageArrays

__all__ = ["CIFAR10"]

_RECORD = 1 + 3 * 32 * 32


def read_cifar_bin(path, num_classes=10):
    """(images N x 32 x 32 x 3 uint8, labels int64 N) from one binary batch file."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % _RECORD:
        raise RuntimeError(f"{path}: {raw.size} bytes is not a whole number of {_RECORD}-byte "
                           "CIFAR-10 records (truncated or not a CIFAR-10 binary batch)")
    rec = raw.reshape(-1, _RECORD)
    labels = rec[:, 0].astype(np.int64)
    if labels.max() >= num_classes:
        raise RuntimeError(f"{path}: label {labels.max()} out of range for {num_classes} classes "
                           "(not a CIFAR-10 binary batch?)")
    images = np.ascontiguousarray(rec[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    return images, labels


class CIFAR10(_ImageArrays):
    """CIFAR-10 (binary version): 50,000 training or 10,000 test 32 x 32 RGB images.

    Like torchvision, `.data` is a NumPy uint8 array N x 32 x 32 x 3 (H x W x C) and `.targets`
    a list of ints; items are (H x W x C uint8 ndarray, int) before the transforms.
    """

    base_folder = "cifar-10-batches-bin"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
    filename = "cifar-10-binary.tar.gz"
    tgz_md5 = "c32a1d4ab5d03f1284b67883e8d87530"
    train_list = [f"data_batch_{i}.bin" for i in range(1, 6)]
    test_list = ["test_batch.bin"]
    meta_file = "batches.meta.txt"
    default_classes = ["airplane", "automobile", "bird", "cat", "deer",
                       "dog", "frog", "horse", "ship", "truck"]

    def _load_data(self):
        if not self._check_integrity():
            raise RuntimeError(
                f"Dataset {type(self).__name__} not found or incomplete: looked for "
                f"{', '.join(self.train_list + self.test_list)} in {self._folder()}. Pass "
                f"download=True to fetch {self.url} (MD5-verified), or extract the official "
                f"binary archive under root (e.g. --data-dir) so that {self.base_folder}/ is in it.")
        images, labels = zip(*(read_cifar_bin(os.path.join(self._folder(), f))
                               for f in (self.train_list if self.train else self.test_list)))
        self._load_meta()
        return np.concatenate(images), np.concatenate(labels).tolist()

    def _folder(self):
        return os.path.join(self.root, self.base_folder)

    def _load_meta(self):
        path = os.path.join(self._folder(), self.meta_file)
        names = []
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                names = [line.strip() for line in f if line.strip()]
        self.classes = names if len(names) == len(self.default_classes) else list(self.default_classes)
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def _check_integrity(self):
        folder = self._folder()
        for f in self.train_list + self.test_list:
            path = os.path.join(folder, f)
            if not os.path.isfile(path):
                return False
            size = os.path.getsize(path)
            if size == 0 or size % _RECORD:
                return False
        return True

    def download(self):
        """Fetches and extracts the binary archive unless all batch files are already there."""
        if self._check_integrity():
            return
        archive = os.path.join(self.root, self.filename)
        if not check_md5(archive, self.tgz_md5):
            mirror, name = self.url.rsplit("/", 1)
            download_from_mirrors(name, [mirror + "/"], self.root, self.tgz_md5,
                                  hint=f"(extract it so that {self._folder()} exists)")
        self._extract(archive)

    def _extract(self, archive):
        wanted = {f"{self.base_folder}/{f}" for f in
                  self.train_list + self.test_list + [self.meta_file, "readme.html"]}
        with tarfile.open(archive, "r:gz") as tar:
            # only the known regular files, so a crafted archive can't write elsewhere
            members = [m for m in tar.getmembers() if m.name in wanted and m.isfile()]
            for m in members:
                dest = os.path.join(self.root, m.name)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with tar.extractfile(m) as src, open(dest, "wb") as out:
                    out.write(src.read())
