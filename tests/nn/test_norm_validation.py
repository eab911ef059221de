"""Normalisation ops against PyTorch: argument validation (error class), one value per channel
or spatial position in training, mixed dtypes, empty inputs, instance norm as batch norm over
N*C channels (running statistics, momentum=None), non-finite affine weights (PyTorch's fused
x * scale + shift form gives NaN where (x - mean) * scale gives +-inf)."""
import warnings

import numpy as np
import pytest

import dygrad
import dygrad.nn.functional as DF

try:  # the parity oracle; the tests marked requires_torch skip without it
    import torch
except ImportError:
    torch = None
TF = torch.nn.functional if torch is not None else None

_rng = np.random.default_rng(3)
A234 = _rng.standard_normal((2, 3, 4)).astype(np.float32)
A24 = _rng.standard_normal((2, 4)).astype(np.float32)
INFW = np.array([np.inf, 1.0, -2.0], np.float32)


def _run(lib, F, src):
    ns = {"torch": lib, "F": F, "np": np, "A234": A234, "A24": A24, "INFW": INFW,
          "T": lambda a, **k: lib.tensor(np.array(a), **k)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(src, ns)
    return ns


CASES = [
    # one value per channel / spatial position in training
    "out = F.instance_norm(T(A24))",
    "out = F.instance_norm(T(A234[:, :, :1]))",
    "out = F.group_norm(T(A24[:1, :1]), 1)",
    "out = F.group_norm(T(A24[:1, :2]), 2)",
    "out = F.group_norm(T(A234[:1, :2, :1]), 2)",
    "out = F.batch_norm(T(A24[:1]), None, None, training=True)",
    "out = F.batch_norm(T(A234[:0]), None, None, training=True)",
    # shapes and presence of weight / bias / running statistics
    "out = F.instance_norm(T(A234), T(np.zeros(2, np.float32)), T(np.ones(2, np.float32)))",
    "out = F.instance_norm(T(A234), T(np.zeros(3, np.float32)), None)",
    "out = F.instance_norm(T(A234), weight=T(np.ones(2, np.float32)))",
    "out = F.instance_norm(T(A234), use_input_stats=False)",
    "out = F.group_norm(T(A234), 3, T(np.ones(2, np.float32)))",
    "out = F.group_norm(T(A234), 3, None, T(np.ones(2, np.float32)))",
    "out = F.group_norm(T(A234[0, 0]), 2)",
    "out = F.group_norm(T(A234), 2)",
    "out = F.group_norm(T(A234), -3)",
    "out = F.batch_norm(T(A24), None, T(np.ones(4, np.float32)), training=False)",
    "out = F.batch_norm(T(A24), T(np.zeros(4, np.float32)), None, training=True)",
    "out = F.batch_norm(T(A24), None, None, T(np.ones(3, np.float32)), training=True)",
    "out = F.batch_norm(T(A24), None, None, training=True, eps=0.0)",
    "out = F.batch_norm(T(A24), None, None, training=True, momentum=None)",
    "out = F.layer_norm(T(A24), (4,), T(np.ones(3, np.float32)))",
    "out = F.layer_norm(T(A24), (4,), None, T(np.ones((1, 4), np.float32)))",
    "out = F.layer_norm(T(A24), ())",
    "out = F.layer_norm(T(A24), 4.0)",
    "out = F.layer_norm(T(A24), (1, 2, 4))",
    # dtypes
    "out = F.batch_norm(T(A24), None, None, T(np.ones(4)), training=True)",
    "out = F.layer_norm(T(A24.astype(np.float64)), (4,), T(np.ones(4, np.float32)))",
    "out = F.group_norm(T(A24), 2, T(np.ones(4)))",
    "out = F.layer_norm(T(np.ones((2, 4), np.int64)), (4,))",
    "out = F.group_norm(T(np.ones((2, 4), np.int64)), 2)",
    # empty inputs
    "out = F.group_norm(T(A234[:0]), 3)",
    "out = F.layer_norm(T(A24[:, :0]), (0,))",
    "out = F.instance_norm(T(A234[:0]))",
    # non-finite affine weights
    "x = T(A234, requires_grad=True); out = F.group_norm(x, 1, T(INFW))",
    "x = T(A234, requires_grad=True); out = F.batch_norm(x, None, None, T(INFW), training=True)",
    "out = F.batch_norm(T(A234), T(np.ones(3, np.float32)), T(np.ones(3, np.float32)), T(INFW))",
    "x = T(A234[:, :, :3], requires_grad=True);"
    "w = T(np.tile(INFW, (3, 1)), requires_grad=True); out = F.layer_norm(x, (3, 3), w)",
    # instance norm statistics
    "rm = T(np.zeros(3, np.float32)); rv = T(np.ones(3, np.float32));"
    "out = F.instance_norm(T(A234), rm, rv, momentum=0.3)",
    "rm = T(np.zeros(3, np.float32)); rv = T(np.full(3, 2.0, np.float32));"
    "out = F.instance_norm(T(A234), rm, rv, T(INFW[::-1].copy()), use_input_stats=False)",
]


@pytest.mark.requires_torch
@pytest.mark.parametrize("src", CASES)
def test_norm_matches_torch(src):
    errs = []
    spaces = []
    for lib, F in ((dygrad, DF), (torch, TF)):
        try:
            spaces.append(_run(lib, F, src))
            errs.append(None)
        except Exception as e:  # noqa: BLE001
            errs.append(e)
            spaces.append(None)
    if errs[1] is not None:
        assert errs[0] is not None, f"PyTorch raises {errs[1]!r}, dygrad does not"
        assert type(errs[0]) is type(errs[1]), (errs[0], errs[1])
        return
    assert errs[0] is None, errs[0]
    d, t = spaces
    for name, tv in t.items():
        if not isinstance(tv, torch.Tensor):
            continue
        dv = d[name]
        assert dv.dtype.__repr__().split(".")[-1] == repr(tv.dtype).split(".")[-1], name
        np.testing.assert_allclose(dv.detach().numpy(), tv.detach().numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=name)
    out_t = t["out"]
    if out_t.requires_grad:
        w = np.random.default_rng(0).standard_normal(tuple(out_t.shape)).astype(np.float32)
        (d["out"] * dygrad.tensor(w)).sum().backward()
        (out_t * torch.tensor(w)).sum().backward()
        for name, tv in t.items():
            if isinstance(tv, torch.Tensor) and tv.is_leaf and tv.grad is not None:
                np.testing.assert_allclose(d[name].grad.numpy(), tv.grad.numpy(), rtol=1e-4,
                                           atol=1e-5, err_msg=name + ".grad")


def test_instance_norm_module_checks_and_momentum_none():
    with pytest.raises(ValueError, match="num_features"):
        dygrad.nn.InstanceNorm1d(4, affine=True)(dygrad.tensor(A234))
    with pytest.warns(UserWarning, match="does not match num_features"):
        dygrad.nn.InstanceNorm1d(4)(dygrad.tensor(A234))
    with pytest.raises(ValueError, match="spatial element"):
        dygrad.nn.InstanceNorm1d(3)(dygrad.tensor(A234[0, :, :1]))
    m = dygrad.nn.InstanceNorm1d(3, track_running_stats=True, momentum=None)
    m(dygrad.tensor(A234))
    np.testing.assert_array_equal(m.running_mean.numpy(), np.zeros(3, np.float32))


def test_batch_norm_one_value_message_torch_free():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, "
                                         r"got input size torch.Size\(\[1, 3\]\)"):
        DF.batch_norm(dygrad.ones(1, 3), None, None, training=True)


