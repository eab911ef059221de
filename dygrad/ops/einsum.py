"""einsum (PyTorch's rules: implicit/explicit output, ellipsis, repeated subscripts, size-1
broadcasting, sublist format) and tensordot, which is written in terms of it.

The forward pass runs np.einsum. Each operand's gradient is itself an einsum of the output
gradient with the other operands, computed by the same op, so gradients are differentiable.
Before the core op, every operand is normalised with differentiable steps: size-1 dims that
broadcast are dropped and repeated subscripts (diagonals) are taken, so the core only ever sees
distinct subscripts per operand.
"""
import string

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ._record import record
from ..autograd.node import Node
from . import _bw
from ._reduce_util import finish, scalar_type_name
from ._registry import op
from ..amp._state import STATE as _AC, cast as _autocast

_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _parse_term(term, where):
    """List of subscripts ('...' kept as one item) of one operand or of the output."""
    out, i = [], 0
    while i < len(term):
        c = term[i]
        if term.startswith("...", i):
            if "..." in out:
                raise RuntimeError(f"einsum(): found more than one ellipsis in {where}")
            out.append("...")
            i += 3
            continue
        if c not in _LETTERS:
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in {where}: "
                               f"{c!r}; subscripts must be in [a-zA-Z]")
        out.append(c)
        i += 1
    return out


def _parse(equation, arrays):
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = [_parse_term(t, f"operand {k} of the equation") for k, t in enumerate(lhs.split(","))]
    if len(terms) > len(arrays):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(arrays):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    used = {c for t in terms for c in t} | set(rhs)
    free = [c for c in _LETTERS if c not in used]
    n_ell = 0
    for k, (t, a) in enumerate(zip(terms, arrays)):
        n = len(t) - ("..." in t)
        if "..." in t:
            if n > a.ndim:
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({n}) is more than the "
                    f"number of dimensions ({a.ndim}) for operand {k}")
            n_ell = max(n_ell, a.ndim - n)
        elif n != a.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({n}) does not match the "
                f"number of dimensions ({a.ndim}) for operand {k} and no ellipsis was given")
    ell = free[:n_ell]
    full = []
    for t, a in zip(terms, arrays):
        if "..." in t:
            e = a.ndim - (len(t) - 1)
            i = t.index("...")
            t = t[:i] + ell[n_ell - e:] + t[i + 1:]
        full.append(t)
    if arrow:
        out = _parse_term(rhs, "the output")
        if "..." in out:
            i = out.index("...")
            out = out[:i] + ell + out[i + 1:]
        seen = set()
        for c in out:
            if c in seen:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if not any(c in t for t in full):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   "equation for any input operand")
            seen.add(c)
    else:
        counts = {}
        for t in full:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = ell + sorted(c for c, n in counts.items() if n == 1 and c not in ell)
    return full, out


def _sizes(terms, arrays):
    sizes = {}
    for k, (t, a) in enumerate(zip(terms, arrays)):
        mine = {}
        for c, n in zip(t, a.shape):
            if c in mine and mine[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but the "
                                   f"sizes don't match, {n} != {mine[c]}")
            mine[c] = n
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = n
            elif n != 1 and n != prev:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which "
                                   f"does not broadcast with previously seen size {prev}")
    return sizes


# ---------------------------------------------------------------------------------------------
# diagonal extraction and its adjoint, used for repeated subscripts
class EinsumDiagBackward(Node):
    __slots__ = ("spec", "shape")

    def backward(self, g):
        return _embed(g, self.spec, self.shape)


class EinsumEmbedBackward(Node):
    __slots__ = ("spec",)

    def backward(self, g):
        return _diag(g, self.spec)


def _diag(x, spec):
    d = x._data if isinstance(x, Tensor) else x
    out = np.einsum(spec, d).copy()
    if not isinstance(x, Tensor):
        return out
    t, node = finish(out, x, EinsumDiagBackward)
    if node is not None:
        node.spec, node.shape = spec, d.shape
    return t


def _embed(g, spec, shape):
    d = g._data if isinstance(g, Tensor) else g
    out = np.zeros(shape, d.dtype)
    np.einsum(spec, out)[...] = d  # a writable view of the diagonal
    if not isinstance(g, Tensor):
        return out
    t, node = finish(out, g, EinsumEmbedBackward)
    if node is not None:
        node.spec = spec
    return t


