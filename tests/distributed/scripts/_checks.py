"""Named checks inside a rank script. A mismatch is recorded, never raised: raising would skip
the rest of a check on one rank only and leave the other ranks waiting in a collective. Any
other error ends the whole job (mpi4py aborts it), with its traceback on stderr."""
import json
import os
import traceback

import numpy as np

_current = []


class Checks:
    def __init__(self, out_dir, rank):
        self.path = os.path.join(out_dir, f"rank{rank}.json")
        self.results = {}

    def __call__(self, name):
        return _Check(self, name)

    def save(self):
        with open(self.path, "w") as f:
            json.dump(self.results, f, indent=1)


class _Check:
    def __init__(self, owner, name):
        self.owner, self.name = owner, name

    def __enter__(self):
        _current[:] = []
        return self

    def __exit__(self, kind, exc, tb):
        if kind is not None:
            return False
        self.owner.results[self.name] = "\n".join(_current) if _current else "ok"
        return False


def expect(cond, msg="expectation failed"):
    if not cond:
        where = traceback.extract_stack(limit=2)[0]
        _current.append(f"line {where.lineno}: {msg}")


def same(got, want, rtol=1e-6, atol=0.0):
    """got (a Tensor or array) equals want: dtype, shape and values (floats within rtol)."""
    g = got.detach().numpy() if hasattr(got, "detach") else np.asarray(got)
    where = traceback.extract_stack(limit=2)[0]
    if g.dtype != want.dtype or g.shape != want.shape:
        _current.append(f"line {where.lineno}: got {g.dtype}{g.shape}, "
                        f"want {want.dtype}{want.shape}")
        return
    ok = (np.allclose(g, want, rtol=rtol, atol=atol, equal_nan=True) if want.dtype.kind == "f"
          else np.array_equal(g, want))
    if not ok:
        _current.append(f"line {where.lineno}: values differ\n got {g!r}\nwant {want!r}")


def raises(fn, exc, fragment):
    try:
        fn()
    except exc as e:
        expect(fragment in str(e), f"{exc.__name__} without {fragment!r}: {e}")
    else:
        expect(False, f"no {exc.__name__} ({fragment!r})")
