"""Recurrent layers refuse an input or initial state of another dtype than their weights (as
PyTorch does) instead of promoting silently."""
import pytest

import dygrad
from dygrad import nn


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
