"""Parity cases: one expression, run through PyTorch and dygrad on the same NumPy inputs.

A case is `case(name, fn, *inputs)`: `fn(T, *args)` is called once with T = torch and once with
T = dygrad; NumPy arrays among the inputs (also inside lists/tuples) become tensors of the
matching library, floating ones requiring grad unless `grad=False`. The results must agree in
kind (Tensor / tuple / list / named return type / Size / Python scalar), shape, dtype, values
(dtype tolerances; exact for integers and bools), requires_grad and, for differentiable outputs,
the gradient of every input for a random grad_output; in-place calls must change their inputs
the same way. When torch raises, dygrad must raise an exception of the same builtin class.

The op records (`dygrad.testing.OpRecord`) run their samples through `run_case`; tests that only
need a table of expressions use `case` / `params` / `run_case` directly:

    >>> from dygrad.testing.parity import A, case, run_case
    >>> c = case("sinc_zero", lambda T, x: T.sinc(x), A("f64", 3))
    >>> # run_case(c, torch)   # with torch importable
"""
import warnings
import zlib

import numpy as np

import dygrad

from ._op_test import assert_close

NP = {"f16": np.float16, "f32": np.float32, "f64": np.float64, "i64": np.int64, "i32": np.int32,
      "i16": np.int16, "i8": np.int8, "u8": np.uint8, "b": np.bool_}

_rng = np.random.default_rng(20240613)


def A(dt, *shape, lo=None, hi=None, nz=False):
    """A random array of NumPy dtype code `dt` ('f32', 'i64', 'b', ...): floats are standard
    normal (or uniform in [lo, hi)); ints are in [lo, hi) (default [-5, 6)), `nz` avoids 0."""
    npdt = NP[dt]
    if dt == "b":
        return _rng.random(shape) < 0.5
    if dt[0] in "iu":
        lo = (0 if dt == "u8" else -5) if lo is None else lo
        hi = 6 if hi is None else hi
        a = _rng.integers(lo, hi, size=shape).astype(npdt)
        if nz:
            a[a == 0] = 1
        return a
    if lo is not None:
        a = _rng.uniform(lo, hi, size=shape)
    else:
        a = _rng.standard_normal(shape)
    if nz:
        a = np.where(np.abs(a) < 0.2, 0.7, a)
    return np.asarray(a, dtype=npdt)


class Case:
    __slots__ = ("name", "fn", "inputs", "grad", "tol", "gtol", "check_grad")

    def __init__(self, name, fn, inputs, grad=True, tol=None, gtol=None, check_grad=True):
        self.name, self.fn, self.inputs = name, fn, inputs
        self.grad, self.tol, self.gtol, self.check_grad = grad, tol, gtol, check_grad

    def __repr__(self):
        return self.name


def case(name, fn, *inputs, grad=True, tol=None, gtol=None, check_grad=True):
    return Case(name, fn, inputs, grad, tol, gtol, check_grad)


def _build(T, inputs, grad):
    """Tensors of library T for the inputs; `grad` is a flag for all floating inputs or a tuple
    of flags, one per top-level input."""
    leaves = []
    flags = grad if isinstance(grad, tuple) else (grad,) * len(inputs)

    def one(a, rg):
        if isinstance(a, np.ndarray):
            t = T.from_numpy(a.copy())
            if rg and a.dtype.kind in "fV":
                t.requires_grad_(True)
                leaves.append(t)
            return t
        if type(a) in (list, tuple):
            return type(a)(one(x, rg) for x in a)
        return a

    return [one(a, rg) for a, rg in zip(inputs, flags)], leaves


def _builtin_base(e):
    return next(c for c in type(e).__mro__ if c.__module__ == "builtins")


def _kind(x, torch):
    if isinstance(x, (torch.Tensor, dygrad.Tensor)):
        return "Tensor"
    if isinstance(x, (torch.Size, dygrad.Size)):
        return "Size"
    tp = type(x)
    if tp.__module__ in ("torch.return_types", "dygrad.ops.return_types"):
        return "return_types." + tp.__name__
    if isinstance(x, np.generic):
        return "numpy." + tp.__name__
    if tp.__module__.startswith(("torch", "dygrad")):
        return tp.__name__
    return tp.__name__


