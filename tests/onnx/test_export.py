"""torch.onnx.export: the file passes onnx's checker and onnxruntime gives dygrad's outputs
(float32, within 1e-5) at the export batch size and at others (dynamic_axes)."""
import io
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import dygrad as torch
from dygrad import nn
from dygrad.vision import models

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

DYN = {"x": {0: "batch"}, "y": {0: "batch"}}


def _export(model, x, f=None, **kw):
    f = io.BytesIO() if f is None else f
    torch.onnx.export(model, (x,), f, input_names=["x"], output_names=["y"], **kw)
    return f


def _session(data):
    return ort.InferenceSession(data, providers=["CPUExecutionProvider"])


def _check(model, x, batches):
    model.eval()
    data = _export(model, x, dynamic_axes=DYN).getvalue()
    onnx.checker.check_model(onnx.load_from_string(data))
    sess = _session(data)
    torch.manual_seed(1)
    for b in [x.shape[0]] + batches:
        xb = torch.randn(b, *x.shape[1:])
        with torch.no_grad():
            want = model(xb).numpy()
        got = sess.run(None, {"x": xb.numpy()})[0]
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)


def test_mlp():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 16),
                          nn.GELU(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 8), nn.Sigmoid(),
                          nn.Linear(8, 3), nn.LogSoftmax(dim=1))
    _check(model, torch.randn(4, 6), [1, 9])


class Mixed(nn.Module):
    """Functional ops the layers above do not reach: operators with scalars and broadcasting,
    matmul/addmm, softmax, cat, mean, flatten/view, avg and adaptive pooling, conv options."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2)
        self.same = nn.Conv2d(6, 6, 4, padding="same", bias=False)
        self.w = nn.Parameter(torch.randn(6, 5))
        self.b = nn.Parameter(torch.randn(5))

    def forward(self, x):
        y = self.same(self.conv(x))
        y = torch.nn.functional.avg_pool2d(y, 3, stride=1, padding=1, count_include_pad=False)
        p = torch.nn.functional.adaptive_avg_pool2d(y, (2, 2))
        g = torch.nn.functional.adaptive_avg_pool2d(y, 1).flatten(1)
        m = y.mean(dim=(2, 3))
        h = torch.cat([g * 2.0 - m / 3, 1 - g], dim=1)
        h = torch.addmm(self.b, h[:, :6] + h[:, 6:], self.w) + (m @ self.w) / 2
        return torch.softmax(h, dim=-1) + p.view(p.size(0), -1).mean(1, keepdim=True)


def test_functional_ops():
    torch.manual_seed(0)
    _check(Mixed(), torch.randn(2, 4, 16, 16), [1, 4])


def test_path_and_file_object_give_the_same_model(tmp_path):
    torch.manual_seed(0)
    model = models.lenet5().eval()
    x = torch.randn(1, 1, 28, 28)
    path = tmp_path / "lenet.onnx"
    _export(model, x, str(path))
    buf = _export(model, x)
    assert path.read_bytes() == buf.getvalue()
    assert os.listdir(tmp_path) == ["lenet.onnx"]
    got = _session(str(path)).run(None, {"x": x.numpy()})[0]
    with torch.no_grad():
        np.testing.assert_allclose(got, model(x).numpy(), rtol=0, atol=1e-5)


class Head(nn.Module):
    def forward(self, x):
        return x.cumprod(1)


def test_op_without_lowering_names_op_module_and_shapes_and_writes_nothing(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), Head()).eval()
    path = tmp_path / "m.onnx"
    with pytest.raises(torch.onnx.UnsupportedOperatorError) as e:
        _export(model, torch.randn(2, 3), str(path))
    msg = str(e.value)
    assert "'cumprod'" in msg and "module '1'" in msg and "[2, 4]" in msg
    assert os.listdir(tmp_path) == []


def test_import_without_onnx_and_the_error_at_export():
    code = textwrap.dedent("""
        import sys
        sys.modules["onnx"] = None
        import dygrad.compat
        dygrad.compat.install()
        import torch
        import torch.onnx
        try:
            torch.onnx.export(torch.nn.Linear(2, 2), (torch.zeros(1, 2),), "never.onnx")
        except ImportError as e:
            print(e)
        else:
            raise SystemExit("no ImportError")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert r.returncode == 0, r.stderr
    assert "pip install dygrad[onnx]" in r.stdout


class BatchSlices(nn.Module):
    def forward(self, x):
        return x[1:] * x[:-1] + x[-1] - x[-2, 1:2]


