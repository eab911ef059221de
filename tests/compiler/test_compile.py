"""torch.compile on dygrad: PyTorch's signature, module wrapper and errors; replays equal to
eager bit for bit; graph breaks fall back (or raise with fullgraph=True)."""
import logging
import warnings

import pytest

import dygrad as torch
import dygrad.nn.functional as F
from dygrad import nn


@pytest.fixture(autouse=True)
def _strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # compile never warns where PyTorch does not
        yield


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.25), nn.Linear(8, 2))


def test_compiled_module_wraps_the_original_as_pytorch():
    m = _mlp()
    c = torch.compile(m)
    assert type(c).__name__ == "OptimizedModule"
    assert c._orig_mod is m
    assert list(c.state_dict()) == ["_orig_mod." + k for k in m.state_dict()]
    assert all(p is q for p, q in zip(c.parameters(), m.parameters()))
    assert c.__getattr__("_orig_mod") is m and c.extra_repr() == ""
    assert c.training and m.training
    c.eval()
    assert not m.training


def test_compiled_module_replays_train_and_eval_exactly():
    m = _mlp()
    c = torch.compile(m)
    for mode in ("train", "eval", "train"):
        getattr(m, mode)()
        for _ in range(3):
            x = torch.randn(5, 4)
            torch.manual_seed(3)
            got = c(x)
            torch.manual_seed(3)
            assert torch.equal(got, m(x))
    ex = torch.compiler.explain(c)
    assert ex.graph_count == 2 and ex.graph_break_count == 0


def test_compiled_training_step_equals_eager_step():
    def run(compiled):
        m = _mlp()
        opt = torch.optim.AdamW(m.parameters(), lr=0.01)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(m(x), y)
            loss.backward()
            opt.step()
            return loss

        step = torch.compile(step) if compiled else step
        torch.manual_seed(1)
        losses = []
        for i in range(4):
            x = torch.randn(6, 4)
            y = torch.randint(0, 2, (6,))
            losses.append(step(x, y).detach())
        return losses, [p.detach().clone() for p in m.parameters()], step

    eager, p_eager, _ = run(False)
    comp, p_comp, step = run(True)
    assert all(torch.equal(a, b) for a, b in zip(eager, comp))
    assert all(torch.equal(a, b) for a, b in zip(p_eager, p_comp))
    assert torch.compiler.explain(step).graph_break_count == 0


def test_new_shapes_capture_again():
    calls = []

    def f(x):
        calls.append(1)
        return (x * 2).sum(0)

    c = torch.compile(f, dynamic=True)
    for n in (2, 3, 2, 3, 4):
        x = torch.randn(n, 3)
        assert torch.equal(c(x), (x * 2).sum(0))
    assert len(calls) == 3  # one capture per shape; replays do not run the Python function
    assert torch.compiler.explain(c).graph_count == 3


def test_graph_break_runs_eagerly_and_is_explained(caplog):
    def f(x):
        if x.sum().item() > 0:
            return x * 2
        return x - 1

    c = torch.compile(f)
    with caplog.at_level(logging.INFO, logger="dygrad.compiler"):
        for v in (1.0, -1.0):
            x = torch.full((3,), v)
            assert torch.equal(c(x), f(x))  # eager fallback: the branch follows the data
    ex = torch.compiler.explain(c)
    assert ex.graph_break_count == 1 and "item()" in ex.break_reasons[0]
    assert "graph break" in caplog.text


def test_fullgraph_raises_at_a_graph_break():
    c = torch.compile(lambda x: x * x.sum().item(), fullgraph=True)
    with pytest.raises(torch.compiler.Unsupported, match="item"):
        c(torch.ones(2))


def test_compiler_disable_is_a_graph_break():
    @torch.compiler.disable
    def helper(x):
        return x + 1

    c = torch.compile(lambda x: helper(x) * 2)
    x = torch.ones(2)
    assert torch.equal(c(x), (x + 1) * 2)
    assert "torch.compiler.disable" in torch.compiler.explain(c).break_reasons[0]


def test_recompile_limit_then_eager():
    c = torch.compile(lambda x: x + 1, recompile_limit=2)
    for n in range(1, 5):
        x = torch.ones(n)
        assert torch.equal(c(x), x + 1)
    ex = torch.compiler.explain(c)
    assert ex.graph_count == 2 and "recompile_limit" in ex.break_reasons[-1]


def test_module_compile_in_place_keeps_keys_and_hooks():
    m = nn.Linear(3, 2)
    seen = []
    m.register_forward_hook(lambda mod, args, out: seen.append(out.shape))
    assert m.compile() is None
    x = torch.randn(4, 3)
    assert torch.equal(m(x), F.linear(x, m.weight, m.bias))
    assert list(m.state_dict()) == ["weight", "bias"] and seen == [(4, 2)]


def test_decorator_forms_and_arguments_as_pytorch():
    @torch.compile(mode="reduce-overhead")
    def f(x):
        return x * 3

    assert f.__name__ == "f" and torch.equal(f(torch.ones(2)), torch.full((2,), 3.0))
    g = lambda x: x  # noqa: E731
    assert torch.compile(g, disable=True) is g
    assert torch.compile(g, backend="eager") is g
    with pytest.raises(RuntimeError, match="Unrecognized mode=fast"):
        torch.compile(g, mode="fast")
    with pytest.raises(RuntimeError, match="Either mode or options"):
        torch.compile(g, mode="default", options={"x": 1})
    with pytest.raises(torch.compiler.InvalidBackend, match="Invalid backend: 'nope'"):
        torch.compile(g, backend="nope")
    assert torch.compiler.list_backends() == ["cudagraphs", "inductor"]
    assert "aot_eager" in torch.compiler.list_backends(exclude_tags=())


def test_is_compiling_inside_a_capture():
    seen = []

    def f(x):
        seen.append(torch.compiler.is_compiling())
        return x + 1

    c = torch.compile(f)
    c(torch.ones(1))
    assert seen == [True] and not torch.compiler.is_compiling()
    torch.jit.trace(f, torch.ones(1))  # tracing is not compiling, as in PyTorch
    assert seen == [True, False]


def test_attributes_missing_on_the_wrapper_come_from_the_original():
    m = nn.Linear(3, 2)
    m.note = "kept"
    c = torch.compile(m)
    assert c.note == "kept" and c.in_features == 3 and c.weight is m.weight
    with pytest.raises(AttributeError):
        c.nothing_here
