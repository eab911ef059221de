"""Run one generated program on dygrad and on PyTorch and compare everything it leaves behind.

A program is Python source text over the names `torch`, `np` and `F`; its inputs come from a
seeded NumPy generator inside the text, so both runs see the same arrays. Each statement is
compiled once and executed in turn in a fresh namespace per library, so "raised at the same
statement" is exact. After the forward pass the harness compares every tensor in the namespace
(inputs too, to catch in-place effects), then backpropagates one seeded weighted sum of the
non-leaf outputs and compares every leaf's `.grad`.
"""
import warnings
from dataclasses import dataclass, field

import numpy as np

# Exception types PyTorch uses for bad input; a difference *within* this family is only a soft
# finding (exc_type), a dygrad exception outside it is a worse one (foreign_exc).
ERROR_FAMILY = (RuntimeError, ValueError, TypeError, IndexError)
# These in the *reference* run mean the generator wrote a broken program, not a dygrad bug.
_GENERATOR_BUGS = (NameError, SyntaxError, UnboundLocalError, ImportError)

OUTCOMES = ("ok", "both_raise", "mismatch", "dygrad_crash", "dygrad_no_raise",
            "harness_error", "known")
FAILURES = ("mismatch", "dygrad_crash", "dygrad_no_raise", "harness_error")

_SKIP_NAMES = frozenset(("torch", "np", "F", "rng", "__builtins__"))

# (rtol, atol) per floating dtype name; atol is multiplied by the program's `tol` factor, which
# reduction/matmul generators raise with the number of summed terms.
TOLERANCES = {"float16": (1e-2, 1e-3), "bfloat16": (2e-2, 1e-2),
              "float32": (1e-4, 1e-5), "float64": (1e-7, 1e-9)}


@dataclass
class Program:
    family: str
    seed: int
    case: int
    stmts: list
    tags: frozenset = frozenset()
    tol: float = 1.0

    @property
    def source(self):
        return "\n".join(self.stmts) + "\n"


@dataclass
class Result:
    outcome: str
    kind: str = ""          # sub-kind of a mismatch: value/dtype/shape/requires_grad/grad/...
    detail: str = ""
    soft: list = field(default_factory=list)   # soft findings (exc_type, foreign_exc)
    known: str = ""         # name of the KNOWN_GAPS entry that covered a failure


class _Run:
    __slots__ = ("ns", "stmt", "exc", "bwd_exc")

    def __init__(self):
        self.ns, self.stmt, self.exc, self.bwd_exc = {}, None, None, None


def _execute(codes, lib, F):
    run = _Run()
    ns = run.ns
    ns.update(torch=lib, np=np, F=F)
    for i, code in enumerate(codes):
        try:
            exec(code, ns)
        except Exception as e:  # noqa: BLE001 - any exception is data here
            run.stmt, run.exc = i, e
            break
    return run


def _flatten(ns, tensor_type):
    """name -> value for tensors (lists/tuples flattened as name[i]) and plain Python results."""
    out = {}
    for name, v in ns.items():
        if name in _SKIP_NAMES or name.startswith("_"):
            continue
        _flat_one(out, name, v, tensor_type)
    return out


def _flat_one(out, name, v, tensor_type):
    if isinstance(v, tensor_type):
        out[name] = v
    elif isinstance(v, (bool, int, float)):
        out[name] = v
    elif isinstance(v, (list, tuple)):
        if all(isinstance(x, int) and not isinstance(x, bool) for x in v) and (
                type(v).__name__ == "Size" or not any(isinstance(x, tensor_type) for x in v)):
            out[name] = ("size", tuple(v))
            return
        out[name] = ("seq", len(v))
        for i, x in enumerate(v):
            _flat_one(out, f"{name}[{i}]", x, tensor_type)


def _to_numpy(t):
    t = t.detach()
    if str(t.dtype) == "torch.bfloat16":
        t = t.float()
    if type(t).__module__.startswith("torch"):
        return t.numpy(force=True)     # force: PyTorch's ZeroTensor gradients refuse numpy()
    return t.numpy()


class _AccessError(Exception):
    """Reading a tensor's attributes raised (PyTorch does so for invalidated views)."""


def _props(t):
    try:
        return (tuple(t.shape), str(t.dtype), t.requires_grad, t.is_leaf, _to_numpy(t))
    except Exception as e:  # noqa: BLE001
        raise _AccessError(_exc_text(e)) from None


