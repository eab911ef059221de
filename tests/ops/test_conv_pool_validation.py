"""Randomized parity of the sliding-window ops' argument handling against PyTorch.

Seeded random hyper-parameters, invalid ones included (zero or negative stride / dilation /
kernel / groups, negative padding, output_padding out of range, outputs of size <= 0, wrong
ranks and channel counts, dtype mismatches, empty batches), for convolution, transposed
convolution, pooling (max / avg / lp / adaptive), interpolation, fold / unfold, pixel shuffles
and F.pad. Each case runs on dygrad and PyTorch from the same arrays: both raise (the same
builtin error class) or both return the same shapes, dtypes, values and float64 gradients of a
random weighted sum. A failure names the family, seed and case so it can be replayed with
`_case(family, seed, i)`.
"""
import builtins
import warnings

import numpy as np
import pytest

import dygrad
import dygrad.nn.functional as DF

try:  # the parity oracle; the tests marked requires_torch skip without it
    import torch
except ImportError:
    torch = None
TF = torch.nn.functional if torch is not None else None

SEED = 11
CASES = 120


def _builtin(e):
    for c in type(e).__mro__:
        if getattr(builtins, c.__name__, None) is c:
            return c
    return Exception


def _lib_tensor(lib, v):
    if not isinstance(v, np.ndarray):
        return v
    t = lib.tensor(v)
    if v.dtype == np.float64:
        t.requires_grad_(True)
    return t


