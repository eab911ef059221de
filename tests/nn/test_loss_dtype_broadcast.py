"""Losses with operands of two float dtypes or shapes, against PyTorch: mse/l1/smooth_l1/huber
broadcast first (a 0-dim operand promotes like a dimensioned one); huber keeps the input's dtype
and refuses backward; soft_margin keeps the input's dtype and shape; binary_cross_entropy refuses
mixed dtypes and targets outside [0, 1]; bce-with-logits keeps the target's dtype; kl_div with a
smaller target gives it a broadcast gradient."""
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

LOSSES = {
    "mse": "F.mse_loss(x, y, reduction=R)",
    "l1": "F.l1_loss(x, y, reduction=R)",
    "smooth_l1": "F.smooth_l1_loss(x, y, reduction=R, beta=0.5)",
    "smooth_l1_b0": "F.smooth_l1_loss(x, y, reduction=R, beta=0.0)",
    "huber": "F.huber_loss(x, y, reduction=R)",
    "soft_margin": "F.soft_margin_loss(x, y, reduction=R)",
    "bce": "F.binary_cross_entropy(x.sigmoid(), y.sigmoid(), reduction=R)",
    "bce_logits": "F.binary_cross_entropy_with_logits(x, y.sigmoid(), reduction=R)",
    "kl": "F.kl_div(x, y, reduction=R)",
    "kl_log": "F.kl_div(x, y, reduction=R, log_target=True)",
    "poisson": "F.poisson_nll_loss(x, y.abs(), reduction=R)",
}
SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), (2, 3)), ((), (2,)), ((2, 3), ()), ((), ())]
DTYPES = [("float32", "float64"), ("float64", "float32"), ("float32", "float32")]