# ---------------------------------------------------------------------------------------------
# the core: distinct subscripts within each operand, sizes already consistent
class EinsumBackward0(Node):
    __slots__ = ("terms", "out", "shapes")

    def backward(self, g, *ops):
        grads = []
        for k, (nf, _) in enumerate(self.next_functions):
            if nf is None:
                grads.append(None)
                continue
            others = [j for j in range(len(ops)) if j != k]
            avail = set(self.out).union(*(self.terms[j] for j in others))
            target = self.terms[k]
            kept = [c for c in target if c in avail]
            gk = _core([self.out] + [self.terms[j] for j in others], kept,
                       [g] + [ops[j] for j in others])
            if len(kept) < len(target):  # subscripts summed within this operand only
                shape = self.shapes[k]
                gk = _bw.reshape(gk, tuple(n if c in avail else 1 for c, n in zip(target, shape)))
                gk = _bw.expand(gk, shape)
            grads.append(gk)
        return tuple(grads)


def _core(terms, out, ops):
    """einsum of arrays (NumPy result) or, if any operand is a Tensor, a recorded Tensor op."""
    spec = ",".join("".join(t) for t in terms) + "->" + "".join(out)
    if not any(isinstance(o, Tensor) for o in ops):
        return _np_einsum(spec, ops)
    ts = [o if isinstance(o, Tensor) else _wrap(np.asarray(o)) for o in ops]
    res = _np_einsum(spec, [t._data for t in ts])
    r, node = record(res, EinsumBackward0, ts)
    if node is not None:
        node.terms, node.out, node.shapes = terms, out, [t._data.shape for t in ts]
        node.save(*ts)
    return r


def _np_einsum(spec, arrays):
    dt = arrays[0].dtype
    if dt == np.float16 or dt.kind == "V":  # float16/bfloat16 accumulate in float32
        arrays = [a.astype(np.float32) for a in arrays]
    res = np.asarray(np.einsum(spec, *arrays, optimize=len(arrays) > 1))
    if len(arrays) == 1 and np.may_share_memory(res, arrays[0]):
        res = res.copy()  # a pure transpose/diagonal comes back as a view; results never alias
    return res.astype(dt, copy=False) if res.dtype != dt else res


def _normalise(t, x, sizes):
    """Drops broadcast size-1 dims and takes diagonals of repeated subscripts."""
    shape = x._data.shape
    drop = [i for i, (c, n) in enumerate(zip(t, shape)) if n == 1 and sizes[c] != 1]
    if drop:
        t = [c for i, c in enumerate(t) if i not in drop]
        x = x.reshape(tuple(n for i, n in enumerate(shape) if i not in drop))
    if len(set(t)) < len(t):
        uniq = list(dict.fromkeys(t))
        x = _diag(x, "".join(t) + "->" + "".join(uniq))
        t = uniq
    return t, x


def _sublist(args):
    """einsum(op0, sublist0, op1, sublist1, ..., [out]) -> (equation, operands)."""
    ops, terms = [], []
    args = list(args)
    while len(args) >= 2:
        ops.append(args.pop(0))
        terms.append(args.pop(0))

    def letters(sub):
        return "".join("..." if s is Ellipsis else _LETTERS[s] for s in sub)

    eq = ",".join(letters(t) for t in terms)
    if args:
        eq += "->" + letters(args[0])
    return eq, ops


_I64 = np.dtype(np.int64)


@op(method=False, tensor_first=None,
    summary="Sums products of the operands' elements over the subscripts an equation names "
            "(\"ij,jk->ik\" is a matrix product), or in sublist format.",
    example='"ij,jk->ik", torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0], [4.0]])')
def einsum(*args):
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand")
    if isinstance(args[0], str):
        equation, ops = args[0], list(args[1:])
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = list(ops[0])
    else:
        equation, ops = _sublist(args)
    if _AC.on:  # autocast region: PyTorch's CPU policy runs einsum in the low precision
        ops = list(_autocast("einsum", *ops))
    for k, o in enumerate(ops):
        if not isinstance(o, Tensor):
            raise TypeError(f"einsum(): operand {k} must be a Tensor, not {type(o).__name__}")
    terms, out = _parse(equation, [o._data for o in ops])
    sizes = _sizes(terms, [o._data for o in ops])
    dt = ops[0]._data.dtype
    if dt.kind not in "fV" or any(o._data.dtype != dt for o in ops):  # one float dtype: unchanged
        dt = _result_dtype(terms, out, [o._data for o in ops])
    norm = [_normalise(t, o, sizes) for t, o in zip(terms, ops)]
    if any(o._data.dtype != dt for o in ops):
        # as PyTorch: subscripts of one operand alone are summed in its own dtype first, then
        # the operands meet in the result dtype
        norm = _sum_alone(norm, out) if len(norm) > 1 else norm
        norm = [(t, o if o._data.dtype == dt else o.to(_dtype.from_numpy_dtype(dt)))
                for t, o in norm]
    return _core([t for t, _ in norm], out, [o for _, o in norm])


