"""Tensor printing matches PyTorch character for character (repr, str, print options)."""
import numpy as np
import pytest

import dygrad
import dygrad.nn
from dygrad import _tensor_str

torch = pytest.importorskip("torch")

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
SHAPES = [(), (1,), (5,), (3, 4), (2, 3, 4), (0,), (0, 3), (2, 0, 2), (1, 1, 1, 1)]


def _cases():
    """(id, array, print options) generated from fixed seeds."""
    rng = np.random.default_rng(0)
    out = []
    for dt in DTYPES:
        for shape in SHAPES:
            a = rng.standard_normal(shape) * 10
            a = a > 0 if dt == "bool" else (np.abs(a) if dt == "uint8" else a)
            out.append((f"{dt}-{shape}", a.astype(dt), {}))
    for scale in (1e-6, 1e-5, 1e-4, 1e-3, 0.1, 1, 10, 1e3, 1e4, 1e5, 1e8, 1e9, 1e12, 1e20, 1e-20):
        out.append((f"scale{scale}", (rng.standard_normal(4) * scale).astype(np.float32), {}))
        out.append((f"intscale{scale}", np.round(rng.standard_normal(4) * scale), {}))
    special = {
        "sci-mix": np.array([1e-5, 1e5], np.float32),
        "int-valued": np.array([1., 2., -3.], np.float32),
        "neg-zeros": np.array([-0., 0.], np.float32),
        "neg-zero-one": np.array([-0., 1.], np.float32),
        "nan-inf": np.array([np.nan, np.inf, -np.inf], np.float32),
        "frac-nan": np.array([1.5, np.nan, -np.inf], np.float32),
        "int-nan": np.array([1., np.nan, -np.inf, 100.], np.float32),
        "big-nan": np.array([1e10, np.nan], np.float64),
        "zeros": np.zeros((2, 3), np.float32),
        "tiny-one": np.array([1e-300, 1.0], np.float64),
        "float-max": np.array([3.4e38, -3.4e38], np.float32),
        "half-max": np.array([65504, 1e-3], np.float16),
        "half": (rng.standard_normal(6) * 100).astype(np.float16),
        "summarized-1d": rng.standard_normal(2000).astype(np.float32),
        "summarized-2d": rng.standard_normal((40, 50)).astype(np.float32),
        "summarized-3d": rng.standard_normal((10, 10, 20)).astype(np.float32),
        "summarized-int": rng.integers(-1000, 1000, (30, 40)),
        "summarized-wide": rng.standard_normal((5, 1000)).astype(np.float32),
        "summarized-tall": rng.standard_normal((1000, 2)).astype(np.float32),
        "wrapped-1d": rng.standard_normal(40).astype(np.float32),
        "wrapped-int": rng.integers(0, 10 ** 9, 30),
        "wrapped-bool": rng.standard_normal(50) > 0,
        "wrapped-2d": rng.standard_normal((3, 30)),
        "wrapped-3d": rng.standard_normal((2, 2, 30)).astype(np.float32),
    }
    out += [(k, v, {}) for k, v in special.items()]
    opts = [
        ("sci-on", np.array([1.5, 2.5], np.float32), {"sci_mode": True}),
        ("sci-off", np.array([1e-5, 1e5], np.float32), {"sci_mode": False}),
        ("sci-off-int", np.array([1e10, 1.], np.float32), {"sci_mode": False}),
        ("sci-on-zeros", np.array([0., 0.], np.float32), {"sci_mode": True}),
        ("precision2", rng.standard_normal(5).astype(np.float32), {"precision": 2}),
        ("precision8", rng.standard_normal(5), {"precision": 8}),
        ("threshold10", rng.standard_normal(20).astype(np.float32), {"threshold": 10}),
        ("edge1", rng.standard_normal((6, 6)).astype(np.float32), {"threshold": 10, "edgeitems": 1}),
        ("edge0", rng.standard_normal((60, 60)).astype(np.float32), {"edgeitems": 0}),
        ("edge0-1d", rng.standard_normal(2000).astype(np.float32), {"edgeitems": 0}),
        ("linewidth40", rng.standard_normal((3, 12)).astype(np.float32), {"linewidth": 40}),
        ("linewidth10", rng.standard_normal(12).astype(np.float32), {"linewidth": 10}),
        ("profile-short", rng.standard_normal((40, 40)).astype(np.float32), {"profile": "short"}),
        ("profile-full", rng.standard_normal(1200).astype(np.float32), {"profile": "full"}),
    ]
    return out + opts


CASES = _cases()


@pytest.fixture(autouse=True)
def _restore_print_options():
    yield
    torch.set_printoptions(profile="default")
    dygrad.set_printoptions(profile="default")


