"""Tensor repr in PyTorch's format: 4 decimals, shared width, scientific notation when needed."""
import numpy as np

PRINT_OPTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    if profile == "default":
        PRINT_OPTS.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    elif profile == "short":
        PRINT_OPTS.update(precision=2, threshold=1000, edgeitems=2, linewidth=80)
    elif profile == "full":
        PRINT_OPTS.update(precision=4, threshold=float("inf"), edgeitems=3, linewidth=80)
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            PRINT_OPTS[k] = v
    PRINT_OPTS["sci_mode"] = sci_mode


class _Formatter:
    def __init__(self, values):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci = False
        self.width = 1
        p = PRINT_OPTS["precision"]
        if values.dtype.kind == "b":
            self.width = max((len(str(bool(v))) for v in values), default=1)
            return
        if not self.floating:
            self.width = max((len(str(int(v))) for v in values), default=1)
            return
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            self.width = max((len(self._special(v)) for v in values), default=1)
            return
        nz = np.abs(finite[finite != 0])
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            if nz.size and nz.max() / max(nz.min(), 1e-300) > 1000.0 and nz.max() > 1e8:
                self.sci = True
        elif nz.size:
            mx, mn = nz.max(), nz.min()
            if mx / mn > 1000.0 or mx > 1e8 or mn < 1e-4:
                self.sci = True
        if PRINT_OPTS["sci_mode"] is not None:
            self.sci = PRINT_OPTS["sci_mode"]
        self.width = max((len(self._fmt(v)) for v in values), default=1)

    def _special(self, v):
        if np.isnan(v):
            return "nan"
        return "inf" if v > 0 else "-inf"

    def _fmt(self, v):
        p = PRINT_OPTS["precision"]
        if self.floating:
            if not np.isfinite(v):
                return self._special(v)
            if self.sci:
                return f"{v:.{p}e}"
            if self.int_mode:
                return f"{v:.0f}."
            return f"{v:.{p}f}"
        if isinstance(v, (bool, np.bool_)):
            return str(bool(v))
        return str(int(v))

    def format(self, v):
        return self._fmt(v).rjust(self.width)


def _summarize(d, edge):
    if d.ndim == 0:
        return d
    if d.shape[0] > 2 * edge:
        idx = list(range(edge)) + list(range(d.shape[0] - edge, d.shape[0]))
        d = d[idx]
    return np.stack([_summarize(x, edge) for x in d]) if d.ndim > 1 else d


def _body(d, fmt, indent, summarize, edge):
    if d.ndim == 0:
        return fmt.format(d.item() if d.dtype.kind != "f" else d)
    if d.ndim == 1:
        elems = [fmt.format(v) for v in d]
        if summarize and d.shape[0] > 2 * edge:
            elems = elems[:edge] + ["..."] + elems[-edge:]
        per_line = max(1, (PRINT_OPTS["linewidth"] - indent) // (fmt.width + 2))
        lines = [", ".join(elems[i:i + per_line]) for i in range(0, len(elems), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = [_body(x, fmt, indent + 1, summarize, edge) for x in d]
    if summarize and d.shape[0] > 2 * edge:
        rows = rows[:edge] + ["..."] + rows[-edge:]
    sep = "," + "\n" * (d.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(rows) + "]"


def tensor_repr(t):
    d = t._data
    edge = PRINT_OPTS["edgeitems"]
    summarize = d.size > PRINT_OPTS["threshold"]
    shown = _summarize(d, edge) if summarize else d
    fmt = _Formatter(shown.reshape(-1) if shown.size else d.reshape(-1))
    prefix = "tensor("
    if d.size == 0 and d.ndim == 1:
        body = "[]"
    elif d.size == 0:
        body = "[]"
    else:
        body = _body(d, fmt, len(prefix), summarize, edge)
    suffix = []
    default_ok = {"float32", "int64", "bool"}
    from ._dtype import get_default_dtype
    dname = t.dtype.name
    # empty tensors always name a non-default dtype (no values show what it is)
    implicit = (dname == get_default_dtype().name) or (dname in ("int64", "bool") and d.size > 0)
    if d.size == 0 and d.shape != (0,):
        suffix.append(f"size={tuple(d.shape)}")
    if not implicit:
        suffix.append(f"dtype={t.dtype}")
    if t.grad_fn is not None:
        suffix.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._rg:
        suffix.append("requires_grad=True")
    s = prefix + body
    if suffix:
        s += ", " + ", ".join(suffix)
    return s + ")"
