"""Fixtures for the vision tests: where the real MNIST files are, and the facts their README lists."""
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

_DEFAULT = Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist"

MNIST_FACTS = SimpleNamespace(
    gz_md5={
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    train_hist=[5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    test_hist=[980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    train_first10=[5, 0, 4, 1, 9, 2, 1, 3, 1, 4],
    test_first10=[7, 2, 1, 0, 4, 1, 4, 9, 5, 9],
    train_mean=33.3184,
    test_mean=33.7912,
)


@pytest.fixture(scope="session")
def mnist_facts():
    return MNIST_FACTS


@pytest.fixture(scope="session")
def mnist_dir():
    """The folder with the four official MNIST .gz files (DYGRAD_MNIST_DIR overrides)."""
    path = Path(os.environ.get("DYGRAD_MNIST_DIR", _DEFAULT))
    if not all((path / f).is_file() for f in MNIST_FACTS.gz_md5):
        pytest.skip(f"the real MNIST files are not in {path} (set DYGRAD_MNIST_DIR)")
    return path