def _call(lib, F, name, arrays, kw):
    ins = [_lib_tensor(lib, a) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ins, getattr(F, name)(*ins, **kw)


def _max_pool_has_window_in_padding(name, arrays, kw, out_shape):
    """PyTorch gives a max-pool window lying wholly in padding (possible with dilation) -inf
    and an index that names no tap of it (past the plane, or another row): its gradient lands
    on an unrelated element there, and is dropped by dygrad."""
    if not name.startswith("max_pool"):
        return False
    nd = int(name[-2])

    def per_dim(v, default):
        v = default if v is None or v == () else v
        return [v] * nd if isinstance(v, int) else list(v) * (nd if len(v) == 1 else 1)
    k = per_dim(kw["kernel_size"], None)
    s, p = per_dim(kw.get("stride"), k), per_dim(kw.get("padding", 0), 0)
    d = per_dim(kw.get("dilation", 1), 1)
    for i in range(nd):
        start = np.arange(out_shape[-nd + i]) * s[i] - p[i]
        first = start + d[i] * (np.maximum(-start + d[i] - 1, 0) // d[i])
        if (first >= arrays[0].shape[-nd + i]).any():
            return True
    return False


def _empty_batch_skips_checks(name, arrays):
    """PyTorch returns early for a convolution of an empty batch, before checking dilation or
    output_padding; dygrad still checks them."""
    return name.startswith("conv") and arrays[0].ndim >= 3 and arrays[0].shape[0] == 0


def _compare(name, arrays, kw, rng):
    """None when dygrad agrees with PyTorch, else a description of the drift."""
    try:
        ti, tout = _call(torch, TF, name, arrays, kw)
        terr = None
    except Exception as e:  # noqa: BLE001 - any PyTorch error is the reference
        terr = e
    try:
        di, dout = _call(dygrad, DF, name, arrays, kw)
        derr = None
    except Exception as e:  # noqa: BLE001
        derr = e
    if terr is not None:
        if derr is None:
            return f"PyTorch raises {type(terr).__name__}: {terr}; dygrad returns"
        if _builtin(terr) is not _builtin(derr):
            return f"PyTorch raises {type(terr).__name__}, dygrad {type(derr).__name__}: {derr}"
        return None
    if derr is not None and not _empty_batch_skips_checks(name, arrays):
        return f"dygrad raises {type(derr).__name__}: {derr}; PyTorch returns"
    if derr is not None:
        return None
    touts = tout if isinstance(tout, tuple) else (tout,)
    douts = dout if isinstance(dout, tuple) else (dout,)
    for a, b in zip(touts, douts):
        if tuple(a.shape) != tuple(b.shape):
            return f"shape {tuple(b.shape)} != PyTorch's {tuple(a.shape)}"
        if str(a.dtype) != str(b.dtype):
            return f"dtype {b.dtype} != PyTorch's {a.dtype}"
        if not np.allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-8,
                           equal_nan=True):
            return "values differ"
    a, b = touts[0], douts[0]
    if not a.requires_grad or a.numel() == 0 or \
            _max_pool_has_window_in_padding(name, arrays, kw, a.shape):
        return None
    g = rng.standard_normal(tuple(a.shape))
    tl = [t for t in ti if isinstance(t, torch.Tensor) and t.requires_grad]
    dl = [t for t in di if isinstance(t, dygrad.Tensor) and t.requires_grad]
    tg = torch.autograd.grad((a * torch.tensor(g)).sum(), tl, allow_unused=True)
    dg = dygrad.autograd.grad((b * dygrad.tensor(g)).sum(), dl, allow_unused=True)
    for x, y in zip(tg, dg):
        x = np.zeros(1) if x is None else x.numpy()
        y = np.zeros(1) if y is None else y.numpy()
        if not np.allclose(x, y, rtol=1e-6, atol=1e-8):
            return "gradients differ"
    return None


def _pick(rng, seq):
    return seq[rng.integers(len(seq))]

def _tup(rng, n, choices):
    if rng.random() < 0.5:
        return _pick(rng, choices)
    return tuple(_pick(rng, choices) for _ in range(n))

def _gen_conv(rng):
    nd = _pick(rng, [1, 2])
    name = f"conv{nd}d"
    G = _pick(rng, [1, 1, 2, 3])
    cg = int(rng.integers(1, 3)); og = int(rng.integers(1, 3))
    C = cg * G + (1 if rng.random() < 0.05 else 0)
    O = og * G + (1 if rng.random() < 0.05 else 0)
    k = [int(rng.integers(1, 5)) for _ in range(nd)]
    sp = [int(rng.integers(1, 8)) for _ in range(nd)]
    batched = rng.random() < 0.8
    xs = ((int(rng.integers(0 if rng.random() < 0.05 else 1, 3)),) if batched else ()) + (C,) + tuple(sp)
    if rng.random() < 0.03:
        xs = xs + (2,)
    X = rng.standard_normal(xs)
    W = rng.standard_normal((O, C // G if rng.random() > 0.05 else cg) + tuple(k))
    if rng.random() < 0.05:
        X = X.astype(np.float32)
    arrs = [X, W]
    kw = dict(stride=_tup(rng, nd, [1, 1, 2, 3, 0, -1]), padding=_tup(rng, nd, [0, 0, 1, 2, 3, -1]),
              dilation=_tup(rng, nd, [1, 1, 2, 3, 0, -1]), groups=G if rng.random() > 0.05 else _pick(rng, [0, -1, 2]))
    if rng.random() < 0.2:
        kw["padding"] = _pick(rng, ["same", "valid", "full"])
    if rng.random() < 0.5:
        arrs.append(rng.standard_normal((O if rng.random() > 0.05 else O + 1,)))
    return name, arrs, kw

def _gen_convt(rng):
    nd = 2
    name = "conv_transpose2d"
    G = _pick(rng, [1, 1, 2])
    cg = int(rng.integers(1, 3)); og = int(rng.integers(1, 3))
    C = cg * G + (1 if rng.random() < 0.05 else 0)
    k = [int(rng.integers(1, 4)) for _ in range(nd)]
    sp = [int(rng.integers(1, 6)) for _ in range(nd)]
    batched = rng.random() < 0.8
    xs = ((int(rng.integers(0 if rng.random() < 0.05 else 1, 3)),) if batched else ()) + (C,) + tuple(sp)
    xs = (max(xs[0], 1),) + xs[1:]  # PyTorch skips its output_padding check on empty batches
    X = rng.standard_normal(xs)
    W = rng.standard_normal((C, og) + tuple(k))
    arrs = [X, W]
    if rng.random() < 0.5:
        arrs.append(rng.standard_normal((og * G,)))
    else:
        arrs.append(None)
    kw = dict(stride=_tup(rng, nd, [1, 2, 3, 0, -1]), padding=_tup(rng, nd, [0, 1, 2, -1]),
              output_padding=_tup(rng, nd, [0, 0, 1, 2, -1]), groups=G if rng.random() > 0.05 else 0,
              dilation=_tup(rng, nd, [1, 1, 2, 0, -1]))
    return name, arrs, kw

def _gen_pool(rng):
    kind = _pick(rng, ["max", "avg", "lp"])
    nd = _pick(rng, [1, 2])
    if kind == "lp":
        nd = _pick(rng, [1, 2])
    name = f"{kind}_pool{nd}d"
    batched = rng.random() < 0.8
    sp = tuple(int(rng.integers(1, 8)) for _ in range(nd))
    xs = ((int(rng.integers(0 if rng.random() < 0.05 else 1, 3)),) if batched else ()) + (int(rng.integers(1, 3)),) + sp
    if rng.random() < 0.03:
        xs = xs[1:] if len(xs) > nd + 1 else xs + (2,)
    X = rng.standard_normal(xs)
    if kind == "lp":
        X = np.abs(X) + 0.1
    kw = {}
    kw["kernel_size"] = _tup(rng, nd, [1, 2, 3, 4, 0, -1] if rng.random() < 0.2 else [1, 2, 3, 4])
    if rng.random() < 0.7:
        kw["stride"] = _tup(rng, nd, [1, 2, 3, 5, 0, -1] if rng.random() < 0.2 else [1, 2, 3, 5])
    if kind != "lp":
        kw["padding"] = _tup(rng, nd, [0, 0, 1, 2, 3, -1])
    kw["ceil_mode"] = bool(rng.random() < 0.5)
    if kind == "max":
        kw["dilation"] = _tup(rng, nd, [1, 1, 2, 3, 0, -1])
        kw["return_indices"] = bool(rng.random() < 0.3)
    if kind == "avg":
        kw["count_include_pad"] = bool(rng.random() < 0.5)
        if nd == 2 and rng.random() < 0.3:
            kw["divisor_override"] = _pick(rng, [1, 3, 0, -2])
    if kind == "lp":
        if nd == 1 and isinstance(kw["kernel_size"], tuple):
            kw["kernel_size"] = kw["kernel_size"][0]  # torch's lp_pool1d fails on tuples
        return name, [X], dict(norm_type=_pick(rng, [1, 2, 3.0]), **kw)
    return name, [X], kw

def _gen_adaptive(rng):
    kind = _pick(rng, ["max", "avg"])
    nd = _pick(rng, [1, 2])
    name = f"adaptive_{kind}_pool{nd}d"
    batched = rng.random() < 0.8
    sp = tuple(int(rng.integers(0 if rng.random() < 0.05 else 1, 8)) for _ in range(nd))
    xs = ((int(rng.integers(0 if rng.random() < 0.05 else 1, 3)),) if batched else ()) + (int(rng.integers(1, 3)),) + sp
    X = rng.standard_normal(xs)
    if 0 in sp and kind == "avg":  # PyTorch averages an empty plane to 1x1 (NaN) only for
        xs = xs[:-1] + (1,)        # output_size 1 and refuses other sizes: not mirrored
        X = rng.standard_normal(xs)
    os_ = _tup(rng, nd, [1, 2, 3, 5, 9, 0, -1, None] if rng.random() < 0.3 else [1, 2, 3, 5, 9])
    if nd == 1 and isinstance(os_, tuple):
        os_ = os_[:1]
    kw = dict(output_size=os_)
    if kind == "max":
        kw["return_indices"] = bool(rng.random() < 0.3)
    return name, [X], kw

def _gen_interp(rng):
    # bicubic is not implemented (a clear NotImplementedError), so not drawn here
    mode = _pick(rng, ["nearest", "nearest-exact", "linear", "bilinear", "area", "trilinear"])
    nd = _pick(rng, [1, 2, 3])
    sp = tuple(int(rng.integers(1, 6)) for _ in range(nd))
    X = rng.standard_normal((int(rng.integers(1, 3)), 2) + sp)
    kw = dict(mode=mode)
    if rng.random() < 0.5:
        kw["size"] = _tup(rng, nd, [1, 2, 3, 7, 0, -1] if rng.random() < 0.2 else [1, 2, 3, 7])
    else:
        kw["scale_factor"] = _tup(rng, nd, [0.5, 1.5, 2, 3, 0.3, 1.7, 0, -1] if rng.random() < 0.2 else [0.5, 1.5, 2, 3, 0.3, 1.7, 2.5])
    if rng.random() < 0.1:
        kw["size"] = 3; kw["scale_factor"] = 2
    if rng.random() < 0.5:
        kw["align_corners"] = bool(rng.random() < 0.5)
    if rng.random() < 0.4:
        kw["recompute_scale_factor"] = bool(rng.random() < 0.5)
    return "interpolate", [X], kw

def _at(v, i):
    return v if isinstance(v, int) else v[i]


def _gen_fold(rng):
    if rng.random() < 0.5:
        sp = tuple(int(rng.integers(1, 7)) for _ in range(2))
        batched = rng.random() < 0.8
        X = rng.standard_normal(((2,) if batched else ()) + (2,) + sp)
        kw = dict(kernel_size=_tup(rng, 2, [1, 2, 3, 0]), dilation=_tup(rng, 2, [1, 2, 0, -1]),
                  padding=_tup(rng, 2, [0, 1, 2, -1]), stride=_tup(rng, 2, [1, 2, 3, 0, -1]))
        return "unfold", [X], kw
    k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    osz = (int(rng.integers(1, 7)), int(rng.integers(1, 7)))
    st = _tup(rng, 2, [1, 2, 3, 0])
    p = _tup(rng, 2, [0, 1, -1])
    d = _tup(rng, 2, [1, 2, 0])
    L = 1
    for i in range(2):
        s = _at(st, i) or 1
        L *= max(0, (osz[i] + 2 * _at(p, i) - _at(d, i) * (k[i] - 1) - 1) // s + 1)
    if rng.random() < 0.1:
        L += 1
    C = 2 * k[0] * k[1] + (1 if rng.random() < 0.05 else 0)
    X = rng.standard_normal((2, C, max(L, 1)))
    return "fold", [X], dict(output_size=osz, kernel_size=k, stride=st, padding=p, dilation=d)

def _gen_pad(rng):
    nd = int(rng.integers(1, 6))
    X = rng.standard_normal(tuple(int(rng.integers(1, 5)) for _ in range(nd)))
    n = _pick(rng, [1, 2, 4, 6, 8])
    pads = tuple(int(_pick(rng, [0, 1, 2, 3, -1, 4])) for _ in range(n))
    mode = _pick(rng, ["constant", "reflect", "replicate", "circular"])
    kw = dict(pad=pads, mode=mode)
    if mode == "circular":  # torch wraps a cropped input more than once into garbage or errors
        for i in range(min(n // 2, nd)):
            size = X.shape[nd - 1 - i] - max(-pads[2 * i], 0) - max(-pads[2 * i + 1], 0)
            if max(pads[2 * i], pads[2 * i + 1]) > size:
                kw["mode"] = "replicate"
    if rng.random() < 0.2:
        kw["value"] = 1.5
    return "pad", [X], kw

def _gen_shuffle(rng):
    nd = int(rng.integers(2, 6))
    name = _pick(rng, ["pixel_shuffle", "pixel_unshuffle"])
    X = rng.standard_normal(tuple(int(rng.integers(1, 9)) for _ in range(nd)))
    r = _pick(rng, [1, 2, 3, 0, -1])
    return name, [X], {("upscale_factor" if name == "pixel_shuffle" else "downscale_factor"): r}

GENS = dict(conv=_gen_conv, convt=_gen_convt, pool=_gen_pool, adaptive=_gen_adaptive, interp=_gen_interp,
            fold=_gen_fold, pad=_gen_pad, shuffle=_gen_shuffle)

def _case(family, seed, i):
    rng = np.random.default_rng([seed, i, sorted(GENS).index(family)])
    name, arrays, kw = GENS[family](rng)
    return name, [a for a in arrays if a is not None], kw, rng


@pytest.mark.requires_torch
@pytest.mark.parametrize("family", sorted(GENS))
def test_random_hyper_parameters_match_pytorch(family):
    bad = []
    for i in range(CASES):
        name, arrays, kw, rng = _case(family, SEED, i)
        r = _compare(name, arrays, kw, rng)
        if r is not None:
            bad.append(f"_case({family!r}, {SEED}, {i}): {name}{[a.shape for a in arrays]} {kw}: {r}")
    assert not bad, "\n".join(bad[:10])


@pytest.mark.requires_torch
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding,kernel,dilation", [(1, 3, 1), ("same", (4, 2), (1, 2)),
                                                      ("valid", 2, 1), ((2, 1), (3, 2), 2)])
def test_conv2d_module_padding_modes_match_pytorch(mode, padding, kernel, dilation):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 7, 6))
    tm = torch.nn.Conv2d(3, 4, kernel, padding=padding, dilation=dilation, padding_mode=mode,
                         dtype=torch.float64)
    dm = dygrad.nn.Conv2d(3, 4, kernel, padding=padding, dilation=dilation, padding_mode=mode,
                          dtype=dygrad.float64)
    dm.load_state_dict({k: dygrad.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    for xs in (x, x[0]):  # batched and unbatched
        tx, dx = torch.tensor(xs, requires_grad=True), dygrad.tensor(xs, requires_grad=True)
        to, do = tm(tx), dm(dx)
        assert tuple(do.shape) == tuple(to.shape)
        np.testing.assert_allclose(do.detach().numpy(), to.detach().numpy(), rtol=1e-10)
        to.sum().backward()
        do.sum().backward()
        np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-10)


@pytest.mark.requires_torch
@pytest.mark.parametrize("output_size", [(11, 11), (12, 11), (1, 4, 12, 12), (13, 11)])
def test_conv_transpose2d_module_output_size(output_size):
    x = np.random.default_rng(4).standard_normal((1, 3, 5, 5))
    tm = torch.nn.ConvTranspose2d(3, 4, 3, stride=2, dtype=torch.float64)
    dm = dygrad.nn.ConvTranspose2d(3, 4, 3, stride=2, dtype=dygrad.float64)
    dm.load_state_dict({k: dygrad.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    try:
        want = tm(torch.tensor(x), output_size=output_size).detach().numpy()
    except ValueError:
        with pytest.raises(ValueError):
            dm(dygrad.tensor(x), output_size=output_size)
        return
    got = dm(dygrad.tensor(x), output_size=output_size).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_max_pool_window_wholly_in_padding_reads_no_neighbour():
    # taps at -1 and 1 of a length-1 row: PyTorch's value is -inf; the old index -1 read the
    # last element of the whole array (another sample) and sent it the gradient
    x = dygrad.tensor([[[5.0]], [[7.0]]], requires_grad=True)
    out, idx = DF.max_pool1d(x, 2, 2, 1, 2, return_indices=True)
    assert out.tolist() == [[[-float("inf")]], [[-float("inf")]]]
    assert idx.tolist() == [[[1]], [[1]]]  # PyTorch's index
    out.sum().backward()
    assert x.grad.tolist() == [[[0.0]], [[0.0]]]


def test_bad_arguments_raise_pytorch_errors():
    x, w = dygrad.ones(1, 2, 5, 5), dygrad.ones(4, 2, 3, 3)
    with pytest.raises(TypeError, match="stride"):
        DF.conv2d(x, w, stride=1.5)  # int() would have truncated it to 1
    with pytest.raises(RuntimeError, match="non-positive stride"):
        DF.conv2d(x, w, stride=0)
    with pytest.raises(RuntimeError, match="negative padding"):
        DF.conv2d(x, w, padding=-1)  # would have cropped the input
    with pytest.raises(RuntimeError, match="bias type"):
        DF.conv2d(x, w, dygrad.ones(4, dtype=dygrad.float64))  # was cast silently
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        DF.conv_transpose2d(x, dygrad.ones(2, 3, 3, 3), output_padding=1)
    with pytest.raises(RuntimeError, match="divisor must be not zero"):
        DF.avg_pool2d(x, 2, divisor_override=0)  # 0 used to mean "no override"
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        DF.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="recompute_scale_factor"):
        DF.interpolate(x, size=3, recompute_scale_factor=True)
    with pytest.raises(NotImplementedError, match="Long"):
        DF.interpolate(dygrad.ones(1, 1, 2, 2, dtype=dygrad.int64), size=3, mode="bilinear")
