"""Sequence models through torch.onnx.export: LSTM/GRU/RNN as ONNX's own recurrent ops and
Transformer encoders decomposed, with dynamic batch and sequence axes (exported at length 7,
run at 5 and 11), matching onnxruntime within 1e-5 (float32)."""
import io

import numpy as np
import pytest

import dygrad as torch
from dygrad import nn

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _run_all(model, inputs, dynamic_axes=None, atol=1e-5, **kw):
    """Exports model at inputs[0] (a tuple of tensors) and compares onnxruntime with dygrad on
    every tuple of inputs; returns the ONNX model."""
    model.eval()
    names = [f"x{k}" for k in range(len(inputs[0]))]
    f = io.BytesIO()
    torch.onnx.export(model, tuple(inputs[0]), f, input_names=names,
                      dynamic_axes=dynamic_axes, **kw)
    data = f.getvalue()
    onnx.checker.check_model(data)
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    for xs in inputs:
        with torch.no_grad():
            want = model(*xs)
        want = want if isinstance(want, (tuple, list)) else (want,)
        want = [w for w in _flat(want)]
        got = sess.run(None, {n: x.numpy() for n, x in zip(names, xs)})
        assert len(got) == len(want)
        for a, b in zip(got, want):
            assert a.shape == tuple(b.shape) and a.dtype == b.numpy().dtype
            np.testing.assert_allclose(a, b.numpy(), rtol=0, atol=atol)
    return onnx.load_from_string(data)


def _flat(xs):
    for x in xs:
        if isinstance(x, (tuple, list)):
            yield from _flat(x)
        else:
            yield x


def _seqs(make, sizes=((2, 7), (3, 5), (1, 11))):
    return [make(b, t) for b, t in sizes]


class RecurrentClassifier(nn.Module):
    """A 2-layer bidirectional LSTM or GRU over (batch, time, features), classifying from the
    last step's output and the last layer's final states."""

    def __init__(self, cell, features=6, hidden=8, classes=3):
        super().__init__()
        self.rnn = cell(features, hidden, num_layers=2, bidirectional=True, batch_first=True)
        self.head = nn.Linear(4 * hidden, classes)

    def forward(self, x):
        out, state = self.rnn(x)
        h = state[0] if isinstance(state, tuple) else state     # LSTM: (h_n, c_n)
        last = torch.cat([h[-2], h[-1]], dim=1)                # both directions of layer 2
        return self.head(torch.cat([out[:, -1], last], dim=1)).log_softmax(-1)


@pytest.mark.parametrize("cell", [nn.LSTM, nn.GRU])
def test_bidirectional_recurrent_classifier_dynamic_batch_and_length(cell):
    torch.manual_seed(0)
    proto = _run_all(RecurrentClassifier(cell), _seqs(lambda b, t: (torch.randn(b, t, 6),)),
                     {"x0": {0: "batch", 1: "time"}})
    ops = [n.op_type for n in proto.graph.node]
    assert ops.count(cell.__name__) == 4      # 2 layers x 2 directions, ONNX's own op
    assert proto.graph.input[0].type.tensor_type.shape.dim[1].dim_param == "time"


@pytest.mark.parametrize("cell", [nn.LSTM, nn.GRU, nn.RNN])
@pytest.mark.parametrize("batch_first", [False, True])
def test_recurrent_layers_outputs_and_given_states(cell, batch_first):
    torch.manual_seed(0)
    rnn = cell(4, 5, num_layers=2, bidirectional=True, batch_first=batch_first)

    def shape(b, t):
        return (b, t, 4) if batch_first else (t, b, 4)
    axes = {0: "b", 1: "t"} if batch_first else {0: "t", 1: "b"}
    # no initial state: (output, h_n[, c_n]) at three lengths and batch sizes
    _run_all(rnn, _seqs(lambda b, t: (torch.randn(*shape(b, t)),)), {"x0": axes})

    # initial states given as inputs
    class WithState(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = rnn

        def forward(self, x, *state):
            return self.rnn(x, state if len(state) == 2 else state[0])
    n = 2 if cell is nn.LSTM else 1
    _run_all(WithState(), _seqs(lambda b, t: (torch.randn(*shape(b, t)),) +
                                tuple(torch.randn(4, b, 5) for _ in range(n))),
             {"x0": axes, **{f"x{k + 1}": {1: "b"} for k in range(n)}})


def test_rnn_relu_without_bias():
    torch.manual_seed(0)
    _run_all(nn.RNN(3, 4, nonlinearity="relu", bias=False), [(torch.randn(5, 2, 3),)])


class TransformerClassifier(nn.Module):
    def __init__(self, features=6, d=8, heads=2, classes=3, norm_first=False):
        super().__init__()
        self.inp = nn.Linear(features, d)
        layer = nn.TransformerEncoderLayer(d, heads, 16, dropout=0.1, batch_first=True,
                                           norm_first=norm_first)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(d, classes)

    def forward(self, x):
        return self.head(self.encoder(self.inp(x)).mean(dim=1))


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_classifier_dynamic_batch_and_length(norm_first):
    torch.manual_seed(0)
    _run_all(TransformerClassifier(norm_first=norm_first),
             _seqs(lambda b, t: (torch.randn(b, t, 6),)), {"x0": {0: "batch", 1: "time"}})


def test_sequence_first_encoder_layer_dynamic_length():
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    _run_all(layer, _seqs(lambda b, t: (torch.randn(t, b, 8),)), {"x0": {0: "t", 1: "b"}})


class Masked(nn.Module):
    """Padding masks, boolean and causal attention masks, per-head weights."""

    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True),
                                         1, enable_nested_tensor=False)

    def forward(self, x, pad):
        o1, w1 = self.attn(x, x, x, key_padding_mask=pad)
        future = torch.triu(torch.ones(x.shape[1], x.shape[1], dtype=torch.bool), 1)
        o2, w2 = self.attn(x, x, x, attn_mask=future, average_attn_weights=False)
        o3 = self.enc(x, src_key_padding_mask=pad)
        return o1, w1, o2, w2, o3


