"""Fused recurrent layers: edge cases of the kernels (weights never written, outputs that own
their memory) and inputs or initial states of another dtype than the weights refused (as
PyTorch does) instead of promoted silently."""
import numpy as np
import pytest

import dygrad
from dygrad import nn


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("sizes", [(1, 1), (1, 3), (3, 1)])
def test_forward_and_backward_leave_the_weights_unchanged(kind, sizes):
    # input_size or hidden_size 1: a weight's transpose is contiguous, so a kernel that
    # transforms it in place would write through to the parameter
    m = getattr(nn, kind)(*sizes, bidirectional=True).double()
    before = {n: p.detach().numpy().copy() for n, p in m.named_parameters()}
    out, _ = m(dygrad.randn(4, 2, sizes[0], dtype=dygrad.float64))
    for n, p in m.named_parameters():
        np.testing.assert_array_equal(p.detach().numpy(), before[n], err_msg=n)
    out.sum().backward()
    for n, p in m.named_parameters():
        np.testing.assert_array_equal(p.detach().numpy(), before[n], err_msg=n)


@pytest.mark.parametrize("kind", ["RNN", "GRU"])
def test_writing_to_the_output_leaves_the_gradient_unchanged(kind):
    # (PyTorch's RNN and GRU allow it; the output must not share memory with what the
    # backward reads)
    m = getattr(nn, kind)(3, 4).double()  # one layer, one direction: its output is returned
    x = dygrad.randn(5, 2, 3, dtype=dygrad.float64, requires_grad=True)
    out, h = m(x)
    (out.sum() + h.sum()).backward()
    want = x.grad.clone()
    x.grad = None
    out, h = m(x)
    with dygrad.no_grad():
        out.mul_(0.0)
        h.mul_(0.0)
    (out.sum() + h.sum()).backward()
    assert dygrad.equal(x.grad, want)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_input_of_another_dtype_than_the_weights_is_refused(kind):
    m = getattr(nn, kind)(3, 4)
    with pytest.raises(ValueError, match=r"input dtype \(torch.float64\) does not match weight "
                                         r"dtype \(torch.float32\)"):
        m(dygrad.zeros(5, 2, 3, dtype=dygrad.float64))


def test_same_error_as_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, dygrad):
        with pytest.raises(ValueError) as e:
            lib.nn.GRU(3, 4)(lib.zeros(5, 3, dtype=lib.float16))
        if lib is torch:
            want = str(e.value)
    assert str(e.value) == want


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_initial_state_of_another_dtype_is_refused(kind):
    m = getattr(nn, kind)(3, 4)
    h = dygrad.zeros(1, 2, 4, dtype=dygrad.float64)
    hx = (h, dygrad.zeros(1, 2, 4)) if kind == "LSTM" else h
    with pytest.raises(RuntimeError, match="initial state's dtype"):
        m(dygrad.zeros(5, 2, 3), hx)


def test_writing_to_an_lstm_output_before_backward_is_refused_as_pytorch_refuses_it():
    m = nn.LSTM(3, 4, batch_first=True)  # (the output is a view of the saved one)
    x = dygrad.randn(2, 5, 3, requires_grad=True)
    out, _ = m(x)
    with dygrad.no_grad():
        out.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()
