"""dygrad.jit.save / dygrad.jit.load: traced models as data, loaded without their classes.

The round trip of every bundled model in a fresh process is in test_save_models.py; batch sizes
other than the traced one in test_save_batch.py."""
import numpy as np
import pytest

import dygrad as torch
from dygrad.serialization import CheckpointError


def _saved_lenet(tmp_path):
    from dygrad.vision.models import get_model
    torch.manual_seed(0)
    model = get_model("lenet").eval()
    x = torch.randn(1, 1, 28, 28)
    traced = torch.jit.trace(model, x)
    path = str(tmp_path / "lenet.pt")
    torch.jit.save(traced, path)
    return model, traced, x, path


def test_loaded_module_api(tmp_path):
    model, traced, x, path = _saved_lenet(tmp_path)
    with open(path, "rb") as fh:  # a binary file object works too
        loaded = torch.jit.load(fh)
    assert isinstance(loaded, torch.nn.Module) and loaded.original_name == "LeNet5"
    assert [n for n, _ in loaded.named_parameters()] == [n for n, _ in model.named_parameters()]
    assert all(p.requires_grad for p in loaded.parameters())
    for (n, a), b in zip(loaded.state_dict().items(), model.state_dict().values()):
        assert np.array_equal(a.numpy(), b.numpy()), n
    assert "_conv_out" in loaded.code or "conv" in loaded.code
    # load_state_dict reaches the program: zero weights give the bias alone
    sd = {k: torch.zeros_like(v) for k, v in loaded.state_dict().items()}
    loaded.load_state_dict(sd)
    assert np.array_equal(loaded(x).numpy(), np.zeros((1, 10), np.float32))
    with pytest.raises(RuntimeError, match=r"traced for inputs \(float32\[N, 1, 28, 28\]\)"):
        loaded(torch.randn(2, 1, 27, 28))  # any batch size, but the traced image size
    with pytest.raises(RuntimeError, match="traced in eval mode only"):
        loaded.train()(x)
    # a trace that recorded both modes runs both
    model.train()
    traced(x)
    torch.jit.save(traced, path)
    both = torch.jit.load(path)
    assert both.training  # the mode the model was in when saved
    assert np.array_equal(both(x).numpy(), traced(x).detach().numpy())
    model.eval()
    assert np.array_equal(both.eval()(x).numpy(), traced(x).detach().numpy())


def test_tampered_and_truncated_files_are_refused(tmp_path):
    _, _, _, path = _saved_lenet(tmp_path)
    with open(path, "rb") as fh:
        data = fh.read()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x01
    (tmp_path / "flipped.pt").write_bytes(bytes(flipped))
    with pytest.raises(CheckpointError, match="checksum"):
        torch.jit.load(str(tmp_path / "flipped.pt"))
    (tmp_path / "cut.pt").write_bytes(data[: len(data) - 100])
    with pytest.raises(CheckpointError, match="truncated|checksum|ends"):
        torch.jit.load(str(tmp_path / "cut.pt"))
    # a checkpoint that is not a traced model
    torch.save({"a": 1}, str(tmp_path / "ckpt.pt"))
    with pytest.raises(CheckpointError, match="does not hold a traced model"):
        torch.jit.load(str(tmp_path / "ckpt.pt"))


@pytest.mark.parametrize("kernel", [
    "os:system", "builtins:eval", "numpy.load", "dygrad.ops.x;os:system",
    # functions of dygrad's op package that are not kernels: the code generator evaluates text
    # and writes files
    "dygrad.ops._codegen:_example", "dygrad.ops._codegen:render_functions",
    {"kind": "closure", "factory": "dygrad.ops._codegen:_example", "name": "f", "which": 0,
     "cells": {}},
    {"kind": "closure", "factory": "os:system", "name": "f", "which": 0, "cells": {}},
])
def test_a_file_naming_other_code_is_refused(tmp_path, kernel):
    """A hand-made file calling os.system (or any function outside dygrad's op kernels) is
    refused while loading, before anything runs."""
    _, _, _, path = _saved_lenet(tmp_path)
    root = torch.load(path, weights_only=True)
    root["plans"][0]["steps"][1]["kernel"] = kernel
    torch.save(root, path)
    with pytest.raises(CheckpointError, match="not one of dygrad's op kernels"):
        torch.jit.load(path)


def test_a_constant_naming_other_code_is_refused(tmp_path):
    _, _, _, path = _saved_lenet(tmp_path)
    root = torch.load(path, weights_only=True)
    root["plans"][0]["steps"][0]["args"][-1] = {
        "kind": "const", "value": {"kind": "kernel", "kernel": "subprocess:call"}}
    torch.save(root, path)
    with pytest.raises(CheckpointError, match="not one of dygrad's op kernels"):
        torch.jit.load(path)


