"""The generic checks every `OpRecord` sample runs (see `_records`).

check_parity      both libraries agree (values, dtype, shape, requires_grad, gradients, errors)
check_reference   dygrad agrees with the record's NumPy reference
check_raises      a `raises=` sample raises that exception class (no torch needed)
check_gradcheck   float64 finite differences (and second derivatives with `second=True`)
check_spelling    the Tensor method, the in-place method or `out=` agrees with the function;
                  `out=` writes into the given tensor (a view taken before sees the result)

`applicable(record, sample)` says which checks a sample takes, so a driver parametrizes each
check over exactly its samples.
"""
import warnings

import numpy as np

import dygrad

from ._op_test import assert_close, gradcheck_op
from .parity import Case, _build, run_case


def applicable(rec, sample) -> list:
    """The names of the checks that apply to `sample` of `rec`, e.g. ["parity", "reference",
    "gradcheck", "method", "out"] for `OpRecord("sinc", [S(x)], ref=np.sinc, supports_out=True)`."""
    out = [] if "parity" in rec.skips else ["parity"]
    if isinstance(sample, Case):
        return out
    if sample.raises is not None:
        return out + ["raises"]
    if rec.ref is not None and sample.ref and "reference" not in rec.skips:
        out.append("reference")
    if rec.differentiable and sample.gradcheck and sample.floating() and sample.grad is not False:
        if "gradcheck" not in rec.skips:
            out.append("gradcheck")
        # second derivatives on the float64 samples only (the float32 ones repeat them in float64)
        if rec.gradgrad and sample.gradcheck != "first" and "gradgradcheck" not in rec.skips \
                and _all_float64(sample.args):
            out.append("gradgradcheck")
    kinds = ("method", "inplace", "out") if sample.variants is True else (sample.variants or ())
    if sample.args and _is_array(sample.args[0]):
        out += [k for k in ("method", "inplace") if k in kinds and _has(rec, k, _optional_torch())]
    if "out" in kinds and rec.supports_out and "out" not in rec.skips:
        out.append("out")
    return out


def _all_float64(args):
    fl = [a for x in args for a in (x if type(x) in (list, tuple) else (x,))
          if isinstance(a, np.ndarray) and a.dtype.kind in "fV"]
    return all(a.dtype == np.float64 for a in fl)


def _is_array(a):
    return isinstance(a, np.ndarray)


def _quiet(fn):
    # both libraries warn on the same suspicious calls; the checks compare results
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def check_parity(rec, sample, torch):
    if isinstance(sample, Case):
        return run_case(sample, torch)
    assert rec.function(torch) is not None, f"torch has no {rec.name}: fix the record's name"
    if sample.raises is not None:
        targs, _ = _build(torch, sample.args, False)
        try:
            _quiet(lambda: rec.call(torch, sample, targs))
        except sample.raises:
            pass
        else:
            raise AssertionError(f"{sample.describe()}: torch does not raise "
                                 f"{sample.raises.__name__}; fix the sample's raises=")
    case = Case(sample.label or rec.name, rec.expression(sample), sample.args, sample.grad,
                sample.tol or rec.tol, sample.gtol or rec.grad_tol or sample.tol or rec.tol, True)
    run_case(case, torch)


def _dygrad_args(sample):
    return _build(dygrad, sample.args, False)[0]


def check_raises(rec, sample):
    try:
        _quiet(lambda: rec.call(dygrad, sample, _dygrad_args(sample)))
    except Exception as e:  # noqa: BLE001 - the class is compared below
        if not isinstance(e, sample.raises):
            raise AssertionError(f"{rec.name} {sample.describe()}: raised {type(e).__name__}({e}), "
                                 f"expected {sample.raises.__name__}") from e
        return
    raise AssertionError(f"{rec.name} {sample.describe()}: did not raise {sample.raises.__name__}")


