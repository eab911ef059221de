"""Every model of dygrad.vision.models exports to ONNX: the file passes onnx's checker and
onnxruntime gives dygrad's outputs at the export batch size (1) and at two others (2, 3).

Speed (the sweep must stay cheap on CI's two cores): the models are built with a cheap stand-in
for the random initialisers (values drawn from one small pool, so building VGG does not draw 130M
normals), and the models above 30M parameters are exported with export_params=False, their
parameters fed to onnxruntime as inputs (the graph is the same; writing, checking and loading
half a gigabyte of weights per model would dominate the run). Models at or under 30M parameters
carry their weights in the file.

Tolerance: float32, |onnxruntime - dygrad| <= 1e-5 * max(1, max|dygrad|). Freshly initialised
deep ResNets (eval-mode batch norm with running statistics 0/1, so nothing rescales the residual
stream) give outputs of up to ~1e4, where a different summation order alone moves the last
digits; every other model's outputs are under 1 in magnitude and meet 1e-5 absolute.
"""
import io

import numpy as np
import pytest

import dygrad as torch
from dygrad import random as _random
from dygrad.vision import models

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

# the smallest input each model takes (or near it): VGG and DenseNet halve 32 five times,
# AlexNet's stem needs 63; ResNets and MobileNets run on 16x16 (several stages still > 1x1)
SHAPES = {"lenet5": (1, 28, 28), "mlp": (1, 28, 28), "alexnet": (3, 63, 63),
          "squeezenet1_0": (3, 48, 48), "squeezenet1_1": (3, 48, 48)}
SHAPES.update({n: (3, 16, 16) for n in models.list_models() if n.startswith(
    ("resne", "wide_resnet", "mobilenet"))})
IN_FILE = 30_000_000    # parameters: up to this many travel in the file
DYN = {"x": {0: "batch"}, "y": {0: "batch"}}


class _Pool:
    """Stand-ins for dygrad.random's _uniform/_normal while models are built: strided views of
    one pool of float32 draws (element [..., i, j] is pool[start + ... + 3*i + 1*j], so
    rows, channels and kernel axes all differ and a transposed axis shows), which the
    initialisers copy once into the parameters (no draw of 130M normals for VGG)."""

    STRIDES = (1, 3, 7, 11, 13)

    def __init__(self):
        rng = np.random.default_rng(0)
        self.normal = rng.standard_normal(1 << 18).astype(np.float32)
        self.uniform = rng.random(1 << 18).astype(np.float32)
        self.at = 0

    def _take(self, pool, shape, scale, shift, npdt):
        shape = tuple(int(n) for n in shape)
        strides = self.STRIDES[:len(shape)][::-1]      # the last axis contiguous
        span = sum((n - 1) * s for n, s in zip(shape, strides)) + 1
        self.at = (self.at + 7919) % (pool.size // 2)
        small = pool[self.at:] * np.float32(scale) + np.float32(shift)
        small = small.astype(npdt or np.float32)
        if span <= small.size:
            item = small.itemsize
            return np.lib.stride_tricks.as_strided(small, shape, [s * item for s in strides],
                                                   writeable=False)
        n = int(np.prod(shape, dtype=np.int64))
        return np.resize(small, n).reshape(shape)

    def uniform_(self, shape, a, b, generator=None, npdt=None):
        return self._take(self.uniform, shape, b - a, a, npdt)

    def normal_(self, shape, mean, std, generator=None, npdt=None):
        return self._take(self.normal, shape, std, mean, npdt)


def _build(name, monkeypatch):
    pool = _Pool()
    with monkeypatch.context() as m:
        m.setattr(_random, "_uniform", pool.uniform_)
        m.setattr(_random, "_normal", pool.normal_)
        model = models.get_model(name, num_classes=10).eval()
    # running statistics that are not the fresh 0/1, so batch norm's lowering is exercised
    with torch.no_grad():
        for m in model.modules():
            if getattr(m, "running_mean", None) is not None:
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
    return model


@pytest.mark.parametrize("name", models.list_models())
def test_vision_model_matches_onnxruntime(name, monkeypatch):
    model = _build(name, monkeypatch)
    shape = SHAPES.get(name, (3, 32, 32))    # VGG, DenseNet
    params = dict(model.state_dict())
    in_file = sum(p.numel() for p in model.parameters()) <= IN_FILE
    torch.manual_seed(0)
    f = io.BytesIO()
    torch.onnx.export(model, (torch.randn(1, *shape),), f, input_names=["x"],
                      output_names=["y"], dynamic_axes=DYN, export_params=in_file)
    data = f.getvalue()
    onnx.checker.check_model(data)
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    feeds = {i.name: params[i.name].numpy() for i in sess.get_inputs() if i.name != "x"}
    assert bool(feeds) != in_file
    for b in (1, 2, 3):
        x = torch.randn(b, *shape)
        with torch.no_grad():
            want = model(x).numpy()
        got = sess.run(None, {"x": x.numpy(), **feeds})[0]
        assert got.shape == want.shape == (b, 10) and got.dtype == want.dtype
        scale = max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5 * scale)
