import numpy as np
import pytest

import dygrad
from dygrad.vision import transforms as T
from dygrad.vision.transforms import functional as F

A = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8)


def chw(arr):
    return dygrad.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def img_u8(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


# ----------------------------------------------------------------------------- flips

def test_flips_on_arrays_and_tensors():
    assert F.hflip(A).tolist() == [[3, 2, 1], [6, 5, 4]]
    assert F.vflip(A).tolist() == [[4, 5, 6], [1, 2, 3]]
    hwc = img_u8((4, 5, 3))
    np.testing.assert_array_equal(F.hflip(hwc), hwc[:, ::-1])
    t = dygrad.from_numpy(img_u8((2, 3, 4, 5)))
    np.testing.assert_array_equal(F.hflip(t).numpy(), t.numpy()[..., ::-1])
    np.testing.assert_array_equal(F.vflip(t).numpy(), t.numpy()[..., ::-1, :])
    assert F.hflip(t).dtype == dygrad.uint8


def test_flip_grad():
    x = dygrad.tensor([[[1.0, 2.0, 3.0]]], requires_grad=True)
    y = F.hflip(x)
    (y * dygrad.tensor([[[1.0, 10.0, 100.0]]])).sum().backward()
    assert y.detach().numpy().tolist() == [[[3.0, 2.0, 1.0]]]
    assert x.grad.numpy().tolist() == [[[100.0, 10.0, 1.0]]]


@pytest.mark.parametrize("cls,fn", [(T.RandomHorizontalFlip, F.hflip), (T.RandomVerticalFlip, F.vflip)])
def test_random_flip_uses_global_rng(cls, fn):
    img = img_u8((4, 4))
    assert np.array_equal(cls(p=1.0)(img), fn(img)) and cls(p=0.0)(img) is img
    t = cls(p=0.3)
    dygrad.manual_seed(123)
    flipped = [not np.array_equal(t(img), img) for _ in range(40)]
    dygrad.manual_seed(123)
    expected = [dygrad.rand(1).item() < 0.3 for _ in range(40)]
    assert flipped == expected and 0 < sum(flipped) < 40
    assert repr(t) == f"{cls.__name__}(p=0.3)"


# ----------------------------------------------------------------------------- pad

def test_pad_modes_by_hand():
    assert F.pad(A, 1, fill=9).tolist() == [[9] * 5, [9, 1, 2, 3, 9], [9, 4, 5, 6, 9], [9] * 5]
    assert F.pad(A, 1, padding_mode="edge").tolist() == [
        [1, 1, 2, 3, 3], [1, 1, 2, 3, 3], [4, 4, 5, 6, 6], [4, 4, 5, 6, 6]]
    assert F.pad(A, 1, padding_mode="reflect").tolist() == [
        [5, 4, 5, 6, 5], [2, 1, 2, 3, 2], [5, 4, 5, 6, 5], [2, 1, 2, 3, 2]]
    assert F.pad(A, [2, 0], padding_mode="symmetric").tolist() == [
        [2, 1, 1, 2, 3, 3, 2], [5, 4, 4, 5, 6, 6, 5]]
    # (left, top, right, bottom)
    assert F.pad(A, (1, 0, 0, 1)).tolist() == [[0, 1, 2, 3], [0, 4, 5, 6], [0, 0, 0, 0]]
    # negative amounts crop
    assert F.pad(A, (-1, 0, 1, 0)).tolist() == [[2, 3, 0], [5, 6, 0]]


def test_pad_hwc_and_tensor_agree():
    hwc = img_u8((5, 6, 3))
    for mode in ("constant", "edge", "reflect", "symmetric"):
        a = F.pad(hwc, (1, 2, 3, 4), fill=7, padding_mode=mode)
        t = F.pad(chw(hwc), (1, 2, 3, 4), fill=7, padding_mode=mode)
        assert a.shape == (11, 10, 3) and t.shape == (3, 11, 10) and t.dtype == dygrad.uint8
        np.testing.assert_array_equal(a.transpose(2, 0, 1), t.numpy())
    per_channel = F.pad(hwc, 1, fill=(1, 2, 3))
    assert per_channel[0, 0].tolist() == [1, 2, 3]


def test_pad_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 6)).astype(np.float32)
    for mode, tmode in (("constant", "constant"), ("edge", "replicate"), ("reflect", "reflect")):
        got = F.pad(dygrad.from_numpy(x), (1, 2, 3, 4), padding_mode=mode).numpy()
        # torch's pad order is (left, right, top, bottom)
        ref = torch.nn.functional.pad(torch.from_numpy(x), (1, 3, 2, 4), mode=tmode).numpy()
        np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("mode", ["constant", "reflect", "symmetric"])
