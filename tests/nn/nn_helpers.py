"""Shared helpers of the nn tests: weight copying from torch and module parity checks."""
import numpy as np
import pytest

import dygrad
from dygrad.testing import assert_close


def torch_or_skip():
    return pytest.importorskip("torch")


def copy_state(dmod, tmod):
    """Loads torch module `tmod`'s state into dygrad module `dmod` (through NumPy)."""
    sd = {k: dygrad.tensor(v.detach().numpy().copy()) for k, v in tmod.state_dict().items()}
    return dmod.load_state_dict(sd)


def module_parity(dmod, tmod, *arrays, rtol=None, atol=None, seed=0, grad_inputs=True):
    """Same weights, same inputs: outputs, input gradients and parameter gradients match."""
    torch = torch_or_skip()
    copy_state(dmod, tmod)
    if not isinstance(grad_inputs, (list, tuple)):
        grad_inputs = [grad_inputs] * len(arrays)
    flags = [g and a.dtype.kind == "f" for g, a in zip(grad_inputs, arrays)]
    dx = [dygrad.tensor(a.copy(), requires_grad=f) for a, f in zip(arrays, flags)]
    tx = [torch.tensor(a.copy(), requires_grad=f) for a, f in zip(arrays, flags)]
    out_d, out_t = dmod(*dx), tmod(*tx)
    assert_close(out_d, out_t, rtol=rtol, atol=atol)
    go = np.random.default_rng(seed).standard_normal(tuple(out_t.shape)).astype(out_d.numpy(force=True).dtype)
    out_d.backward(dygrad.tensor(go))
    out_t.backward(torch.tensor(go))
    for i, (a, b, f) in enumerate(zip(dx, tx, flags)):
        if f:
            assert_close(a.grad, b.grad, rtol=rtol, atol=atol, msg=lambda m, i=i: f"input {i}: {m}")
    dnamed = list(dmod.named_parameters())
    tnamed = list(tmod.named_parameters())
    assert [n for n, _ in dnamed] == [n for n, _ in tnamed]
    for (name, p), (_, tp) in zip(dnamed, tnamed):
        if tp.grad is None:
            assert p.grad is None or not np.any(p.grad.numpy()), name
        else:
            assert_close(p.grad, tp.grad, rtol=rtol, atol=atol, msg=lambda m, n=name: f"{n}: {m}")
    return out_d, out_t
