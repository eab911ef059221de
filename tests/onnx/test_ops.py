"""Lowerings of single ops through torch.onnx.export (onnxruntime against dygrad, float32 within
1e-5, at the export batch size and another), PyTorch's type promotion, indexing, and the
training-mode behaviour of PyTorch 2.13."""
import io
import warnings

import numpy as np
import pytest

import dygrad as torch
from dygrad import nn
import dygrad.nn.functional as F

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _check(model, inputs, dynamic_axes=None, atol=1e-5, **kw):
    names = [f"x{k}" for k in range(len(inputs[0]))]
    f = io.BytesIO()
    torch.onnx.export(model.eval(), tuple(inputs[0]), f, input_names=names,
                      dynamic_axes=dynamic_axes, **kw)
    data = f.getvalue()
    onnx.checker.check_model(data)
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    for xs in inputs:
        with torch.no_grad():
            want = model(*xs)
        want = want if isinstance(want, (tuple, list)) else (want,)
        got = sess.run(None, {n: x.numpy() for n, x in zip(names, xs)})
        assert len(got) == len(want)
        for a, b in zip(got, want):
            b = b.numpy()
            assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
            np.testing.assert_allclose(a, b, rtol=0, atol=atol)
    return onnx.load_from_string(data)


class Elementwise(nn.Module):
    """where, clamp/clip, comparisons and logical ops, max/min/argmax families, stack/split/
    chunk/unbind, pad modes, unary ops, type promotion."""

    def forward(self, x, idx):                         # x (B, 4, 6) float, idx (B, 4) int64
        e = x * 0.5 - 0.1
        a = torch.where(x > 0, x, x * 2) + torch.where(e < 0.1, 1.0, e)
        b = x.clamp(-0.5, 0.5) + torch.clip(x, min=0.1) + x.clamp(max=torch.zeros(6))
        c = ((x == 0) | (x != 1) & (x < 2) | (x <= 3) | x.ge(1) | ~x.gt(0)).float()
        d = x.argmax(1, keepdim=True) + torch.argmin(x, dim=1, keepdim=True) + x.argmax()
        m, i = x.max(1)
        mi = x.min(dim=-1, keepdim=True)
        mm = x.max() + x.min() + torch.amax(x, (1, 2)).mean() + x.amin(1).mean() + \
            torch.max(x, e).mean() + torch.maximum(x, e).mean()
        st = torch.stack([x, e], 1).sum(1)
        sp, ch, ub = x.split(2, 1), x.chunk(3, 2), x.unbind(1)
        p = F.pad(x, (1, 2), mode="reflect").mean(-1, keepdim=True) + \
            F.pad(x, (1, 1, 0, 2), value=3.0)[:, :4, :6] + F.pad(x, (1, 1), mode="replicate")[..., 1:-1]
        u = x.abs().sqrt().rsqrt().reciprocal() + x.sign() + x.floor() + x.erf() + \
            x.exp().log() + e.pow(2) + 2 ** e
        promoted = (idx * 2.5 + 1, (idx // 3 + idx) / 3, idx % 3, idx > 4.5, i.long(),
                    x.double(), torch.div(x, 0.7, rounding_mode="floor"),
                    torch.div(idx, -3, rounding_mode="trunc"))
        return (a + b + c + d + m.unsqueeze(1) + i.unsqueeze(1) + mi[0] + mm + st +
                sp[0].mean() + ch[1].mean() + ub[2].unsqueeze(1) + p + u, *promoted)


def test_elementwise_comparison_reduction_join_pad_and_promotion():
    torch.manual_seed(0)
    _check(Elementwise(), [(torch.randn(2, 4, 6), torch.randint(-9, 10, (2, 4))),
                           (torch.randn(3, 4, 6), torch.randint(-9, 10, (3, 4)))],
           {"x0": {0: "b"}, "x1": {0: "b"}})


class Layers(nn.Module):
    """Embedding, transposed convolutions, group norm, interpolate (nearest, nearest-exact,
    bilinear with align_corners both ways)."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 6)
        self.ct2 = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)
        self.ct1 = nn.ConvTranspose1d(4, 6, 3, stride=3, padding=2, output_padding=1, groups=2,
                                      dilation=2)
        self.gn = nn.GroupNorm(2, 2)

    def forward(self, x, idx):                       # x (B, 4, 6), idx (B, 4)
        img = x.unsqueeze(1)
        return (self.emb(idx) + x, self.gn(self.ct2(x.unsqueeze(-1).expand(-1, -1, -1, 3))),
                self.ct1(x),
                F.interpolate(img, scale_factor=2, mode="bilinear", align_corners=True),
                F.interpolate(img, size=(5, 9), mode="bilinear", align_corners=False),
                F.interpolate(img, size=(5, 7), mode="nearest"),
                F.interpolate(img, scale_factor=1.5, mode="nearest-exact"),
                F.interpolate(x, scale_factor=3))


def test_embedding_conv_transpose_group_norm_interpolate():
    torch.manual_seed(0)
    model = Layers()
    with torch.no_grad():
        model.gn.weight.uniform_(0.5, 1.5)
        model.gn.bias.uniform_(-0.5, 0.5)
    _check(model, [(torch.randn(2, 4, 6), torch.randint(0, 10, (2, 4))),
                   (torch.randn(3, 4, 6), torch.randint(0, 10, (3, 4)))],
           {"x0": {0: "b"}, "x1": {0: "b"}})


class Indexing(nn.Module):
    def forward(self, x):
        return (x[:, -1], x[:, 1:], x[:, :-1:2], x[0], x[..., 2], x[:, None, 2:4],
                x[:, torch.tensor([0, 2, 1])], x[:, [1, 1]], x[-1:], x[:, -3:-1],
                x.select(2, -1), x.narrow(1, 1, 2))


def test_integer_indexing_and_slices_with_steps_on_dynamic_axes():
    _check(Indexing(), [(torch.randn(2, 7, 5),), (torch.randn(3, 5, 5),),
                        (torch.randn(1, 11, 5),)], {"x0": {0: "b", 1: "t"}})


class CumProd(nn.Module):
    def forward(self, x):
        return torch.cumprod(x, 1)


def test_an_op_without_lowering_names_the_op_module_and_shapes():
    model = nn.Sequential(nn.Linear(3, 4), CumProd()).eval()
    with pytest.raises(torch.onnx.UnsupportedOperatorError,
                       match=r"'cumprod' \(called from module '1', input shapes \[\[2, 4\]\]\)"):
        torch.onnx.export(model, (torch.randn(2, 3),), io.BytesIO())


_TRAIN_MSG = "Exporting a model while it is in training mode"


def _train_model():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5))
    with torch.no_grad():
        model[1].running_mean.fill_(0.3)
        model[1].running_var.fill_(2.0)
    return model


def test_training_mode_export_warns_as_pytorch_and_keeps_training_semantics():
    model = _train_model()
    x = torch.randn(5, 3)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    f = io.BytesIO()
    with pytest.warns(UserWarning, match=_TRAIN_MSG):
        torch.onnx.export(model, (x,), f)
    # nothing of the model or the generator changed: modes, running statistics, random state
    assert model.training and all(m.training for m in model.modules())
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), state[k].numpy())
    assert torch.equal(torch.get_rng_state(), rng)
    proto = onnx.load_from_string(f.getvalue())
    ops = [n.op_type for n in proto.graph.node]
    assert "Dropout" in ops and "BatchNormalization" not in ops   # the batch's statistics
    # dropout aside (onnxruntime's inference drops Dropout nodes), the batch norm of the file
    # normalises with the batch's statistics, as the model does in training mode
    model[2].p = 0.0
    sess = ort.InferenceSession(f.getvalue(), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        want = model(x).numpy()
    np.testing.assert_allclose(sess.run(None, {"input": x.numpy()})[0], want, rtol=0, atol=1e-5)


def test_eval_model_exports_without_warning_and_legacy_export_uses_eval_semantics():
    x = torch.randn(5, 3)
    model = _train_model().eval()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eval_file = io.BytesIO()
        torch.onnx.export(model, (x,), eval_file)
    model.train()
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # PyTorch's legacy exporter: training=EVAL, silent
        legacy = io.BytesIO()
        torch.onnx.export(model, (x,), legacy, dynamo=False)
    assert model.training
    with torch.no_grad():
        want = model.eval()(x).numpy()
    for data in (eval_file.getvalue(), legacy.getvalue()):
        sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
        np.testing.assert_allclose(sess.run(None, {"input": x.numpy()})[0], want, rtol=0,
                                   atol=1e-5)
    with pytest.raises(ValueError, match="TrainingMode"):
        torch.onnx.export(model, (x,), io.BytesIO(), dynamo=False, training="sometimes")
    model.train()
    trained = io.BytesIO()
    torch.onnx.export(model, (x,), trained, dynamo=False, training=torch.onnx.TrainingMode.TRAINING)
    assert "Dropout" in [n.op_type for n in onnx.load_from_string(trained.getvalue()).graph.node]


class More(nn.Module):
    def __init__(self):
        super().__init__()
        self.inorm = nn.InstanceNorm2d(3, affine=True)

    def forward(self, x, y):
        return (torch.bmm(x[:, 0], y[:, 0].transpose(1, 2)), self.inorm(x),
                F.pad(x, (1, 2, 2, 1), mode="circular"), x.view_as(x) + y.reshape_as(x),
                torch.broadcast_to(x[:, :1], (x.shape[0], 3, 4, 5)),
                torch.logical_and(x > 0, y > 0), torch.isnan(x),
                F.hardsigmoid(x) + F.hardswish(y))


def test_bmm_instance_norm_circular_pad_broadcast_logical_at_opset_19():
    torch.manual_seed(0)
    _check(More(), [(torch.randn(2, 3, 4, 5), torch.randn(2, 3, 4, 5)),
                    (torch.randn(3, 3, 4, 5), torch.randn(3, 3, 4, 5))],
           {"x0": {0: "b"}, "x1": {0: "b"}}, opset_version=19)


class ScanGatherTopk(nn.Module):
    def forward(self, x, idx):
        v, i = x.topk(3, dim=1)
        v2, i2 = torch.topk(x, 2, dim=-1, largest=False)
        return (torch.cumsum(x, 1), x.cumsum(-1, dtype=torch.float64), torch.gather(x, 2, idx),
                v, i, v2, i2,
                F.interpolate(x, size=4),     # 14 -> 4: PyTorch's indices, gathered
                F.interpolate(x, size=9),
                F.interpolate(x.unsqueeze(1), size=(3, 4), mode="nearest-exact"))


def test_cumsum_gather_topk_and_nearest_sizes():
    torch.manual_seed(0)
    _check(ScanGatherTopk(), [(torch.randn(2, 5, 14), torch.randint(0, 14, (2, 5, 3))),
                              (torch.randn(3, 5, 14), torch.randint(0, 14, (3, 5, 3)))],
           {"x0": {0: "b"}, "x1": {0: "b"}})
