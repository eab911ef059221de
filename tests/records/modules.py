"""Module records: nn layers built in both libraries with PyTorch's parameters copied over, run in
train and eval mode on the same input; outputs, input and parameter gradients, buffers after the
step (running statistics), state_dict keys and repr compared. A module is not an op call, so
this stays a table of (name, constructor, input shape) beside the op records; the driver runs
`check_module` over it."""
import numpy as np

import dygrad
from dygrad.testing import assert_close

rng = np.random.default_rng(7)
TOL = dict(rtol=2e-5, atol=2e-5)

# (name, constructor call, input shape, extra kwargs): the constructor is a lambda taking nn
SPECS = [
    ("Linear", lambda nn: nn.Linear(4, 3), (2, 4)), ("Linear_nobias", lambda nn: nn.Linear(4, 3, bias=False), (5, 4)),
    ("Linear_3d", lambda nn: nn.Linear(4, 2), (2, 3, 4)), ("Bilinear", None, None),
    ("Conv1d", lambda nn: nn.Conv1d(2, 3, 3, padding=1), (2, 2, 6)), ("Conv2d", lambda nn: nn.Conv2d(2, 4, 3, stride=2, padding=1), (2, 2, 7, 6)),
    ("Conv2d_groups", lambda nn: nn.Conv2d(4, 4, 3, groups=2, bias=False), (1, 4, 5, 5)),
    ("Conv2d_same_reflect", lambda nn: nn.Conv2d(2, 2, 3, padding="same", padding_mode="reflect"), (1, 2, 5, 5)),
    ("ConvTranspose2d", lambda nn: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), (1, 2, 4, 4)),
    ("BatchNorm1d", lambda nn: nn.BatchNorm1d(3), (4, 3)), ("BatchNorm1d_3d", lambda nn: nn.BatchNorm1d(3), (4, 3, 5)),
    ("BatchNorm2d", lambda nn: nn.BatchNorm2d(3), (2, 3, 4, 4)), ("BatchNorm2d_mom", lambda nn: nn.BatchNorm2d(3, momentum=0.5, eps=1e-3), (2, 3, 2, 2)),
    ("BatchNorm2d_noaffine", lambda nn: nn.BatchNorm2d(3, affine=False), (2, 3, 2, 2)),
    ("BatchNorm1d_cma", lambda nn: nn.BatchNorm1d(3, momentum=None), (4, 3)),
    ("BatchNorm1d_nostats", lambda nn: nn.BatchNorm1d(3, track_running_stats=False), (4, 3)),
    ("LayerNorm", lambda nn: nn.LayerNorm(4), (2, 3, 4)), ("LayerNorm_2d", lambda nn: nn.LayerNorm((3, 4), elementwise_affine=False), (2, 3, 4)),
    ("GroupNorm", lambda nn: nn.GroupNorm(2, 4), (2, 4, 3)), ("InstanceNorm2d", lambda nn: nn.InstanceNorm2d(2, affine=True), (2, 2, 3, 3)),
    ("RMSNorm", lambda nn: nn.RMSNorm(4), (2, 4)),
    ("Embedding", lambda nn: nn.Embedding(6, 3), "idx"), ("Embedding_pad", lambda nn: nn.Embedding(6, 3, padding_idx=2), "idx"),
    ("Dropout", lambda nn: nn.Dropout(0.0), (3, 4)), ("Dropout_p1", lambda nn: nn.Dropout(1.0), (3, 4)),
    ("Flatten", lambda nn: nn.Flatten(), (2, 3, 4)), ("Unflatten", lambda nn: nn.Unflatten(1, (2, 2)), (3, 4)),
    ("Identity", lambda nn: nn.Identity(), (3, 4)), ("PReLU", lambda nn: nn.PReLU(), (3, 4)), ("PReLU_ch", lambda nn: nn.PReLU(3), (2, 3, 4)),
    ("ZeroPad2d", lambda nn: nn.ZeroPad2d((1, 0, 2, 1)), (1, 2, 3, 3)), ("ReflectionPad1d", lambda nn: nn.ReflectionPad1d(2), (1, 2, 4)),
    ("ReplicationPad2d", lambda nn: nn.ReplicationPad2d(1), (1, 2, 3, 3)), ("ConstantPad1d", lambda nn: nn.ConstantPad1d((1, 2), 3.5), (2, 3)),
    ("MaxPool2d", lambda nn: nn.MaxPool2d(2), (1, 2, 4, 5)), ("AvgPool2d", lambda nn: nn.AvgPool2d(3, 2, 1), (1, 2, 5, 5)),
    ("AdaptiveAvgPool2d", lambda nn: nn.AdaptiveAvgPool2d((2, 2)), (1, 2, 5, 3)),
    ("LPPool1d", lambda nn: nn.LPPool1d(2, 3, stride=2), (2, 3, 9)),
    ("Sequential", lambda nn: nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2)), (3, 4)),
    ("Sequential_bn", lambda nn: nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(12, 2)), (2, 2, 4, 4)),
    ("Softmax", lambda nn: nn.Softmax(dim=1), (2, 3)), ("LogSoftmax", lambda nn: nn.LogSoftmax(-1), (2, 3)),
    ("Softmax2d", lambda nn: nn.Softmax2d(), (1, 3, 2, 2)), ("GELU_tanh", lambda nn: nn.GELU("tanh"), (3,)),
    ("LeakyReLU", lambda nn: nn.LeakyReLU(0.2), (4,)), ("ELU", lambda nn: nn.ELU(0.7), (4,)), ("Hardtanh", lambda nn: nn.Hardtanh(-2, 2), (4,)),
    ("Softplus", lambda nn: nn.Softplus(2, 5), (4,)), ("Threshold", lambda nn: nn.Threshold(0.1, 20), (4,)),
    ("GLU", lambda nn: nn.GLU(), (2, 4)), ("Mish", lambda nn: nn.Mish(), (4,)), ("SiLU", lambda nn: nn.SiLU(), (4,)),
    ("LSTM", lambda nn: nn.LSTM(3, 4), (5, 2, 3)), ("LSTM_bf_2l", lambda nn: nn.LSTM(3, 4, num_layers=2, batch_first=True), (2, 5, 3)),
    ("GRU_bi", lambda nn: nn.GRU(3, 2, bidirectional=True), (4, 1, 3)), ("RNN_relu", lambda nn: nn.RNN(3, 2, nonlinearity="relu"), (4, 2, 3)),
    ("LSTMCell", lambda nn: nn.LSTMCell(3, 2), (4, 3)), ("GRUCell", lambda nn: nn.GRUCell(3, 2), (4, 3)),
    ("MultiheadAttention", lambda nn: nn.MultiheadAttention(4, 2), "mha"),
    ("TransformerEncoderLayer", lambda nn: nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0), (3, 2, 4)),
]
SPECS = [s for s in SPECS if s[1] is not None]


