"""Helpers of the torch.func parity tests: one module built in both frameworks with the same
weights (copied through NumPy), and comparisons of nested results."""
import numpy as np

import dygrad


def copy_weights(dg_module, torch_module, dtype="float64"):
    """Loads torch_module's state into dg_module (same architecture), both in `dtype`."""
    torch = __import__("torch")
    torch_module.to(getattr(torch, dtype))
    state = {k: dygrad.tensor(v.detach().numpy().copy()) for k, v in
             torch_module.state_dict().items()}
    dg_module.load_state_dict(state)
    dg_module.to(getattr(dygrad, dtype))
    return dg_module, torch_module


def params_of(module):
    return {k: v for k, v in module.named_parameters()}


def detached_params(module):
    """Parameters as plain tensors that require grad (the usual functional-call inputs)."""
    return {k: v.detach().clone().requires_grad_(True) for k, v in module.named_parameters()}


def to_np(x):
    if isinstance(x, dict):
        return {k: to_np(v) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return type(x)(to_np(v) for v in x)
    return x.detach().numpy()


def assert_close(got, want, rtol=1e-9, atol=1e-11):
    """Nested dicts/tuples of tensors, dygrad's against torch's."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), (list(got), list(want))
        for k in want:
            assert_close(got[k], want[k], rtol, atol)
        return
    if isinstance(want, (tuple, list)):
        assert type(got) is type(want) and len(got) == len(want)
        for g, w in zip(got, want):
            assert_close(g, w, rtol, atol)
        return
    g, w = to_np(got), to_np(want)
    assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
    scale = max(1.0, float(np.abs(w).max())) if w.size else 1.0
    np.testing.assert_allclose(g, w, rtol=rtol, atol=atol * scale)
