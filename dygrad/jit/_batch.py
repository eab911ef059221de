"""Batch-polymorphic saved programs: which constants of a saved trace follow the batch size.

A trace bakes its input shapes into its constants: a reshape's target `(2, 400)`, a
convolution's geometry `(2, 6, 14, 14)`, the shape a re-called op checks. `jit.save` re-traces
the model at two more batch sizes (the leading axis of the inputs; 1 is always among the three)
and compares the three programs as data. When they are the same program but for integers that
are a linear function of the batch size (`400`, `2` -> `N`, `2 * 400` -> `400 * N`), the file
keeps those integers as `a * N + c`; the loaded model substitutes the caller's batch size and
runs the program it gets, checked as any program read from a file. Any other difference (a
different kernel or number of steps, a float or an array that depends on the batch size, an
integer that is not linear in it) leaves the program at the traced shapes, and a call at another
batch size is refused with an error naming them; never a program guessed wrong.

As with PyTorch's tracer, Python control flow is frozen: a model that branches on its batch size
at sizes other than the three traced ones runs the traced branch, and a size it clamps above
the largest of them (`x[:8]` traced at 1, 2 and 4) is taken for the batch size.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype
from .._tensor import _wrap
from ..autograd.grad_mode import set_grad_enabled

AXIS = 0       # the axis that varies: the leading one of every input whose size is the batch's
_MAX_SIZES = 16  # programs kept per batch size by a loaded model


class NotPolymorphic(Exception):
    """Why a program stays at its traced shapes."""


def probe_sizes(b0):
    """The two batch sizes traced besides b0: 1 is always among the three (a batch of one is
    where broadcasting and squeeze() differ), and the largest is b0 + 3, so that a size the
    model clamps (`x[:3]`, min(N, 4)) shows as not linear unless the clamp is above it."""
    return (2, 4) if b0 == 1 else (1, b0 + 3)


def generalise(fn, key, data, plan_data):
    """The batch spec of a saved plan (`data`, made from the plan under `key` of the traced
    function `fn`), or raises NotPolymorphic. `plan_data(entry, key)` describes another plan in
    the same terms as `data` (same references for parameters and constants)."""
    from ._traced import TracedFunction, _EAGER
    inputs = data["inputs"]
    if not inputs or any(len(s) == 0 for s, _ in inputs):
        raise NotPolymorphic("it has no batch axis (an input with no dimensions, or no inputs)")
    b0 = inputs[0][0][AXIS]
    vary = [i for i, (s, _) in enumerate(inputs) if s[AXIS] == b0]
    if b0 < 1:
        raise NotPolymorphic("it was traced with an empty batch")
    flags = key[-1] if fn._flags is not None else None
    if flags is not None and flags != fn._flags():
        raise NotPolymorphic("the model was in the other mode (train/eval) when saved, and "
                             "jit.save re-traces the mode the model is in")
    arg_keys = key[2:-1] if flags is not None else key[2:]
    rng = np.random.default_rng(0)  # never the user's generator
    variants = [data]
    for b in probe_sizes(b0):
        args = []
        for i, (shape, dt, rg) in enumerate(arg_keys):
            shape = tuple(shape)
            if i in vary:
                shape = shape[:AXIS] + (b,) + shape[AXIS + 1:]
            if dt.kind == "f":
                a = rng.standard_normal(shape).astype(dt)
            else:
                a = np.zeros(shape, dt)  # index 0 is valid wherever indices are taken
            t = _wrap(a, False)
            if dt.kind == "f" and rg:
                t.requires_grad_(True)
            args.append(t)
        probe = TracedFunction(fn._fn, fn.__name__, fn._flags, on_eager="raise")
        saved_default = _dtype._default[0]
        _dtype._default[0] = key[1]
        try:
            with warnings.catch_warnings(), set_grad_enabled(key[0]):
                warnings.simplefilter("ignore")
                probe(*args)
        except Exception as e:  # the model refuses the batch size, or does not replay at it
            raise NotPolymorphic(f"tracing it at batch size {b} failed "
                                 f"({type(e).__name__}: {e})") from None
        finally:
            _dtype._default[0] = saved_default
        entry = next(iter(probe._plans.values()), _EAGER)
        if entry is _EAGER:
            raise NotPolymorphic(f"it does not replay at batch size {b}")
        variants.append(plan_data(entry, next(iter(probe._plans))))
    sizes = (b0,) + probe_sizes(b0)
    exprs = []
    _diff(variants, [], exprs, sizes, variants[0])
    return {"axis": AXIS, "inputs": vary, "sizes": sizes, "exprs": exprs}


def _same_float(x, y):
    return np.float64(x).tobytes() == np.float64(y).tobytes()


def _where(root, path):
    """A path into a program, for messages: `op 3 (linear), argument 1` or `inputs`."""
    if len(path) >= 2 and path[0] == "steps":
        text = f"op {path[1]} ({root['steps'][path[1]]['name']})"
        if len(path) >= 4 and path[2] == "args":
            text += f", argument {path[3]}"
        return text
    return str(path[0]) if path else "the program"


def _diff(vs, path, exprs, sizes, root):
    """Walks the variants of one program together; records the integers that follow the batch
    size as [path, a, c] (value = a * N + c) and raises NotPolymorphic on anything else."""
    x = vs[0]
    where = _where(root, path)
    if any(type(v) is not type(x) for v in vs):
        raise NotPolymorphic(f"its program differs in structure at other batch sizes ({where})")
    if type(x) is int:
        if all(v == x for v in vs):
            return
        (b0, b1, b2), (v0, v1, v2) = sizes, vs
        a, r = divmod(v1 - v0, b1 - b0)
        c = v0 - a * b0
        if len({np.sign(v) for v in vs}) != 1:
            raise NotPolymorphic(f"a constant of its program is {v0}, {v1}, {v2} at batch sizes "
                                 f"{b0}, {b1}, {b2} ({where}): it changes sign")
        if r or a * b2 + c != v2:
            raise NotPolymorphic(f"a constant of its program is {v0}, {v1}, {v2} at batch sizes "
                                 f"{b0}, {b1}, {b2} ({where}), not a multiple of the batch size")
        exprs.append([tuple(path), a, c])
    elif isinstance(x, (tuple, list)):
        if any(len(v) != len(x) for v in vs):
            raise NotPolymorphic(f"its program differs in length at other batch sizes ({where})")
        for i in range(len(x)):
            _diff([v[i] for v in vs], path + [i], exprs, sizes, root)
    elif isinstance(x, dict):
        if any(list(v) != list(x) for v in vs):
            raise NotPolymorphic(f"its program differs at other batch sizes ({where})")
        for k in x:
            if k != "batch":
                _diff([v[k] for v in vs], path + [k], exprs, sizes, root)
    elif isinstance(x, np.ndarray):
        if any(v.dtype != x.dtype or v.shape != x.shape or v.tobytes() != x.tobytes()
               for v in vs):
            raise NotPolymorphic(f"an array constant of its program depends on the batch size "
                                 f"({where})")
    elif isinstance(x, float):
        if not all(_same_float(v, x) for v in vs):
            raise NotPolymorphic(f"a number in its program depends on the batch size ({where})")
    elif isinstance(x, np.dtype) or isinstance(x, (str, bool, type(None))):
        if any(v != x for v in vs):
            raise NotPolymorphic(f"its program differs at other batch sizes ({where}: {x!r})")
    else:
        raise NotPolymorphic(f"its program holds a {type(x).__name__} at {where}")


# -- loading ------------------------------------------------------------------------------------
def read_spec(spec, n_inputs, fname, bad):
    """A file's batch spec, checked; None when the program has none."""
    if spec is None:
        return None
    try:
        vary = [int(i) for i in spec["inputs"]]
        sizes = tuple(int(b) for b in spec["sizes"])
        exprs = [(tuple(p), int(a), int(c)) for p, a, c in spec["exprs"]]
        ok = int(spec["axis"]) == AXIS and vary and all(0 <= i < n_inputs for i in vary) and \
            len(sizes) == 3 and all(b >= 1 for b in sizes) and \
            all(p and all(type(k) in (int, str) for k in p) for p, _, _ in exprs)
    except (KeyError, TypeError, ValueError) as e:
        raise bad(fname, f"batch spec ({type(e).__name__}: {e})") from None
    if not ok:
        raise bad(fname, "batch spec")
    return vary, sizes, exprs


