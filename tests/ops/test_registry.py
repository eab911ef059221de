"""The op registry: generated spellings are current, agree with each other, and match PyTorch's."""
import importlib.util
import warnings

import numpy as np
import pytest

import dygrad
from dygrad.ops import _codegen
from dygrad.ops._registry import OPS
from dygrad._tensor_methods import TensorOpMethods

DECLS = [OPS[k] for k in sorted(OPS)]
IDS = [d.name for d in DECLS]


def test_generated_modules_are_current():
    assert _codegen.stale() == [], "run: python -m dygrad.ops._codegen"


def test_a_declared_method_is_not_also_written_by_hand():
    # by hand: the class and its hand-written mixins, every class of the MRO before the generated
    # one (a mixin listed after it would not hide it, but would be dead code: caught too)
    generated = {k for k in vars(TensorOpMethods) if not k.startswith("__")}
    hand = [c for c in dygrad.Tensor.__mro__ if c not in (TensorOpMethods, object)]
    assert len(hand) > 1 and dygrad.Tensor in hand  # the mixins are seen, not only the class
    by_hand = {(c.__name__, k) for c in hand for k in vars(c) if k in generated}
    assert not by_hand, f"hand-written methods hide declared ones: {sorted(by_hand)}"


def test_registry_holds_the_walkthrough_op():
    d = OPS["sinc"]
    assert d.method and d.inplace and d.out is True and "special" in d.namespaces
    assert dygrad.Tensor.sinc.__doc__.startswith("Normalized sinc")
    assert ">>> torch.sinc(" in dygrad.sinc.__doc__


def _args(d, lib):
    """The declaration's example arguments, built with `lib` (dygrad or torch), in float64."""
    text = d.example or (_codegen._DEFAULT_UNARY_ARGS if _arity(d) <= 1
                         else _codegen._DEFAULT_BINARY_ARGS)
    args, kw = eval(f"_f({text})", {"torch": lib, "_f": lambda *a, **k: (a, k)})

    def f64(v):  # floating tensors (nested data too) in float64, so both libraries agree closely
        return v.double() if hasattr(v, "is_floating_point") and v.is_floating_point() else v
    return tuple(map(f64, args)), {k: f64(v) for k, v in kw.items()}


def _arity(d):
    return sum(1 for p in d.signature.parameters.values()
               if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD)


def _function(d, lib):
    """The op's function in its first namespace ("linalg:inv": torch.linalg.inv)."""
    ns, _, alias = d.namespaces[0].partition(":")
    mod = lib if ns == "torch" else getattr(lib, ns)
    return getattr(mod, alias or d.name)


def _self_pos(d):
    names = list(d.signature.parameters)
    return names.index(d.self_arg) if d.self_arg else 0


def _np(t):
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t)


def _parts(r):
    """The tensors of a result: itself, or those of a tuple result (max along a dim, ...)."""
    return list(r) if isinstance(r, tuple) else [r]


def _assert_same(got, want, check=np.testing.assert_array_equal):
    assert type(got) is type(want) or not isinstance(want, tuple), "named tuple type differs"
    assert len(_parts(got)) == len(_parts(want))
    for g, w in zip(_parts(got), _parts(want)):
        check(_np(g), _np(w))


@pytest.mark.parametrize("d", [d for d in DECLS if d.function], ids=lambda d: d.name)
def test_spellings_agree(d):
    """function == method == out= (written into out's memory: a view of out sees it) ==
    in-place (function and method forms)."""
    args, kw = _args(d, dygrad)
    ref = _function(d, dygrad)(*args, **kw)
    pos = _self_pos(d)
    x = args[pos]
    if d.method:
        rest = args[:pos] + args[pos + 1:]
        _assert_same(getattr(x, d.name)(*rest, **kw), ref)
    if d.out is True:
        # a tuple result (values, indices) is written into a tuple out, returned as the op's
        # named tuple holding the given tensors
        outs = [dygrad.zeros(p.shape, dtype=p.dtype) for p in _parts(ref)]
        views = [o.view(-1) for o in outs]
        r = _function(d, dygrad)(*args, **kw, out=tuple(outs) if isinstance(ref, tuple) else outs[0])
        assert all(a is b for a, b in zip(_parts(r), outs))
        _assert_same(r, ref)
        for v, p in zip(views, _parts(ref)):
            np.testing.assert_array_equal(_np(v).reshape(p.shape), _np(p))
    if d.inplace:
        y = x.clone()
        a2 = args[:pos] + (y,) + args[pos + 1:]
        r = getattr(y, d.name + "_")(*(a2[:pos] + a2[pos + 1:]), **kw)
        assert r is y
        np.testing.assert_allclose(_np(y), _np(ref), equal_nan=True)
        if d.inplace_function:
            z = x.clone()
            getattr(dygrad, d.name + "_")(*(args[:pos] + (z,) + args[pos + 1:]), **kw)
            np.testing.assert_allclose(_np(z), _np(ref), equal_nan=True)


