"""Tensor repr/str in PyTorch's layout, character for character.

The rules (checked against PyTorch by tests/test_repr.py):
- One formatter per tensor, built from the values that are shown (the edge items when the tensor
  has more than `threshold` elements); every element is right-aligned to the widest one.
- Floats: if every finite nonzero value is an integer they print as "3." ("int mode"); scientific
  notation is chosen when max/min of the finite nonzero magnitudes exceeds 1000, the max exceeds
  1e8, or (outside int mode) the min is below 1e-4; `sci_mode` overrides that choice.
- 1-d rows wrap so that each line holds floor((linewidth - indent) / (width + 2)) elements.
- dtype is named unless it is the default float dtype, int64 or bool (always named for empty
  tensors other than the default dtype); suffixes wrap to a new line past `linewidth`.
"""
import contextlib
import math

import numpy as np

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "PRINT_OPTS"]


class _PrintOptions:
    """The current options, as attributes (torch._tensor_str.PRINT_OPTS)."""

    def __init__(self):
        self.precision = 4
        self.threshold = 1000
        self.edgeitems = 3
        self.linewidth = 80
        self.sci_mode = None


PRINT_OPTS = _PrintOptions()
_NAMES = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """Like torch.set_printoptions: a profile resets the four sizes, explicit values override it,
    and sci_mode is always set (None restores the automatic choice)."""
    if profile is not None:
        try:
            vars(PRINT_OPTS).update(_PROFILES[profile])
        except KeyError:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}; expected one of "
                             f"{sorted(_PROFILES)}") from None
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            setattr(PRINT_OPTS, k, v)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current print options as a dict (a copy)."""
    return {k: getattr(PRINT_OPTS, k) for k in _NAMES}


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager: set_printoptions(**kwargs) inside, the previous options restored after."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        vars(PRINT_OPTS).update(saved)


class _Formatter:
    """Chooses the notation and the common width for a set of values (a flat ndarray)."""

    def __init__(self, flat):
        self.floating = flat.dtype.kind in "fV"
        self.int_mode = True
        self.sci = False
        self.width = 1
        self.precision = PRINT_OPTS.precision
        if not self.floating:
            if flat.size:
                self.width = max(len(str(v)) for v in flat.tolist())
            return
        vals = flat.astype(np.float64)
        shown = vals[np.isfinite(vals) & (vals != 0)]
        if shown.size == 0:  # only zeros, nan and inf: PyTorch ignores sci_mode here
            return
        mags = np.abs(shown)
        mx, mn = mags.max(), mags.min()
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        big_ratio = mx / mn > 1000.0 or mx > 1.0e8
        self.sci = big_ratio if self.int_mode else (big_ratio or mn < 1.0e-4)
        if PRINT_OPTS.sci_mode is not None:
            self.sci = PRINT_OPTS.sci_mode
        p = self.precision
        if self.sci:
            self.width = max(len(f"{v:.{p}e}") for v in shown.tolist())
        elif self.int_mode:
            self.width = max(len(f"{v:.0f}") for v in shown.tolist()) + 1
        else:
            self.width = max(len(f"{v:.{p}f}") for v in shown.tolist())

    def format(self, v):
        if not self.floating:
            s = str(v)
        elif self.sci:
            s = f"{v:.{self.precision}e}"
        elif self.int_mode:
            s = f"{v:.0f}"
            if math.isfinite(v):
                s += "."
        else:
            s = f"{v:.{self.precision}f}"
        return s.rjust(self.width)


def _summarized(d, edge):
    """The values that will be shown: the first and last `edge` entries along every long dim."""
    if d.ndim == 0:
        return d
    if d.ndim == 1:
        return np.concatenate((d[:edge], d[d.shape[0] - edge:])) if d.shape[0] > 2 * edge else d
    if not edge:
        return d[(slice(0, 0),) * d.ndim]
    rows = list(range(edge)) + list(range(d.shape[0] - edge, d.shape[0])) \
        if d.shape[0] > 2 * edge else range(d.shape[0])
    return np.stack([_summarized(d[i], edge) for i in rows])


def _vector(d, indent, summarize, fmt, edge):
    per_line = max(1, (PRINT_OPTS.linewidth - indent) // (fmt.width + 2))
    if summarize and not edge:
        items = ["..."]
    elif summarize and d.shape[0] > 2 * edge:
        items = [fmt.format(v) for v in d[:edge].tolist()] + [" ..."] + \
            [fmt.format(v) for v in d[d.shape[0] - edge:].tolist()]
    else:
        items = [fmt.format(v) for v in d.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(d, indent, summarize, fmt, edge):
    if d.ndim == 0:
        return fmt.format(d.item())
    if d.ndim == 1:
        return _vector(d, indent, summarize, fmt, edge)
    n = d.shape[0]
    if summarize and n > 2 * edge:
        parts = [_nested(d[i], indent + 1, summarize, fmt, edge) for i in range(edge)] + ["..."] + \
            [_nested(d[i], indent + 1, summarize, fmt, edge) for i in range(n - edge, n)]
    else:
        parts = [_nested(d[i], indent + 1, summarize, fmt, edge) for i in range(n)]
    return "[" + ("," + "\n" * (d.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def format_values(d, indent):
    """The bracketed body for a non-empty ndarray, as PyTorch lays it out."""
    if d.dtype == np.float16 or d.dtype.kind == "V":
        d = d.astype(np.float32)  # exact; PyTorch formats half and bfloat16 through float
    edge = PRINT_OPTS.edgeitems
    summarize = d.size > PRINT_OPTS.threshold
    fmt = _Formatter((_summarized(d, edge) if summarize else d).reshape(-1))
    return _nested(d, indent, summarize, fmt, edge)


def _join_suffixes(body, suffixes, indent):
    out = [body]
    # PyTorch measures the last line from one past its newline, plus one (so a one-line
    # body counts two extra characters); matching that keeps wrapping identical
    last = len(body) - body.rfind("\n") + 1
    width = PRINT_OPTS.linewidth
    for s in suffixes:
        if last + len(s) + 2 > width:
            out.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    out.append(")")
    return "".join(out)


def tensor_repr(t, prefix="tensor("):
    from ._dtype import get_default_dtype
    d = t._data
    indent = len(prefix)
    suffixes = []
    dt = t.dtype
    default = get_default_dtype()
    if d.size == 0:
        if d.ndim != 1:
            suffixes.append(f"size={tuple(d.shape)}")
        if dt is not default:
            suffixes.append(f"dtype={dt}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(d.shape)}")
        if dt is not default and dt.name not in ("int64", "bool"):
            suffixes.append(f"dtype={dt}")
        body = format_values(d, indent)
    try:
        fn = t.grad_fn
    except RuntimeError:  # an invalid view (autograd/views.py): PyTorch prints it this way
        suffixes.append("grad_fn=<Invalid>")
        fn = False
    if fn:
        suffixes.append(f"grad_fn=<{fn.name()}>")
    elif fn is False:
        pass
    elif t._rg:
        suffixes.append("requires_grad=True")
    return _join_suffixes(prefix + body, suffixes, indent)
