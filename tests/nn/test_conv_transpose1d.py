"""F.conv_transpose1d and nn.ConvTranspose1d against PyTorch: seeded random hyper-parameters
(invalid ones included) compared on raises-or-not, shapes, dtypes, values and float64 gradients
of input, weight and bias; PyTorch's errors; the module's signature, repr, state_dict, init and
output_size. A random-case failure names its seed so `_case(i)` replays it."""
import builtins
import inspect
import math

import numpy as np
import pytest

import dygrad
import dygrad.nn.functional as DF

try:  # the parity oracle; the tests marked requires_torch skip without it
    import torch
except ImportError:
    torch = None
TF = torch.nn.functional if torch is not None else None

CASES = 200


def _builtin(e):
    for c in type(e).__mro__:
        if getattr(builtins, c.__name__, None) is c:
            return c
    return Exception


def _pick(rng, seq):
    return seq[rng.integers(len(seq))]


def _hyper(rng, v, bad):
    """v as an int or a 1-tuple; now and then a wrong-length tuple or an invalid value."""
    r = rng.random()
    if r < 0.1:
        v = _pick(rng, bad)
    if r > 0.97:
        return (v, v)
    return v if rng.random() < 0.6 else (v,)


def _case(i):
    """(arrays, kwargs) of one random call; mostly valid, some invalid on purpose."""
    rng = np.random.default_rng([23, i])
    G = _pick(rng, [1, 1, 2, 3])
    cg, og = int(rng.integers(1, 4)), int(rng.integers(1, 3))
    C = cg * G + (1 if rng.random() < 0.03 else 0)  # not divisible by groups
    k = int(rng.integers(1, 5))
    L = int(rng.integers(1, 7))
    dt = np.float64 if rng.random() < 0.6 else np.float32
    batched = rng.random() < 0.8
    X = rng.standard_normal(((int(rng.integers(1, 4)),) if batched else ()) + (C, L)).astype(dt)
    W = rng.standard_normal((C, og, k)).astype(dt)
    arrays = [X, W]
    if rng.random() < 0.6:
        arrays.append(rng.standard_normal(og * G + (1 if rng.random() < 0.03 else 0)).astype(dt))
    s, d = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    # output_padding must stay below stride or dilation; now and then it does not
    op_ = int(rng.integers(0, max(s, d) + (1 if rng.random() < 0.1 else 0)))
    kw = dict(stride=_hyper(rng, s, [0, -1]), padding=_hyper(rng, int(rng.integers(0, 4)), [-1, 9]),
              output_padding=_hyper(rng, op_, [-1, 5]), groups=G if rng.random() > 0.03 else
              _pick(rng, [0, -1]), dilation=_hyper(rng, d, [0, -1]))
    return arrays, kw


def _run(lib, F, arrays, kw, rg):
    ins = [lib.tensor(a, requires_grad=rg) for a in arrays]
    return ins, F.conv_transpose1d(*ins, **kw)


def _compare(arrays, kw, seed):
    """None when dygrad agrees with PyTorch, else a description of the difference."""
    rg = arrays[0].dtype == np.float64
    try:
        ti, to = _run(torch, TF, arrays, kw, rg)
        terr = None
    except Exception as e:  # noqa: BLE001 - PyTorch's error is the reference
        terr = e
    try:
        di, do = _run(dygrad, DF, arrays, kw, rg)
        derr = None
    except Exception as e:  # noqa: BLE001
        derr = e
    if terr is None and derr is not None and not rg:
        # PyTorch's float32 kernel for batches of 2 or more (oneDNN) skips checks that its
        # float32 kernel for 1 and its double kernel make (zero dilation, empty output);
        # dygrad follows the latter
        try:
            _run(torch, TF, [a.astype(np.float64) for a in arrays], kw, False)
        except Exception as e:  # noqa: BLE001
            terr = e
    if terr is not None or derr is not None:
        if terr is None:
            return f"dygrad raises {type(derr).__name__}: {derr}; PyTorch returns"
        if derr is None:
            return f"PyTorch raises {type(terr).__name__}: {terr}; dygrad returns"
        if _builtin(terr) is not _builtin(derr):
            return f"PyTorch raises {type(terr).__name__}: {terr}; dygrad {type(derr).__name__}: {derr}"
        return None
    if tuple(do.shape) != tuple(to.shape) or str(do.dtype) != str(to.dtype):
        return f"{tuple(do.shape)} {do.dtype} != PyTorch's {tuple(to.shape)} {to.dtype}"
    tol = dict(rtol=1e-10, atol=1e-12) if rg else dict(rtol=1e-5, atol=1e-5)
    if not np.allclose(do.detach().numpy(), to.detach().numpy(), **tol):
        return "values differ"
    if not rg:
        return None
    g = np.random.default_rng(seed).standard_normal(tuple(to.shape))
    tg = torch.autograd.grad((to * torch.tensor(g)).sum(), ti)
    dg = dygrad.autograd.grad((do * dygrad.tensor(g)).sum(), di)
    for name, a, b in zip(("input", "weight", "bias"), tg, dg):
        if tuple(a.shape) != tuple(b.shape) or not np.allclose(a.numpy(), b.numpy(), **tol):
            return f"{name} gradient differs"
    return None


