"""The replay contract of dygrad/ops/_record.py for graph captures: ops of several outputs,
stateful nodes (arrays of the run kept besides the saved tensors) and random kernels."""
import warnings

import numpy as np
import pytest

import dygrad as torch
from dygrad.autograd.node import Node
from dygrad.ops._record import attach, attach_outputs, record


@pytest.fixture(autouse=True)
def _strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _check_step(fn, params, make_input, steps=3):
    """Replays of fn give eager's outputs and gradients bit for bit."""
    traced = torch.jit.trace(fn, make_input())
    for _ in range(steps):
        x = make_input()
        for p in params:
            p.grad = None
        y = traced(x)
        y.backward()
        got = [p.grad.clone() for p in params]
        for p in params:
            p.grad = None
        want = fn(x)
        want.backward()
        assert torch.equal(y, want)
        for g, p in zip(got, params):
            assert torch.equal(g, p.grad)
    assert traced.reasons == []
    return traced


def test_split_pieces_replay_with_gradients_of_some_pieces():
    w = torch.randn(6, 4, requires_grad=True)

    def f(x):
        a, b, c = (x @ w).split(2, dim=0)
        return (a * 2 + c).sum() + b[0].sum()

    traced = _check_step(f, [w], lambda: torch.randn(6, 6))
    assert "split" in traced.code


def test_unbind_and_chunk_replay():
    w = torch.randn(3, 4, requires_grad=True)

    def f(x):
        rows = (x * w).unbind(0)
        parts = (x + w).chunk(2, dim=1)
        return (rows[0] * rows[2]).sum() + parts[1].sum()

    _check_step(f, [w], lambda: torch.randn(3, 4))


# a stateful op: its node keeps the forward's cube root (an array of the run, not a saved tensor)
class _CbrtBackward(Node):
    __slots__ = ("root",)

    def backward(self, g, x):
        return g / (3.0 * self.root * self.root)


def _cbrt_kernel(xd):
    out = np.cbrt(xd)
    state = _CbrtBackward(())
    state.root = out
    return out, state


def _cbrt(x):
    out, state = _cbrt_kernel(x._data)
    t, node = record(out, _CbrtBackward, (x,), replay=_cbrt_kernel, stateful=True)
    if node is not None:
        node.root = state.root
        node.save(x)
    return t


def test_stateful_node_reads_the_state_of_each_replay():
    w = torch.rand(5, dtype=torch.float64, requires_grad=True)

    def f(x):
        return _cbrt(x + w * 3 + 1).sum()

    traced = _check_step(f, [w], lambda: torch.rand(5, dtype=torch.float64))
    assert "cbrt" in traced.code


def test_a_plain_node_that_keeps_arrays_is_refused_with_the_reason():
    def f(x):
        out, state = _cbrt_kernel(x._data)
        t, node = record(out, _CbrtBackward, (x,), replay=lambda d: np.cbrt(d))
        node.root = state.root
        node.save(x)
        return t.sum()

    w = torch.rand(3, requires_grad=True)
    with pytest.warns(torch.jit.TracerWarning, match="keeps data of the run"):
        traced = torch.jit.trace(lambda x: f(x * w), torch.rand(3))
    assert traced.reasons


# an op of two outputs, stateful: (x * 2, x ** 2) with the node keeping 2x
class _TwoBackward(Node):
    __slots__ = ("_nout", "twice")
    _multi = True

    def _apply(self, grads, create_graph):  # eager: the engine passes one gradient per output
        return (self.backward(grads, *self._vals(False)),)

    def backward(self, grads, x):
        ga, gb = grads
        out = None
        if ga is not None:
            out = ga * 2.0
        if gb is not None:
            out = gb * self.twice if out is None else out + gb * self.twice
        return out


def _two_kernel(xd):
    state = _TwoBackward(())
    state._nout = 2
    state.twice = xd * 2.0
    return xd * 2.0, xd * xd, state


def _two(x):
    a, b, state = _two_kernel(x._data)
    node = None
    if x._rg:
        node = _TwoBackward((x._grad_node(),))
        node._nout = 2
        node.twice = state.twice
        node.save(x)
    return attach_outputs((a, b), node, inputs=(x,), replay=_two_kernel, stateful=True)