def test_an_op_without_a_data_kernel_fails_save_clearly(tmp_path):
    """An op replayed by re-calling a Python function (or by a kernel that is not a function of
    dygrad.ops) makes save raise, naming the op, and writes nothing."""
    scale = torch.tensor(2.0)

    def fn(x):
        return torch.nn.functional.relu(x * scale) + 1

    traced = torch.jit.trace(fn, torch.randn(3))
    import dygrad.jit._save as S
    plan = traced._last
    victim = plan.ops[0]
    victim.kernel = lambda *a: None  # what a closure made outside dygrad.ops looks like
    path = tmp_path / "f.pt"
    with pytest.raises(RuntimeError, match=r"jit.save\(fn\): cannot save this trace: the op "
                                           rf"'{victim.name}'.*cannot be described as data"):
        S.save(traced, str(path))
    assert not path.exists()


def test_a_traced_function_round_trips(tmp_path):
    w = torch.randn(4, 3)

    def fn(x, y):
        return torch.tanh(x @ w) * 2.5, y.sum(0)

    traced = torch.jit.trace(fn, (torch.randn(2, 4), torch.randn(5, 2)))
    torch.jit.save(traced, str(tmp_path / "fn.pt"))
    loaded = torch.jit.load(str(tmp_path / "fn.pt"))
    x, y = torch.randn(2, 4), torch.randn(5, 2)
    a, b = loaded(x, y)
    ea, eb = traced(x, y)
    assert isinstance(loaded(x, y), tuple)
    assert a.numpy().tobytes() == ea.numpy().tobytes()
    assert b.numpy().tobytes() == eb.numpy().tobytes()


