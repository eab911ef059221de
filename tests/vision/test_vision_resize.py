import math

import numpy as np
import pytest

import dygrad
from dygrad.vision import transforms as T
from dygrad.vision.transforms import InterpolationMode
from dygrad.vision.transforms import functional as F


def ref_bilinear(img, oh, ow):
    """Pixel-by-pixel bilinear resize with half-pixel centres (align_corners=False).

    Output pixel y samples source row (y + 0.5) * H / oh - 0.5, clamped at 0 from below; the
    two neighbouring rows/columns (the last one repeated at the border) are blended linearly.
    """
    h, w = img.shape
    out = np.zeros((oh, ow))
    for y in range(oh):
        sy = max((y + 0.5) * h / oh - 0.5, 0.0)
        y0 = min(math.floor(sy), h - 1)
        y1, fy = min(y0 + 1, h - 1), sy - y0
        for x in range(ow):
            sx = max((x + 0.5) * w / ow - 0.5, 0.0)
            x0 = min(math.floor(sx), w - 1)
            x1, fx = min(x0 + 1, w - 1), sx - x0
            top = (1 - fx) * img[y0, x0] + fx * img[y0, x1]
            bottom = (1 - fx) * img[y1, x0] + fx * img[y1, x1]
            out[y, x] = (1 - fy) * top + fy * bottom
    return out


def test_bilinear_upsample_by_hand():
    img = np.array([[0.0, 10.0], [20.0, 30.0]])
    out = F.resize(img, [4, 4], antialias=False)
    assert out.tolist() == [[0, 2.5, 7.5, 10], [5, 7.5, 12.5, 15], [15, 17.5, 22.5, 25], [20, 22.5, 27.5, 30]]


def test_downsample_by_hand_with_and_without_antialias():
    row = np.array([[0.0, 10.0, 20.0, 30.0]])
    # plain bilinear samples source x = 0.5 and 2.5
    np.testing.assert_allclose(F.resize(row, [1, 2], antialias=False), [[5.0, 25.0]])
    # antialias: triangle filter stretched x2 around centres 1 and 3, weights (.75, .75, .25)
    np.testing.assert_allclose(F.resize(row, [1, 2]), [[12.5 / 1.75, 40 / 1.75]])


@pytest.mark.parametrize("shape,size", [((7, 9), (3, 4)), ((7, 9), (16, 20)), ((28, 28), (32, 32)),
                                        ((5, 12), (5, 7)), ((6, 5), (1, 11))])
def test_bilinear_matches_reference(shape, size):
    img = np.random.default_rng(0).standard_normal(shape)
    got = F.resize(img, list(size), antialias=False)
    np.testing.assert_allclose(got, ref_bilinear(img, *size), rtol=0, atol=1e-12)
    t = F.resize(dygrad.tensor(img[None]), list(size), antialias=False)
    np.testing.assert_allclose(t.numpy()[0], ref_bilinear(img, *size), rtol=0, atol=1e-12)


def test_uint8_is_rounded_and_layouts_agree():
    hwc = np.random.default_rng(1).integers(0, 256, (9, 11, 3), dtype=np.uint8)
    a = F.resize(hwc, [5, 6], antialias=False)
    assert a.dtype == np.uint8 and a.shape == (5, 6, 3)
    exp = np.stack([ref_bilinear(hwc[:, :, c].astype(np.float64), 5, 6) for c in range(3)], -1)
    assert np.abs(a.astype(int) - np.round(exp)).max() <= 1  # float32 vs float64 at .5 ties
    assert (a == np.round(exp)).mean() > 0.99
    t = F.resize(dygrad.from_numpy(np.ascontiguousarray(hwc.transpose(2, 0, 1))), [5, 6], antialias=False)
    np.testing.assert_array_equal(t.numpy(), a.transpose(2, 0, 1))


