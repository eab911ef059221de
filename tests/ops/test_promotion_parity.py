"""Type-promotion parity grid: binary ops x operand kinds on either side, dygrad vs PyTorch.

Operand kinds: a 1-d tensor and a 0-dim tensor of every dtype, and Python bools, ints (small,
out of int8/uint8 range, beyond int64) and floats (incl. inf/nan). For every pair the two
libraries must agree on whether the op raises, on the result dtype and shape, and on the values:
exactly for integers and bools, to 1 ulp for floats (so a Python float routed through a float32
copy on its way into a float64 op is caught).
"""
import operator

import numpy as np
import pytest

import dygrad

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
# values that exercise wrap-around and sign: 200 in uint8, 100 in int8 (times 3 overflows)...
VALS = {"bool": [True, False, True], "uint8": [3, 200, 1], "int8": [3, -7, 100],
        "int16": [3, -7, 1000], "int32": [3, -7, 70000], "int64": [3, -7, 2**40 + 1],
        "float16": [0.1, -2.5, 3.0], "float32": [0.1, -2.5, 3.0], "float64": [0.1, -2.5, 3.0]}
ZVALS = {"bool": True, "uint8": 250, "int8": -100, "int16": 3, "int32": -7, "int64": 2**33 + 3,
         "float16": 0.3, "float32": 0.1, "float64": 0.1}
SCALARS = [True, False, 0, 2, -3, 300, 2**40, 2**63, 2**64, -2**63 - 1, 0.1, -2.5, 1e10,
           float("inf"), float("nan")]


def _kinds():
    out = [(f"t_{d}", lambda L, d=d: L.tensor(VALS[d], dtype=getattr(L, d))) for d in DTYPES]
    out += [(f"z_{d}", lambda L, d=d: L.tensor(ZVALS[d], dtype=getattr(L, d))) for d in DTYPES]
    out += [(f"s_{s!r}", lambda L, s=s: s) for s in SCALARS]
    return out


KINDS = _kinds()


def _mismatch(r1, r2):
    """None when dygrad's result r2 matches torch's r1, else a description."""
    if not isinstance(r1, torch.Tensor):
        same = r1 == r2 or (r1 != r1 and r2 != r2)
        return None if same else f"{r1!r} vs {r2!r}"
    if not isinstance(r2, dygrad.Tensor):
        return f"type {type(r2).__name__}"
    if str(r1.dtype) != str(r2.dtype):
        return f"dtype {r1.dtype} vs {r2.dtype}"
    a, b = r1.detach().numpy(), r2.detach().numpy()
    if a.shape != b.shape:
        return f"shape {a.shape} vs {b.shape}"
    if a.dtype.kind in "biu":
        return None if np.array_equal(a, b) else f"values {a.tolist()} vs {b.tolist()}"
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        return f"nan {a.tolist()} vs {b.tolist()}"
    ok = ~np.isnan(a)
    x, y = a[ok].astype(np.float64), b[ok].astype(np.float64)
    inf = np.isinf(x) | np.isinf(y)
    if not np.array_equal(x[inf], y[inf]):
        return f"inf {a.tolist()} vs {b.tolist()}"
    x, y = x[~inf], y[~inf]
    ulp = np.spacing(np.abs(x).astype(a.dtype)).astype(np.float64)
    return None if np.all(np.abs(x - y) <= ulp) else f"values {a.tolist()} vs {b.tolist()}"


