"""Shared program builder: seeded choices and source text for inputs, scalars and shapes.

Every random decision goes through `Gen.r` (a `random.Random` seeded from seed, family and case),
and every input array is drawn at run time from `rng = np.random.default_rng(<n>)` written into
the program, so the text alone reproduces the case on either library.
"""
import random

FLOATS = ("float32", "float64")
INTS = ("int32", "int64")
DTYPES = ("bool", "int32", "int64", "float32", "float64")
# Drawn rarely: the dtypes PyTorch supports with fewer ops.
RARE_DTYPES = ("uint8", "int8", "int16", "float16")
SPECIALS = "[np.nan, np.inf, -np.inf, -0.0, 0.0]"


class _OnUse(dict):
    """Template fields; a callable one is called each time the template uses it."""

    def __getitem__(self, key):
        value = dict.__getitem__(self, key)
        return value() if callable(value) else value


class Gen:
    def __init__(self, family, seed, case):
        self.r = random.Random(f"{seed}:{family}:{case}")
        self.stmts = [f"rng = np.random.default_rng({self.r.getrandbits(31)})"]
        self.tags = set()
        self.tol = 1.0
        self._n = 0

    # -- bookkeeping ----------------------------------------------------------------------
    def emit(self, line):
        self.stmts.append(line)

    def emit_maybe_no_grad(self, stmt, p, tag):
        """Emit `stmt`, with probability `p` inside `with torch.no_grad():` (then tagged `tag`)."""
        if self.chance(p):
            self.tag(tag)
            stmt = "with torch.no_grad():\n    " + stmt
        self.emit(stmt)

    def fill(self, template, **fields):
        """template.format(**fields), where a callable field (a draw) is called where the
        template uses it, in order, so a draw is made only when and as often as it is used."""
        return template.format_map(_OnUse(fields))

    def tag(self, *tags):
        self.tags.update(tags)

    def fresh(self, prefix="t"):
        self._n += 1
        return f"{prefix}{self._n}"

    def chance(self, p):
        return self.r.random() < p

    def pick(self, seq):
        return self.r.choice(seq)

    # -- shapes ---------------------------------------------------------------------------
    def shape(self, min_dims=0, max_dims=3, max_size=4, empty=0.04):
        nd = self.r.randint(min_dims, max_dims)
        lo = 0 if self.chance(empty) else 1
        return tuple(self.r.randint(lo, max_size) for _ in range(nd))

    def broadcast_partner(self, shape, bad=0.03):
        """A shape that broadcasts with `shape` (or, rarely, one that does not)."""
        nd = len(shape)
        k = self.r.randint(0, nd)
        out = [1 if self.chance(0.3) else s for s in shape[nd - k:]]
        if self.chance(0.15):
            out = [self.r.randint(1, 3)] + out if len(out) == nd else out
        if bad and self.chance(bad) and out:
            i = self.r.randrange(len(out))
            out[i] = out[i] + 2
        return tuple(out)

    def dtype(self, choices=DTYPES, rare=0.05):
        if rare and self.chance(rare):
            return self.pick(RARE_DTYPES)
        return self.pick(choices)

    # -- inputs ---------------------------------------------------------------------------
    def array_expr(self, dtype, shape, special=0.08, low=-5, high=6):
        """NumPy expression text drawing an array of `dtype` and `shape` from `rng`."""
        s = repr(tuple(shape))
        if dtype == "bool":
            return f"rng.random({s}) < 0.5"
        if dtype in ("uint8",):
            return f"rng.integers(0, 10, {s}).astype('{dtype}')"
        if dtype.startswith("int"):
            return f"rng.integers({low}, {high}, {s}).astype('{dtype}')"
        if special and self.chance(special):
            self.tag("nonfinite")
            return (f"np.where(rng.random({s}) < 0.3, rng.choice({SPECIALS}, {s}), "
                    f"rng.standard_normal({s})).astype('{dtype}')")
        return f"rng.standard_normal({s}).astype('{dtype}')"

    def tensor(self, dtype=None, shape=None, grad=None, special=0.08, name=None, nonleaf=0.15,
               low=-5, high=6):
        """Emit `name = torch.tensor(...)`; floats require grad with probability 0.6."""
        dtype = dtype or self.dtype()
        shape = self.shape() if shape is None else shape
        name = name or self.fresh()
        is_float = dtype.startswith("float")
        if grad is None:
            grad = is_float and dtype != "float16" and self.chance(0.6)
        expr = f"torch.tensor({self.array_expr(dtype, shape, special, low, high)}"
        expr += ", requires_grad=True)" if grad else ")"
        if grad and self.chance(nonleaf):
            # A non-leaf input: the leaf stays in the namespace so its grad is compared.
            self.emit(f"{name}_leaf = {expr}")
            expr = f"{name}_leaf * 1"
            self.tag("nonleaf_input")
        self.emit(f"{name} = {expr}")
        return name

    def scalar(self, kind=None):
        """Python scalar literal text: int, float (maybe special) or bool."""
        kind = kind or self.pick(("int", "float", "bool"))
        self.tag("pyscalar")
        if kind == "int":
            return repr(self.r.randint(-4, 5))
        if kind == "bool":
            return repr(self.chance(0.5))
        if self.chance(0.05):
            self.tag("nonfinite")
            return self.pick(("float('nan')", "float('inf')", "-float('inf')", "-0.0"))
        return repr(round(self.r.uniform(-3, 3), self.r.randint(0, 3)))

    def dim(self, ndim, bad=0.03):
        """A valid (possibly negative) dimension index for `ndim` dims, rarely out of range."""
        n = max(ndim, 1)
        if self.chance(bad):
            return n + self.r.randint(0, 2)
        d = self.r.randrange(n)
        return d - n if self.chance(0.3) else d

    def program(self, family, seed, case):
        from .core import Program
        return Program(family, seed, case, self.stmts, frozenset(self.tags), self.tol)