def test_pad_grad_matches_torch(mode):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((1, 2, 4, 5))
    w = np.random.default_rng(2).standard_normal((1, 2, 7, 8))
    a = dygrad.tensor(x, requires_grad=True)
    out = F.pad(a, (2, 1, 1, 2), fill=0.5, padding_mode=mode)
    (out * dygrad.tensor(w)).sum().backward()
    b = torch.tensor(x, requires_grad=True)
    if mode == "symmetric":
        rows, cols = np.pad(np.arange(4), (1, 2), "symmetric"), np.pad(np.arange(5), (2, 1), "symmetric")
        ref = b[..., rows[:, None], cols[None, :]]
    else:
        kw = {"value": 0.5} if mode == "constant" else {}
        ref = torch.nn.functional.pad(b, (2, 1, 1, 2), mode=mode, **kw)
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=0, atol=0)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_pad_errors_and_repr():
    with pytest.raises(ValueError, match="reflect padding"):
        F.pad(A, 2, padding_mode="reflect")
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4 element tuple, not a 3"):
        T.Pad((1, 2, 3))
    with pytest.raises(ValueError, match="Padding mode should be either constant, edge, reflect or sym"):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(TypeError, match="Got inappropriate padding arg"):
        F.pad(A, "1")
    with pytest.raises(TypeError, match="Got inappropriate fill arg"):
        T.Pad(1, fill="x")
    with pytest.raises(TypeError, match="Tensor is not a torch image."):
        F.pad(dygrad.zeros(3), 1)
    assert repr(T.Pad(4)) == "Pad(padding=4, fill=0, padding_mode=constant)"
    assert T.Pad([1, 2], padding_mode="edge")(A).shape == (6, 5)


# ----------------------------------------------------------------------------- crops

def test_crop_in_and_out_of_bounds():
    assert F.crop(A, 0, 1, 2, 2).tolist() == [[2, 3], [5, 6]]
    assert F.crop(A, -1, 2, 3, 3).tolist() == [[0, 0, 0], [3, 0, 0], [6, 0, 0]]
    t = dygrad.from_numpy(A[None].copy())
    assert F.crop(t, 1, 0, 1, 2).numpy().tolist() == [[[4, 5]]]


def test_center_crop():
    img = np.arange(30, dtype=np.uint8).reshape(5, 6)
    # top = round(3 / 2) = 2 and left = round(3 / 2) = 2; for size 4: round(0.5) = 0 (half to even)
    assert F.center_crop(img, (2, 3)).tolist() == [[14, 15, 16], [20, 21, 22]]
    assert T.CenterCrop(4)(img).tolist() == img[0:4, 1:5].tolist()
    # too small: zero padding, the odd extra row/column going to the bottom/right
    big = T.CenterCrop((3, 5))(A)
    assert big.tolist() == [[0, 1, 2, 3, 0], [0, 4, 5, 6, 0], [0, 0, 0, 0, 0]]
    t = T.CenterCrop([2])(dygrad.from_numpy(img_u8((2, 6, 6))))
    assert t.shape == (2, 2, 2)
    assert repr(T.CenterCrop(10)) == "CenterCrop(size=(10, 10))"
    with pytest.raises(ValueError, match=r"Please provide only two dimensions \(h, w\) for size."):
        T.CenterCrop((1, 2, 3))


def test_random_crop_with_padding_is_reproducible():
    img = img_u8((28, 28))
    t = T.RandomCrop(28, padding=4)
    dygrad.manual_seed(0)
    outs = [t(img) for _ in range(5)]
    dygrad.manual_seed(0)
    again = [t(img) for _ in range(5)]
    assert all(np.array_equal(a, b) for a, b in zip(outs, again))
    # the same windows, derived from the documented draws: top then left, each uniform in [0, 8]
    dygrad.manual_seed(0)
    padded = np.pad(img, 4)
    for out in outs:
        i = dygrad.randint(0, 9, size=(1,)).item()
        j = dygrad.randint(0, 9, size=(1,)).item()
        np.testing.assert_array_equal(out, padded[i:i + 28, j:j + 28])
    assert len({o.tobytes() for o in outs}) > 1
    assert repr(t) == "RandomCrop(size=(28, 28), padding=4)"


def test_random_crop_tensor_and_options():
    x = dygrad.from_numpy(img_u8((3, 8, 10)))
    dygrad.manual_seed(5)
    out = T.RandomCrop((4, 6))(x)
    dygrad.manual_seed(5)
    i, j, h, w = T.RandomCrop.get_params(x, (4, 6))
    assert out.shape == (3, 4, 6) and (h, w) == (4, 6)
    np.testing.assert_array_equal(out.numpy(), x.numpy()[:, i:i + 4, j:j + 6])
    # full-size crop draws nothing from the generator
    dygrad.manual_seed(5)
    assert T.RandomCrop.get_params(x, (8, 10)) == (0, 0, 8, 10)
    first = dygrad.rand(1).item()
    dygrad.manual_seed(5)
    assert dygrad.rand(1).item() == first
    grown = T.RandomCrop((10, 12), pad_if_needed=True, fill=255)(A)
    assert grown.shape == (10, 12) and (grown == 255).sum() == 120 - 6
    with pytest.raises(ValueError, match=r"Required crop size \(9, 9\) is larger than input image size"):
        T.RandomCrop(9)(A)


# ----------------------------------------------------------------------------- misc

def test_bad_inputs():
    with pytest.raises(TypeError, match="img should be a NumPy array"):
        F.hflip([[1, 2]])
    with pytest.raises(ValueError, match=r"H x W or H x W x C, got shape \(1, 2, 3, 4\)"):
        F.crop(np.zeros((1, 2, 3, 4)), 0, 0, 1, 1)
    assert F.get_dimensions(np.zeros((4, 5, 3))) == [3, 4, 5]
    assert F.get_dimensions(dygrad.zeros(2, 4, 5)) == [2, 4, 5]
    assert F.get_image_size(np.zeros((4, 5))) == [5, 4]