@pytest.mark.requires_torch
def test_random_hyper_parameters_match_pytorch():
    bad = []
    for i in range(CASES):
        arrays, kw = _case(i)
        r = _compare(arrays, kw, i)
        if r is not None:
            bad.append(f"_case({i}): {[a.shape for a in arrays]} {kw}: {r}")
    assert not bad, "\n".join(bad[:10])


@pytest.mark.requires_torch
def test_random_cases_cover_valid_and_invalid_calls():
    # the sweep above must exercise real computations, not only errors
    valid = 0
    for i in range(CASES):
        arrays, kw = _case(i)
        try:
            _run(torch, TF, arrays, kw, False)
            valid += 1
        except RuntimeError:
            pass
    assert CASES // 4 < valid < CASES


@pytest.mark.parametrize("kw", [dict(stride=2, padding=1, output_padding=1, dilation=2),
                                dict(stride=3, groups=2, output_padding=2),
                                dict(dilation=3, output_padding=2)])
def test_gradcheck_and_gradgradcheck(kw):
    rng = np.random.default_rng(3)
    G = kw.get("groups", 1)
    x = dygrad.tensor(rng.standard_normal((2, 2 * G, 4)), requires_grad=True)
    w = dygrad.tensor(rng.standard_normal((2 * G, 2, 3)), requires_grad=True)
    b = dygrad.tensor(rng.standard_normal(2 * G), requires_grad=True)
    f = lambda x, w, b: DF.conv_transpose1d(x, w, b, **kw)  # noqa: E731
    assert dygrad.autograd.gradcheck(f, (x, w, b))
    assert dygrad.autograd.gradgradcheck(f, (x, w, b))


@pytest.mark.requires_torch
def test_empty_batch_gives_empty_output():
    for lib, F in ((torch, TF), (dygrad, DF)):
        for L in (5, 0):
            out = F.conv_transpose1d(lib.ones(0, 4, L), lib.ones(4, 3, 3), stride=2, output_padding=1)
            assert tuple(out.shape) == (0, 3, 2 * L + 2)  # (L - 1) * stride + kernel + 1


@pytest.mark.requires_torch
@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("n,L", [(0, 1), (1, 1), (1, 3), (0, 3)])
@pytest.mark.parametrize("kw,k", [
    (dict(stride=3, padding=1), 2),  # output size 0
    (dict(stride=2, padding=2, output_padding=1), 1),
    (dict(dilation=0, stride=2, output_padding=1), 1),
    (dict(dilation=0), 3), (dict(stride=2, output_padding=3), 2),
    (dict(padding=1), 1)])
def test_empty_batch_skips_kernel_checks(dt, n, L, kw, k):
    """PyTorch checks output size, dilation and output_padding in its kernels, which an empty
    batch does not reach; values and gradients then agree, otherwise both raise. (A batch of 1
    is compared: for float32 batches of 2 or more PyTorch switches to a kernel that skips
    some of these checks, a rule dygrad does not mirror.)"""
    res = []
    for lib, F in ((torch, TF), (dygrad, DF)):
        x = lib.ones(n, 1, L, dtype=getattr(lib, dt), requires_grad=True)
        w = lib.ones(1, 3, k, dtype=getattr(lib, dt), requires_grad=True)
        b = lib.ones(3, dtype=getattr(lib, dt), requires_grad=True)
        try:
            out = F.conv_transpose1d(x, w, b, **kw)
        except RuntimeError:
            res.append(None)
            continue
        (out * 2).sum().backward()
        res.append([tuple(out.shape)] + [t.detach().numpy().tolist() for t in (out, x.grad, w.grad, b.grad)])
    assert res[0] == res[1]


