"""assert_close and the op-test harnesses (check_op, check_raises, gradcheck_op).

Inputs to the harnesses are NumPy arrays (or lists/tuples of arrays, for ops such as cat);
anything else (ints, strings, None) is passed to the op unchanged. Each harness builds fresh
tensors from copies of the arrays, so one set of arrays can feed several checks.
"""
import re

import numpy as np

# Default (rtol, atol) per dtype name: PyTorch's torch.testing.assert_close defaults.
_TOLS = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
         "float64": (1e-7, 1e-7)}


def _torch():
    import pytest
    return pytest.importorskip("torch")


# ---------------------------------------------------------------------------------------------
# assert_close
def _as_array(x):
    """(ndarray, dtype name) of a dygrad/torch tensor or NumPy array; None for other values."""
    from .._tensor import Tensor
    if isinstance(x, Tensor):
        return x._data, x._data.dtype.name
    if isinstance(x, np.ndarray):
        return x, x.dtype.name
    mod = type(x).__module__
    if mod.startswith("torch") and hasattr(x, "detach") and hasattr(x, "dtype"):
        name = str(x.dtype).replace("torch.", "")
        t = x.detach().cpu()
        if name == "bfloat16":
            t = t.float()
        return t.resolve_conj().numpy(), name
    return None


def _is_seq(x):
    return isinstance(x, (tuple, list))


def _fail(text, msg, where):
    head = f"{where}: " if where else ""
    if callable(msg):
        text = msg(text)
    elif msg is not None:
        text = msg
    raise AssertionError(head + text)


