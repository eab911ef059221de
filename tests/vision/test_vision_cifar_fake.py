import io
import tarfile
import urllib.error
import urllib.request

import numpy as np
import pytest

from dygrad.vision import transforms
from dygrad.vision.datasets import CIFAR10, FakeData
from dygrad.vision.datasets import cifar as cifar_mod


def make_records(labels, seed):
    """Binary CIFAR records plus the H x W x C images they encode."""
    rng = np.random.default_rng(seed)
    imgs = rng.integers(0, 256, size=(len(labels), 32, 32, 3), dtype=np.uint8)
    recs = [bytes([lab]) + img[:, :, 0].tobytes() + img[:, :, 1].tobytes() + img[:, :, 2].tobytes()
            for lab, img in zip(labels, imgs)]
    return b"".join(recs), imgs


def make_cifar(root, meta=True):
    folder = root / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    train_imgs, train_labels = [], []
    for i in range(1, 6):
        labels = [(i + k) % 10 for k in range(2)]
        blob, imgs = make_records(labels, i)
        (folder / f"data_batch_{i}.bin").write_bytes(blob)
        train_imgs.append(imgs)
        train_labels += labels
    blob, test_imgs = make_records([3, 9, 0], 99)
    (folder / "test_batch.bin").write_bytes(blob)
    if meta:
        (folder / "batches.meta.txt").write_text("\n".join(CIFAR10.default_classes) + "\n\n")
    return np.concatenate(train_imgs), train_labels, test_imgs


def test_parse_synthetic_binary(tmp_path):
    train_imgs, train_labels, test_imgs = make_cifar(tmp_path)
    train = CIFAR10(tmp_path, train=True)
    assert len(train) == 10 and train.targets == train_labels
    assert isinstance(train.data, np.ndarray) and train.data.shape == (10, 32, 32, 3)
    np.testing.assert_array_equal(train.data, train_imgs)
    test = CIFAR10(str(tmp_path), train=False, transform=transforms.ToTensor())
    assert test.targets == [3, 9, 0] and test.classes[3] == "cat" and test.class_to_idx["truck"] == 9
    x, y = test[1]
    assert y == 9 and x.shape == (3, 32, 32)
    np.testing.assert_array_equal(x.numpy(), test_imgs[1].transpose(2, 0, 1) / np.float32(255))
    assert repr(test).splitlines()[:4] == ["Dataset CIFAR10", "    Number of datapoints: 3",
                                           f"    Root location: {tmp_path}", "    Split: Test"]


def test_record_layout_by_hand(tmp_path):
    # one record: label 4; red plane all 1, green all 2, blue the pixel index mod 256
    blue = (np.arange(1024) % 256).astype(np.uint8)
    (tmp_path / "b.bin").write_bytes(bytes([4]) + bytes([1]) * 1024 + bytes([2]) * 1024 + blue.tobytes())
    imgs, labels = cifar_mod.read_cifar_bin(tmp_path / "b.bin")
    assert labels.tolist() == [4] and imgs.shape == (1, 32, 32, 3)
    assert imgs[0, 5, 7].tolist() == [1, 2, (5 * 32 + 7) % 256]


def test_bad_files(tmp_path):
    make_cifar(tmp_path, meta=False)
    with open(tmp_path / "cifar-10-batches-bin" / "test_batch.bin", "ab") as f:
        f.write(b"\x00")
    with pytest.raises(RuntimeError, match="not found or incomplete") as info:
        CIFAR10(tmp_path, train=False)
    assert "download=True" in str(info.value)
    (tmp_path / "x.bin").write_bytes(bytes([10]) + bytes(3072))
    with pytest.raises(RuntimeError, match="label 10 out of range"):
        cifar_mod.read_cifar_bin(tmp_path / "x.bin")


def test_missing_defaults_classes(tmp_path):
    make_cifar(tmp_path, meta=False)
    assert CIFAR10(tmp_path, train=False).classes == CIFAR10.default_classes
    with pytest.raises(RuntimeError, match="cifar-10-batches-bin"):
        CIFAR10(tmp_path / "empty")


def fake_urlopen(payload, seen):
    def urlopen(req, timeout=None):
        seen.append(req.full_url)
        if isinstance(payload, Exception):
            raise payload
        return io.BytesIO(payload)
    return urlopen


def test_download_and_extract(tmp_path, monkeypatch):
    src = tmp_path / "src"
    make_cifar(src)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(src / "cifar-10-batches-bin", arcname="cifar-10-batches-bin")
        evil = tarfile.TarInfo("../evil.txt")
        evil.size = 1
        tar.addfile(evil, io.BytesIO(b"x"))
    archive = buf.getvalue()
    import hashlib
    monkeypatch.setattr(CIFAR10, "tgz_md5", hashlib.md5(archive).hexdigest())
    seen = []
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(archive, seen))
    root = tmp_path / "root"
    ds = CIFAR10(root, train=False, download=True)
    assert seen == [CIFAR10.url] and ds.targets == [3, 9, 0]
    assert not (tmp_path / "evil.txt").exists()
    CIFAR10(root, train=True, download=True)  # present now: nothing fetched
    assert len(seen) == 1


def test_download_offline_and_md5(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(urllib.error.URLError("offline"), seen))
    with pytest.raises(RuntimeError, match="no internet access"):
        CIFAR10(tmp_path, download=True)
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(b"not the archive", seen))
    with pytest.raises(RuntimeError, match="MD5 mismatch.*c32a1d4ab5d03f1284b67883e8d87530"):
        CIFAR10(tmp_path, download=True)
    assert not (tmp_path / CIFAR10.filename).exists()


def test_fakedata_deterministic():
    ds = FakeData(size=20, image_size=(3, 8, 6), num_classes=4)
    assert len(ds) == 20
    img, target = ds[5]
    assert img.shape == (8, 6, 3) and img.dtype == np.uint8 and 0 <= target < 4
    again, t2 = FakeData(size=20, image_size=(3, 8, 6), num_classes=4)[5]
    np.testing.assert_array_equal(img, again)
    assert t2 == target
    assert not np.array_equal(ds[6][0], img)
    shifted = FakeData(size=20, image_size=(3, 8, 6), num_classes=4, random_offset=1)
    np.testing.assert_array_equal(shifted[4][0], img)  # offset shifts the seeds
    targets = {ds[i][1] for i in range(20)}
    assert targets <= set(range(4)) and len(targets) > 1
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[20]


def test_fakedata_gray_and_transform():
    ds = FakeData(size=3, image_size=(1, 5, 7), transform=transforms.ToTensor(), target_transform=str)
    x, y = ds[0]
    assert x.shape == (1, 5, 7) and isinstance(y, str)
    assert repr(ds).splitlines()[:2] == ["Dataset FakeData", "    Number of datapoints: 3"]
