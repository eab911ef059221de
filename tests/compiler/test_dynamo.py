"""torch._dynamo as programs use it: config.recompile_limit / cache_size_limit read by
torch.compile, explain(fn)(*args), exc.Unsupported, reset/disable/is_compiling."""
import pytest

import dygrad
import dygrad._dynamo as dynamo


@pytest.fixture
def limit():
    old = dynamo.config.recompile_limit
    yield
    dynamo.config.recompile_limit = old


def _f(x):
    return x.sin() + 1


def test_reachable_as_attribute_and_module():
    assert dygrad._dynamo is dynamo
    assert dynamo.exc.Unsupported is dygrad.compiler.Unsupported
    assert dynamo.reset is dygrad.compiler.reset


def test_cache_size_limit_is_recompile_limit(limit):
    assert dynamo.config.recompile_limit == dynamo.config.cache_size_limit == 8
    dynamo.config.cache_size_limit = 2
    assert dynamo.config.recompile_limit == 2
    compiled = dygrad.compile(_f)
    for n in (1, 2, 3):
        compiled(dygrad.ones(n))
    out = dygrad.compiler.explain(compiled)
    assert out.graph_count == 2 and out.break_reasons == [
        "more than 2 input signatures (recompile_limit)"]


def test_explain_runs_the_function():
    out = dynamo.explain(_f)(dygrad.ones(3))
    assert (out.graph_count, out.graph_break_count) == (1, 0)
    out = dynamo.explain(lambda x: x * x.sum().item())(dygrad.ones(3))
    assert out.graph_break_count == 1 and "item()" in out.break_reasons[0]
    with pytest.warns(FutureWarning, match="explain.f, .args, .*kwargs. is deprecated"):
        assert dynamo.explain(_f, dygrad.ones(2)).graph_count == 1  # the older spelling


def test_fullgraph_raises_dynamo_exc_unsupported():
    compiled = dygrad.compile(lambda x: x * x.sum().item(), fullgraph=True)
    with pytest.raises(dynamo.exc.Unsupported):
        compiled(dygrad.ones(2))
        compiled(dygrad.ones(2))


def test_matches_pytorch_defaults_and_counts():
    torch = pytest.importorskip("torch")
    import torch._dynamo as tdyn
    assert tdyn.config.recompile_limit == dynamo.config.recompile_limit
    assert tdyn.config.cache_size_limit == dynamo.config.cache_size_limit
    t = tdyn.explain(_f)(torch.ones(3))
    d = dynamo.explain(_f)(dygrad.ones(3))
    assert (t.graph_count, t.graph_break_count) == (d.graph_count, d.graph_break_count)
