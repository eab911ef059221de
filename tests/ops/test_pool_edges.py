"""Adaptive pools and convolutions on empty dimensions, and NaN routing in adaptive max pool,
as PyTorch 2.13 does them."""
import numpy as np
import pytest

import dygrad
import dygrad.nn.functional as F


def test_convolution_of_an_empty_plane_in_a_nonempty_batch_raises():
    with pytest.raises(RuntimeError, match="Only zero batch or zero channel inputs"):
        F.conv2d(dygrad.ones(1, 2, 0, 3), dygrad.ones(2, 2, 2, 2), stride=2, padding=1)
    with pytest.raises(RuntimeError, match="Only zero batch or zero channel inputs"):
        F.conv1d(dygrad.ones(1, 3, 0), dygrad.ones(3, 3, 1), stride=3, padding=2)
    assert F.conv2d(dygrad.ones(0, 2, 4, 4), dygrad.ones(3, 2, 2, 2)).shape == (0, 3, 3, 3)


def test_adaptive_pool_to_size_zero_refuses_its_backward():
    x = dygrad.ones(1, 1, 3, requires_grad=True)
    y = F.adaptive_avg_pool1d(x, 0)
    assert y.shape == (1, 1, 0)
    with pytest.raises(RuntimeError, match="Expected grad_output to have non-zero size"):
        y.sum().backward()


def test_adaptive_avg_pool_to_one_of_an_empty_plane_is_nan():
    y = F.adaptive_avg_pool2d(dygrad.ones(1, 2, 3, 0), 1)
    assert y.shape == (1, 2, 1, 1) and np.isnan(y.numpy()).all()
    with pytest.raises(RuntimeError):
        F.adaptive_avg_pool2d(dygrad.ones(2, 3, 0, 4), 2)


def test_adaptive_max_pool_routes_to_the_last_nan_of_a_window():
    nan = float("nan")
    x = dygrad.tensor([[[1.0, nan, 3.0, nan, 0.5]]], requires_grad=True)
    y, idx = F.adaptive_max_pool1d(x, 2, return_indices=True)   # windows [0, 3) and [2, 5)
    y.sum().backward()
    assert idx.tolist() == [[[1, 3]]]
    assert x.grad.tolist() == [[[0.0, 1.0, 0.0, 1.0, 0.0]]]
    torch = pytest.importorskip("torch")
    xt = torch.tensor([[[1.0, nan, 3.0, nan, 0.5]]], requires_grad=True)
    yt, it = torch.nn.functional.adaptive_max_pool1d(xt, 2, return_indices=True)
    yt.sum().backward()
    assert it.tolist() == idx.tolist() and xt.grad.tolist() == x.grad.tolist()