@pytest.mark.parametrize("d", DECLS, ids=IDS)
def test_spellings_match_pytorch(d):
    torch = pytest.importorskip("torch")
    for ns in d.namespaces:
        ns, _, alias = ns.partition(":")
        mod = torch if ns == "torch" else getattr(torch, ns)
        assert hasattr(mod, alias or d.name), f"torch.{ns} has no {alias or d.name}"
        if ns == "torch":
            assert hasattr(torch, d.name + "_") == bool(d.inplace_function), "torch.<op>_ differs"
    for a in d.aliases:
        assert hasattr(torch, a) or hasattr(torch.Tensor, a)
    assert hasattr(torch.Tensor, d.name) == bool(d.method)
    # an in-place method with other semantics is its own op (bernoulli_(p) fills with p)
    assert hasattr(torch.Tensor, d.name + "_") == bool(d.inplace or d.name + "_" in OPS)
    if d.function:
        got = _function(d, dygrad)(*_args(d, dygrad)[0], **_args(d, dygrad)[1])
        targs, tkw = _args(d, torch)
        with warnings.catch_warnings():  # PyTorch's deprecation notes (chain_matmul) aside
            warnings.simplefilter("ignore", UserWarning)
            want = _function(d, torch)(*targs, **tkw)
        if isinstance(want, bool):  # allclose: a Python bool
            assert got == want
            return
        assert isinstance(got, tuple) == isinstance(want, tuple)
        if hasattr(want, "_fields"):  # torch.return_types: the same field names
            assert got._fields == want._fields
        for g, w in zip(_parts(got), _parts(want), strict=True):
            assert g.dtype.__repr__().split(".")[-1] == str(w.dtype).split(".")[-1]
            np.testing.assert_allclose(_np(g), w.numpy(), rtol=1e-7, atol=1e-10, equal_nan=True)
        if d.out is True:
            # PyTorch accepts out= (a tuple of tensors for a tuple result) for this op, as we do
            outs = tuple(torch.empty(0, dtype=w.dtype) for w in _parts(want))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                _function(d, torch)(*targs, **tkw, out=outs if isinstance(want, tuple) else outs[0])


@pytest.mark.parametrize("d", [d for d in DECLS if d.function and d.out is True
                               and d.out_dtype == "same"], ids=lambda d: d.name)
def test_out_of_another_dtype_is_refused_where_declared(d):
    """out_dtype="same": out= must have the result's dtype (a castable one is refused too), as
    PyTorch's index_select, gather... require; checked against PyTorch when it is installed."""
    args, kw = _args(d, dygrad)
    ref = _function(d, dygrad)(*args, **kw)

    def other(lib, dt):  # a dtype the result would cast to, but not the result's
        return lib.float32 if str(dt).endswith("float64") else lib.float64
    outs = tuple(dygrad.empty(0, dtype=other(dygrad, p.dtype)) for p in _parts(ref))
    with pytest.raises(RuntimeError, match=rf"{d.name}\(\): expected out tensor to have dtype"):
        _function(d, dygrad)(*args, **kw, out=outs if isinstance(ref, tuple) else outs[0])
    if importlib.util.find_spec("torch") is not None:
        import torch
        targs, tkw = _args(d, torch)
        touts = tuple(torch.empty(0, dtype=other(torch, p.dtype)) for p in _parts(ref))
        with pytest.raises(RuntimeError):
            _function(d, torch)(*targs, **tkw, out=touts if isinstance(ref, tuple) else touts[0])


# PyTorch refuses another dtype only in the (values, indices) overload of max/min, which one
# declaration cannot tell from max(input, other) (that one casts into out, as we do)
_OUT_DTYPE_OVERLOADS = {"max", "min"}