def _sum_alone(norm, out):
    res = []
    for k, (t, o) in enumerate(norm):
        others = set(out).union(*(u for j, (u, _) in enumerate(norm) if j != k))
        alone = tuple(i for i, c in enumerate(t) if c not in others and o.shape[i] != 1)
        if alone:
            o = o.sum(alone)
            t = [c for i, c in enumerate(t) if i not in alone]
        res.append((t, o))
    return res


def _sum_dtype(dt):
    return _I64 if dt.kind in "biu" else dt


def _result_dtype(terms, out, arrays):
    """The dtype PyTorch's einsum gives, or its error. It combines operands left to right: a
    subscript summed out of one operand alone goes through sum() (int/bool widen to int64);
    a pair with no subscript left to contract is a broadcast mul (dtypes promote); a pair that
    contracts goes through bmm (dtypes must match, no bool kernel unless nothing to compute)."""
    keep = set(out)
    dims = [dict(zip(t, a.shape)) for t, a in zip(terms, arrays)]
    if len(arrays) == 1:
        dt = arrays[0].dtype
        return _sum_dtype(dt) if set(terms[0]) - keep else dt
    # per contracted subscript: how many operands still hold it with a size other than 1
    count = {}
    for d in dims:
        for c, n in d.items():
            if c not in keep and n != 1:
                count[c] = count.get(c, 0) + 1
    da, left = arrays[0].dtype, dict(dims[0])
    for k in range(1, len(arrays)):
        db, right = arrays[k].dtype, dims[k]
        sum_a = sum_b = contract = False
        for c in count:
            na, nb = left.get(c, 1), right.get(c, 1)
            if na != 1 and nb != 1:
                count[c] -= 1
                if count[c] == 1:
                    contract, count[c] = True, 0
            elif count[c] == 1 and (na != 1 or nb != 1):
                sum_a, sum_b = sum_a or na != 1, sum_b or nb != 1
                count[c] = 0
        if sum_a:
            da = _sum_dtype(da)
        if sum_b:
            db = _sum_dtype(db)
        if not contract:
            da = _dtype._promote_np(da, db)
        elif da.kind == "b" and all(n for n in {**left, **right}.values()):
            raise NotImplementedError("\"bmm\" not implemented for 'Bool'")
        elif da != db:
            raise RuntimeError(f"expected scalar type {scalar_type_name(da)} but found "
                               f"{scalar_type_name(db)}")
        for c, n in right.items():
            if left.get(c, 1) == 1:
                left[c] = n
    return da


@op(out_dtype="same", method=False, out=True,
    summary="Contracts dims of a with dims of b: the last `dims` of a with the first of b, or "
            "the two lists of dims given.",
    example="torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[1.0, 0.0], [0.0, 2.0]]), 1")
def tensordot(a, b, dims=2):
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        a, b = _autocast('tensordot', a, b)
    na, nb = a._data.ndim, b._data.ndim
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"tensordot: both inputs should have same dtype, got "
                           f"{scalar_type_name(a._data.dtype)} and {scalar_type_name(b._data.dtype)}")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(na, nb):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(-dims, 0)), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
    if len(da) != len(db):
        raise RuntimeError(f"both dimension lists should have same length (got {da} and {db})")
    for dl, n in ((da, na), (db, nb)):
        seen = set()
        for i in dl:
            w = i + n if -n <= i < 0 else i
            if w in seen:
                raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
            seen.add(w)
    la, lb = list(_LETTERS[:na]), list(_LETTERS[na:na + nb])
    for i, j in zip(da, db):
        sa, sb = a._data.shape[i], b._data.shape[j]
        if sa != sb:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {sa} in "
                               f"dim {i} and second has size {sb} in dim {j}")
        lb[j] = la[i]
    contracted = {la[i] for i in da}
    out = [c for c in la if c not in contracted] + [c for c in lb if c not in contracted]
    res = einsum("".join(la) + "," + "".join(lb) + "->" + "".join(out), a, b)
    if res._data.dtype.kind == "b" and res._data.size and \
            all(a._data.shape[i] for i in da):  # PyTorch runs it as one mm: no bool kernel
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    return res