def test_attention_masks_and_weights():
    torch.manual_seed(0)
    pad = torch.tensor([[False] * 5, [False] * 3 + [True] * 2])
    _run_all(Masked(), [(torch.randn(2, 5, 8), pad),
                        (torch.randn(3, 5, 8), torch.zeros(3, 5, dtype=torch.bool))],
             {"x0": {0: "b"}, "x1": {0: "b"}})


class Sdpa(nn.Module):
    def forward(self, q, k, v):
        causal = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        return causal + nn.functional.scaled_dot_product_attention(q, k, v, scale=0.3)


def test_sdpa_causal_mask_follows_the_length():
    torch.manual_seed(0)
    _run_all(Sdpa(), _seqs(lambda b, t: tuple(torch.randn(b, 2, t, 4) for _ in range(3))),
             {f"x{k}": {0: "b", 2: "t"} for k in range(3)})


class SizeAsNumber(nn.Module):
    def forward(self, x):
        return x.reshape(x.shape[0], x.shape[1] * x.shape[2]).sum(1)


def test_a_size_frozen_into_the_graph_is_refused_for_a_dynamic_axis():
    with pytest.raises(torch.onnx.OnnxExporterError, match="sizes of the dynamic axes"):
        torch.onnx.export(SizeAsNumber().eval(), (torch.randn(2, 7, 3),), io.BytesIO(),
                          input_names=["x"], dynamic_axes={"x": {0: "b", 1: "t"}})
    # without the sequence axis dynamic the same model exports
    _run_all(SizeAsNumber(), [(torch.randn(2, 7, 3),)], {"x0": {0: "b"}})


class MergeBatchAndTime(nn.Module):
    def forward(self, x):                     # (B, T, F) -> (B * T, F) -> (B, T)
        return x.reshape(x.shape[0] * x.shape[1], -1).sum(1).view(x.shape[0], -1)


def test_merging_the_batch_axis_into_another_exports_for_any_batch():
    torch.manual_seed(0)
    _run_all(MergeBatchAndTime(), [(torch.randn(2, 7, 3),), (torch.randn(5, 7, 3),)],
             {"x0": {0: "b"}})


def test_keyword_inputs_follow_the_positional_ones():
    torch.manual_seed(0)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 1,
                                enable_nested_tensor=False).eval()
    x, pad = torch.randn(2, 7, 8), torch.tensor([[False] * 7, [False] * 4 + [True] * 3])
    f = io.BytesIO()
    torch.onnx.export(enc, (x,), f, kwargs={"src_key_padding_mask": pad},
                      input_names=["x", "pad"],
                      dynamic_axes={"x": {0: "b", 1: "t"}, "pad": {0: "b", 1: "t"}})
    sess = ort.InferenceSession(f.getvalue(), providers=["CPUExecutionProvider"])
    for b, t in ((2, 7), (3, 5)):
        xb, pb = torch.randn(b, t, 8), torch.zeros(b, t, dtype=torch.bool)
        pb[0, t - 2:] = True
        with torch.no_grad():
            want = enc(xb, src_key_padding_mask=pb).numpy()
        got = sess.run(None, {"x": xb.numpy(), "pad": pb.numpy()})[0]
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
