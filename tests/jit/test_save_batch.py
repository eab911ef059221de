"""jit.save / jit.load at batch sizes other than the traced one (dygrad/jit/_batch.py)."""
import io

import pytest

import dygrad as torch
from dygrad.serialization import CheckpointError


def _round_trip(traced):
    buf = io.BytesIO()
    torch.jit.save(traced, buf)
    buf.seek(0)
    return torch.jit.load(buf)


def _same(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


class _Flat(torch.nn.Module):
    """view(x.size(0), -1), a slice counted from the end, a sum over the batch: all follow it."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 3, 3)
        self.fc = torch.nn.Linear(12, 4)

    def forward(self, x, y):
        h = self.conv(x).relu()
        h = torch.nn.functional.max_pool2d(h, 2).view(x.size(0), -1)
        out = self.fc(h)
        return out, out[-1:] + y.sum(0), h.reshape(-1)


def test_a_loaded_model_runs_at_other_batch_sizes():
    torch.manual_seed(0)
    m = _Flat().eval()
    traced = torch.jit.trace(m, (torch.randn(2, 1, 6, 6), torch.randn(2, 4)))
    loaded = _round_trip(traced)
    assert loaded._programs[0].batch is not None
    for n in (1, 2, 5, 7):
        x, y = torch.randn(n, 1, 6, 6), torch.randn(n, 4)
        with torch.no_grad():
            want = m(x, y)
        got = loaded(x, y)
        assert all(_same(a.numpy(), b.numpy()) for a, b in zip(got, want)), n
    # the other dims stay the traced ones, and every batched input must agree
    with pytest.raises(RuntimeError, match=r"traced for inputs \(float32\[N, 1, 6, 6\], "
                                           r"float32\[N, 4\]\).*N: any batch size"):
        loaded(torch.randn(3, 1, 6, 6), torch.randn(4, 4))
    with pytest.raises(RuntimeError, match=r"float32\[N, 1, 6, 6\]"):
        loaded(torch.randn(0, 1, 6, 6), torch.randn(0, 4))  # not an empty batch


def test_a_loaded_model_saves_again_polymorphic(tmp_path):
    m = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Flatten(0)).eval()
    loaded = _round_trip(torch.jit.trace(m, torch.randn(4, 3)))
    torch.jit.save(loaded, str(tmp_path / "again.pt"))
    again = torch.jit.load(str(tmp_path / "again.pt"))
    x = torch.randn(6, 3)
    with torch.no_grad():
        assert _same(again(x).numpy(), m(x).numpy())


def _squeezing(x):
    return x.squeeze() * 2          # batch 1 squeezes the batch axis too


def _per_sample(x):
    return x / x.shape[0]           # a number computed from the batch size


def _square(x):
    n = x.shape[0]
    return x.reshape(-1)[: n * n] * 1   # not linear in the batch size


@pytest.mark.parametrize("fn, shape, why", [
    (_squeezing, (2, 1, 3), "differs"),
    (_per_sample, (3, 4), r"depends on the batch size \(op 0 \(div\)"),
    (_square, (2, 8), "not a multiple of the batch size"),
], ids=["squeeze", "float", "nonlinear"])
def test_a_program_that_does_not_generalise_refuses_other_batch_sizes(fn, shape, why):
    traced = torch.jit.trace(fn, torch.randn(*shape))
    loaded = _round_trip(traced)
    x = torch.randn(*shape)
    assert _same(loaded(x).numpy(), fn(x).numpy())
    other = (shape[0] + 1,) + shape[1:]
    dims = ", ".join(str(n) for n in shape)
    with pytest.raises(RuntimeError, match=rf"traced for inputs \(float32\[{dims}\]\) and cannot "
                                           rf"run on \(float32\[{shape[0] + 1}.*{why}"):
        loaded(torch.randn(*other))


def test_an_unbatched_model_stays_at_its_shape():
    """A model whose leading axis is not a batch (channels of an unbatched image) is refused at
    another leading size, naming the traced shape: the re-trace fails, nothing is guessed."""
    conv = torch.nn.Conv2d(2, 3, 3).eval()
    loaded = _round_trip(torch.jit.trace(conv, torch.randn(2, 5, 5)))
    with pytest.raises(RuntimeError, match=r"float32\[2, 5, 5\].*tracing it at batch size"):
        loaded(torch.randn(3, 5, 5))


def test_a_tampered_batch_spec_is_refused(tmp_path):
    m = torch.nn.Linear(3, 2).eval()
    path = str(tmp_path / "m.pt")
    torch.jit.save(torch.jit.trace(m, torch.randn(2, 3)), path)
    root = torch.load(path, weights_only=True)
    root["plans"][0]["batch"]["inputs"] = [5]
    torch.save(root, path)
    with pytest.raises(CheckpointError, match="batch spec"):
        torch.jit.load(path)


def test_a_size_that_changes_sign_is_refused():
    """An integer of the program that is zero or negative at one of the traced batch sizes and
    not at another (x[:N - 1] is empty at N = 1) keeps the program at its traced shapes."""
    def all_but_last(x):
        return x[: x.shape[0] - 1] * 1

    loaded = _round_trip(torch.jit.trace(all_but_last, torch.randn(3, 2)))
    x = torch.randn(3, 2)
    assert _same(loaded(x).numpy(), all_but_last(x).numpy())
    with pytest.raises(RuntimeError, match=r"float32\[3, 2\].*changes sign"):
        loaded(torch.randn(4, 2))


def test_extra_files_round_trip(tmp_path):
    """_extra_files as PyTorch's: stored beside the program; load fills the names asked for
    (b"" for a name the file does not hold)."""
    path = str(tmp_path / "m.pt")
    traced = torch.jit.trace(torch.nn.Linear(2, 2).eval(), torch.randn(1, 2))
    torch.jit.save(traced, path, _extra_files={"config.json": '{"a": 1}', "raw": b"\x00\xff"})
    extra = {"config.json": "", "raw": "", "missing": "x"}
    torch.jit.load(path, _extra_files=extra)
    assert extra == {"config.json": b'{"a": 1}', "raw": b"\x00\xff", "missing": b""}
    with pytest.raises(TypeError, match="_extra_files"):
        torch.jit.save(traced, path, _extra_files={"x": 1})


def test_a_clamped_batch_size_is_not_taken_for_the_batch_size():
    """A model that keeps the first 3 samples: traced at 1, 2 (and 5 by save), the sizes 1, 2, 3
    are not linear in the batch size, so the file keeps its traced shapes."""
    def first_three(x):
        y = x[:3]
        return y.reshape(y.shape[0], -1) * 1

    loaded = _round_trip(torch.jit.trace(first_three, torch.randn(2, 2, 2)))
    with pytest.raises(RuntimeError, match=r"float32\[2, 2, 2\].*not a multiple of the batch"):
        loaded(torch.randn(6, 2, 2))


def test_an_input_without_the_batch_size_keeps_its_shape():
    """Only inputs whose leading size is the example's batch size vary with it: a (3, 4)
    weight passed beside a (2, 4) batch stays (3, 4)."""
    def fn(x, w):
        return x @ w.t()

    loaded = _round_trip(torch.jit.trace(fn, (torch.randn(2, 4), torch.randn(3, 4))))
    x, w = torch.randn(6, 4), torch.randn(3, 4)
    assert _same(loaded(x, w).numpy(), fn(x, w).numpy())
    with pytest.raises(RuntimeError, match=r"float32\[N, 4\], float32\[3, 4\]"):
        loaded(x, torch.randn(6, 4))