def _grid(fn, scalar_left=True):
    bad = []
    for ka, ma in KINDS:
        for kb, mb in KINDS:
            if ka[0] == "s" and (kb[0] == "s" or not scalar_left):
                continue
            try:
                r1, e1 = fn(torch, ma(torch), mb(torch)), None
            except Exception as e:  # noqa: BLE001 - any torch error is the expected behaviour
                r1, e1 = None, e
            try:
                r2, e2 = fn(dygrad, ma(dygrad), mb(dygrad)), None
            except Exception as e:  # noqa: BLE001
                r2, e2 = None, e
            if (e1 is None) != (e2 is None):
                bad.append(f"{ka} {kb}: torch {'raises ' + repr(e1)[:90] if e1 else 'ok'}, "
                           f"dygrad {'raises ' + repr(e2)[:90] if e2 else 'ok'}")
            elif e1 is None:
                why = _mismatch(r1, r2)
                if why:
                    bad.append(f"{ka} {kb}: {why}")
    return bad


def _fn(name):
    return lambda L, x, y: getattr(L, name)(x, y)


def _op(f):
    return lambda L, x, y: f(x, y)


# torch.* functions that take a Python scalar on either side, and the Python operators
BINARY = {
    "add": _fn("add"), "sub": _fn("sub"), "mul": _fn("mul"), "div": _fn("div"),
    "true_divide": _fn("true_divide"), "floor_divide": _fn("floor_divide"),
    "remainder": _fn("remainder"), "pow": _fn("pow"), "bitwise_and": _fn("bitwise_and"),
    "bitwise_or": _fn("bitwise_or"), "bitwise_xor": _fn("bitwise_xor"),
    "+": _op(operator.add), "-": _op(operator.sub), "*": _op(operator.mul),
    "/": _op(operator.truediv), "//": _op(operator.floordiv), "%": _op(operator.mod),
    "**": _op(operator.pow), "&": _op(operator.and_), "|": _op(operator.or_),
    "^": _op(operator.xor), "==": _op(operator.eq), "!=": _op(operator.ne),
    "<": _op(operator.lt), "<=": _op(operator.le), ">": _op(operator.gt), ">=": _op(operator.ge),
    "add(alpha=2)": lambda L, x, y: L.add(x, y, alpha=2),
    "sub(alpha=2)": lambda L, x, y: L.sub(x, y, alpha=2),
    "add(alpha=-300)": lambda L, x, y: L.add(x, y, alpha=-300),
    "add(alpha=0.5)": lambda L, x, y: L.add(x, y, alpha=0.5),
    "div(floor)": lambda L, x, y: L.div(x, y, rounding_mode="floor"),
    "div(trunc)": lambda L, x, y: L.div(x, y, rounding_mode="trunc"),
}
# ops whose first argument must be a tensor (in torch too)
TENSOR_FIRST = {
    "fmod": _fn("fmod"), "eq": _fn("eq"), "ne": _fn("ne"), "lt": _fn("lt"), "ge": _fn("ge"),
    "copysign": _fn("copysign"), "xlogy": _fn("xlogy"), "float_power": _fn("float_power"),
}

# float16 tensors against wider float operands: PyTorch's kernels compute half in float32 and
# read a CPU scalar at that precision in some ops (floor_divide, div(trunc)) but not in others;
# dygrad casts the scalar to float16 first, as most of PyTorch's kernels do
_HALF_OPMATH = {"floor_divide", "//", "div(floor)", "div(trunc)"}


def _known(op, line):
    if op in _HALF_OPMATH and ("t_float16 " in line or "z_float16" in line):
        return True
    return False


@pytest.mark.parametrize("op", list(BINARY))
def test_binary_promotion_grid_matches_torch(op):
    bad = [b for b in _grid(BINARY[op]) if not _known(op, b)]
    assert not bad, f"{op}: {len(bad)} mismatches\n" + "\n".join(bad[:40])


@pytest.mark.parametrize("op", list(TENSOR_FIRST))
def test_tensor_first_promotion_grid_matches_torch(op):
    bad = [b for b in _grid(TENSOR_FIRST[op], scalar_left=False) if not _known(op, b)]
    assert not bad, f"{op}: {len(bad)} mismatches\n" + "\n".join(bad[:40])