def compare_arrays(a, b, dtype_name, tol=1.0):
    """None if dygrad's array `a` matches PyTorch's `b`, else a short description."""
    if a.shape != b.shape:
        return f"shape {a.shape} vs {b.shape}"
    if a.dtype.kind in "biu" or b.dtype.kind in "biu":
        if np.array_equal(a, b):
            return None
        bad = np.argwhere(a != b)
        i = tuple(bad[0])
        return f"{len(bad)} elements differ, first at {i}: {a[i]!r} vs {b[i]!r}"
    with np.errstate(all="ignore"):
        if np.array_equal(a, b, equal_nan=True):
            return None
        an, bn = np.isnan(a), np.isnan(b)
        if (an != bn).any():
            i = tuple(np.argwhere(an != bn)[0])
            return f"nan positions differ, first at {i}: {a[i]!r} vs {b[i]!r}"
        ai, bi = np.isinf(a), np.isinf(b)
        if (ai != bi).any() or (a[bi] != b[bi]).any():
            i = tuple(np.argwhere((ai != bi) | (bi & (a != b)))[0])
            return f"inf positions differ, first at {i}: {a[i]!r} vs {b[i]!r}"
        rtol, atol = TOLERANCES.get(dtype_name, (1e-4, 1e-5))
        fin = ~(bn | bi)
        a64, b64 = a[fin].astype(np.float64), b[fin].astype(np.float64)
        err = np.abs(a64 - b64)
        bad = err > atol * tol + rtol * np.abs(b64)
        if not bad.any():
            return None
        k = int(np.argmax(bad))
        return (f"{int(bad.sum())}/{bad.size} values differ beyond tolerance, e.g. "
                f"{a64[k]!r} vs {b64[k]!r} (max abs err {err.max():.3g})")


def _compare_tensor(name, a, b, tol, low=None):
    """(kind, detail) of the first difference between dygrad tensor a and torch tensor b;
    `low`: compare floats at no tighter than this dtype's tolerance."""
    try:
        pb = _props(b)
    except _AccessError as e:
        try:
            _props(a)
        except _AccessError:
            return None          # both refuse to be read: the same answer
        return "access", f"{name}: torch raises on access, dygrad does not: {e}"
    try:
        pa = _props(a)
    except _AccessError as e:
        return "access_crash", f"{name}: dygrad raises on access: {e}"
    (sa, da, ga, la, na), (sb, db, gb, lb, nb) = pa, pb
    if sa != sb:
        return "shape", f"{name}: shape {sa} vs {sb}"
    if da != db:
        return "dtype", f"{name}: dtype {da} vs {db}"
    if ga != gb:
        return "requires_grad", f"{name}: requires_grad {ga} vs {gb}"
    if gb and la != lb:
        return "is_leaf", f"{name}: is_leaf {la} vs {lb}"
    dt = db.replace("torch.", "")
    if low is not None and dt in TOLERANCES and TOLERANCES[low][0] > TOLERANCES[dt][0]:
        dt = low
    msg = compare_arrays(na, nb, dt, tol)
    if msg:
        return "value", f"{name}: {msg}"
    return None


def _lowest_float(flat, tb):
    """The least precise floating dtype among the program's tensors: a float64 leaf whose
    gradient flowed through float32 ops carries float32 rounding in both libraries."""
    low = None
    for t in flat.values():
        if isinstance(t, tb) and t.dtype.is_floating_point:
            dt = str(t.dtype).replace("torch.", "")
            if dt in TOLERANCES and (low is None or TOLERANCES[dt][0] > TOLERANCES[low][0]):
                low = dt
    return low


def _compare_namespaces(ra, rb, ta, tb, tol):
    fa, fb = _flatten(ra.ns, ta), _flatten(rb.ns, tb)
    for name in sorted(set(fa) | set(fb)):
        if name not in fa or name not in fb:
            return "missing", f"{name}: present only in {'dygrad' if name in fa else 'torch'}"
        a, b = fa[name], fb[name]
        if isinstance(b, tb):
            if not isinstance(a, ta):
                return "type", f"{name}: {type(a).__name__} vs Tensor"
            d = _compare_tensor(name, a, b, tol)
            if d:
                return d
        elif isinstance(a, ta):
            return "type", f"{name}: Tensor vs {type(b).__name__}"
        elif isinstance(b, tuple):
            if a != b:
                return "value", f"{name}: {a!r} vs {b!r}"
        else:
            if type(a) is not type(b):
                return "type", f"{name}: {type(a).__name__} {a!r} vs {type(b).__name__} {b!r}"
            if isinstance(b, float):
                m = compare_arrays(np.array([a]), np.array([b]), "float64", max(tol, 1e3))
                if m:
                    return "value", f"{name}: {a!r} vs {b!r}"
            elif a != b:
                return "value", f"{name}: {a!r} vs {b!r}"
    return None


def _backward(lib, flat, tensor_type, seed):
    """Weighted sum of every floating non-leaf that requires grad, backpropagated."""
    rng = np.random.default_rng(seed)
    loss = None
    for name in sorted(flat):
        t = flat[name]
        if not isinstance(t, tensor_type):
            continue
        try:
            if not t.requires_grad or t.is_leaf:
                continue
        except Exception:  # noqa: BLE001 - unreadable in both (checked in the forward pass)
            continue
        if not t.dtype.is_floating_point:
            continue
        dt = str(t.dtype).replace("torch.", "")
        # NumPy's bfloat16 (ml_dtypes) is no dtype torch.tensor takes: draw float32, then cast
        w = lib.tensor(rng.standard_normal(tuple(t.shape)).astype(
            "float32" if dt == "bfloat16" else dt))
        term = (t * (w.to(t.dtype) if dt == "bfloat16" else w)).sum()
        loss = term if loss is None else loss + term
    if loss is not None:
        loss.backward()
    return loss is not None


