import numpy as np
import pytest

import dygrad
from dygrad.vision import transforms as T
from dygrad.vision.transforms import functional as F


def img_u8(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


# ----------------------------------------------------------------------------- ToTensor

def test_to_tensor_hand_values():
    arr = np.array([[0, 51, 255], [102, 1, 128]], dtype=np.uint8)
    t = T.ToTensor()(arr)
    assert t.shape == (1, 2, 3) and t.dtype == dygrad.float32
    got = t.numpy()[0]
    assert got[0].tolist() == [0.0, np.float32(0.2), 1.0] and got[1, 0] == np.float32(0.4)
    np.testing.assert_array_equal(got, arr.astype(np.float32) / np.float32(255))


def test_to_tensor_hwc_transposes():
    arr = img_u8((4, 5, 3))
    t = F.to_tensor(arr)
    assert t.shape == (3, 4, 5)
    np.testing.assert_array_equal(t.numpy()[2], arr[:, :, 2] / np.float32(255))
    assert t.numpy().flags.c_contiguous


def test_to_tensor_other_dtypes_keep_values():
    f = np.random.default_rng(1).standard_normal((4, 5, 2))
    t = F.to_tensor(f)
    assert t.dtype == dygrad.float64 and t.shape == (2, 4, 5)
    np.testing.assert_array_equal(t.numpy(), f.transpose(2, 0, 1))
    i = np.arange(6, dtype=np.int16).reshape(2, 3)
    assert F.to_tensor(i).dtype == dygrad.int16 and F.to_tensor(i).numpy()[0, 1, 2] == 5


def test_to_tensor_follows_default_dtype():
    old = dygrad.get_default_dtype()
    dygrad.set_default_dtype(dygrad.float64)
    try:
        t = F.to_tensor(np.array([[51]], dtype=np.uint8))
    finally:
        dygrad.set_default_dtype(old)
    assert t.dtype == dygrad.float64 and t.item() == 0.2


def test_to_tensor_errors():
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        F.to_tensor(dygrad.zeros(1, 2, 2))
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 4 dimensions."):
        F.to_tensor(np.zeros((1, 2, 2, 1), np.uint8))
    with pytest.raises(TypeError, match="uint16"):
        F.to_tensor(np.zeros((2, 2), np.uint16))


def test_to_tensor_matches_torch_formula():
    torch = pytest.importorskip("torch")
    arr = img_u8((6, 7, 3), seed=3)
    # torchvision: from_numpy(pic.transpose(2, 0, 1)).contiguous().to(float).div(255)
    ref = torch.from_numpy(arr.transpose(2, 0, 1)).contiguous().to(torch.float32).div(255)
    np.testing.assert_array_equal(F.to_tensor(arr).numpy(), ref.numpy())


# ----------------------------------------------------------------------------- ToImage / dtypes

def test_to_image_and_pil_to_tensor():
    arr = img_u8((4, 5, 3))
    for t in (T.ToImage()(arr), T.PILToTensor()(arr)):
        assert t.dtype == dygrad.uint8 and t.shape == (3, 4, 5)
        np.testing.assert_array_equal(t.numpy(), arr.transpose(2, 0, 1))
    assert T.ToImage()(arr[:, :, 0]).shape == (1, 4, 5)
    assert T.ToImage()(dygrad.zeros(4, 5)).shape == (1, 4, 5)
    x = dygrad.zeros(2, 4, 5)
    assert T.ToImage()(x) is x
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.PILToTensor()(x)
    assert repr(T.ToImage()) == "ToImage()" and repr(T.PILToTensor()) == "PILToTensor()"


def test_convert_image_dtype_hand_values():
    u = dygrad.tensor([[[0, 1, 128, 255]]], dtype=dygrad.uint8)
    f = T.ConvertImageDtype(dygrad.float32)(u)
    assert f.dtype == dygrad.float32
    np.testing.assert_array_equal(f.numpy(), np.array([[[0, 1, 128, 255]]], np.float32) / np.float32(255))
    x = dygrad.tensor([[[0.0, 0.5, 0.999, 1.0]]])
    # x * (255 + 1 - 0.001), truncated
    assert F.convert_image_dtype(x, dygrad.uint8).numpy().ravel().tolist() == [0, 127, 255, 255]
    assert F.convert_image_dtype(dygrad.tensor([[[32767, 256]]], dtype=dygrad.int16),
                                 dygrad.uint8).numpy().ravel().tolist() == [255, 2]
    assert F.convert_image_dtype(u, dygrad.int16).numpy().ravel().tolist() == [0, 128, 16384, 32640]
    d = F.convert_image_dtype(x, dygrad.float64)
    assert d.dtype == dygrad.float64 and d.numpy().ravel()[1] == 0.5
    assert F.convert_image_dtype(x, dygrad.float32) is x
    with pytest.raises(RuntimeError, match="The cast from torch.float32 to torch.int32 cannot be performed"):
        F.convert_image_dtype(x, dygrad.int32)
    assert repr(T.ConvertImageDtype(dygrad.float32)) == "ConvertImageDtype()"


def test_convert_image_dtype_numpy():
    arr = np.array([[0, 255]], np.uint8)
    out = F.convert_image_dtype(arr, dygrad.float32)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and out.tolist() == [[0.0, 1.0]]


def test_to_dtype():
    u = dygrad.tensor([[[0, 3, 200, 255]]], dtype=dygrad.uint8)
    plain = T.ToDtype(dygrad.float32)(u)
    assert plain.dtype == dygrad.float32 and plain.numpy().ravel().tolist() == [0, 3, 200, 255]
    scaled = T.ToDtype(dygrad.float32, scale=True)(u)
    # v2 multiplies by the float32 reciprocal of 255
    np.testing.assert_array_equal(scaled.numpy(), u.numpy().astype(np.float32) * np.float32(1 / 255))
    assert F.to_dtype(u, dygrad.int8, scale=True).numpy().ravel().tolist() == [0, 1, 100, 127]
    i8 = dygrad.tensor([[[0, 1, 127]]], dtype=dygrad.int8)
    assert F.to_dtype(i8, dygrad.int16, scale=True).numpy().ravel().tolist() == [0, 256, 32512]
    f = dygrad.tensor([[[0.5, 1.0]]])
    assert F.to_dtype(f, dygrad.uint8, scale=True).numpy().ravel().tolist() == [127, 255]
    assert F.to_dtype(f, dygrad.uint8).numpy().ravel().tolist() == [0, 1]
    with pytest.raises(RuntimeError, match="The conversion from torch.float32 to torch.int64"):
        F.to_dtype(f, dygrad.int64, scale=True)
    assert repr(T.ToDtype(dygrad.float32, scale=True)) == "ToDtype(scale=True)"
    arr = np.array([[255]], np.uint8)
    assert F.to_dtype(arr, dygrad.float32, scale=True).dtype == np.float32


def test_to_dtype_keeps_grad_float_to_float():
    x = dygrad.tensor([[[1.0, 2.0]]], requires_grad=True)
    y = F.to_dtype(x, dygrad.float64, scale=True)
    y.sum().backward()
    assert y.dtype == dygrad.float64 and x.grad.numpy().tolist() == [[[1.0, 1.0]]]


# ----------------------------------------------------------------------------- Normalize

def test_normalize_hand_values():
    x = dygrad.tensor([[[0.0, 0.5, 1.0]], [[0.2, 0.4, 0.6]]])
    y = T.Normalize((0.5, 0.2), (0.5, 0.2))(x)
    np.testing.assert_allclose(y.numpy(), [[[-1, 0, 1]], [[0, 1, 2]]], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(x.numpy()[0], [[0.0, 0.5, 1.0]])  # not in place


def test_normalize_matches_torch():
    torch = pytest.importorskip("torch")
    arr = np.random.default_rng(0).random((2, 3, 4, 5), dtype=np.float32)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    got = F.normalize(dygrad.from_numpy(arr.copy()), mean, std).numpy()
    ref = (torch.from_numpy(arr) - torch.tensor(mean).view(-1, 1, 1)) / torch.tensor(std).view(-1, 1, 1)
    np.testing.assert_array_equal(got, ref.numpy())


def test_normalize_inplace_numpy_and_grad():
    x = dygrad.tensor([[[2.0, 4.0]]])
    out = F.normalize(x, [1.0], [2.0], inplace=True)
    assert out is x and x.numpy().tolist() == [[[0.5, 1.5]]]
    hwc = np.array([[[0.5, 1.0]]], np.float32)  # H=1, W=1, C=2
    np.testing.assert_allclose(F.normalize(hwc, [0.5, 0.0], [0.5, 2.0]), [[[0.0, 0.5]]])
    g = dygrad.tensor([[[1.0, 3.0]]], requires_grad=True)
    F.normalize(g, [1.0], [4.0]).sum().backward()
    assert g.grad.numpy().tolist() == [[[0.25, 0.25]]]


def test_normalize_errors():
    with pytest.raises(TypeError, match=r"Input tensor should be a float tensor. Got torch.uint8."):
        F.normalize(dygrad.zeros(1, 2, 2, dtype=dygrad.uint8), [0.5], [0.5])
    with pytest.raises(ValueError, match=r"size \(\.\.\., C, H, W\)"):
        F.normalize(dygrad.zeros(2, 2), [0.5], [0.5])
    with pytest.raises(ValueError, match="std evaluated to zero after conversion to torch.float32"):
        F.normalize(dygrad.zeros(1, 2, 2), [0.5], [0.0])
    with pytest.raises(ValueError, match="mean has 2 values but the image has 3 channels"):
        F.normalize(dygrad.zeros(3, 2, 2), [0.5, 0.5], [1.0])
    assert repr(T.Normalize((0.1307,), (0.3081,))) == "Normalize(mean=(0.1307,), std=(0.3081,))"


# ----------------------------------------------------------------------------- Compose / Lambda

def test_compose_and_lambda():
    pipe = T.Compose([T.ToTensor(), T.Lambda(lambda t: t * 2), T.Normalize([1.0], [1.0])])
    out = pipe(np.array([[255, 0]], np.uint8))
    assert out.numpy().tolist() == [[[1.0, -1.0]]]
    assert repr(pipe) == "Compose(\n    ToTensor()\n    Lambda()\n    Normalize(mean=[1.0], std=[1.0])\n)"
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)


def test_normalize_picks_up_new_mean():
    n = T.Normalize((0.5,), (0.5,))
    x = dygrad.ones(1, 2, 2)
    assert n(x).numpy().ravel().tolist() == [1.0] * 4
    n.mean = (1.0,)
    assert n(x).numpy().ravel().tolist() == [0.0] * 4
    assert n(np.ones((2, 2), np.float32)).tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_v2_namespace_and_pipeline_on_hwc():
    from dygrad.vision.transforms import v2
    hwc = img_u8((3, 4, 3))
    out = v2.Compose([T.Pad(np.int64(1)), v2.ToImage(), v2.ToDtype(dygrad.float32, scale=True)])(hwc)
    assert out.shape == (3, 5, 6) and out.dtype == dygrad.float32
    np.testing.assert_array_equal(out.numpy()[:, 1:-1, 1:-1],
                                  hwc.transpose(2, 0, 1).astype(np.float32) * np.float32(1 / 255))
    assert v2.Normalize is T.Normalize and v2.functional is F
    assert T.ToTensor()(T.Pad(1)(hwc)).numpy()[:, 0].max() == 0.0