@pytest.mark.requires_torch
def test_unbatched_input_matches_batched():
    rng = np.random.default_rng(4)
    X, W, B = rng.standard_normal((3, 5)), rng.standard_normal((3, 2, 3)), rng.standard_normal(2)
    kw = dict(stride=2, padding=1, output_padding=1)
    od = DF.conv_transpose1d(*(dygrad.tensor(a) for a in (X, W, B)), **kw)
    ot = TF.conv_transpose1d(*(torch.tensor(a) for a in (X, W, B)), **kw)
    assert tuple(od.shape) == tuple(ot.shape) == (2, 10)
    np.testing.assert_allclose(od.numpy(), ot.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(
        od.numpy(), DF.conv_transpose1d(*(dygrad.tensor(a) for a in (X[None], W, B)), **kw)[0].numpy())


def _both_raise(exc, match, make, **kw):
    for lib, F in ((torch, TF), (dygrad, DF)):
        x, w, b = make(lib)
        with pytest.raises(exc, match=match if lib is dygrad else None):
            F.conv_transpose1d(x, w, b, **kw)


def _tensors(x=(2, 4, 5), w=(4, 3, 3), b=(3,), xdt="float32", wdt=None, bdt=None):
    def make(lib):
        t = lambda shape, dt: None if shape is None else lib.ones(shape, dtype=getattr(lib, dt))  # noqa: E731
        return t(x, xdt), t(w, wdt or xdt), t(b, bdt or xdt)
    return make


@pytest.mark.requires_torch
@pytest.mark.parametrize("kw,exc,match", [
    (dict(output_padding=1), RuntimeError, "output padding must be smaller than either stride or dilation"),
    (dict(stride=2, output_padding=2), RuntimeError, r"output_padding=\[2\], stride=\[2\]"),
    (dict(output_padding=-1), RuntimeError, "negative output_padding"),
    (dict(stride=2, output_padding=(1, 1)), RuntimeError, "list of 1 values"),
    (dict(stride=(2, 2)), RuntimeError, "expected stride to be a single integer value"),
    (dict(stride=0), RuntimeError, "non-positive stride"),
    (dict(padding=-1), RuntimeError, "negative padding"),
    (dict(padding=5), RuntimeError, r"Calculated output size per channel: \(-3\)"),
    (dict(padding="same"), TypeError, "'padding' must be tuple of ints, not str"),
    (dict(stride=1.5), TypeError, "'stride' must be an int or a tuple of ints"),
    (dict(output_padding=(1.0,)), TypeError, "'output_padding' must be a tuple of ints"),
    (dict(dilation=0), RuntimeError, "dilation should be greater than zero"),
    (dict(groups=0), RuntimeError, "non-positive groups"),
    (dict(groups=3), RuntimeError, "expected weight to be divisible by 3"),
    (dict(stride=True), TypeError, "'stride' must be an int or a tuple of ints, not bool"),
    (dict(output_padding=(False,)), TypeError, "found an element of type bool"),
])
def test_bad_hyper_parameters_raise_pytorch_errors(kw, exc, match):
    _both_raise(exc, match, _tensors(), **kw)


@pytest.mark.requires_torch
@pytest.mark.parametrize("shapes,exc,match", [
    (dict(x=(5,)), RuntimeError, r"Expected 2D \(unbatched\) or 3D \(batched\) input to conv_transpose1d"),
    (dict(x=(1, 2, 4, 5)), RuntimeError, "input to conv_transpose1d"),
    (dict(w=(4, 3, 3, 1)), RuntimeError, "3-D weight"),
    (dict(w=(3, 3, 3)), RuntimeError, "expected input.*to have 3 channels, but got 4"),
    (dict(b=(4,)), RuntimeError, "expected bias to be 1-dimensional with 3 elements"),
    (dict(w=(4, 3, 0)), RuntimeError, "kernel size should be greater than zero"),
    (dict(w=(4, 0, 3), b=None), RuntimeError, "non-empty 3D weight tensor expected"),
    (dict(x=(2, 0, 5), w=(0, 3, 3)), RuntimeError, "expected weight to be at least 1 at dimension 0"),
    (dict(x=(2, 4, 0)), RuntimeError, "Only zero batch or zero channel inputs are supported"),
    (dict(x=(4, 0)), RuntimeError, "Only zero batch or zero channel inputs are supported"),
    (dict(wdt="float64"), RuntimeError, "Input type .* and weight type"),
    (dict(bdt="float64"), RuntimeError, "Input type .* and bias type"),
    (dict(xdt="int64", bdt="float32"), RuntimeError, "can't be cast to the desired output type Long"),
    (dict(xdt="int32"), NotImplementedError, "not implemented for 'Int'"),
    (dict(xdt="uint8", b=None), NotImplementedError, "not implemented for 'Byte'"),
    (dict(xdt="bool", b=None), NotImplementedError, "not implemented for 'Bool'"),
])
def test_bad_tensors_raise_pytorch_errors(shapes, exc, match):
    _both_raise(exc, match, _tensors(**shapes))


@pytest.mark.requires_torch
@pytest.mark.parametrize("xdt,bdt", [("float64", "float32"), ("float64", "int64"),
                                     ("int64", "int32"), ("int64", "int64"), ("float16", "float16")])
def test_dtypes_pytorch_accepts(xdt, bdt):
    # a double input takes any bias (added in double), a long one an integer bias
    outs = []
    for lib, F in ((torch, TF), (dygrad, DF)):
        x, w, b = _tensors(xdt=xdt, bdt=bdt)(lib)
        outs.append(F.conv_transpose1d(x, w, b, stride=2))
    assert str(outs[0].dtype) == str(outs[1].dtype)
    np.testing.assert_array_equal(outs[0].float().numpy(), outs[1].float().numpy())


@pytest.mark.requires_torch
def test_double_input_float_bias_gradient_keeps_bias_dtype():
    rng = np.random.default_rng(6)
    grads = []
    for lib, F in ((torch, TF), (dygrad, DF)):
        x = lib.tensor(rng.standard_normal((2, 2, 4)), requires_grad=True)
        w = lib.tensor(rng.standard_normal((2, 3, 2)))
        b = lib.tensor(np.ones(3, np.float32), requires_grad=True)
        F.conv_transpose1d(x, w, b).sum().backward()
        grads.append((str(b.grad.dtype), b.grad.numpy()))
    assert grads[0][0] == grads[1][0]
    np.testing.assert_array_equal(grads[0][1], grads[1][1])


@pytest.mark.requires_torch
def test_torch_namespace_spelling():
    X, W = np.ones((1, 2, 3)), np.ones((2, 1, 2))
    od = dygrad.conv_transpose1d(dygrad.tensor(X), dygrad.tensor(W), None, 2)
    ot = torch.conv_transpose1d(torch.tensor(X), torch.tensor(W), None, 2)
    np.testing.assert_array_equal(od.numpy(), ot.numpy())


# --- nn.ConvTranspose1d ---------------------------------------------------------------------

@pytest.mark.requires_torch
def test_module_signature_matches_pytorch():
    def params(cls, fn):
        return [(p.name, p.default) for p in inspect.signature(getattr(cls, fn)).parameters.values()]
    assert params(dygrad.nn.ConvTranspose1d, "__init__") == params(torch.nn.ConvTranspose1d, "__init__")
    assert params(dygrad.nn.ConvTranspose1d, "forward") == params(torch.nn.ConvTranspose1d, "forward")
    assert dygrad.nn.modules.conv.ConvTranspose1d is dygrad.nn.ConvTranspose1d


MODULES = [
    ((4, 3, 3), dict()),
    ((4, 6, (3,)), dict(stride=(2,), padding=1, output_padding=1, groups=2, bias=False, dilation=2)),
    ((2, 2, 1), dict(stride=3, output_padding=(2,))),
    ((3, 3, 4), dict(groups=3, dilation=(3,), output_padding=2, padding=(2,))),
    ((2, 5, 2), dict(dtype=dygrad.float64)),
]


@pytest.mark.requires_torch
@pytest.mark.parametrize("args,kwargs", MODULES)
def test_module_parity(args, kwargs):
    tkw = dict(kwargs, dtype=torch.float64) if "dtype" in kwargs else kwargs
    tmod = torch.nn.ConvTranspose1d(*args, **tkw)
    dmod = dygrad.nn.ConvTranspose1d(*args, **kwargs)
    assert repr(dmod) == repr(tmod)
    assert list(dmod.state_dict()) == list(tmod.state_dict())
    for (k, vd), vt in zip(dmod.state_dict().items(), tmod.state_dict().values()):
        assert (tuple(vd.shape), str(vd.dtype)) == (tuple(vt.shape), str(vt.dtype)), k
    dmod.load_state_dict({k: dygrad.tensor(v.detach().numpy()) for k, v in tmod.state_dict().items()})
    rng = np.random.default_rng(8)
    for shape in ((2, args[0], 5), (args[0], 4)):
        X = rng.standard_normal(shape).astype(str(vt.dtype).split(".")[-1])
        xd, xt = dygrad.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
        od, ot = dmod(xd), tmod(xt)
        tol = 1e-12 if X.dtype == np.float64 else 1e-5
        np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=tol, atol=tol)
        G = rng.standard_normal(tuple(ot.shape)).astype(X.dtype)
        od.backward(dygrad.tensor(G))
        ot.backward(torch.tensor(G))
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)
    tp = dict(tmod.named_parameters())
    for n, p in dmod.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[n].grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=n)