def check_reference(rec, sample):
    out = _quiet(lambda: rec.call(dygrad, sample, _dygrad_args(sample)))
    arrays = [a.copy() if isinstance(a, np.ndarray) else a for a in sample.args]
    expected = _as_arrays(_quiet(lambda: rec.ref(*arrays, **sample.kwargs)))
    rtol, atol = sample.tol or rec.tol or (None, None)
    assert_close(out, expected, rtol=rtol, atol=atol, equal_nan=True, check_dtype=False,
                 msg=lambda m: f"{rec.name} {sample.describe()} vs its NumPy reference: {m}")


def _as_arrays(x):
    # NumPy gives a 0-dim result as a scalar (np.float64): compare it as a 0-dim array
    if isinstance(x, (np.generic, bool, int, float)):
        return np.asarray(x)
    return type(x)(_as_arrays(v) for v in x) if type(x) in (tuple, list) else x


def check_gradcheck(rec, sample, second=False):
    def fn(*args):
        return rec.call(dygrad, sample, args)
    _quiet(lambda: gradcheck_op(fn, *sample.args, requires_grad=sample.grad, gradgradcheck=second))


def _has(rec, kind, torch):
    flag = rec.method if kind == "method" else rec.inplace
    name = rec.method_name()
    if flag is False or name is None or kind in rec.skips:
        return False
    attr = name if kind == "method" else name + "_"
    if flag is None:  # ask the oracle when there is one: a method dygrad lacks then fails
        return hasattr((torch or dygrad).Tensor, attr)
    return True


def check_spelling(rec, sample, kind, torch=None):
    """One spelling (`kind`: "method", "inplace" or "out") against the function, on dygrad
    alone; for "out", with torch, also that PyTorch takes `out=` where the record says so."""
    fn = rec.function(dygrad)
    where = f"{rec.name} {sample.describe()}"
    try:
        expected = _quiet(lambda: fn(*_dygrad_args(sample), **sample.kwargs)) if fn else None
    except Exception:  # noqa: BLE001 - the call's error is the parity/raises checks' business
        return
    first = _dygrad_args(sample)
    if kind == "method":
        got = _quiet(lambda: getattr(first[0], rec.method_name())(*first[1:], **sample.kwargs))
        if expected is not None:
            assert_close(got, expected, equal_nan=True,
                         msg=lambda m: f"{where}: method != function: {m}")
    elif kind == "inplace":
        _check_inplace(rec, sample, expected, where, torch)
    elif kind == "out":
        _check_out(rec, sample, expected, where, torch)


def _torch_inplace_ok(rec, sample, torch):
    """Whether PyTorch's in-place spelling takes this sample (None without torch)."""
    if torch is None:
        return None
    targs = _build(torch, sample.args, False)[0]
    try:
        _quiet(lambda: getattr(targs[0], rec.method_name() + "_")(*targs[1:], **sample.kwargs))
    except Exception:  # noqa: BLE001 - any error: dygrad must raise too
        return False
    return True


def _check_inplace(rec, sample, expected, where, torch=None):
    args = _dygrad_args(sample)
    self = args[0]
    method = getattr(self, rec.method_name() + "_")
    # the result must fit self (shape; dtype castable): PyTorch decides when importable
    # (float_power_ wants a float64 self), else the casting rule
    fits = _torch_inplace_ok(rec, sample, torch)
    if fits is None and rec.inplace_fits is not None:
        fits = rec.inplace_fits(expected, self)
    if fits is None:
        fits = isinstance(expected, dygrad.Tensor) and tuple(expected.shape) == tuple(self.shape) \
            and dygrad.can_cast(expected.dtype, self.dtype)
    if not fits:
        try:
            _quiet(lambda: method(*args[1:], **sample.kwargs))
        except RuntimeError:
            return
        raise AssertionError(f"{where}: in-place into {self.dtype}{list(self.shape)} of a "
                             f"{getattr(expected, 'dtype', '?')} result did not raise RuntimeError")
    res = _quiet(lambda: method(*args[1:], **sample.kwargs))
    assert res is self, f"{where}: {rec.method_name()}_ did not return self"
    assert self.dtype == args[0].dtype
    assert_close(self, expected.to(self.dtype), equal_nan=True,
                 msg=lambda m: f"{where}: in-place != function: {m}")


