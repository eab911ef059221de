"""NaN through exported ops: PyTorch propagates NaN through clamp, maximum/minimum, max/min
(values and the first NaN's index), amax/amin and argmax/argmin. onnxruntime's Clip/Max/Min
propagate it too, but its ReduceMax/ReduceMin/ArgMax/ArgMin skip NaNs (as NumPy's nanmax), so
those lowerings select NaN back in (dygrad/ops/minmax.py _nan_first). onnxruntime is checked
against dygrad's eager result (itself checked against PyTorch in tests/ops)."""
import io
import warnings

import numpy as np
import pytest

import dygrad as torch

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

NAN = float("nan")


def _data():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 37)).astype(np.float32)   # long rows: vectorised kernels
    a[0, 5] = a[1, 0] = a[2, 36] = a[3, 17] = a[3, 30] = NAN
    b = rng.standard_normal((4, 37)).astype(np.float32)
    b[0, 5] = b[0, 6] = NAN
    return a, b


CASES = {
    "clamp": lambda x, y: torch.clamp(x, -0.5, 0.5),
    "clamp_min": lambda x, y: torch.clamp(x, min=0.0),
    "clamp_tensor_bounds": lambda x, y: torch.clamp(x, y, y + 1),
    "clamp_nan_bound": lambda x, y: torch.clamp(y, min=x),
    "maximum": lambda x, y: torch.maximum(x, y),
    "minimum": lambda x, y: torch.minimum(y, x),
    "max_binary": lambda x, y: torch.max(x, y),
    "hardtanh": lambda x, y: torch.nn.functional.hardtanh(x),
    "relu6": lambda x, y: torch.nn.functional.relu6(x),
    "max_all": lambda x, y: x.max(),
    "min_all": lambda x, y: x.min(),
    "max_dim": lambda x, y: x.max(dim=1),
    "max_dim_keepdim": lambda x, y: x.max(dim=1, keepdim=True),
    "min_dim0": lambda x, y: x.min(dim=0),
    "argmax_all": lambda x, y: x.argmax(),
    "argmax_all_keepdim": lambda x, y: x.argmax(keepdim=True),
    "argmin_dim": lambda x, y: x.argmin(dim=-1),
    "argmin_no_nan": lambda x, y: y[1:].argmin(dim=-1),
    "amax": lambda x, y: torch.amax(x, 1),
    "amin_keepdim": lambda x, y: torch.amin(x, 0, keepdim=True),
    "amin_all": lambda x, y: torch.amin(x),
    "amax_two_dims": lambda x, y: torch.amax(x, (0, 1)),
}


class _Fn(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x, y):
        return self.fn(x, y)


def _run(fn, opset):
    a, b = _data()
    x, y = torch.tensor(a), torch.tensor(b)
    want = fn(x, y)
    want = tuple(want) if isinstance(want, tuple) else (want,)
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the exporter's notes are not what is checked here
        torch.onnx.export(_Fn(fn), (x, y), f, input_names=["x", "y"], opset_version=opset)
    got = ort.InferenceSession(f.getvalue(), providers=["CPUExecutionProvider"]).run(
        None, {"x": a, "y": b})
    return want, got


@pytest.mark.parametrize("opset", [17, 18])
@pytest.mark.parametrize("name", list(CASES))
def test_nan_propagates_as_eager(name, opset):
    want, got = _run(CASES[name], opset)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        w = w.numpy()
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)   # NaN in the same places


def test_eager_matches_torch():
    T = pytest.importorskip("torch")
    a, b = _data()
    import dygrad
    for name, fn in CASES.items():
        mine = fn(dygrad.tensor(a), dygrad.tensor(b))
        mine = tuple(mine) if isinstance(mine, tuple) else (mine,)
        globals()["torch"] = T   # the lambdas read the module-level name `torch`
        try:
            theirs = fn(T.tensor(a), T.tensor(b))
        finally:
            globals()["torch"] = dygrad
        theirs = tuple(theirs) if isinstance(theirs, tuple) else (theirs,)
        for m, t in zip(mine, theirs):
            np.testing.assert_array_equal(m.numpy(), t.numpy(), err_msg=name)