def test_module_default_init_bounds():
    # kaiming_uniform_(a=sqrt(5)) on (in, out/groups, k): weight and bias in +-1/sqrt(fan_in),
    # fan_in = out/groups * k (PyTorch's convention for the transposed weight layout)
    m = dygrad.nn.ConvTranspose1d(64, 24, 5, groups=2)
    assert tuple(m.weight.shape) == (64, 12, 5) and tuple(m.bias.shape) == (24,)
    bound = 1 / math.sqrt(12 * 5)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound  # uniform, not a narrower law
    assert m.weight.requires_grad and m.bias.requires_grad


@pytest.mark.requires_torch
@pytest.mark.parametrize("kwargs,exc", [
    (dict(padding_mode="reflect"), ValueError), (dict(groups=0), ValueError),
    (dict(groups=2), ValueError), (dict(padding_mode="bogus"), ValueError)])
def test_module_construction_errors(kwargs, exc):
    for lib in (torch, dygrad):
        with pytest.raises(exc):
            lib.nn.ConvTranspose1d(4, 3, 3, **kwargs)


@pytest.mark.requires_torch
@pytest.mark.parametrize("output_size", [[9], [10], (2, 3, 10), [3, 10], [11], [8], [2, 10],
                                         [1, 2, 3, 10]])