def test_slices_of_the_batch_axis_follow_the_batch_size():
    _check(BatchSlices(), torch.randn(3, 4), [2, 6])


class WriteThroughView(nn.Module):
    def forward(self, x):
        y = x * 2
        v = y.view(-1)
        y.relu_()
        return v + 1


def test_in_place_write_seen_through_a_view_is_refused():
    with pytest.raises(torch.onnx.UnsupportedOperatorError, match="in place"):
        _export(WriteThroughView().eval(), torch.randn(2, 3))


def test_dynamo_flag_and_opset_are_accepted():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU()).eval()
    x = torch.randn(2, 3)
    for opset in (13, 18):
        data = _export(model, x, dynamo=True, opset_version=opset).getvalue()
        proto = onnx.load_from_string(data)
        assert proto.opset_import[0].version == opset
        got = _session(data).run(None, {"x": x.numpy()})[0]
        with torch.no_grad():
            np.testing.assert_allclose(got, model(x).numpy(), rtol=0, atol=1e-6)


class Tokens(nn.Module):
    """Layout and normalisation ops of sequence models: transpose/permute, (un)squeeze,
    layer norm, the other activations, sum, clone/contiguous."""

    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(6)
        self.plain = nn.LayerNorm([4, 6], elementwise_affine=False)
        self.act = nn.Sequential(nn.LeakyReLU(0.2), nn.Hardtanh(-0.5, 0.7), nn.SiLU(), nn.ReLU6())

    def forward(self, x):                       # x: (batch, 4, 6)
        y = self.norm(x).transpose(1, 2).contiguous()      # (batch, 6, 4)
        y = self.act(y.permute(0, 2, 1).clone() * 3)       # (batch, 4, 6)
        z = self.plain(y).unsqueeze(1).squeeze(1)
        return z.sum(dim=-1, keepdim=True) + torch.swapaxes(z, 1, 2).sum(1).unsqueeze(-1)


def test_sequence_layout_ops():
    torch.manual_seed(0)
    model = Tokens()
    with torch.no_grad():
        model.norm.weight.uniform_(0.5, 1.5)
        model.norm.bias.uniform_(-0.5, 0.5)
    _check(model, torch.randn(2, 4, 6), [1, 5])


class AppendAfterCat(nn.Module):
    def forward(self, x):
        feats = [x]
        for _ in range(3):
            feats.append(torch.cat(feats, 1).sum(1, keepdim=True))
        return torch.cat(feats, 1)


def test_arguments_are_taken_as_the_call_saw_them():
    _check(AppendAfterCat(), torch.randn(2, 3, 4), [1, 3])


class GrowConstant(nn.Module):
    def forward(self, x):
        acc = torch.zeros(3)        # a constant of the file...
        acc += x.sum(0)             # ...that the forward then updates in place from the input
        acc2 = torch.ones(3) * 2
        y = x * acc2
        acc2.add_(1)                # a constant changed after a use: that use must see 2
        return y + acc + acc2


def test_constants_are_taken_as_each_call_saw_them():
    _check(GrowConstant(), torch.randn(4, 3), [1, 6])


def test_pytorch_options_accepted_refused_or_a_typeerror_never_ignored():
    m = nn.Sequential(nn.Linear(3, 2)).eval()
    x = torch.randn(2, 3)
    # options that tune PyTorch's own pipeline or reports change nothing in the file
    data = _export(m, x, external_data=False, optimize=False, verify=True, report=False,
                   autograd_inlining=True,
                   operator_export_type=torch.onnx.OperatorExportTypes.ONNX).getvalue()
    got = _session(data).run(None, {"x": x.numpy()})[0]
    np.testing.assert_allclose(got, m(x).detach().numpy(), rtol=1e-6, atol=1e-6)
    # one that would change the file is refused, naming it and the dygrad spelling
    with pytest.raises(NotImplementedError, match="dynamic_shapes.*dynamic_axes"):
        torch.onnx.export(m, (x,), io.BytesIO(), dynamic_shapes={"input": {0: "batch"}})
    with pytest.raises(NotImplementedError, match="export_modules_as_functions"):
        torch.onnx.export(m, (x,), io.BytesIO(), export_modules_as_functions=True)
    # a misspelt keyword is a TypeError, not a silently fixed-size file
    with pytest.raises(TypeError):
        torch.onnx.export(m, (x,), io.BytesIO(), dynamic_axis={"input": {0: "batch"}})
