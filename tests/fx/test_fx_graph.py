"""torch.fx on dygrad: tracing, the Graph API, generated code, passes (no PyTorch needed)."""
import operator

import numpy as np
import pytest

import dygrad as torch
import dygrad.fx as fx
import dygrad.nn as nn
import dygrad.nn.functional as F


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)
        self.p = nn.Parameter(torch.ones(3))

    def forward(self, x):
        a = self.lin(x) + self.p
        return torch.cat([F.relu(a), a.sum(dim=1, keepdim=True)], 1).view(x.size(0), -1)


def test_trace_runs_like_eager_and_code_is_generated():
    m = Small()
    gm = fx.symbolic_trace(m)
    x = torch.randn(2, 4)
    np.testing.assert_array_equal(gm(x).detach().numpy(), m(x).detach().numpy())
    assert "lin = self.lin(x)" in gm.code
    assert "add = lin + p;  lin = p = None" in gm.code
    assert "torch.nn.functional.relu(add)" in gm.code
    ops = [n.op for n in gm.graph.nodes]
    assert ops[0] == "placeholder" and ops[-1] == "output" and "get_attr" in ops
    assert isinstance(gm, nn.Module) and set(gm.state_dict()) == {"p", "lin.weight", "lin.bias"}
    assert "class Small(torch.nn.Module):" in gm.print_readable(print_output=False)


def test_node_api_users_and_rewrites():
    gm = fx.symbolic_trace(lambda x, y: torch.relu(x + y) * 2)
    nodes = list(gm.graph.nodes)
    add = next(n for n in nodes if n.target is operator.add)
    relu = next(n for n in nodes if n.target is torch.relu)
    assert add.users == {relu: None} and relu.all_input_nodes == [add]
    assert add.format_node().startswith("%add : [num_users=1] = call_function[target=operator.add]")
    with gm.graph.inserting_after(add):
        sig = gm.graph.call_function(torch.sigmoid, (add,))
    relu.replace_all_uses_with(sig)
    gm.graph.erase_node(relu)
    gm.graph.lint()
    gm.recompile()
    x, y = torch.randn(3), torch.randn(3)
    np.testing.assert_allclose(gm(x, y).numpy(), (torch.sigmoid(x + y) * 2).numpy())
    # prepend/append move nodes; replace_input_with rewires one user
    mul = next(n for n in gm.graph.nodes if n.target is operator.mul)
    mul.replace_input_with(sig, add)
    assert sig.users == {}
    assert gm.graph.eliminate_dead_code()
    assert torch.sigmoid not in [n.target for n in gm.graph.nodes]


def test_graph_built_by_hand_and_lint_errors():
    g = fx.Graph()
    x = g.placeholder("x")
    a = g.call_function(torch.neg, (x,))
    b = g.call_method("exp", (a,))
    g.output(b)
    gm = fx.GraphModule(nn.Module(), g)
    np.testing.assert_allclose(gm(torch.tensor([1.0])).numpy(), np.exp([-1.0]), rtol=1e-6)
    a.prepend(b)  # b now before its input
    with pytest.raises(RuntimeError, match="used before it has been defined"):
        g.lint()
    with pytest.raises(RuntimeError, match="still had 1 users"):
        g.erase_node(a)


def test_graph_copy_node_copy_and_deepcopy():
    import copy
    gm = fx.symbolic_trace(Small())
    g2 = fx.Graph()
    out = g2.graph_copy(gm.graph, {})
    g2.output(out)
    gm2 = fx.GraphModule(gm, g2)
    x = torch.randn(2, 4)
    np.testing.assert_array_equal(gm2(x).detach().numpy(), gm(x).detach().numpy())
    gm3 = copy.deepcopy(gm)
    assert gm3.code == gm.code and gm3.lin is not gm.lin
    np.testing.assert_array_equal(gm3(x).detach().numpy(), gm(x).detach().numpy())


def test_control_flow_on_proxy_is_a_trace_error():
    def f(x):
        if x.sum() > 0:
            return x
        return -x
    with pytest.raises(fx.proxy.TraceError,
                       match="symbolically traced variables cannot be used as inputs to control flow"):
        fx.symbolic_trace(f)
    with pytest.raises(fx.proxy.TraceError, match="cannot be iterated"):
        fx.symbolic_trace(lambda x: [v for v in x])
    with pytest.raises(RuntimeError, match="'len' is not supported"):
        fx.symbolic_trace(lambda x: len(x))

    def unpack(x):
        a, b = x.chunk(2)
        return a - b
    gm = fx.symbolic_trace(unpack)
    x = torch.arange(4.0)
    np.testing.assert_array_equal(gm(x).numpy(), [-2.0, -2.0])