class _Layers(torch.nn.Module):
    """conv1d/2d, eval batch norm, pooling, LayerNorm, chunk/cat, flatten, view and the
    activations with constants (leaky_relu's slope, a PReLU weight)."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.c = nn.Conv1d(4, 6, 3, padding=1)
        self.bn = nn.BatchNorm1d(6)
        self.p = nn.AvgPool1d(2)
        self.c2 = nn.Conv2d(1, 2, 3, stride=2, padding=1)
        self.ap = nn.AdaptiveAvgPool2d(2)
        self.ln = nn.LayerNorm(6)
        self.lin = nn.Linear(14, 5)
        self.acts = nn.ModuleList([nn.LeakyReLU(0.1), nn.ELU(), nn.SiLU(), nn.Hardswish(),
                                   nn.Tanh(), nn.Softplus(), nn.Mish(), nn.PReLU()])

    def forward(self, x, img):
        h = self.ln(self.p(self.bn(self.c(x))).transpose(1, 2)).mean(1)
        a, b = h.chunk(2, dim=1)
        g = self.ap(self.c2(img)).flatten(1)
        y = self.lin(torch.cat([b, a, g], 1))
        for act in self.acts:
            y = act(y)
        return y.softmax(-1), y.view(-1).sum()


def test_common_layers_round_trip(tmp_path):
    torch.manual_seed(1)
    m = _Layers()
    m.bn.running_mean.uniform_()
    m.bn.running_var.uniform_(0.5, 2.0)
    args = lambda: (torch.randn(3, 4, 8), torch.randn(3, 1, 8, 8))  # noqa: E731
    traced = torch.jit.trace(m, args())   # training mode: dropout-free, but batch statistics
    m.eval()
    traced(*args())                       # and eval mode: the file keeps the eval plan only
    torch.jit.save(traced, str(tmp_path / "m.pt"))
    loaded = torch.jit.load(str(tmp_path / "m.pt"))
    x = args()
    got, want = loaded(*x), traced(*x)
    assert isinstance(got, tuple) and len(got) == 2
    for a, b in zip(got, want):
        assert a.numpy().tobytes() == b.detach().numpy().tobytes()
    with pytest.raises(RuntimeError, match="traced in eval mode only"):
        loaded.train()(*x)


class _Recalled(torch.nn.Module):
    """repeat_interleave is replayed by re-calling the Tensor method; group norm, transposed
    convolution, pad, permute, slicing, where/clamp, reductions with dim, stack/split."""

    def __init__(self):
        super().__init__()
        self.gn = torch.nn.GroupNorm(2, 4)
        self.up = torch.nn.ConvTranspose2d(4, 2, 2, stride=2)

    def forward(self, x):
        y = self.gn(x).repeat_interleave(2, 2).repeat_interleave(2, 3)
        y = self.up(torch.nn.functional.pad(y, (1, 1, 1, 1))).permute(0, 2, 3, 1).contiguous()
        z = torch.where(y[:, 1:5, ::2, 0] > 0, y[:, 1:5, ::2, 0], -y[:, 1:5, ::2, 0]).clamp(0, 3)
        return z.max(dim=1)[0] + 0, z.argmax(-1), torch.stack([z, z], 0).split(1)[0] * 1


# every model of dygrad.vision.models, RNN and Transformer classifiers: test_save_models.py
@pytest.mark.parametrize("make", [lambda: (_Recalled(), torch.randn(2, 4, 3, 3))],
                         ids=["recalled"])
def test_more_models_round_trip(tmp_path, make):
    torch.manual_seed(2)
    model, x = make()
    traced = torch.jit.trace(model.eval(), x)
    torch.jit.save(traced, str(tmp_path / "m.pt"))
    loaded = torch.jit.load(str(tmp_path / "m.pt"))
    x = torch.randint(0, 20, x.shape) if x.dtype == torch.int64 else torch.randn(x.shape)
    got, want = loaded(x), traced(x)
    got, want = (got, want) if isinstance(got, tuple) else ((got,), (want,))
    for a, b in zip(got, want):
        assert a.numpy().tobytes() == b.detach().numpy().tobytes()


def test_a_recalled_function_outside_the_op_layer_is_refused(tmp_path):
    model, x = _Recalled(), torch.randn(2, 4, 3, 3)
    torch.jit.save(torch.jit.trace(model.eval(), x), str(tmp_path / "m.pt"))
    root = torch.load(str(tmp_path / "m.pt"), weights_only=True)
    step = next(s for s in root["plans"][0]["steps"] if isinstance(s["kernel"], dict)
                and s["kernel"]["kind"] == "recall")
    for target in ("os:system", "dygrad.serialization:save", "dygrad._tensor_methods:_private"):
        step["kernel"]["function"] = target
        torch.save(root, str(tmp_path / "bad.pt"))
        with pytest.raises(CheckpointError, match="not one of dygrad's op functions"):
            torch.jit.load(str(tmp_path / "bad.pt"))


def test_a_loaded_model_saves_again(tmp_path):
    model, traced, x, path = _saved_lenet(tmp_path)
    loaded = torch.jit.load(path)
    with torch.no_grad():
        loaded.get_parameter("classifier.5.bias").add_(1.0)  # a change after loading is what the new file holds
    torch.jit.save(loaded, str(tmp_path / "again.pt"))
    again = torch.jit.load(str(tmp_path / "again.pt"))
    assert list(again.state_dict()) == list(model.state_dict())
    assert again(x).numpy().tobytes() == loaded(x).numpy().tobytes()
    assert again.get_parameter("classifier.5.bias").requires_grad


def test_save_refuses_what_it_cannot_describe(tmp_path):
    def twice(x):
        y = x * 2
        return y, y

    with pytest.raises(RuntimeError, match="returns one tensor twice"):
        torch.jit.save(torch.jit.trace(twice, torch.randn(3)), str(tmp_path / "t.pt"))
    with pytest.raises(TypeError, match="expected what dygrad.jit.trace returns"):
        torch.jit.save(torch.nn.Linear(2, 2), str(tmp_path / "t.pt"))
    assert not (tmp_path / "t.pt").exists()


def test_a_model_ending_with_a_view_replays():
    """A model whose output is a view of an intermediate (nn.Flatten last) replays, with
    eager's values and gradients; a view of an input still runs eagerly."""
    nn = torch.nn
    torch.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    traced = torch.jit.trace(m, torch.randn(2, 1, 5, 5))
    assert traced._traced.reasons == []
    x = torch.randn(2, 1, 5, 5)
    grads = []
    for f in (m, traced):
        m.zero_grad(set_to_none=True)
        y = f(x)
        (y * torch.arange(4.0).reshape(2, 2)).sum().backward()
        grads.append((y.detach().numpy().tobytes(), m[0].weight.grad.numpy().tobytes()))
    assert grads[0] == grads[1]

    def view_of_input(a):
        return a.view(-1)

    with pytest.warns(torch.jit.TracerWarning, match="view of another tensor"):
        torch.jit.trace(view_of_input, torch.randn(2, 2))


def test_in_place_activations_trace_under_no_grad(tmp_path):
    """Deployment code traces under no_grad: in-place activations (ReLU/ReLU6/Hardswish with
    inplace=True, as ResNet and MobileNet use) are captured, not a reason to run eagerly."""
    nn = torch.nn
    torch.manual_seed(3)
    m = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(inplace=True), nn.Conv2d(4, 4, 1),
                      nn.ReLU6(inplace=True), nn.Hardswish(inplace=True), nn.Flatten()).eval()
    x = torch.randn(2, 1, 6, 6)
    with torch.no_grad():
        traced = torch.jit.trace(m, x)
        assert traced._traced.reasons == []
        torch.jit.save(traced, str(tmp_path / "m.pt"))
        x = torch.randn(2, 1, 6, 6)
        want = m(x)
        assert traced(x).numpy().tobytes() == want.numpy().tobytes()
    assert torch.jit.load(str(tmp_path / "m.pt"))(x).numpy().tobytes() == want.numpy().tobytes()