def substitute(raw, exprs, n):
    """The plan data `raw` with each batch-dependent integer computed for batch size n; None
    when one would change sign (a size that turns empty or negative: not the traced program)."""
    out = raw
    for path, a, c in exprs:
        v = a * n + c
        old = _get(raw, path)
        if type(old) is not int or np.sign(v) != np.sign(old):
            return None
        out = _set(out, path, v)
    return out


def _get(x, path):
    for k in path:
        x = x[k]
    return x


def _set(x, path, v):
    """A copy of x with the item at path set to v (containers along the path copied)."""
    if not path:
        return v
    k, rest = path[0], path[1:]
    if isinstance(x, dict):
        y = dict(x)
        y[k] = _set(x[k], rest, v)
        return y
    y = list(x)
    y[k] = _set(x[k], rest, v)
    return tuple(y) if isinstance(x, tuple) else y


def batch_of(sig, vary):
    """The batch size a call's input signature asks for, or None."""
    shape = sig[vary[0]][0] if vary[0] < len(sig) else ()
    return shape[AXIS] if len(shape) > AXIS else None


def shown(inputs, vary):
    """The traced input shapes with the batch axis written N."""
    out = []
    for i, (s, dt) in enumerate(inputs):
        dims = [("N" if (i in vary and k == AXIS) else str(n)) for k, n in enumerate(s)]
        out.append(f"{dt.name}[{', '.join(dims)}]")
    return ", ".join(out)