def test_concrete_args_and_leaf_modules():
    def f(x, flag):
        return x + 1 if flag else x - 1
    gm = fx.symbolic_trace(f, concrete_args={"flag": True})
    np.testing.assert_array_equal(gm(torch.zeros(2), True).numpy(), [1.0, 1.0])
    with pytest.raises(AssertionError, match="specialized"):
        gm(torch.zeros(2), False)

    class Through(fx.Tracer):
        def is_leaf_module(self, m, qualname):
            return False if isinstance(m, nn.Linear) else super().is_leaf_module(m, qualname)
    g = Through().trace(nn.Sequential(nn.Linear(2, 2), nn.ReLU()))
    ops = {n.op for n in g.nodes}
    assert "get_attr" in ops and [n.target for n in g.nodes if n.op == "call_module"] == ["1"]


def _helper(x, k):
    return x[:k] if k > 1 else x


fx.wrap("_helper")


def test_wrap_records_one_call():
    gm = fx.symbolic_trace(lambda x: _helper(x, 2) * 3)
    targets = [n.target for n in gm.graph.nodes if n.op == "call_function"]
    assert _helper in targets
    np.testing.assert_array_equal(gm(torch.arange(4.0)).numpy(), [0.0, 3.0])


def test_interpreter_transformer_and_shape_prop():
    from dygrad.fx.passes.shape_prop import ShapeProp
    gm = fx.symbolic_trace(Small())
    x = torch.randn(2, 4)

    class Swap(fx.Interpreter):
        def call_function(self, target, args, kwargs):
            if target is F.relu:
                return torch.tanh(args[0])
            return super().call_function(target, args, kwargs)
    ref = torch.cat([torch.tanh(gm.lin(x) + gm.p), (gm.lin(x) + gm.p).sum(1, keepdim=True)], 1)
    np.testing.assert_allclose(Swap(gm).run(x).detach().numpy(), ref.detach().numpy(), rtol=1e-6)

    class ToGelu(fx.Transformer):
        def call_function(self, target, args, kwargs):
            return super().call_function(F.gelu if target is F.relu else target, args, kwargs)
    new = ToGelu(gm).transform()
    assert "gelu" in new.code and "relu" not in new.code
    ShapeProp(gm).propagate(x)
    meta = {n.name: n.meta.get("tensor_meta") for n in gm.graph.nodes}
    assert tuple(meta["lin"].shape) == (2, 3) and meta["lin"].dtype == torch.float32
    assert tuple(meta["view"].shape) == (2, 4)


def test_replace_pattern():
    def f(x, w1, w2):
        m1 = torch.cat([torch.neg(w1), w2]).sum()
        m2 = torch.cat([torch.neg(w1), w2]).sum()
        return x + torch.max(m1) + torch.max(m2)

    def pattern(a1, a2):
        return torch.cat([torch.neg(a1), a2]).sum()

    def replacement(w1, w2):
        return torch.stack([w1, w2])
    gm = fx.symbolic_trace(f)
    assert len(fx.replace_pattern(gm, pattern, replacement)) == 2
    assert gm.code.count("torch.stack([w1, w2])") == 2 and "neg" not in gm.code
    w1, w2, x = torch.randn(3), torch.randn(3), torch.randn(3)
    expect = x + torch.max(torch.stack([w1, w2])) * 2
    np.testing.assert_allclose(gm(x, w1, w2).numpy(), expect.numpy(), rtol=1e-6)


def test_proxies_made_by_hand_route_through_torch_functions():
    g = fx.Graph()
    tracer = fx.proxy.GraphAppendingTracer(g)
    y, z = fx.Proxy(g.placeholder("x"), tracer), fx.Proxy(g.placeholder("y"), tracer)
    c = torch.neg(torch.tanh(torch.cat([y, z])))  # generated functions hand Proxies to fx
    g.output(c.node)
    gm = fx.GraphModule(nn.Module(), g)
    assert "torch.cat([x, y])" in gm.code
    a, b = torch.randn(2), torch.randn(2)
    np.testing.assert_allclose(gm(a, b).numpy(), (-torch.tanh(torch.cat([a, b]))).numpy())
    # a wrong argument still gets dygrad's own error
    with pytest.raises(TypeError, match="must be Tensor"):
        torch.tanh([1.0])