@pytest.mark.parametrize("use", ["both", "first", "second"])
def test_several_outputs_some_without_gradient(use):
    w = torch.rand(4, dtype=torch.float64, requires_grad=True)

    def f(x):
        a, b = _two(x * w)
        if use == "first":
            return a.sum()
        if use == "second":
            return (b * 3).sum()
        return (a * b).sum()

    _check_step(f, [w], lambda: torch.rand(4, dtype=torch.float64))


def test_function_returning_several_outputs_of_one_op():
    w = torch.rand(4, dtype=torch.float64, requires_grad=True)

    def f(x):
        return _two(x * w)

    traced = torch.jit.trace(f, torch.rand(4, dtype=torch.float64))
    x = torch.rand(4, dtype=torch.float64)
    a, b = traced(x)
    (a.sum() + (b * b).sum()).backward()
    got = w.grad.clone()
    w.grad = None
    a2, b2 = f(x)
    (a2.sum() + (b2 * b2).sum()).backward()
    assert torch.equal(a, a2) and torch.equal(b, b2) and torch.equal(got, w.grad)
    assert traced.reasons == []


# a random kernel: the trace-time check must draw what the traced run drew
def _noise_kernel(shape):
    from dygrad import random as _random
    return _random._uniform(shape, 0.0, 1.0).astype(np.float32)


def _noise(shape):
    t, _ = record(_noise_kernel(shape), Node, (), replay=_noise_kernel, args=(shape,))
    return t


def test_random_kernels_replay_as_eager_after_the_same_seed():
    w = torch.rand(3, requires_grad=True)

    def f(x):
        return (x * w * _noise((3,))).sum()

    torch.manual_seed(1)
    traced = torch.jit.trace(f, torch.rand(3))
    assert traced.reasons == []
    x = torch.rand(3)
    torch.manual_seed(7)
    y = traced(x)
    torch.manual_seed(7)
    assert torch.equal(y, f(x))


def test_in_place_ops_on_intermediates_replay():
    # ResNet's pattern: nn.ReLU(inplace=True) on a batch norm output, `out += identity`
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(2, 2, 3, padding=1)
    bn = torch.nn.BatchNorm2d(2)

    def f(x):
        out = torch.relu_(bn(conv(x)))
        out = conv(out)
        out += x
        out.mul_(2)
        return torch.relu_(out).sum()

    _check_step(f, list(conv.parameters()) + list(bn.parameters()),
                lambda: torch.randn(2, 2, 4, 4))


def test_in_place_write_to_a_saved_tensor_still_raises():
    w = torch.randn(3, requires_grad=True)

    def f(x):
        y = x * w
        z = y.sigmoid()   # saves its output
        z.add_(1)         # eager backward must raise: z was modified
        return z.sum()

    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        f(torch.randn(3)).backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        traced = torch.jit.trace(f, torch.randn(3))
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        traced(torch.randn(3)).backward()


def test_in_place_write_into_an_input_is_not_replayed():
    def f(x):
        x.mul_(2)
        return x + 1

    with pytest.warns(torch.jit.TracerWarning, match="changed in place"):
        traced = torch.jit.trace(f, torch.ones(2))
    x = torch.ones(2)
    assert torch.equal(traced(x), torch.full((2,), 3.0)) and torch.equal(x, torch.full((2,), 2.0))


@pytest.mark.parametrize("update", ["data", "no_grad", "clip_norm", "clip_value"])
def test_hand_written_updates_after_backward_replay(update):
    # pytorch/examples' word language model: clip_grad_norm_, then p.data.add_(p.grad, alpha=-lr)
    def run(capture):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))

        def step(x, y):
            model.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            if update == "clip_norm":
                torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            if update == "clip_value":
                torch.nn.utils.clip_grad_value_(model.parameters(), 0.01)
            for p in model.parameters():
                if update == "no_grad":
                    with torch.no_grad():
                        p.sub_(p.grad * 0.5)
                else:
                    p.data.add_(p.grad, alpha=-0.5)
            return loss

        step = torch.compile(step) if capture else step
        torch.manual_seed(1)
        losses = [step(torch.randn(3, 4), torch.randn(3, 2)).item() for _ in range(4)]
        return losses, [p.detach().clone() for p in model.parameters()], step

    want, p_want, _ = run(False)
    got, p_got, compiled = run(True)
    assert torch.compiler.explain(compiled).break_reasons == []
    assert want == got
    assert all(torch.equal(a, b) for a, b in zip(p_want, p_got))
