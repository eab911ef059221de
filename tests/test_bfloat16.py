"""torch.bfloat16 on NumPy (ml_dtypes): dtype object, promotion, conversions, printing,
checkpoints, and op results against PyTorch within bfloat16 tolerance."""
import subprocess
import sys

import numpy as np
import pytest

import dygrad

ml_dtypes = pytest.importorskip("ml_dtypes")
bf16 = dygrad.bfloat16


def test_dtype_object():
    assert repr(bf16) == "torch.bfloat16" and bf16.itemsize == 2
    assert bf16.is_floating_point and bf16.is_signed and not bf16.is_complex
    assert dygrad.as_tensor([1.0]).bfloat16().dtype is bf16
    f = dygrad.finfo(bf16)
    assert (f.bits, f.eps, f.resolution, f.tiny) == (16, 2.0 ** -7, 0.01, 2.0 ** -126)
    assert f.max == float(ml_dtypes.finfo(ml_dtypes.bfloat16).max) == -f.min


@pytest.mark.parametrize("other,expected", [
    ("float16", "float32"), ("float32", "float32"), ("float64", "float64"), ("int64", "bfloat16"),
    ("int8", "bfloat16"), ("uint8", "bfloat16"), ("bool", "bfloat16"), ("bfloat16", "bfloat16")])
def test_promote_types(other, expected):
    o = getattr(dygrad, other)
    assert dygrad.promote_types(bf16, o).name == expected
    assert dygrad.promote_types(o, bf16).name == expected


def test_scalar_and_zero_dim_promotion():
    x = dygrad.tensor([1.0, 2.0], dtype=bf16)
    assert (x + 2.5).dtype is bf16 and (x * 2).dtype is bf16
    assert (x + dygrad.tensor(1.0, dtype=dygrad.float64)).dtype is bf16  # 0-dim: same category
    assert (x + dygrad.ones(2)).dtype is dygrad.float32
    assert (x + dygrad.ones(2, dtype=dygrad.float16)).dtype is dygrad.float32
    assert (dygrad.tensor([1, 2]) + dygrad.tensor(1.0, dtype=bf16)).dtype is bf16
    assert dygrad.result_type(x, 2.5) is bf16


def test_conversions():
    x = dygrad.tensor([1.0, 1 / 3, -2.5])
    b = x.bfloat16()
    assert b.dtype is bf16 and b.element_size() == 2 and b.type() == "torch.BFloat16Tensor"
    assert b.bfloat16() is b and x.to(bf16).dtype is bf16
    assert x.type(dygrad.BFloat16Tensor).dtype is bf16 and x.type("torch.BFloat16Tensor").dtype is bf16
    assert dygrad.BFloat16Tensor([1.5]).dtype is bf16
    np.testing.assert_array_equal(b.float()._data, np.array([1.0, 0.333984375, -2.5], np.float32))
    assert b.half().dtype is dygrad.float16 and b.to(dygrad.int64).tolist() == [1, 0, -2]
    assert b.tolist() == [1.0, 0.333984375, -2.5] and b[1].item() == 0.333984375
    m = dygrad.nn.Linear(3, 2).bfloat16()
    assert m.weight.dtype is bf16 and m.bias.dtype is bf16
    assert m(dygrad.ones(4, 3, dtype=bf16)).dtype is bf16


def test_checkpoint_round_trip(tmp_path):
    x = dygrad.tensor([1.5, 1 / 3, 3e38], dtype=bf16).requires_grad_()
    dygrad.save({"x": x, "dtype": bf16}, tmp_path / "a.pt")
    out = dygrad.load(tmp_path / "a.pt")
    assert out["dtype"] is bf16 and out["x"].dtype is bf16 and out["x"].requires_grad
    np.testing.assert_array_equal(out["x"].detach().float()._data, x.detach().float()._data)


def test_without_ml_dtypes_names_the_extra():
    code = ("import sys; sys.modules['ml_dtypes'] = None\n"
            "import dygrad\n"
            "assert repr(dygrad.bfloat16) == 'torch.bfloat16'\n"
            "assert dygrad.finfo(dygrad.bfloat16).eps == 2.0 ** -7\n"
            "assert dygrad.promote_types(dygrad.float32, dygrad.float64) is dygrad.float64\n"
            "try:\n"
            "    dygrad.ones(2, dtype=dygrad.bfloat16)\n"
            "except ImportError as e:\n"
            "    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "dygrad[bf16]" in out.stdout and "ml_dtypes" in out.stdout


def test_sum_and_mean_accumulate_in_float32():
    x = dygrad.ones(4096, dtype=bf16)
    assert x.sum().item() == 4096.0  # a bfloat16 accumulator stops at 256
    assert x.mean().item() == 1.0
    assert (x.reshape(64, 64).sum(0) == 64).all()


# ---------------------------------------------------------------------------------------------
# op results against PyTorch
_CASES = {
    "add": (lambda L, a, b: a + b, 2), "mul_scalar": (lambda L, a: a * 2.5 - 1, 1),
    "div": (lambda L, a, b: a / (b.abs() + 1), 2), "exp": (lambda L, a: a.exp(), 1),
    "tanh": (lambda L, a: a.tanh(), 1), "sigmoid": (lambda L, a: a.sigmoid(), 1),
    "gelu": (lambda L, a: L.nn.functional.gelu(a), 1),
    "softmax": (lambda L, a: L.softmax(a, -1), 1),
    "log_softmax": (lambda L, a: L.log_softmax(a, -1), 1),
    "layer_norm": (lambda L, a: L.nn.functional.layer_norm(a, (a.shape[-1],)), 1),
    "sum": (lambda L, a: a.sum(), 1), "mean_dim": (lambda L, a: a.mean(0), 1),
    "var": (lambda L, a: a.var(1), 1), "amax": (lambda L, a: a.amax(1), 1),
    "matmul": (lambda L, a, b: a @ b.t(), 2),
    "linear": (lambda L, a, b: L.nn.functional.linear(a, b, b[:, 0]), 2),
    "cat": (lambda L, a, b: L.cat([a, b]), 2), "where": (lambda L, a, b: L.where(a > 0, a, b), 2),
    "cross_entropy": (lambda L, a: L.nn.functional.cross_entropy(a, L.arange(a.shape[0])), 1),
}


@pytest.mark.parametrize("name", sorted(_CASES))
def test_op_matches_torch(name):
    torch = pytest.importorskip("torch")
    f, n = _CASES[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    arrays = [rng.standard_normal((8, 16)).astype(np.float32) for _ in range(n)]
    outs, grads = [], []
    for L in (torch, dygrad):
        ts = [L.tensor(a, dtype=L.bfloat16, requires_grad=True) for a in arrays]
        out = f(L, *ts)
        out.float().sum().backward()
        outs.append(out)
        grads.append([t.grad for t in ts])
    (t, d), (tg, dg) = outs, grads
    assert str(d.dtype) == str(t.dtype)
    dygrad.testing.assert_close(d.detach(), t.detach(), check_dtype=False, rtol=1.6e-2, atol=1e-2)
    for a, b in zip(dg, tg):
        assert str(a.dtype) == str(b.dtype) == "torch.bfloat16"
        dygrad.testing.assert_close(a, b, check_dtype=False, rtol=3e-2, atol=2e-2)