def _int_mat(L, d, shape=(2, 3)):
    a = np.arange(int(np.prod(shape))).reshape(shape) % 5 - 2
    if d == "uint8":
        a = (a + 2) * 60
    return L.tensor(a.tolist(), dtype=getattr(L, d))


# integer tensors with float or out-of-range alpha/beta/value, reduction dtypes, einsum
INT_OPS = {
    "sum(dtype=same)": lambda L, d: _int_mat(L, d).sum(dtype=getattr(L, d)),
    "sum(1, dtype=same)": lambda L, d: _int_mat(L, d).sum(1, dtype=getattr(L, d)),
    "cumsum(dtype=bool)": lambda L, d: _int_mat(L, d).cumsum(1, dtype=L.bool),
    "einsum(ij->j)": lambda L, d: L.einsum("ij->j", _int_mat(L, d)),
    "einsum(ij->ji)": lambda L, d: L.einsum("ij->ji", _int_mat(L, d)),
    "addmm(alpha=1.9, beta=2.5)": lambda L, d: L.addmm(
        _int_mat(L, d, (2, 2)), _int_mat(L, d), _int_mat(L, d, (3, 2)), alpha=1.9, beta=2.5),
    "addmm(alpha=300)": lambda L, d: L.addmm(
        _int_mat(L, d, (2, 2)), _int_mat(L, d), _int_mat(L, d, (3, 2)), alpha=300),
    "addmv(alpha=0.5, beta=1.5)": lambda L, d: L.addmv(
        _int_mat(L, d, (2,)), _int_mat(L, d), _int_mat(L, d, (3,)), alpha=0.5, beta=1.5),
    "index_add(alpha=1.5)": lambda L, d: L.index_add(
        _int_mat(L, d), 0, L.tensor([1, 0]), _int_mat(L, d), alpha=1.5),
    "addcmul(value=-1.5)": lambda L, d: L.addcmul(
        _int_mat(L, d), _int_mat(L, d), _int_mat(L, d), value=-1.5),
    "addcmul(value=300)": lambda L, d: L.addcmul(
        _int_mat(L, d), _int_mat(L, d), _int_mat(L, d), value=300),
    "addcmul(int16, uint8, uint8)": lambda L, d: L.addcmul(
        _int_mat(L, "int16"), _int_mat(L, d), _int_mat(L, d)),
    "addcdiv(float64, float32 / float32)": lambda L, d: L.addcdiv(
        _int_mat(L, d).double(), _int_mat(L, d).float(), _int_mat(L, d).float() + 7, value=2),
}


@pytest.mark.parametrize("op", list(INT_OPS))
@pytest.mark.parametrize("d", ["bool", "uint8", "int8", "int16", "int32", "int64"])
def test_integer_ops_match_torch(op, d):
    fn = INT_OPS[op]
    try:
        r1, e1 = fn(torch, d), None
    except Exception as e:  # noqa: BLE001
        r1, e1 = None, e
    if e1 is not None:
        with pytest.raises(Exception):
            fn(dygrad, d)
        return
    why = _mismatch(r1, fn(dygrad, d))
    assert why is None, why


def test_python_scalar_left_keeps_double_precision_and_int_dtype():
    x = dygrad.tensor([0.3, 1e-3], dtype=dygrad.float64)
    assert (0.1 - x).tolist() == (0.1 - torch.tensor([0.3, 1e-3], dtype=torch.float64)).tolist()
    assert (2 - dygrad.ones(2, dtype=dygrad.int16)).dtype == dygrad.int16
    assert dygrad.add(3, x).tolist() == (x + 3).tolist()
    assert (dygrad.ones(2, dtype=dygrad.uint8) + 300).tolist() == [45, 45]  # wraps, as torch
    with pytest.raises(RuntimeError, match="without overflow"):
        dygrad.add(dygrad.ones(2, dtype=dygrad.uint8), 1, alpha=300)
    with pytest.raises(OverflowError):
        dygrad.ones(2) + 2**64