@pytest.mark.requires_torch
def test_group_norm_infinite_weight_gradients():
    w = np.array([np.inf, 1.0, -2.0, 0.5], np.float32)
    x = np.random.default_rng(5).standard_normal((2, 4, 3)).astype(np.float32)
    grads = []
    for lib, F in ((dygrad, DF), (torch, TF)):
        xs = [lib.tensor(v, requires_grad=True) for v in (x, w, w[::-1].copy())]
        out = F.group_norm(xs[0], 2, xs[1], xs[2])
        (out * lib.tensor(x)).sum().backward()
        grads.append([out.detach().numpy()] + [t.grad.numpy() for t in xs])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.requires_torch
@pytest.mark.parametrize("shape", [(3,), (2, 3)])
def test_local_response_norm_needs_3d(shape):
    with pytest.raises(ValueError, match="3D or higher"):
        DF.local_response_norm(dygrad.ones(*shape), 2)
    with pytest.raises(ValueError, match="3D or higher"):
        TF.local_response_norm(torch.ones(*shape), 2)


@pytest.mark.requires_torch
@pytest.mark.parametrize("src", [
    "out = F.batch_norm(T(A24), None, T(np.ones(4, np.float32)), T(np.ones(3, np.float32)), training=True)",
    "out = F.batch_norm(T(A24), T(np.ones(3, np.float32)), T(np.ones(4, np.float32)), training=True, eps=0.0)",
    "out = F.batch_norm(T(A24), None, T(np.ones(4, np.float32)), T(np.ones(4)), training=True)",
])
def test_batch_norm_check_order_matches_torch(src):
    errs = []
    for lib, F in ((dygrad, DF), (torch, TF)):
        with pytest.raises(Exception) as info:
            _run(lib, F, src)
        errs.append(info.type)
    assert errs[0] is errs[1]