def _compare_grads(fa, fb, ta, tb, tol):
    low = _lowest_float(fb, tb)
    for name in sorted(fb):
        b = fb[name]
        try:
            if not isinstance(b, tb) or not b.is_leaf:
                continue
            gb = b.grad
        except Exception:  # noqa: BLE001 - an invalidated view: compared in the forward pass
            continue
        a = fa[name]
        ga = a.grad
        if (ga is None) != (gb is None):
            return "grad", f"{name}.grad: {'None' if ga is None else 'tensor'} vs " \
                           f"{'None' if gb is None else 'tensor'}"
        if gb is not None:
            d = _compare_tensor(name + ".grad", ga, gb, tol, low)
            if d:
                return "grad", d[1]
    return None


def _exc_text(e):
    return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300]


def run_program(prog, libs):
    """Compare one program on (dygrad, torch). `libs` = ((dygrad, dygrad_F), (torch, torch_F))."""
    (da, fa_mod), (tt, ft_mod) = libs
    try:
        codes = [compile(s, f"<fuzz stmt {i}>", "exec") for i, s in enumerate(prog.stmts)]
    except SyntaxError as e:
        return Result("harness_error", "syntax", str(e))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ra = _execute(codes, da, fa_mod)
        rb = _execute(codes, tt, ft_mod)
        return _judge(prog, ra, rb, da, tt)


def _judge(prog, ra, rb, da, tt):
    if rb.exc is not None and isinstance(rb.exc, _GENERATOR_BUGS + (AttributeError,)) \
            and not (ra.exc is not None and ra.stmt < rb.stmt):
        return Result("harness_error", "torch_exc", f"stmt {rb.stmt}: {_exc_text(rb.exc)}")
    if ra.exc is not None and isinstance(ra.exc, _GENERATOR_BUGS):
        return Result("harness_error", "dygrad_exc", f"stmt {ra.stmt}: {_exc_text(ra.exc)}")
    sa = len(prog.stmts) if ra.exc is None else ra.stmt
    sb = len(prog.stmts) if rb.exc is None else rb.stmt
    if sa < sb:
        return Result("dygrad_crash", type(ra.exc).__name__,
                      f"stmt {sa} `{prog.stmts[sa].strip()[:120]}`: {_exc_text(ra.exc)}")
    if sb < sa:
        return Result("dygrad_no_raise", "",
                      f"stmt {sb} `{prog.stmts[sb].strip()[:120]}`: torch {_exc_text(rb.exc)}")
    if ra.exc is not None:
        soft = []
        if not isinstance(ra.exc, ERROR_FAMILY):
            soft.append("foreign_exc")
        elif not _same_family(ra.exc, rb.exc):
            soft.append("exc_type")
        if type(ra.exc).__module__.startswith("numpy"):
            soft.append("numpy_exc")      # a raw NumPy error leaked through dygrad
        return Result("both_raise", "", f"dygrad {_exc_text(ra.exc)} | torch {_exc_text(rb.exc)}",
                      soft)
    ta, tb = da.Tensor, tt.Tensor
    d = _compare_namespaces(ra, rb, ta, tb, prog.tol)
    if d:
        if d[0] == "access":
            return Result("dygrad_no_raise", "access", d[1])
        if d[0] == "access_crash":
            return Result("dygrad_crash", "access", d[1])
        return Result("mismatch", d[0], d[1])
    fa, fb = _flatten(ra.ns, ta), _flatten(rb.ns, tb)
    seed = prog.seed * 1000003 + prog.case
    try:
        _backward(tt, fb, tb, seed)
    except Exception as e:  # noqa: BLE001
        rb.bwd_exc = e
    try:
        _backward(da, fa, ta, seed)
    except Exception as e:  # noqa: BLE001
        ra.bwd_exc = e
    if (ra.bwd_exc is None) != (rb.bwd_exc is None):
        if ra.bwd_exc is not None:
            return Result("dygrad_crash", "backward", f"backward: {_exc_text(ra.bwd_exc)}")
        return Result("dygrad_no_raise", "backward", f"backward: torch {_exc_text(rb.bwd_exc)}")
    if ra.bwd_exc is not None:
        return Result("both_raise", "backward", f"backward: {_exc_text(rb.bwd_exc)}")
    d = _compare_grads(fa, fb, ta, tb, prog.tol)
    if d:
        return Result("mismatch", d[0], d[1])
    return Result("ok")


def _same_family(a, b):
    """True when dygrad's exception type is PyTorch's or one of its bases/subclasses."""
    return isinstance(a, type(b)) or isinstance(b, type(a))