SPECS += [
    ("Upsample_nearest", lambda nn: nn.Upsample(scale_factor=2), (1, 2, 3, 3)),
    ("Upsample_bilinear_ac", lambda nn: nn.Upsample(size=(4, 5), mode="bilinear", align_corners=True), (1, 2, 3, 3)),
    ("Upsample_bilinear", lambda nn: nn.Upsample(scale_factor=(2, 1.5), mode="bilinear"), (1, 2, 3, 4)),
    ("UpsamplingNearest2d", lambda nn: nn.UpsamplingNearest2d(size=5), (1, 1, 2, 3)),
    ("UpsamplingBilinear2d", lambda nn: nn.UpsamplingBilinear2d(scale_factor=2), (1, 1, 2, 3)),
    ("PixelShuffle", lambda nn: nn.PixelShuffle(2), (2, 8, 2, 3)),
    ("PixelUnshuffle", lambda nn: nn.PixelUnshuffle(2), (2, 1, 4, 6)),
    ("ChannelShuffle", lambda nn: nn.ChannelShuffle(3), (1, 6, 2, 2)),
    ("CosineSimilarity", lambda nn: nn.CosineSimilarity(dim=1), "pair"),
    ("PairwiseDistance", lambda nn: nn.PairwiseDistance(p=1.0, keepdim=True), "pair"),
]


def _tensor_out(o):
    return o[0] if isinstance(o, tuple) else o


def _build(spec_ctor, torch):
    torch.manual_seed(0)
    tm = spec_ctor(torch.nn)
    dm = spec_ctor(dygrad.nn)
    sd = {k: dygrad.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()}
    dm.load_state_dict(sd)
    return tm, dm


def _inputs(shape):
    if shape == "idx":
        a = np.array([[0, 2, 5], [2, 1, 1]], np.int64)
        return (a,)
    if shape == "pair":
        return tuple(rng.standard_normal((3, 4)).astype(np.float32) for _ in range(2))
    if shape == "mha":
        return tuple(rng.standard_normal((3, 2, 4)).astype(np.float32) for _ in range(3))
    return (rng.standard_normal(shape).astype(np.float32) * 2,)


def check_module(spec, mode, torch):
    """Builds the spec's module in both libraries (PyTorch's parameters copied over), runs it in
    `mode` ("train"/"eval") and compares outputs, input and parameter gradients, buffers,
    state_dict keys, parameter names and repr."""
    name, ctor, shape = spec
    tm, dm = _build(ctor, torch)
    assert list(tm.state_dict()) == list(dm.state_dict()), "state_dict keys"
    assert [n for n, _ in tm.named_parameters()] == [n for n, _ in dm.named_parameters()]
    assert repr(tm) == repr(dm)
    getattr(tm, mode)()
    getattr(dm, mode)()
    arrs = _inputs(shape)
    tin = [torch.from_numpy(a.copy()).requires_grad_(a.dtype.kind == "f") for a in arrs]
    din = [dygrad.from_numpy(a.copy()).requires_grad_(a.dtype.kind == "f") for a in arrs]
    to, do = _tensor_out(tm(*tin)), _tensor_out(dm(*din))
    assert_close(do.detach(), to.detach(), **TOL)
    g = rng.standard_normal(tuple(to.shape)).astype(np.float32)
    to.backward(torch.from_numpy(g.copy()))
    do.backward(dygrad.from_numpy(g.copy()))
    for a, b in zip(din, tin):
        if b.grad is not None:
            assert_close(a.grad, b.grad, **TOL, msg=lambda m: "input grad: " + m)
    tp, dp = dict(tm.named_parameters()), dict(dm.named_parameters())
    for k, p in tp.items():
        if p.grad is None:
            assert dp[k].grad is None or not dp[k].grad._data.any(), k
        else:
            assert_close(dp[k].grad, p.grad, **TOL, msg=lambda m, k=k: f"grad of {k}: " + m)
    for (k, b), (k2, b2) in zip(tm.named_buffers(), dm.named_buffers()):
        assert k == k2
        assert_close(b2, b, **TOL, msg=lambda m, k=k: f"buffer {k}: " + m)