def compare(d, t, torch, where="output", tol=None):
    kd, kt = _kind(d, torch), _kind(t, torch)
    assert kd == kt, f"{where}: result kind {kd} != torch's {kt}"
    if kt == "Tensor":
        assert str(d.dtype) == str(t.dtype), f"{where}: dtype {d.dtype} != torch's {t.dtype}"
        assert tuple(d.shape) == tuple(t.shape), f"{where}: shape {tuple(d.shape)} != torch's {tuple(t.shape)}"
        assert d.requires_grad == t.requires_grad, \
            f"{where}: requires_grad {d.requires_grad} != torch's {t.requires_grad}"
        rtol, atol = tol if tol else (None, None)
        assert_close(d.detach(), t.detach(), rtol=rtol, atol=atol, equal_nan=True, _where=where)
    elif kt == "Size":
        assert tuple(d) == tuple(t), f"{where}: {tuple(d)} != torch's {tuple(t)}"
    elif isinstance(t, (tuple, list)):
        assert len(d) == len(t), f"{where}: length {len(d)} != torch's {len(t)}"
        for i, (a, b) in enumerate(zip(d, t)):
            compare(a, b, torch, f"{where}[{i}]", tol)
    elif isinstance(t, float):
        assert (np.isnan(d) and np.isnan(t)) or np.isclose(d, t, rtol=1e-6, atol=1e-7), \
            f"{where}: {d!r} != torch's {t!r}"
    elif isinstance(t, (bool, int, str, type(None))):
        assert d == t, f"{where}: {d!r} != torch's {t!r}"
    elif kt in ("dtype",):
        assert str(d) == str(t), f"{where}: {d} != torch's {t}"


def _tensors(x, cls):
    if isinstance(x, cls):
        return [x]
    if isinstance(x, (tuple, list)):
        return [u for o in x for u in _tensors(o, cls)]
    return []


def params(cases):
    """pytest parameters for a case table, each with its case name as id."""
    import pytest
    return [pytest.param(c, id=c.name) for c in cases]


def run_case(c, torch):
    # both libraries warn on the same suspicious calls (std with one element, ...); the sweep
    # compares results, so warnings (errors under our pytest config) are silenced here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _run_case(c, torch)


def _run_case(c, torch):
    targs, tleaves = _build(torch, c.inputs, c.grad)
    try:
        out_t = c.fn(torch, *targs)
    except Exception as e:  # noqa: BLE001 - torch's error is the reference
        base = _builtin_base(e)
        dargs, _ = _build(dygrad, c.inputs, c.grad)
        try:
            c.fn(dygrad, *dargs)
        except Exception as de:  # noqa: BLE001
            assert isinstance(de, base), \
                f"dygrad raised {type(de).__name__}({de}); torch raises {base.__name__}({e})"
            return
        raise AssertionError(f"dygrad did not raise; torch raises {type(e).__name__}: {e}")
    dargs, dleaves = _build(dygrad, c.inputs, c.grad)
    out_d = c.fn(dygrad, *dargs)
    compare(out_d, out_t, torch, tol=c.tol)
    # in-place calls: the (non-leaf) inputs must have changed the same way
    for i, (a, b) in enumerate(zip(_tensors(dargs, dygrad.Tensor), _tensors(targs, torch.Tensor))):
        compare(a, b, torch, f"input {i} after the call", c.tol)
    if not (c.check_grad and tleaves):
        return
    pairs = [(od, ot) for od, ot in zip(_tensors(out_d, dygrad.Tensor), _tensors(out_t, torch.Tensor))
             if ot.requires_grad]
    if not pairs:
        return
    rng = np.random.default_rng(zlib.crc32(c.name.encode()))
    gos = [rng.standard_normal(tuple(ot.shape)).astype(str(ot.dtype).replace("torch.", "")) for _, ot in pairs]
    try:
        gt = torch.autograd.grad([p[1] for p in pairs], tleaves, [torch.from_numpy(g.copy()) for g in gos],
                                 allow_unused=True)
    except Exception as e:  # noqa: BLE001 - e.g. "derivative for aten::floor_divide is not implemented"
        try:
            dygrad.autograd.grad([p[0] for p in pairs], dleaves, [dygrad.from_numpy(g.copy()) for g in gos],
                                 allow_unused=True)
        except Exception as de:  # noqa: BLE001
            assert isinstance(de, _builtin_base(e)), \
                f"backward: dygrad raised {type(de).__name__}({de}); torch raises {type(e).__name__}({e})"
            return
        raise AssertionError(f"backward: dygrad did not raise; torch raises {type(e).__name__}: {e}")
    gd = dygrad.autograd.grad([p[0] for p in pairs], dleaves, [dygrad.from_numpy(g.copy()) for g in gos],
                              allow_unused=True)
    for i, (a, b, leaf) in enumerate(zip(gd, gt, tleaves)):
        if a is None and b is None:
            continue
        a = dygrad.zeros(leaf.shape, dtype=getattr(dygrad, str(leaf.dtype)[6:])) if a is None else a
        b = torch.zeros_like(leaf) if b is None or b._is_zerotensor() else b
        compare(a.detach(), b.detach(), torch, f"gradient of input {i}", c.gtol or c.tol)