@pytest.mark.parametrize("d", [d for d in DECLS if d.function and d.out is True],
                         ids=lambda d: d.name)
def test_out_of_another_dtype_as_pytorch(d):
    """Every op taking out=: an out of another (castable) dtype is refused exactly where
    PyTorch refuses it (out_dtype="same"), and cast into where PyTorch casts."""
    torch = pytest.importorskip("torch")
    if d.name in _OUT_DTYPE_OVERLOADS:
        pytest.xfail("PyTorch's rule differs between this op's overloads")

    def other(lib, dt):
        return lib.float32 if str(dt).endswith("float64") else lib.float64

    def refuses(lib):
        args, kw = _args(d, lib)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            ref = _function(d, lib)(*args, **kw)
            outs = tuple(lib.empty(0, dtype=other(lib, p.dtype)) for p in _parts(ref))
            try:
                _function(d, lib)(*args, **kw, out=outs if isinstance(ref, tuple) else outs[0])
            except RuntimeError:
                return True
        return False
    assert refuses(dygrad) == refuses(torch), "declare out_dtype=\"same\" (or drop it)"


def test_relu_keeps_the_sign_of_zero():
    r = dygrad.relu(dygrad.tensor([-0.0, -1.0, 0.0, 2.0]))
    assert np.signbit(r.numpy()).tolist() == [True, False, False, False]
    assert r.tolist() == [0.0, 0.0, 0.0, 2.0]


def test_method_and_function_spellings_may_differ():
    """method_params/function_params: `x.f(*shape)` beside `torch.f(input, shape)`, and a
    parameter named differently in the two forms (`x.split(split_size)`)."""
    from dygrad.ops._registry import OpDecl

    def fake(input, *shape, dim=0, _internal=None):  # _internal: for internal callers only
        return (input, shape, dim)

    def fake2(tensor, split_size_or_sections, dim=0):
        return (tensor, split_size_or_sections, dim)

    fake.__module__ = fake2.__module__ = "tests.fake_ops"
    common = dict(method=True, function=True, inplace=False, inplace_function=False, out=False,
                  aliases=(), namespaces=("torch",), self_arg=None, tensor_first=None,
                  backward=None, summary="A test op.", example="torch.zeros(2, 3), (3, 2)")
    d = OpDecl("fake", fake, function_params={"shape": "shape"}, **common)
    d2 = OpDecl("fake2", fake2, method_params={"split_size_or_sections": "split_size"}, **common)
    ns = {"_op_fake_ops": type("M", (), {"fake": staticmethod(fake),
                                              "fake2": staticmethod(fake2)}),
          "Tensor": dygrad.Tensor,
          "_handle_failed_call": dygrad._overrides.handle_failed_call}  # the fx/override route
    exec("\n".join(_codegen._function_source(d) + _codegen._function_source(d2)), ns)
    exec("class C:\n" + "\n".join(_codegen._method_source(d) + _codegen._method_source(d2)), ns)
    x, c = dygrad.zeros(1), ns["C"]()
    assert ns["fake"](x, (3, 2)) == (x, (3, 2), 0)   # one sequence: its items are the varargs
    assert ns["fake"](x, shape=[3, 2], dim=1) == (x, (3, 2), 1)
    for bad in ((3, 2), (3,)):  # two sizes, or an int, where PyTorch's function takes a sequence
        with pytest.raises(TypeError):
            ns["fake"](x, *bad)
    assert ns["C"].fake(c, 3, 2, dim=1) == (c, (3, 2), 1)
    assert ns["C"].fake(c, (3, 2)) == (c, ((3, 2),), 0)
    with pytest.raises(TypeError):
        ns["fake"](x, (3, 2), _internal=1)
    assert ns["fake2"](x, split_size_or_sections=2) == (x, 2, 0)
    assert ns["C"].fake2(c, split_size=2, dim=1) == (c, 2, 1)
    with pytest.raises(TypeError):
        ns["C"].fake2(c, split_size_or_sections=2)
    # a varargs method takes at least one argument, as PyTorch's (x.flip() is no empty dims)
    with pytest.raises(TypeError, match='fake\\(\\) missing 1 required positional arguments: "shape"'):
        ns["C"].fake(c)
    assert ns["fake"](x, ()) == (x, (), 0)  # the function form's empty sequence is a value