@pytest.mark.parametrize("batched", [True, False])
def test_module_output_size(output_size, batched):
    tmod = torch.nn.ConvTranspose1d(4, 3, 3, stride=2, padding=1)
    dmod = dygrad.nn.ConvTranspose1d(4, 3, 3, stride=2, padding=1)
    dmod.load_state_dict({k: dygrad.tensor(v.detach().numpy()) for k, v in tmod.state_dict().items()})
    X = np.random.default_rng(9).standard_normal((2, 4, 5) if batched else (4, 5)).astype(np.float32)
    try:
        ot = tmod(torch.tensor(X), output_size=output_size)
    except ValueError as e:
        with pytest.raises(ValueError, match=str(e).split(" (")[0].replace("[", r"\[").replace("]", r"\]")):
            dmod(dygrad.tensor(X), output_size=output_size)
        return
    od = dmod(dygrad.tensor(X), output_size=output_size)
    assert tuple(od.shape) == tuple(ot.shape)
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.requires_torch
def test_module_output_size_is_limited_by_stride_not_dilation():
    # output_padding may reach dilation - 1 in the functional, but output_size only stride - 1
    for lib in (torch, dygrad):
        m = lib.nn.ConvTranspose1d(2, 2, 3, dilation=3)
        with pytest.raises(ValueError, match=r"valid sizes range from \[11\] to \[11\]"):
            m(lib.ones(1, 2, 5), output_size=[12])
