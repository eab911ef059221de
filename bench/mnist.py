"""Reading the MNIST IDX files in ../shared/data/mnist beside the checkout (or $BENCH_MNIST_DIR)
with NumPy."""
import gzip
import os

import numpy as np

# the shared data lies beside the repository: <repo>/../shared/data/mnist
DEFAULT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))), "shared", "data", "mnist")
MEAN, STD = 0.1307, 0.3081  # the usual MNIST normalisation constants


def data_dir():
    return os.environ.get("BENCH_MNIST_DIR", DEFAULT_DIR)


def available():
    d = data_dir()
    return all(os.path.exists(os.path.join(d, f"train-{k}-idx{n}-ubyte.gz"))
               for k, n in (("images", 3), ("labels", 1)))


def load_train(n=None):
    """The first n training images as normalised float32 (n, 1, 28, 28) and int64 labels.

    Only the needed prefix of each file is decompressed, so small subsets load quickly.
    """
    d = data_dir()
    with gzip.open(os.path.join(d, "train-images-idx3-ubyte.gz"), "rb") as f:
        magic, count, rows, cols = np.frombuffer(f.read(16), dtype=">i4")
        if magic != 0x803:
            raise ValueError(f"bad MNIST image file magic {magic:#x}")
        n = count if n is None else min(n, count)
        raw = np.frombuffer(f.read(n * rows * cols), dtype=np.uint8)
    with gzip.open(os.path.join(d, "train-labels-idx1-ubyte.gz"), "rb") as f:
        magic, count = np.frombuffer(f.read(8), dtype=">i4")
        if magic != 0x801:
            raise ValueError(f"bad MNIST label file magic {magic:#x}")
        y = np.frombuffer(f.read(n), dtype=np.uint8).astype(np.int64)
    x = raw.reshape(n, 1, rows, cols).astype(np.float32)
    x *= 1.0 / 255.0
    x -= MEAN
    x /= STD
    return x, y
