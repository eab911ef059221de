import gzip
import io
import shutil
import struct
import urllib.error
import urllib.request

import numpy as np
import pytest

import dygrad
from dygrad.vision import datasets, transforms
from dygrad.vision.datasets import MNIST, FashionMNIST, find_mnist_files

T10K = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
GZ_NAMES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", *T10K]


@pytest.fixture(scope="module")
def real(mnist_dir):
    return mnist_dir


@pytest.fixture(scope="module")
def t10k_set(real):
    return MNIST(real, train=False)


def check_test_split(ds, facts):
    assert len(ds) == 10000
    assert ds.data.shape == (10000, 28, 28) and ds.data.dtype == dygrad.uint8
    assert ds.targets.shape == (10000,) and ds.targets.dtype == dygrad.int64
    labels = ds.targets.numpy()
    assert labels[:10].tolist() == facts.test_first10
    assert np.bincount(labels, minlength=10).tolist() == facts.test_hist
    assert round(float(ds.data.numpy().mean()), 4) == facts.test_mean


def test_flat_gzip_layout_test_split(t10k_set, mnist_facts):
    check_test_split(t10k_set, mnist_facts)
    img, target = t10k_set[0]
    assert isinstance(img, np.ndarray) and img.dtype == np.uint8 and img.shape == (28, 28)
    assert type(target) is int and target == 7
    np.testing.assert_array_equal(img, t10k_set.data.numpy()[0])
    assert img.max() == 255 and img.min() == 0


def test_full_training_set(real, mnist_facts):
    ds = MNIST(real, train=True)
    assert len(ds) == 60000 and ds.data.shape == (60000, 28, 28)
    labels = ds.targets.numpy()
    assert labels[:10].tolist() == mnist_facts.train_first10
    assert np.bincount(labels, minlength=10).tolist() == mnist_facts.train_hist
    assert round(float(ds.data.numpy().mean()), 4) == mnist_facts.train_mean
    assert ds[59999][1] == int(labels[-1])


def test_items_are_copies(t10k_set):
    img, _ = t10k_set[3]
    img[:] = 0
    assert t10k_set.data.numpy()[3].any()


def test_torchvision_layout_uncompressed(real, tmp_path, mnist_facts):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in T10K:
        (raw / name[:-3]).write_bytes(gzip.decompress((real / name).read_bytes()))
    ds = MNIST(str(tmp_path), train=False)
    check_test_split(ds, mnist_facts)
    assert ds.raw_folder == str(raw)


def test_torchvision_layout_gzip_and_dotted_names(real, tmp_path, mnist_facts):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    shutil.copy(real / T10K[0], raw / "t10k-images.idx3-ubyte.gz")
    shutil.copy(real / T10K[1], raw / T10K[1])
    check_test_split(MNIST(tmp_path, train=False), mnist_facts)


def test_root_pointing_at_class_folder(real, tmp_path, mnist_facts):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in T10K:
        shutil.copy(real / name, raw / name)
    check_test_split(MNIST(tmp_path, train=False), mnist_facts)