def _check_out(rec, sample, expected, where, torch):
    fn = rec.function(dygrad)
    outs = expected if isinstance(expected, tuple) else (expected,)
    # out of the right shape: written in place, so a view taken before sees the result
    given = tuple(dygrad.zeros(tuple(e.shape), dtype=e.dtype) for e in outs)
    views = tuple(g.view(-1) for g in given)
    out_arg = given if isinstance(expected, tuple) else given[0]
    res = _quiet(lambda: fn(*_dygrad_args(sample), **sample.kwargs, out=out_arg))
    for i, (g, v, e) in enumerate(zip(given, views, outs)):
        assert_close(g, e, equal_nan=True, msg=lambda m: f"{where}: out[{i}] != function: {m}")
        assert_close(v, e.reshape(-1), equal_nan=True,
                     msg=lambda m: f"{where}: a view of out[{i}] does not see the result: {m}")
    assert (res is out_arg) if not isinstance(expected, tuple) else \
        all(r is g for r, g in zip(res, given)), f"{where}: out= call did not return out"
    # an empty out is resized to the result's shape
    empty = tuple(dygrad.empty(0, dtype=e.dtype) for e in outs)
    _quiet(lambda: fn(*_dygrad_args(sample), **sample.kwargs,
                      out=empty if isinstance(expected, tuple) else empty[0]))
    for g, e in zip(empty, outs):
        assert_close(g, e, equal_nan=True, msg=lambda m: f"{where}: resized out != function: {m}")
    if torch is not None:
        targs = _build(torch, sample.args, False)[0]
        tout = tuple(torch.empty(0, dtype=getattr(torch, str(e.dtype).split(".")[-1])) for e in outs)
        try:
            _quiet(lambda: rec.call(torch, _with_out(sample, tout if isinstance(expected, tuple)
                                                     else tout[0]), targs))
        except TypeError as e:
            raise AssertionError(f"{where}: torch takes no out= here ({e}): fix supports_out") from e


def _with_out(sample, out):
    s = type(sample)(sample.args, dict(sample.kwargs, out=out))
    return s


def record_params(records, check: str) -> list:
    """pytest parameters (rec, sample) of every sample of `records` that takes `check`, with id
    "<op name>-<sample index>"; a check listed in the record's or the sample's `xfails` is a
    strict xfail."""
    import pytest
    out = []
    for rec in records:
        for i, sample in enumerate(rec.samples):
            if check not in applicable(rec, sample):
                continue
            known = {**rec.xfails, **getattr(sample, "xfails", {})}
            marks = [pytest.mark.xfail(strict=True, reason=known[check])] if check in known else []
            out.append(pytest.param(rec, sample, id=f"{rec.name}-{i}", marks=marks))
    return out


def _optional_torch():
    global _TORCH
    if _TORCH is False:
        try:
            import torch
        except ImportError:
            torch = None
        _TORCH = torch
    return _TORCH


_TORCH = False


def check_record(rec, sample, check: str) -> None:
    """Runs one generic check (a name from `applicable`) on one sample of `rec`. The parity
    check skips the calling test when torch is not importable; the others run without it.

    >>> from dygrad.testing import OpRecord, S, check_record
    >>> import numpy as np
    >>> rec = OpRecord("sinc", [S(np.linspace(-2, 2, 5))], ref=np.sinc)
    >>> check_record(rec, rec.samples[0], "reference")
    """
    if check == "parity":
        from ._op_test import _torch
        return check_parity(rec, sample, _torch())
    if check == "raises":
        return check_raises(rec, sample)
    if check == "reference":
        return check_reference(rec, sample)
    if check in ("gradcheck", "gradgradcheck"):
        return check_gradcheck(rec, sample, second=check == "gradgradcheck")
    if check in ("method", "inplace", "out"):
        return check_spelling(rec, sample, check, _optional_torch())
    raise ValueError(f"unknown check {check!r}")
