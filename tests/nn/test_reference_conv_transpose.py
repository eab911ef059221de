"""conv_transpose1d / nn.ConvTranspose1d without the PyTorch oracle: forward against a NumPy
scatter reference (stride, padding, output_padding, dilation, groups, unbatched input, the
module's output_size), gradients and second derivatives by float64 finite differences. These run
whether or not torch is installed (test_conv_transpose1d.py compares with PyTorch itself)."""
import numpy as np
import pytest

import dygrad
import dygrad.nn as nn
import dygrad.nn.functional as F
from dygrad.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(17)


def R(*shape):
    return rng.standard_normal(shape)


def T(a, grad=False):
    return dygrad.tensor(a, requires_grad=grad)


def conv_transpose1d_ref(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Each input position scatters its kernel-weighted copy into the output (a group's input
    channels feed only that group's output channels); the result is cropped by `padding` on both
    sides, output_padding lengthening the right end."""
    n, cin, length = x.shape
    cg, og, k = cin // groups, w.shape[1], w.shape[2]
    full = np.zeros((n, og * groups, (length - 1) * stride + dilation * (k - 1) + 1 + output_padding))
    for g in range(groups):
        for j in range(k):
            start = j * dilation
            full[:, g * og:(g + 1) * og, start:start + (length - 1) * stride + 1:stride] += np.einsum(
                "ncl,co->nol", x[:, g * cg:(g + 1) * cg], w[g * cg:(g + 1) * cg, :, j])
    out = full[:, :, padding:full.shape[2] - padding]
    return out if b is None else out + b[None, :, None]


CASES = [dict(), dict(stride=2, padding=1, output_padding=1), dict(stride=3, groups=2, output_padding=2),
         dict(dilation=3, output_padding=2, padding=2), dict(stride=2, dilation=2, groups=2, padding=1)]


@pytest.mark.parametrize("kw", CASES)
def test_conv_transpose1d_matches_numpy(kw):
    g = kw.get("groups", 1)
    x, w, b = R(2, 2 * g, 5), R(2 * g, 3, 3), R(3 * g)
    got = F.conv_transpose1d(T(x), T(w), T(b), **kw)
    np.testing.assert_allclose(got.numpy(), conv_transpose1d_ref(x, w, b, **kw), rtol=1e-10, atol=1e-12)
    unbatched = F.conv_transpose1d(T(x[0]), T(w), T(b), **kw)
    np.testing.assert_allclose(unbatched.numpy(), got.numpy()[0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kw", CASES[1:3])
def test_conv_transpose1d_gradcheck_and_gradgradcheck(kw):
    g = kw.get("groups", 1)
    args = (T(R(1, 2 * g, 4), True), T(R(2 * g, 2, 3), True), T(R(2 * g), True))

    def f(x, w, b):
        return F.conv_transpose1d(x, w, b, **kw)
    assert gradcheck(f, args)
    assert gradgradcheck(f, args)


def test_module_matches_numpy_with_output_size():
    m = nn.ConvTranspose1d(4, 3, 3, stride=2, padding=1).double()
    x = R(2, 4, 5)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    np.testing.assert_allclose(m(T(x)).detach().numpy(), conv_transpose1d_ref(x, w, b, 2, 1), rtol=1e-10,
                               atol=1e-12)
    # output_size 10 is one longer than the default 9: it picks output_padding=1
    got = m(T(x), output_size=[10])
    assert tuple(got.shape) == (2, 3, 10)
    np.testing.assert_allclose(got.detach().numpy(), conv_transpose1d_ref(x, w, b, 2, 1, 1), rtol=1e-10,
                               atol=1e-12)
