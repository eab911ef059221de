"""The record (public op name) an expression sample's label files it under.

A label starts with the op it exercises ("reshape_neg", "F.pad_reflect", "special.entr_edges",
"linalg_solve_vec"): the longest `_`-separated prefix, after the table's own prefix
("inplace_", "create_", ...) and a dtype prefix ("u8_"), that names a public dygrad function
(`sum`, `nn.functional.pad`, `special.entr`) or, failing that, a Tensor attribute
(`Tensor.view`). An in-place name files under its op (`add_` -> `add`); Python operators and
abbreviations map to their functions (`floordiv` -> `floor_divide`, `F.bce` ->
`nn.functional.binary_cross_entropy`). Labels that name no op take the table's `default`.
"""
import re

import dygrad
import dygrad.nn.functional  # noqa: F401  (resolves "nn.functional.*")
import dygrad.special  # noqa: F401

_SPACES = {"F.": "nn.functional.", "special.": "special.", "linalg_": "linalg.", "torch.": ""}
_ALIASES = {
    "": {"floordiv": "floor_divide", "mod": "remainder", "bitand": "bitwise_and",
         "bitxor": "bitwise_xor", "iadd": "add", "imul": "mul", "rmod": "remainder",
         "shift_left": "bitwise_left_shift", "shift_right": "bitwise_right_shift",
         "pos_op": "positive", "abs_op": "abs", "radd": "add", "rsub": "sub", "rmul": "mul",
         "rdiv": "div", "rfloordiv": "floor_divide", "rpow": "pow", "req": "eq", "rlt": "lt",
         "rbitand": "bitwise_and", "bool_ior": "bitwise_or", "true_div": "div",
         "diag_fill": "diagonal", "copy": "Tensor.copy_", "setitem": "Tensor.__setitem__",
         "contains": "Tensor.__contains__", "iter": "Tensor.__iter__", "len": "Tensor.__len__",
         "format": "Tensor.__format__", "index_of": "Tensor.__index__",
         "float_of": "Tensor.__float__", "int_of": "Tensor.__int__",
         "bool_of": "Tensor.__bool__", "index_float": "Tensor.__index__",
         "float_sum": "Tensor.__float__", "fill": "Tensor.fill_", "leaf": "Tensor.add_",
         "bcast": "Tensor.add_", "float_mul": "mul", "div_zero": "floor_divide",
         "remainder_zero": "remainder", "pow_neg": "pow", "pow_int": "pow",
         "float_div_zero": "div", "overflow": "mul", "big": "mul", "scalar_f64": "add",
         "getitem": "Tensor.__getitem__", "getitem3": "Tensor.__getitem__", "zero": "Tensor.zero_",
         "aug": "Tensor.__setitem__", "shift": "bitwise_left_shift", "rshift": "bitwise_right_shift",
         "cat0": "cat", "cat1": "cat"},
    "nn.functional.": {"bce_logits": "binary_cross_entropy_with_logits",
                       "bce": "binary_cross_entropy", "margin_ranking": "margin_ranking_loss",
                       "cosine_embedding": "cosine_embedding_loss", "poisson_nll": "poisson_nll_loss",
                       "gaussian_nll": "gaussian_nll_loss", "hinge_embedding": "hinge_embedding_loss",
                       "multi_margin": "multi_margin_loss", "triplet_margin": "triplet_margin_loss",
                       "multilabel_soft_margin": "multilabel_soft_margin_loss", "l1": "l1_loss",
                       "mse": "mse_loss", "smooth_l1": "smooth_l1_loss", "huber": "huber_loss",
                       "nll": "nll_loss"},
}
_DTYPE_PREFIX = re.compile(r"^(u8|i8|i16|i32|i64|f16|f32|f64|b)_")


def _resolve(space, name):
    obj = dygrad
    for part in (space + name).split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return space + name if callable(obj) and not isinstance(obj, dygrad.dtype) else None


def op_of(label, strip="", default=None):
    """The public op name a sample labelled `label` belongs to (see the module doc)."""
    space, rest = "", label
    for prefix, sp in _SPACES.items():
        if rest.startswith(prefix):
            space, rest = sp, rest[len(prefix):]
            break
    if strip and rest.startswith(strip):
        rest = rest[len(strip):]
    rest = _DTYPE_PREFIX.sub("", rest)
    parts = rest.split("_")
    aliases = _ALIASES.get(space, {})
    for n in range(len(parts), 0, -1):
        head = "_".join(parts[:n])
        if head in aliases:
            return space + aliases[head] if not aliases[head].startswith("Tensor.") else aliases[head]
        base = head[:-1] if head.endswith("_") else head
        if base and _resolve(space, base):
            return space + base
        if base and not space and hasattr(dygrad.Tensor, base):
            return "Tensor." + base
    if default is None:
        raise ValueError(f"label {label!r} names no public op: give the table a default")
    return default


def folder(records, strip=""):
    """(case, add) for a table of expression samples filed under `records`: `add(case(label,
    fn, *inputs, **flags))` files the sample under `op_of(label, strip)` (or `op=`)."""
    def case(label, fn, *inputs, **flags):
        return label, fn, inputs, flags

    def add(c, op=None):
        label, fn, inputs, flags = c
        records.case(op or op_of(label, strip), label, fn, *inputs, **flags)
    return case, add
