"""Every op record's call samples (tests/records) run in bfloat16 in PyTorch and in dygrad:
same dtypes, values within bfloat16's tolerance, the same errors (an op PyTorch has no bfloat16
kernel for raises in both), and the inputs' gradients in bfloat16 within tolerance. One test
for the whole sweep (a few seconds)."""
import importlib
import warnings

import numpy as np
import pytest

import dygrad

pytest.importorskip("ml_dtypes")
FAMILIES = ("unary", "binary", "inplace", "creation", "reduce", "shape", "indexing", "linalg",
            "nn_functional", "losses", "linalg_ns", "sampling")
RANDOM = ("rand", "normal", "bernoulli", "multinomial", "poisson")


def _build(L, a, leaves):
    if isinstance(a, np.ndarray):
        if a.dtype.kind != "f":
            return L.tensor(a)
        t = L.tensor(a.astype(np.float32)).to(L.bfloat16).requires_grad_()
        leaves.append(t)
        return t
    if type(a) in (list, tuple):
        return type(a)(_build(L, x, leaves) for x in a)
    return a


def _flat(o):
    if hasattr(o, "dtype") and hasattr(o, "shape"):
        return [o]
    if isinstance(o, (tuple, list)):
        return [y for x in o for y in _flat(x)]
    return []


def _run(L, fn, sample):
    leaves = []
    try:
        return fn(*_build(L, sample.args, leaves), **sample.kwargs), leaves, None
    except Exception as e:  # noqa: BLE001 - compared with the other library's
        return None, leaves, e


def _np(t):
    return t.detach().float().numpy() if t.dtype.is_floating_point else t.detach().numpy()


def _compare(rec, sample, torch, bad):
    t, tl, te = _run(torch, rec.function(torch), sample)
    d, dl, de = _run(dygrad, rec.function(dygrad), sample)
    where = f"{rec.name} {sample.describe()}"
    if te is not None or de is not None:
        if (te is None) != (de is None) or type(te).__name__ != type(de).__name__:
            bad.append(f"{where}: torch raised {te!r}, dygrad {de!r}")
        return
    touts, douts = _flat(t), _flat(d)
    for a, b in zip(touts, douts):
        if str(a.dtype) != str(b.dtype):
            bad.append(f"{where}: dtype {a.dtype} vs {b.dtype}")
        elif not np.allclose(_np(b), _np(a), rtol=1.6e-2, atol=1e-2, equal_nan=True):
            bad.append(f"{where}: values differ")
    ts = [x for x in touts if x.dtype.is_floating_point and x.requires_grad]
    ds = [x for x in douts if x.dtype.is_floating_point and x.requires_grad]
    if not ts or len(ts) != len(ds):
        return
    try:
        sum(x.float().sum() for x in ts).backward()
    except RuntimeError:  # torch has no derivative here (floor_divide, unique, ...)
        return
    sum(x.float().sum() for x in ds).backward()
    for a, b in zip(tl, dl):
        if (a.grad is None) != (b.grad is None):
            bad.append(f"{where}: gradient present in one library only")
        elif a.grad is not None and (str(a.grad.dtype) != str(b.grad.dtype) or not np.allclose(
                _np(b.grad), _np(a.grad), rtol=4e-2, atol=4e-2, equal_nan=True)):
            bad.append(f"{where}: gradient differs")


def test_every_record_in_bfloat16_matches_torch():
    torch = pytest.importorskip("torch")
    from dygrad.testing import RecordSet
    from dygrad.testing._records import Sample
    records = RecordSet.merge(*(importlib.import_module(f"tests.records.{f}").R for f in FAMILIES))
    bad, n = [], 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for rec in records.records.values():
            if rec.name.startswith(RANDOM) or "dropout" in rec.name:
                continue
            if rec.function(torch) is None or rec.function(dygrad) is None:
                continue
            for s in rec.samples:
                if isinstance(s, Sample) and s.raises is None and any(
                        isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in s.args):
                    n += 1
                    _compare(rec, s, torch, bad)
    assert n > 1000
    assert not bad, "\n".join(bad[:30])