def _run(lib, F, src, sx, sy, dx, dy, reduction):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(sx).astype(dx), requires_grad=True)
    y = lib.tensor(rng.standard_normal(sy).astype(dy), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = eval(src, {"F": F, "x": x, "y": y, "R": reduction})
        except Exception as e:  # noqa: BLE001
            return type(e), None, None
    res = (str(out.dtype).split(".")[-1], out.detach().numpy())
    try:
        (out * 1).sum().backward()
    except RuntimeError as e:
        return None, res, type(e)
    return None, res, (x.grad.numpy(), y.grad.numpy())


@pytest.mark.requires_torch
@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("dtypes", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_loss_mixed_operands_match_torch(name, shapes, dtypes, reduction):
    d = _run(dygrad, DF, LOSSES[name], *shapes, *dtypes, reduction)
    t = _run(torch, TF, LOSSES[name], *shapes, *dtypes, reduction)
    assert d[0] is t[0] or (d[0] and t[0] and issubclass(d[0], t[0])), (d[0], t[0])
    if t[0] is not None:
        return
    assert d[1][0] == t[1][0]
    np.testing.assert_allclose(d[1][1], t[1][1], rtol=1e-5, atol=1e-6)
    if isinstance(t[2], type):
        assert d[2] is t[2]
        return
    for a, b in zip(d[2], t[2]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_bce_target_outside_unit_interval_torch_free():
    x = dygrad.full((2,), 0.5)
    for bad in (2.0, float("nan")):
        with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
            DF.binary_cross_entropy(x, dygrad.tensor([0.5, bad]))


def test_huber_mixed_dtypes_keeps_input_dtype_and_refuses_backward_torch_free():
    x = dygrad.zeros(3, requires_grad=True)
    out = DF.huber_loss(x, dygrad.ones(3, dtype=dygrad.float64))
    assert out.dtype == dygrad.float32
    with pytest.raises(RuntimeError, match="Found dtype Double but expected Float"):
        out.backward()


@pytest.mark.requires_torch
@pytest.mark.parametrize("src", ["F.huber_loss(x, y, delta=0.5, reduction='sum')",
                                 "F.smooth_l1_loss(x, y, beta=0.5, reduction='sum')",
                                 "F.smooth_l1_loss(x, y, beta=0.0, reduction='sum')"])
def test_piecewise_losses_at_infinite_differences(src):
    vals = ([0.3, 2.0, -3.0, np.inf, np.nan, 0.0], [-np.inf, 0.0, 0.0, 0.0, 1.0, np.inf])
    res = []
    for lib, F in ((dygrad, DF), (torch, TF)):
        x, y = (lib.tensor(np.array(v, np.float32), requires_grad=True) for v in vals)
        out = eval(src, {"F": F, "x": x, "y": y})
        out.backward()
        res.append([out.detach().numpy(), x.grad.numpy(), y.grad.numpy()])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-6)


NONFINITE = np.array([[np.inf, 1.0, 2.0], [np.nan, 1.0, 2.0], [0.0, np.inf, 2.0],
                      [0.0, -np.inf, 2.0]], np.float32)


@pytest.mark.requires_torch
@pytest.mark.parametrize("src", [
    "F.multi_margin_loss(x, torch.tensor([0, 1, 0, 0]), reduction='none')",
    "F.multi_margin_loss(x, torch.tensor([0, 1, 0, 0]), p=2, reduction='sum')",
    "F.cross_entropy(x, torch.tensor([0, 0, 1, 2]), ignore_index=0, reduction='none')",
    "F.cross_entropy(x, torch.tensor([0, 0, 1, 2]), ignore_index=0, label_smoothing=0.2)",
    "F.nll_loss(x, torch.tensor([0, 0, 1, 1]), ignore_index=0, reduction='sum')",
    "F.soft_margin_loss(x, torch.tensor(np.sign(NONFINITE - 1)), reduction='none')",
    "F.soft_margin_loss(x * 50, torch.tensor(np.full((4, 3), -1.0, np.float32)))",
    "F.gaussian_nll_loss(x[:, 2:], torch.zeros(4, 1), torch.ones(4, 1))",
    "F.gaussian_nll_loss(x[:, 2:].expand(4, 3), torch.zeros(1, 3), torch.ones(1, 3))",
    "F.gaussian_nll_loss(x[:, 2:].expand(4, 3), torch.zeros(4, 3), torch.ones(1, 1))",
])
def test_losses_with_nonfinite_inputs_match_torch(src):
    res = []
    for lib, F in ((dygrad, DF), (torch, TF)):
        x = lib.tensor(NONFINITE, requires_grad=True)
        try:
            out = eval(src, {"F": F, "x": x, "torch": lib, "np": np, "NONFINITE": NONFINITE})
        except ValueError as e:
            res.append(type(e))
            continue
        out.sum().backward()
        res.append([out.detach().numpy(), x.grad.numpy()])
    if isinstance(res[1], type):
        assert res[0] is res[1]
        return
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.requires_torch
@pytest.mark.parametrize("src", [
    "F.cross_entropy(x, torch.tensor([0, 1, 2, 0]), label_smoothing=-0.3)",
    "F.cross_entropy(x, x.detach().softmax(1), label_smoothing=-0.3)",
    "F.cross_entropy(x, torch.tensor([0, 1, 2, 0]), label_smoothing=1.5)",
    "F.multi_margin_loss(x, torch.tensor([0, 1, 2, 0]), weight=torch.ones(2))",
    "F.multi_margin_loss(x, torch.tensor([0, 1, 2, 0]), weight=torch.ones(3, dtype=torch.float64))",
    "F.multi_margin_loss(x, torch.tensor([0, 1, 2, 0]).int())",
    "F.multi_margin_loss(x, torch.tensor([0, 1, 2, 0]), margin=-1.0, weight=torch.ones(3))",
    "F.binary_cross_entropy_with_logits(x * torch.tensor([float('-inf'), float('inf'), 1.0]),"
    " y, pos_weight=torch.tensor([0.5, 2.0, 3.0]), reduction='none')",
    "F.binary_cross_entropy_with_logits(x[0, 0], y[0, 0], pos_weight=torch.tensor(2.0))",
    "F.gaussian_nll_loss(x, y, torch.full((4, 3), float('inf')), reduction='none')",
])
def test_loss_options_match_torch(src):
    x0 = np.random.default_rng(4).standard_normal((4, 3)).astype(np.float32)
    res = []
    for lib, F in ((dygrad, DF), (torch, TF)):
        x = lib.tensor(x0, requires_grad=True)
        y = lib.tensor(np.full((4, 3), 0.3, np.float32), requires_grad=True)
        try:
            out = eval(src, {"F": F, "x": x, "y": y, "torch": lib})
        except RuntimeError as e:
            res.append(type(e))
            continue
        out.sum().backward()
        res.append([out.detach().numpy(), x.grad.numpy()] + ([y.grad.numpy()] if y.grad is not None else []))
    if isinstance(res[1], type):
        assert res[0] is res[1]
        return
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
