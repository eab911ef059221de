"""dygrad.vision.utils: make_grid against hand-built grids and torchvision's; save_image files
read back with Pillow (an optional extra), its errors and its atomic write."""
import io
import os
import sys

import numpy as np
import pytest

import dygrad
from dygrad.vision.utils import make_grid, save_image


def _read(fp):
    """(pixels, format) of an image file, closing it (ResourceWarnings are errors)."""
    from PIL import Image
    with Image.open(fp) as im:
        return np.asarray(im), im.format


def _imgs(shape, seed=0):
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


def test_make_grid_layout_by_hand():
    x = _imgs((5, 3, 4, 6))
    g = make_grid(dygrad.tensor(x), nrow=2, padding=1, pad_value=0.5).numpy()
    assert g.shape == (3, 3 * 5 + 1, 2 * 7 + 1)
    for k in range(5):
        r, c = divmod(k, 2)
        np.testing.assert_array_equal(g[:, 1 + 5 * r:5 + 5 * r, 1 + 7 * c:7 + 7 * c], x[k])
    assert np.all(g[:, 0, :] == 0.5) and np.all(g[:, 11:, 8:] == 0.5)  # the empty sixth cell


def test_make_grid_single_images_and_gray():
    x = _imgs((1, 1, 4, 4))
    g = make_grid(dygrad.tensor(x)).numpy()
    assert g.shape == (3, 4, 4) and np.array_equal(g[0], x[0, 0]) and np.array_equal(g[2], x[0, 0])
    assert make_grid(dygrad.tensor(x[0, 0])).shape == (3, 4, 4)
    assert make_grid([dygrad.tensor(x[0])] * 3, padding=0).shape == (3, 4, 12)
    # as torchvision's, the grid is built without autograd
    assert not make_grid(dygrad.rand(2, 3, 4, 4, requires_grad=True)).requires_grad


def test_make_grid_normalize_leaves_input_alone():
    x = dygrad.tensor(_imgs((2, 3, 2, 2)) * 4 - 1)
    before = x.numpy().copy()
    g = make_grid(x, normalize=True, padding=0).numpy()
    assert g.min() == 0.0 and g.max() == 1.0
    np.testing.assert_array_equal(x.numpy(), before)
    g = make_grid(x, normalize=True, value_range=(0, 2), padding=0).numpy()
    np.testing.assert_allclose(g[:, :, :2], np.clip(before[0], 0, 2) / 2, rtol=1e-6)


def test_make_grid_errors():
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        make_grid(np.zeros((2, 3, 4, 4)))
    with pytest.raises(TypeError, match="got a list containing"):
        make_grid([dygrad.zeros(3, 4, 4), np.zeros((3, 4, 4))])
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(dygrad.zeros(2, 3, 4, 4), normalize=True, value_range=[0, 1])


CASES = [
    ((7, 3, 5, 4), {}),
    ((7, 3, 5, 4), {"nrow": 3, "padding": 0}),
    ((4, 1, 6, 6), {"nrow": 2, "padding": 3, "pad_value": 0.25}),
    ((6, 3, 4, 4), {"normalize": True}),
    ((6, 3, 4, 4), {"normalize": True, "scale_each": True}),
    ((6, 3, 4, 4), {"normalize": True, "value_range": (-0.5, 0.5), "scale_each": True}),
    ((1, 3, 4, 4), {"normalize": True}),
    ((3, 4, 4), {}),
    ((2, 4, 5, 5), {"nrow": 1}),
]


@pytest.mark.parametrize("shape,kwargs", CASES)
def test_make_grid_matches_torchvision(shape, kwargs):
    torch = pytest.importorskip("torch")
    tv_utils = pytest.importorskip("torchvision.utils")
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    want = tv_utils.make_grid(torch.tensor(x), **kwargs).numpy()
    got = make_grid(dygrad.tensor(x), **kwargs).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_make_grid_list_matches_torchvision():
    torch = pytest.importorskip("torch")
    tv_utils = pytest.importorskip("torchvision.utils")
    xs = [np.random.default_rng(i).random((3, 5, 5), dtype=np.float32) for i in range(5)]
    want = tv_utils.make_grid([torch.tensor(x) for x in xs], nrow=4).numpy()
    np.testing.assert_array_equal(make_grid([dygrad.tensor(x) for x in xs], nrow=4).numpy(), want)


def test_save_image_png_round_trip(tmp_path):
    pytest.importorskip("PIL.Image")
    x = _imgs((4, 3, 5, 6))
    save_image(dygrad.tensor(x), tmp_path / "grid.png", nrow=2, padding=1)
    back, _ = _read(tmp_path / "grid.png")
    grid = make_grid(dygrad.tensor(x), nrow=2, padding=1).numpy()
    want = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(back, want)
    assert [p.name for p in tmp_path.iterdir()] == ["grid.png"]  # no temporary file left


def test_save_image_formats_and_file_objects(tmp_path):
    pytest.importorskip("PIL.Image")
    x = dygrad.tensor(_imgs((3, 16, 16)))
    save_image(x, str(tmp_path / "a.jpg"))
    pixels, fmt = _read(tmp_path / "a.jpg")
    assert fmt == "JPEG" and pixels.shape == (16, 16, 3)
    buf = io.BytesIO()
    save_image(x, buf, format="PNG")
    buf.seek(0)
    np.testing.assert_array_equal(_read(buf)[0],
                                  (x.numpy() * 255 + 0.5).astype(np.uint8).transpose(1, 2, 0))
    save_image(x, tmp_path / "noext", format="PNG")
    assert _read(tmp_path / "noext")[1] == "PNG"
    with pytest.raises(ValueError, match="unknown file extension: .xyz"):
        save_image(x, tmp_path / "a.xyz")


def test_save_image_matches_torchvision(tmp_path):
    torch = pytest.importorskip("torch")
    tv_utils = pytest.importorskip("torchvision.utils")
    pytest.importorskip("PIL.Image")
    x = np.random.default_rng(5).standard_normal((5, 1, 7, 7)).astype(np.float32) * 0.6 + 0.5
    tv_utils.save_image(torch.tensor(x), tmp_path / "tv.png", nrow=3)
    save_image(dygrad.tensor(x), tmp_path / "dg.png", nrow=3)
    np.testing.assert_array_equal(_read(tmp_path / "dg.png")[0], _read(tmp_path / "tv.png")[0])


def test_save_image_is_atomic(tmp_path, monkeypatch):
    Image = pytest.importorskip("PIL.Image")
    target = tmp_path / "keep.png"
    save_image(dygrad.zeros(3, 4, 4), target)
    before = target.read_bytes()

    def broken(self, fp, format=None, **params):
        fp.write(b"partial")
        raise OSError("disk full")
    monkeypatch.setattr(Image.Image, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        save_image(dygrad.ones(3, 4, 4), target)
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.png"]


def test_save_image_without_pillow_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install pillow"):
        save_image(dygrad.zeros(3, 4, 4), tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
