import hashlib
import shutil

import numpy as np
import pytest

import dygrad
from dygrad.vision import datasets, transforms
from dygrad.vision.datasets import EmbeddedMNIST, load_embedded_mnist, mnist_splits
from dygrad.vision.datasets import embedded


def test_embedded_files_are_the_official_test_set(mnist_facts):
    for name, sha in embedded._FILES.items():
        with open(f"{embedded.EMBEDDED_DIR}/{name}", "rb") as f:
            blob = f.read()
        assert hashlib.sha256(blob).hexdigest() == sha
        assert hashlib.md5(blob).hexdigest() == mnist_facts.gz_md5[name]


def test_split_sizes_and_contents(mnist_facts):
    full = load_embedded_mnist("all")
    train, held = load_embedded_mnist("train"), load_embedded_mnist("heldout")
    assert (len(train), len(held), len(full)) == (8000, 2000, 10000)
    assert full.targets.numpy()[:10].tolist() == mnist_facts.test_first10
    assert np.bincount(full.targets.numpy(), minlength=10).tolist() == mnist_facts.test_hist
    np.testing.assert_array_equal(np.concatenate([train.data.numpy(), held.data.numpy()]), full.data.numpy())
    np.testing.assert_array_equal(held.targets.numpy(), full.targets.numpy()[8000:])
    assert train.data.dtype == dygrad.uint8 and train.targets.dtype == dygrad.int64
    img, target = held[0]
    assert img.shape == (28, 28) and img.dtype == np.uint8 and target == int(full.targets[8000])


def test_names_and_repr():
    ds = EmbeddedMNIST("heldout", transform=transforms.ToTensor())
    assert "MNIST-10k: 8,000 train / 2,000 held out" in ds.description
    assert ds.description == datasets.EMBEDDED_MNIST_DESCRIPTION
    assert ds.split == "heldout" and "last 2,000" in ds.split_name
    assert "first 8,000" in EmbeddedMNIST("train").split_name
    lines = repr(ds).splitlines()
    assert lines[:2] == ["Dataset EmbeddedMNIST", "    Number of datapoints: 2000"]
    assert lines[3] == f"    Split: {ds.split_name}" and lines[-1] == "Transform: ToTensor()"
    assert ds[0][0].shape == (1, 28, 28)
    assert ds.class_to_idx["3 - three"] == 3


def test_unknown_split():
    with pytest.raises(ValueError, match="'train', 'heldout', 'all'"):
        EmbeddedMNIST("test")


def test_checksum_is_verified(tmp_path, monkeypatch):
    for name in embedded._FILES:
        shutil.copy(f"{embedded.EMBEDDED_DIR}/{name}", tmp_path / name)
    blob = bytearray((tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes())
    blob[-20] ^= 1
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(bytes(blob))
    monkeypatch.setattr(embedded, "EMBEDDED_DIR", str(tmp_path))
    with pytest.raises(RuntimeError, match="corrupted: SHA-256"):
        EmbeddedMNIST("train")
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(RuntimeError, match="missing"):
        EmbeddedMNIST("train")


def test_mnist_splits_default_is_embedded():
    train, held, desc = mnist_splits(transform=transforms.ToTensor())
    assert (len(train), len(held)) == (8000, 2000) and desc == embedded.DESCRIPTION
    assert held[0][0].dtype == dygrad.float32


def test_mnist_splits_with_data_dir(mnist_dir):
    train, test, desc = mnist_splits(mnist_dir, eval_transform=transforms.ToTensor())
    assert (len(train), len(test)) == (60000, 10000) and "60,000" in desc
    assert isinstance(train[0][0], np.ndarray) and test[0][0].shape == (1, 28, 28)