def test_generated_code_never_runs_text_from_the_graph():
    g = fx.Graph()
    x = g.placeholder("x")
    odd = g.call_method("not a name; import os", (x,))
    attr = g.get_attr("weird-name.0")
    g.output((odd, attr, "'); import os; ('"))
    src = g.python_code("self").src
    assert "getattr(x, 'not a name; import os')()" in src
    assert "getattr(getattr(self, 'weird-name'), '0')" in src
    assert "\"'); import os; ('\"" in src
    compile(src, "<t>", "exec")
    bad = fx.Graph()
    bad.placeholder("x=1")
    with pytest.raises(RuntimeError, match="not a Python identifier"):
        bad.python_code("self")


def test_save_and_load_whole_graph_module(tmp_path):
    m = Small()
    gm = fx.symbolic_trace(m)
    torch.save(gm.state_dict(), tmp_path / "sd.pt")
    gm2 = fx.symbolic_trace(Small())
    gm2.load_state_dict(torch.load(tmp_path / "sd.pt"))
    x = torch.randn(2, 4)
    np.testing.assert_array_equal(gm2(x).detach().numpy(), m(x).detach().numpy())
    torch.save(gm, tmp_path / "gm.pt")
    loaded = torch.load(tmp_path / "gm.pt", weights_only=False)
    assert loaded.code == gm.code
    np.testing.assert_array_equal(loaded(x).detach().numpy(), m(x).detach().numpy())


def test_profiler_ranges_and_a_tracer_that_records_them():
    with torch.autograd.profiler.profile() as prof:
        with torch.profiler.record_function("foo"):
            torch.relu(torch.ones(2))
    assert [e.name for e in prof.events()] == ["foo"] and "foo" in str(prof)
    g = fx.Graph()
    h = g.call_function(torch.ops.profiler._record_function_enter, ("r",))
    g.call_function(torch.ops.profiler._record_function_exit, (h,))
    g.output(None)
    assert not g.eliminate_dead_code()  # the range calls have side effects: kept
    gm = fx.GraphModule(nn.Module(), g)
    with torch.autograd.profiler.profile() as prof:
        gm()
    assert [e.name for e in prof.events()] == ["r"]


def test_functions_held_before_the_trace_are_recorded_as_themselves():
    from dygrad import tanh as held_tanh  # a reference taken before tracing

    class Lower(fx.Tracer):
        def is_leaf_module(self, m, qualname):
            return False if isinstance(m, nn.ReLU) else super().is_leaf_module(m, qualname)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.relu = nn.ReLU()       # calls F.relu through a class attribute
            self.act = F.gelu           # an activation stored as a value

        def forward(self, x):
            return self.act(held_tanh(self.relu(x)))
    g = Lower().trace(M())
    targets = [n.target for n in g.nodes if n.op == "call_function"]
    assert targets == [F.relu, torch.tanh, F.gelu]
    assert F.relu.__code__.co_name == "relu" and "fx_route" not in str(F.relu.__code__.co_names)
    gm = fx.GraphModule(M(), g)
    x = torch.randn(5)
    np.testing.assert_allclose(gm(x).numpy(), F.gelu(torch.tanh(F.relu(x))).numpy(), rtol=1e-6)


def test_a_loaded_graph_may_not_reach_dunder_attributes(tmp_path):
    import builtins
    from dygrad.serialization import UnsafeGlobalError
    for build in (lambda g, x: g.call_function(builtins.getattr, (x, "__class__")),
                  lambda g, x: g.call_method("__subclasses__", (x,)),
                  lambda g, x: g.call_function(operator.methodcaller, ("system",))):
        g = fx.Graph()
        x = g.placeholder("x")
        g.output(build(g, x))
        torch.save(fx.GraphModule(nn.Module(), g), tmp_path / "evil.pt")
        with pytest.raises(UnsafeGlobalError, match="is not loaded"):
            torch.load(tmp_path / "evil.pt", weights_only=False)


def test_a_graph_module_traces_again():
    gm = fx.symbolic_trace(lambda x: torch.relu(x) + 1)
    gm2 = fx.symbolic_trace(gm)
    assert gm2.code == gm.code
    np.testing.assert_array_equal(gm2(torch.tensor([-1.0, 2.0])).numpy(), [1.0, 3.0])