def test_nearest_keeps_dtype():
    img = np.arange(12, dtype=np.uint8).reshape(3, 4)
    # source index floor(dst * in / out)
    out = F.resize(img, [6, 2], InterpolationMode.NEAREST)
    assert out.tolist() == [[0, 2], [0, 2], [4, 6], [4, 6], [8, 10], [8, 10]]
    # nearest-exact: floor((dst + 0.5) * in / out): rows 0.75 -> 0, 2.25 -> 2; columns 1, 3
    assert F.resize(img, [2, 2], InterpolationMode.NEAREST_EXACT).tolist() == [[1, 3], [9, 11]]


def test_output_size_rules():
    img = np.zeros((20, 30), np.float32)
    assert F.resize(img, 10).shape == (10, 15)
    assert F.resize(img, [10]).shape == (10, 15)
    assert F.resize(np.zeros((30, 20)), 10).shape == (15, 10)
    assert F.resize(img, 10, max_size=12).shape == (8, 12)
    assert F.resize(img, (7, 3)).shape == (7, 3)
    assert F.resize(img, 20) is img
    with pytest.raises(ValueError, match="max_size = 10 must be strictly greater"):
        F.resize(img, 10, max_size=10)
    with pytest.raises(ValueError, match="max_size should only be passed"):
        T.Resize((3, 4), max_size=5)
    with pytest.raises(ValueError, match="If size is a sequence, it should have 1 or 2 values"):
        T.Resize((1, 2, 3))
    with pytest.raises(TypeError, match="Size should be int or sequence"):
        T.Resize(2.5)
    with pytest.raises(ValueError, match="only available for PIL"):
        F.resize(img, 5, InterpolationMode.LANCZOS)


def test_resize_repr():
    assert repr(T.Resize(32)) == "Resize(size=32, interpolation=bilinear, max_size=None, antialias=True)"
    r = T.Resize((4, 5), interpolation=InterpolationMode.NEAREST, antialias=False)
    assert repr(r) == "Resize(size=(4, 5), interpolation=nearest, max_size=None, antialias=False)"
    assert r(np.zeros((8, 8, 3), np.uint8)).shape == (4, 5, 3)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest", "nearest-exact"])
@pytest.mark.parametrize("antialias", [False, True])
def test_matches_torch_interpolate(mode, antialias):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for shape, size in (((2, 3, 7, 9), (3, 4)), ((1, 2, 9, 8), (19, 5)), ((1, 1, 28, 28), (32, 32))):
        x = rng.standard_normal(shape).astype(np.float32)
        kw = {"align_corners": False, "antialias": antialias} if mode.startswith("bi") else {}
        ref = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode=mode, **kw).numpy()
        got = F.resize(dygrad.from_numpy(x), list(size), InterpolationMode(mode), antialias=antialias)
        assert got.dtype == dygrad.float32
        np.testing.assert_allclose(got.numpy(), ref, rtol=0, atol=2e-6)
        # torchvision v1 on uint8: interpolate in float32, clamp (bicubic), round, cast back
        u = rng.integers(0, 256, shape, dtype=np.uint8)
        rf = torch.nn.functional.interpolate(torch.from_numpy(u).float(), size=size, mode=mode, **kw)
        ru = rf.clamp(0, 255).round().to(torch.uint8).numpy()
        gu = F.resize(dygrad.from_numpy(u), list(size), InterpolationMode(mode), antialias=antialias).numpy()
        # float results agree to an ulp or so, so only values at a .5 tie may round the other way
        off = gu != ru
        assert np.abs(gu.astype(int) - ru).max() <= 1
        assert np.all(np.abs(np.abs(rf.numpy() - np.floor(rf.numpy())) - 0.5)[off] < 1e-3)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_resize_grad_matches_torch(mode):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).standard_normal((1, 2, 6, 7))
    w = np.random.default_rng(5).standard_normal((1, 2, 4, 9))
    a = dygrad.tensor(x, requires_grad=True)
    (F.resize(a, [4, 9], InterpolationMode(mode)) * dygrad.tensor(w)).sum().backward()
    b = torch.tensor(x, requires_grad=True)
    kw = {"align_corners": False, "antialias": True} if mode == "bilinear" else {}
    (torch.nn.functional.interpolate(b, size=(4, 9), mode=mode, **kw) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)