def _compare_arrays(a, e, rtol, atol, equal_nan, msg, where):
    if a.shape != e.shape:
        _fail(f"The values for attribute 'shape' do not match: {list(a.shape)} != {list(e.shape)}.",
              msg, where)
    if a.dtype.kind in "biu" and e.dtype.kind in "biu":
        bad = a.astype(np.int64) != e.astype(np.int64)
    else:
        af, ef = a.astype(np.float64), e.astype(np.float64)
        bad = ~np.isclose(af, ef, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if not bad.any():
        return
    n, total = int(bad.sum()), bad.size
    kind = "Scalars" if a.ndim == 0 else "Tensor-likes"
    lines = [f"{kind} are not {'equal' if rtol == 0 and atol == 0 else 'close'}!", "",
             f"Mismatched elements: {n} / {total} ({100.0 * n / total:.1f}%)"]
    af, ef = a.astype(np.float64), e.astype(np.float64)
    with np.errstate(all="ignore"):
        absd = np.where(bad, np.abs(af - ef), -1.0)
        reld = np.where(bad, np.abs(af - ef) / np.abs(ef), -1.0)
    for label, d, tol in (("absolute", absd, atol), ("relative", reld, rtol)):
        d = np.where(np.isnan(d), np.inf, d)
        i = np.unravel_index(int(np.argmax(d)), d.shape) if d.ndim else ()
        lines.append(f"Greatest {label} difference: {d[i]} at index {tuple(int(j) for j in i)} "
                     f"(up to {tol} allowed)")
    _fail("\n".join(lines), msg, where)


def assert_close(actual, expected, *, rtol=None, atol=None, equal_nan=False, check_dtype=True,
                 msg=None, _where=""):
    """Asserts `actual` and `expected` are close, like torch.testing.assert_close.

    Accepts dygrad tensors, torch tensors, NumPy arrays, Python scalars and (nested) sequences
    of them, in any mix (so a dygrad result can be compared with a torch one). The default
    tolerances depend on the dtype (float32: rtol 1.3e-6, atol 1e-5; float64: 1e-7, 1e-7;
    integers and bool: exact); pass both `rtol` and `atol` to override. `msg` replaces the
    generated message (a str) or transforms it (a callable).
    """
    if (rtol is None) != (atol is None):
        raise ValueError("Both 'rtol' and 'atol' must be either specified or omitted, "
                         f"but got no {'rtol' if rtol is None else 'atol'}.")
    if _is_seq(actual) or _is_seq(expected):
        if not (_is_seq(actual) and _is_seq(expected)):
            _fail(f"Sequence expected on both sides, got {type(actual).__name__} and "
                  f"{type(expected).__name__}.", msg, _where)
        if len(actual) != len(expected):
            _fail(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                  msg, _where)
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_close(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan,
                         check_dtype=check_dtype, msg=msg, _where=f"{_where}[{i}]" if _where else f"item [{i}]")
        return
    pa, pe = _as_array(actual), _as_array(expected)
    if pa is None or pe is None:
        if pa is not None or pe is not None:
            _fail(f"Type mismatch: {type(actual).__name__} vs {type(expected).__name__}.",
                  msg, _where)
        if not isinstance(actual, (bool, int, float, complex, np.generic)) or \
                not isinstance(expected, (bool, int, float, complex, np.generic)):
            if actual != expected:
                _fail(f"Values are not equal: {actual!r} != {expected!r}", msg, _where)
            return
        if check_dtype and type(actual) is not type(expected):
            _fail(f"The values for attribute 'dtype' do not match: {type(actual).__name__} != "
                  f"{type(expected).__name__}.", msg, _where)
        pa, pe = (np.asarray(actual), type(actual).__name__), (np.asarray(expected), type(expected).__name__)
    (a, adt), (e, edt) = pa, pe
    if check_dtype and adt != edt:
        _fail(f"The values for attribute 'dtype' do not match: torch.{adt} != torch.{edt}.",
              msg, _where)
    if rtol is None:
        ta, te = _TOLS.get(adt, (0.0, 0.0)), _TOLS.get(edt, (0.0, 0.0))
        rtol, atol = max(ta[0], te[0]), max(ta[1], te[1])
    _compare_arrays(a, e, rtol, atol, equal_nan, msg, _where)


# ---------------------------------------------------------------------------------------------
# building inputs
def _flags(arrays, requires_grad):
    if isinstance(requires_grad, (list, tuple)):
        if len(requires_grad) != len(arrays):
            raise ValueError(f"requires_grad has {len(requires_grad)} entries for {len(arrays)} inputs")
        return list(requires_grad)
    return [bool(requires_grad)] * len(arrays)


def _build(arrays, flags, make, explicit):
    """(args for the op, leaf tensors that require grad, all tensors built)."""
    args, leaves, tensors = [], [], []

    def one(a, rg):
        if not isinstance(a, np.ndarray):
            return a
        if rg and a.dtype.kind not in "fV":
            if explicit:
                raise ValueError(f"requires_grad=True for an input of dtype {a.dtype}")
            rg = False
        t = make(a.copy(), rg)
        tensors.append(t)
        if rg:
            leaves.append(t)
        return t

    for a, rg in zip(arrays, flags):
        if _is_seq(a):
            args.append(type(a)(one(x, rg) for x in a) if type(a) in (list, tuple) else a)
        else:
            args.append(one(a, rg))
    return args, leaves, tensors


def _dygrad_make(a, rg):
    from .._tensor import _wrap
    t = _wrap(a)
    return t.requires_grad_(True) if rg else t


def _flat_tensors(out, is_tensor):
    if is_tensor(out):
        return [out]
    if _is_seq(out):
        return [t for o in out for t in _flat_tensors(o, is_tensor)]
    return []


# ---------------------------------------------------------------------------------------------
# harnesses
def check_op(fn, fn_torch, *arrays, requires_grad=True, rtol=None, atol=None, grad_rtol=None,
             grad_atol=None, check_dtype=True, check_grad=True, seed=0):
    """Runs `fn` on dygrad tensors and `fn_torch` (or `fn` again when None) on torch tensors
    built from the same arrays; compares outputs (values, dtypes, shapes, result type names,
    requires_grad flags) and, when `check_grad`, the gradients of every input that requires grad
    for one random grad_output per differentiable output. NaNs compare equal to NaNs.
    Returns (dygrad_out, torch_out).

    requires_grad: True (every floating input), False, or one flag per input.
    """
    torch = _torch()
    from .. import autograd
    from .._tensor import Tensor
    fn_torch = fn if fn_torch is None else fn_torch
    flags = _flags(arrays, requires_grad)
    explicit = isinstance(requires_grad, (list, tuple))
    dargs, dleaves, _ = _build(arrays, flags, _dygrad_make, explicit)
    targs, tleaves, _ = _build(arrays, flags,
                               lambda a, rg: torch.from_numpy(a).requires_grad_(rg), explicit)
    out_d = fn(*dargs)
    out_t = fn_torch(*targs)
    tname = type(out_t)
    if tname.__module__ == "torch.return_types" and type(out_d).__name__ != tname.__name__:
        raise AssertionError(f"result type: {type(out_d).__name__} != torch.return_types.{tname.__name__}")
    assert_close(out_d, out_t, rtol=rtol, atol=atol, equal_nan=True, check_dtype=check_dtype,
                 _where="output")
    outs_d = _flat_tensors(out_d, lambda o: isinstance(o, Tensor))
    outs_t = _flat_tensors(out_t, lambda o: isinstance(o, torch.Tensor))
    for i, (od, ot) in enumerate(zip(outs_d, outs_t)):
        if od.requires_grad != ot.requires_grad:
            raise AssertionError(f"output {i}: requires_grad {od.requires_grad} != torch's {ot.requires_grad}")
    if not check_grad or not dleaves:
        return out_d, out_t
    pairs = [(od, ot) for od, ot in zip(outs_d, outs_t) if ot.requires_grad]
    if not pairs:
        return out_d, out_t
    rng = np.random.default_rng(seed)
    gos = [rng.standard_normal(ot.shape).astype(od._data.dtype) for od, ot in pairs]
    gd = autograd.grad([p[0] for p in pairs], dleaves, [_dygrad_make(g.copy(), False) for g in gos],
                       allow_unused=True)
    gt = torch.autograd.grad([p[1] for p in pairs], tleaves, [torch.from_numpy(g.copy()) for g in gos],
                             allow_unused=True)
    grtol, gatol = (grad_rtol, grad_atol) if grad_rtol is not None else (rtol, atol)
    for i, (a, b, leaf) in enumerate(zip(gd, gt, dleaves)):
        # an unused input has no gradient in torch; dygrad may give None or zeros
        a = np.zeros(leaf._data.shape, leaf._data.dtype) if a is None else a
        b = np.zeros(leaf._data.shape, leaf._data.dtype) if b is None else b
        assert_close(a, b, rtol=grtol, atol=gatol, equal_nan=True, check_dtype=check_dtype,
                     _where=f"gradient of input {i}")
    return out_d, out_t


def check_raises(fn, fn_torch, *arrays, match=None, requires_grad=False):
    """Asserts that `fn` raises what torch raises for the same call: an exception of the same
    builtin class (IndexError, RuntimeError, ...), whose message matches `match` (a regex) if
    given. Returns the dygrad exception."""
    torch = _torch()
    fn_torch = fn if fn_torch is None else fn_torch
    flags = _flags(arrays, requires_grad)
    dargs = _build(arrays, flags, _dygrad_make, False)[0]
    targs = _build(arrays, flags, lambda a, rg: torch.from_numpy(a).requires_grad_(rg), False)[0]
    try:
        fn_torch(*targs)
    except Exception as e:  # noqa: BLE001 - any torch error is the reference
        base = next(c for c in type(e).__mro__ if c.__module__ == "builtins")
    else:
        raise AssertionError("torch did not raise for this call; nothing to compare against")
    try:
        fn(*dargs)
    except Exception as e:  # noqa: BLE001
        if not isinstance(e, base):
            raise AssertionError(f"dygrad raised {type(e).__name__}({e}); torch raises {base.__name__}") from e
        if match is not None and not re.search(match, str(e)):
            raise AssertionError(f"message {str(e)!r} does not match {match!r}") from e
        return e
    raise AssertionError(f"dygrad did not raise; torch raises {base.__name__}")


def gradcheck_op(fn, *arrays, requires_grad=True, gradgradcheck=False, eps=1e-6, atol=1e-5,
                 rtol=1e-3):
    """float64 finite-difference check of `fn`'s gradients (and second derivatives when
    `gradgradcheck`) at the given inputs; floating arrays are converted to float64. Only the
    floating-point outputs of a multi-output op (not indices) are checked."""
    from .. import autograd
    arrays = tuple(_f64(a) for a in arrays)
    flags = _flags(arrays, requires_grad)
    args, _, tensors = _build(arrays, flags, _dygrad_make, isinstance(requires_grad, (list, tuple)))
    ids = {id(t): k for k, t in enumerate(tensors)}

    def call(*ts):
        def sub(a):
            return ts[ids[id(a)]] if id(a) in ids else a
        out = fn(*[type(a)(sub(x) for x in a) if type(a) in (list, tuple) else sub(a) for a in args])
        if _is_seq(out):  # integer outputs (indices) have no gradient to check
            out = tuple(o for o in _flat_tensors(out, lambda o: hasattr(o, "_data"))
                        if o._data.dtype.kind in "fV")
        return out

    assert autograd.gradcheck(call, tuple(tensors), eps=eps, atol=atol, rtol=rtol)
    if gradgradcheck:
        assert autograd.gradgradcheck(call, tuple(tensors), eps=eps, atol=atol, rtol=rtol)


def _f64(a):
    if _is_seq(a):
        return type(a)(_f64(x) for x in a)
    if isinstance(a, np.ndarray) and a.dtype.kind in "fV":
        return a.astype(np.float64)
    return a