# floating cases also print with requires_grad=True
RUNS = [c + (False,) for c in CASES] + [c + (True,) for c in CASES if c[1].dtype.kind == "f"]


@pytest.mark.parametrize("name,arr,opts,requires_grad", RUNS,
                         ids=[f"{r[0]}{'-rg' if r[3] else ''}" for r in RUNS])
def test_repr_matches_torch(name, arr, opts, requires_grad):
    torch.set_printoptions(**opts)
    dygrad.set_printoptions(**opts)
    t = torch.tensor(arr, requires_grad=requires_grad)
    d = dygrad.tensor(arr, requires_grad=requires_grad)
    assert repr(d) == repr(t)
    assert str(d) == str(t)


def test_case_table_is_broad():
    assert len(CASES) >= 80


@pytest.mark.parametrize("expr", [
    "x * 2", "x.sum()", "x + 1", "x.exp()", "x[0]", "x.view(3, 1)", "x.mean()", "x @ x",
    "x.relu()", "(x * 3)[1:]", "x.double() * 2", "x.half() + 1",
])
def test_grad_fn_suffix_matches_torch(expr):
    t = torch.tensor([1., 2., 3.], requires_grad=True)
    d = dygrad.tensor([1., 2., 3.], requires_grad=True)
    assert repr(eval(expr, {"x": d})) == repr(eval(expr, {"x": t}))


def test_long_suffixes_wrap_to_a_new_line():
    arr = np.array([1e-5, 2e5, 3.5, 4.25, 5e7])
    t = torch.tensor(arr, requires_grad=True) * 2
    d = dygrad.tensor(arr, requires_grad=True) * 2
    assert ",\n       dtype=torch.float64" in repr(t)
    assert repr(d) == repr(t)


def test_parameter_repr():
    for rg in (True, False):
        t = torch.nn.Parameter(torch.ones(2, dtype=torch.float64), requires_grad=rg)
        d = dygrad.nn.Parameter(dygrad.ones(2, dtype=dygrad.float64), requires_grad=rg)
        assert repr(d) == repr(t)
        assert str(d) == str(t)


@pytest.mark.parametrize("expr", [
    "lib.Size([2, 3])", "lib.Size([])", "lib.Size([2])", "lib.zeros(2, 3).shape", "lib.float32",
    "lib.int64", "lib.bool", "lib.float16", "lib.uint8", "lib.device('cpu')", "lib.device('cuda:1')",
    "lib.device('cuda', 0)", "lib.zeros(2).device", "lib.zeros(2).dtype",
])
def test_object_reprs(expr):
    d, t = eval(expr, {"lib": dygrad}), eval(expr, {"lib": torch})
    assert repr(d) == repr(t)
    assert str(d) == str(t)


def test_default_dtype_float64_changes_the_suffixes():
    try:
        torch.set_default_dtype(torch.float64)
        dygrad.set_default_dtype(dygrad.float64)
        for expr in ("lib.tensor([1., 2.])", "lib.tensor([1., 2.], dtype=lib.float32)",
                     "lib.zeros(0, dtype=lib.float32)", "lib.zeros(0, dtype=lib.int64)",
                     "lib.zeros(0)", "lib.zeros(2, 0)"):
            assert repr(eval(expr, {"lib": dygrad})) == repr(eval(expr, {"lib": torch}))
    finally:
        torch.set_default_dtype(torch.float32)
        dygrad.set_default_dtype(dygrad.float32)


def test_set_printoptions_state_like_torch():
    for kwargs in ({"precision": 2}, {"profile": "short"}, {"profile": "full", "precision": 6},
                   {"threshold": 5, "sci_mode": True}, {"linewidth": 120}, {}):
        torch.set_printoptions(**kwargs)
        dygrad.set_printoptions(**kwargs)
        assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()
        assert vars(_tensor_str.PRINT_OPTS) == vars(torch._tensor_str.PRINT_OPTS)


def test_unknown_profile_is_an_error():
    with pytest.raises(ValueError, match="profile"):
        dygrad.set_printoptions(profile="tiny")


def test_printoptions_context_restores():
    arr = np.array([1.23456789, 2.5], np.float32)
    with _tensor_str.printoptions(precision=2, sci_mode=True):
        with torch._tensor_str.printoptions(precision=2, sci_mode=True):
            assert repr(dygrad.tensor(arr)) == repr(torch.tensor(arr))
    assert repr(dygrad.tensor(arr)) == repr(torch.tensor(arr))
    assert _tensor_str.get_printoptions()["precision"] == 4


def test_format_of_tensors():
    for spec in ("", ".2f", ">10", "e"):
        assert format(dygrad.tensor(3.14159), spec) == format(torch.tensor(3.14159), spec)
    assert f"{dygrad.tensor([1.5, 2.0])}" == f"{torch.tensor([1.5, 2.0])}"