def test_find_mnist_files(real, tmp_path):
    found = find_mnist_files(real)
    assert sorted(found) == ["t10k-images", "t10k-labels", "train-images", "train-labels"]
    assert found["t10k-labels"] == str(real / T10K[1])
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in GZ_NAMES:
        (raw / name).symlink_to(real / name)
    assert find_mnist_files(tmp_path)["train-images"] == str(raw / "train-images-idx3-ubyte.gz")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte") as info:
        find_mnist_files(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere" / "MNIST" / "raw") in str(info.value)


def test_missing_files_error_says_where_and_how(tmp_path):
    with pytest.raises(RuntimeError) as info:
        MNIST(tmp_path, train=True)
    msg = str(info.value)
    assert "train-images-idx3-ubyte" in msg and str(tmp_path / "MNIST" / "raw") in msg
    assert "download=True" in msg and "--data-dir" in msg


def test_repr_and_metadata(t10k_set, real):
    ds = MNIST(str(real), train=False, transform=transforms.Compose([
        transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]))
    assert repr(ds) == (
        "Dataset MNIST\n"
        "    Number of datapoints: 10000\n"
        f"    Root location: {real}\n"
        "    Split: Test\n"
        "    StandardTransform\n"
        "Transform: Compose(\n"
        "               ToTensor()\n"
        "               Normalize(mean=(0.1307,), std=(0.3081,))\n"
        "           )")
    assert repr(t10k_set).splitlines()[-1] == "    Split: Test"
    assert t10k_set.classes[0] == "0 - zero" and t10k_set.class_to_idx["9 - nine"] == 9
    assert isinstance(ds, dygrad.utils.data.Dataset)


def test_transforms_applied(real):
    ds = MNIST(real, train=False, transform=transforms.ToTensor(), target_transform=lambda y: y + 100)
    x, y = ds[1]
    assert x.shape == (1, 28, 28) and x.dtype == dygrad.float32 and y == 102
    np.testing.assert_allclose(x.numpy()[0], ds.data.numpy()[1] / np.float32(255), rtol=0, atol=0)


def test_subset_by_replacing_data(real):
    ds = MNIST(real, train=False)
    ds.data, ds.targets = ds.data[:100], ds.targets[:100]
    assert len(ds) == 100 and ds[99][1] == int(ds.targets[99])


# ----------------------------------------------------------------------------- download

class FakeNet:
    """Stands in for urllib.request.urlopen: serves files by name, records what was asked."""

    def __init__(self, files=None, error=None):
        self.files, self.error, self.urls = files or {}, error, []

    def __call__(self, req, timeout=None):
        url = req.full_url if isinstance(req, urllib.request.Request) else req
        self.urls.append(url)
        if self.error is not None:
            raise self.error
        return io.BytesIO(self.files[url.rsplit("/", 1)[1]])


def test_download_is_noop_when_files_verify(real, monkeypatch, mnist_facts):
    net = FakeNet(error=AssertionError("no network access expected"))
    monkeypatch.setattr(urllib.request, "urlopen", net)
    check_test_split(MNIST(real, train=False, download=True), mnist_facts)
    assert net.urls == []


def test_download_is_noop_for_verified_extracted_files(real, tmp_path, monkeypatch, mnist_facts):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in GZ_NAMES:
        (raw / name[:-3]).write_bytes(gzip.decompress((real / name).read_bytes()))
    net = FakeNet(error=AssertionError("no network access expected"))
    monkeypatch.setattr(urllib.request, "urlopen", net)
    check_test_split(MNIST(tmp_path, train=False, download=True), mnist_facts)
    assert net.urls == []


def test_download_fetches_from_first_mirror(real, tmp_path, monkeypatch, capsys, mnist_facts):
    net = FakeNet({n: (real / n).read_bytes() for n in GZ_NAMES})
    monkeypatch.setattr(urllib.request, "urlopen", net)
    ds = MNIST(tmp_path, train=False, download=True)
    check_test_split(ds, mnist_facts)
    assert net.urls == [MNIST.mirrors[0] + n for n in GZ_NAMES]
    assert sorted(p.name for p in (tmp_path / "MNIST" / "raw").iterdir()) == sorted(GZ_NAMES)
    assert "Downloading" in capsys.readouterr().out


def test_download_offline_error(tmp_path, monkeypatch):
    net = FakeNet(error=urllib.error.URLError("Temporary failure in name resolution"))
    monkeypatch.setattr(urllib.request, "urlopen", net)
    with pytest.raises(RuntimeError) as info:
        MNIST(tmp_path, train=True, download=True)
    msg = str(info.value)
    assert "train-images-idx3-ubyte.gz" in msg and str(tmp_path / "MNIST" / "raw") in msg
    assert all(m in msg for m in MNIST.mirrors) and "name resolution" in msg
    assert "no internet access" in msg and "--data-dir" in msg
    assert net.urls == [m + "train-images-idx3-ubyte.gz" for m in MNIST.mirrors]
    assert not list((tmp_path / "MNIST" / "raw").iterdir())  # no partial files left behind


def corrupted_copy(real, root):
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in GZ_NAMES:
        shutil.copy(real / name, raw / name)
    bad = bytearray((real / T10K[1]).read_bytes())
    bad[100] ^= 0xFF
    (raw / T10K[1]).write_bytes(bytes(bad))
    return raw, bytes(bad)


def test_md5_mismatch_of_download_is_an_error(real, tmp_path, monkeypatch, mnist_facts):
    raw, bad = corrupted_copy(real, tmp_path)
    net = FakeNet({T10K[1]: bad})  # every mirror serves the corrupted bytes
    monkeypatch.setattr(urllib.request, "urlopen", net)
    with pytest.raises(RuntimeError) as info:
        MNIST(tmp_path, train=False, download=True)
    msg = str(info.value)
    assert "MD5 mismatch" in msg and mnist_facts.gz_md5[T10K[1]] in msg
    assert f"{raw / T10K[1]} failed its MD5 check" in msg
    assert net.urls == [m + T10K[1] for m in MNIST.mirrors]


def test_corrupted_local_file_is_replaced(real, tmp_path, monkeypatch, mnist_facts):
    raw, _ = corrupted_copy(real, tmp_path)
    net = FakeNet({T10K[1]: (real / T10K[1]).read_bytes()})
    monkeypatch.setattr(urllib.request, "urlopen", net)
    check_test_split(MNIST(tmp_path, train=False, download=True), mnist_facts)
    assert net.urls == [MNIST.mirrors[0] + T10K[1]]


def test_corrupted_file_without_download(real, tmp_path):
    corrupted_copy(real, tmp_path)  # flipped byte: gzip's CRC check catches it
    with pytest.raises(RuntimeError, match="download=True") as info:
        MNIST(tmp_path, train=False)
    assert T10K[1] in str(info.value)


# ----------------------------------------------------------------------------- Fashion-MNIST

def write_idx(path, arr):
    head = bytes([0, 0, 8, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    path.write_bytes(gzip.compress(head + arr.astype(np.uint8).tobytes()))


def test_fashion_mnist_synthetic(tmp_path):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    imgs = np.arange(3 * 28 * 28).reshape(3, 28, 28) % 256
    write_idx(raw / "t10k-images-idx3-ubyte.gz", imgs)
    write_idx(raw / "t10k-labels-idx1-ubyte.gz", np.array([9, 0, 3]))
    ds = FashionMNIST(tmp_path, train=False)
    assert len(ds) == 3 and ds[2][1] == 3 and ds.classes[9] == "Ankle boot"
    np.testing.assert_array_equal(ds[1][0], imgs[1])
    assert repr(ds).startswith("Dataset FashionMNIST\n    Number of datapoints: 3\n")
    # a label count that does not match the images is reported, naming both files
    write_idx(raw / "t10k-labels-idx1-ubyte.gz", np.array([9, 0]))
    with pytest.raises(RuntimeError, match="expected 3 uint8 labels"):
        FashionMNIST(tmp_path, train=False)


def test_exports():
    assert datasets.MNIST is MNIST and datasets.FashionMNIST is FashionMNIST
