"""dygrad.autograd.graph.saved_bytes and track_memory: what a live graph keeps, a block's peak."""
import numpy as np

import dygrad as torch
from dygrad.autograd.graph import saved_bytes, track_memory


def test_saved_bytes_counts_saved_arrays_once():
    x = torch.randn(64, 32, requires_grad=True)
    y = x.sin()               # saves x (8 KiB)
    assert saved_bytes(y) == x.numel() * 4
    z = (y.cos() * x.sin())   # both sins save x: counted once beside y and its cos
    assert saved_bytes(z) >= 3 * x.numel() * 4
    w = x[:10].sin().sum() + x.sin().sum()    # a view's base counts whole, once
    assert saved_bytes(w) == x.numel() * 4


def test_saved_bytes_zero_without_graph_and_after_backward():
    x = torch.randn(16, 16, requires_grad=True)
    assert saved_bytes(x) == 0
    with torch.no_grad():
        assert saved_bytes(x.exp()) == 0
    y = x.exp().sum()
    assert saved_bytes(y) > 0
    y.backward()
    assert saved_bytes(y) == 0


def test_saved_bytes_follows_dtype():
    x32 = torch.randn(128, 64, requires_grad=True)
    x64 = x32.detach().double().requires_grad_()
    assert saved_bytes(x64.tanh()) == 2 * saved_bytes(x32.tanh())


def test_saved_bytes_counts_attribute_state():
    torch.manual_seed(0)
    x = torch.randn(32, 64, requires_grad=True)
    ln = torch.nn.LayerNorm(64)
    assert saved_bytes(ln(x)) >= x.numel() * 4  # layer norm keeps a normalised copy of x


def test_track_memory_sees_a_block_peak():
    with track_memory() as m:
        a = np.ones((1 << 20,), np.float64)   # 8 MiB
        del a
        b = np.ones((1 << 17,), np.float64)   # 1 MiB, kept
    assert m.peak_bytes >= 8 << 20
    assert (1 << 20) <= m.end_bytes < 8 << 20
    assert m.peak_rss_bytes is None or m.peak_rss_bytes > 0
    del b


def test_track_memory_nests():
    with track_memory() as outer:
        big = np.ones((1 << 20,), np.float64)   # 8 MiB, freed before the inner block
        del big
        with track_memory() as inner:
            t = torch.ones(1 << 19)   # 2 MiB
        del t
    assert (2 << 20) <= inner.peak_bytes < 8 << 20
    assert outer.peak_bytes >= 8 << 20    # the inner block's reset did not lose it
