"""A traced program's kernels and constants as data, and the allowlist that reads them back.

Used by `jit.save`/`jit.load` (jit/_save.py). A kernel is saved as the name of a module-level
function of `dygrad.ops.*`, a NumPy ufunc (or its reduce/accumulate/outer), one of a fixed set of
NumPy array functions or `operator.getitem`; a closure made by a function of dygrad.ops as its
factory's name, which nested function it is and the values of its free variables; an op
re-called through its public function (jit/_recall.py) as that function's name and arguments.
Constants are numbers, strings, tuples, lists, dtypes, slices, arrays and a convolution's
geometry. Reading resolves names only through the allowlist: nothing outside dygrad's op layer
is imported, and the file supplies only data.
"""
from __future__ import annotations

import importlib
import operator
import re
import types

import numpy as np

from .. import _dtype, _layout
from ..ops._conv_gemm import Geometry
from ..serialization import CheckpointError
from ._recall import Recall

# NumPy functions kernels may be (besides ufuncs): pure functions of arrays and plain values
_NUMPY_FUNCS = frozenset((
    "reshape", "transpose", "swapaxes", "moveaxis", "squeeze", "expand_dims", "broadcast_to",
    "concatenate", "stack", "ascontiguousarray", "asarray", "array", "copy", "flip", "roll",
    "take", "take_along_axis", "where", "clip", "sum", "mean", "prod", "amax", "amin", "max",
    "min", "argmax", "argmin", "cumsum", "cumprod", "matmul", "dot", "tensordot", "einsum",
    "tril", "triu", "diagonal", "tile", "repeat", "pad", "sort", "argsort", "ravel",
))
_NDARRAY_METHODS = frozenset(("copy", "astype", "reshape", "transpose", "ravel", "flatten",
                              "squeeze", "swapaxes", "sum", "mean", "max", "min", "clip"))
_UFUNC_METHODS = frozenset(("reduce", "accumulate", "outer", "reduceat"))
# modules whose functions may be kernels: the op layer, and memory-layout helpers (copy_as)
_MODULE_NAME = re.compile(r"dygrad\.(ops(\.[A-Za-z_][A-Za-z0-9_]*)+|_layout)\Z")
_PLAIN = (type(None), bool, int, float, str)


# dygrad.ops modules that are not op code (the code generator evaluates and writes text), and
# names whose use makes a function no kernel, whatever its module: a file must not reach them
_NOT_KERNELS = frozenset(("dygrad.ops._codegen", "dygrad.ops._registry"))
_UNSAFE_NAMES = frozenset(("eval", "exec", "compile", "open", "__import__", "import_module",
                           "system", "popen", "remove", "unlink", "rmtree", "setattr", "globals"))


def _harmless(fn):
    """fn is a function of a kernel module whose code (and nested code) calls none of the
    things a kernel never needs: evaluating text, importing, files, processes."""
    if fn.__module__ in _NOT_KERNELS:
        return False
    stack = [fn.__code__]
    while stack:
        code = stack.pop()
        if not _UNSAFE_NAMES.isdisjoint(code.co_names):
            return False
        stack.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return True


class Unsavable(Exception):
    """A part of the trace that cannot be described as data (the message names it)."""


# -- kernels by name ----------------------------------------------------------------------------
# A kernel is saved as the name of a module-level function of dygrad.ops, a NumPy ufunc or array
# function, or a closure a dygrad.ops function makes (`_promoted.<locals>.kernel`): then its
# factory's name, the nested function's name and the values of its free variables and defaults
# (constants or kernels in turn). Loading rebuilds such a closure from the code object dygrad's
# own module holds: the file supplies only data.
def enc_kernel(k, where):
    """The data a kernel is saved as; raises Unsavable naming `where`."""
    if isinstance(k, np.ufunc):
        if getattr(np, k.__name__, None) is k:
            return f"numpy.{k.__name__}"
    elif isinstance(k, types.FunctionType):
        mod, qual = k.__module__ or "", k.__qualname__
        if mod.startswith("numpy") and getattr(np, k.__name__, None) is k \
                and k.__name__ in _NUMPY_FUNCS:
            return f"numpy.{k.__name__}"
        if _MODULE_NAME.match(mod):
            top, _, rest = qual.partition(".<locals>.")
            factory = getattr(importlib.import_module(mod), top, None)
            if not isinstance(factory, types.FunctionType) or not _harmless(factory):
                factory = None
            if not rest and factory is k:
                return f"{mod}:{qual}"
            codes = _nested_codes(factory, rest) if _nested_name(rest) and \
                isinstance(factory, types.FunctionType) else []
            if k.__code__ in codes:
                cells = {n: enc_value(c.cell_contents, where)
                         for n, c in zip(k.__code__.co_freevars, k.__closure__ or ())}
                return {"kind": "closure", "factory": f"{mod}:{top}", "name": rest,
                        "which": codes.index(k.__code__), "cells": cells,
                        "defaults": enc_value(k.__defaults__, where),
                        "kwdefaults": enc_value(k.__kwdefaults__, where)}
    elif isinstance(getattr(k, "__self__", None), np.ufunc) and k.__name__ in _UFUNC_METHODS:
        u = k.__self__
        if getattr(np, u.__name__, None) is u:
            return f"numpy.{u.__name__}.{k.__name__}"  # np.add.reduce
    elif k is operator.getitem:
        return "operator.getitem"
    elif getattr(k, "__objclass__", None) is np.ndarray and k.__name__ in _NDARRAY_METHODS:
        return f"numpy.ndarray.{k.__name__}"  # np.ndarray.copy
    elif callable(k) and getattr(np, getattr(k, "__name__", ""), None) is k \
            and k.__name__ in _NUMPY_FUNCS:
        return f"numpy.{k.__name__}"  # NumPy functions implemented in C
    raise Unsavable(f"{where} is replayed by {k!r}, a kernel that cannot be described as data "
                     "(not a function of dygrad.ops or NumPy)")


def enc_value(x, where):
    if isinstance(x, (types.FunctionType, np.ufunc)) or x is operator.getitem or \
            getattr(x, "__objclass__", None) is np.ndarray or \
            isinstance(getattr(x, "__self__", None), np.ufunc) or \
            (callable(x) and not isinstance(x, type) and getattr(x, "__module__", "") == "numpy"):
        return {"kind": "kernel", "kernel": enc_kernel(x, where)}
    return _enc_const(x, where)


def _nested_name(name):
    return name.isidentifier() or name == "<lambda>"


def _nested_codes(factory, name):
    """The code objects of the functions `name` defined directly in `factory` (a factory may
    define one name in several branches: the file says which, by position)."""
    return [c for c in factory.__code__.co_consts
            if isinstance(c, types.CodeType) and c.co_name == name]


def resolve(name, fname):
    """The kernel a file names, only from the allowlist; never imports outside dygrad.ops."""
    if isinstance(name, dict) and name.get("kind") == "recall":
        return dec_recall(name, fname)
    if isinstance(name, dict) and name.get("kind") == "closure":
        factory = resolve(name.get("factory"), fname)
        nested = str(name.get("name"))
        codes = _nested_codes(factory, nested) if _nested_name(nested) else []
        which, cells = name.get("which"), name.get("cells")
        code = codes[which] if type(which) is int and 0 <= which < len(codes) else None
        if code is None or not isinstance(cells, dict) or set(cells) != set(code.co_freevars):
            raise CheckpointError(f"{fname}: a step names a kernel {name!r} that "
                                  f"{factory.__qualname__} does not define")
        closure = tuple(types.CellType(dec_const(cells[n], fname)) for n in code.co_freevars)
        k = types.FunctionType(code, factory.__globals__, code.co_name,
                               dec_const(name.get("defaults"), fname), closure or None)
        k.__kwdefaults__ = dec_const(name.get("kwdefaults"), fname)
        return k
    if not isinstance(name, str):
        raise CheckpointError(f"{fname}: a step names {name!r}, not a kernel name")
    if name == "operator.getitem":  # indexing an array with saved slices and integers
        return operator.getitem
    if name.startswith("numpy.ndarray.") and name[14:] in _NDARRAY_METHODS:
        return getattr(np.ndarray, name[14:])
    if name.startswith("numpy.") and ":" not in name:
        attr, _, method = name[6:].partition(".")
        k = getattr(np, attr, None) if attr.isidentifier() else None
        if method:
            if isinstance(k, np.ufunc) and method in _UFUNC_METHODS:
                return getattr(k, method)
            k = None
        if isinstance(k, np.ufunc) or (attr in _NUMPY_FUNCS and k is not None):
            return k
    else:
        mod, _, qual = name.partition(":")
        if _MODULE_NAME.match(mod) and qual.isidentifier():
            try:
                m = importlib.import_module(mod)
            except ImportError:
                m = None
            k = getattr(m, qual, None)
            if isinstance(k, types.FunctionType) and k.__module__ == mod and \
                    k.__qualname__ == qual and _harmless(k):
                return k
    raise CheckpointError(f"{fname}: the program calls {name!r}, which is not one of dygrad's op "
                          "kernels; a traced-model file may only name those (refusing to load)")


# -- constants ----------------------------------------------------------------------------------
def _enc_const(x, where):
    if isinstance(x, _PLAIN):
        if isinstance(x, float) and x != x:
            return {"kind": "nan"}  # kept apart: the checkpoint writes nan too, this is explicit
        return x
    if isinstance(x, tuple) and type(x) is tuple or type(x).__name__ == "Size":
        return tuple(enc_value(y, where) for y in x)
    if type(x) is list:
        return {"kind": "list", "items": [enc_value(y, where) for y in x]}
    if isinstance(x, np.dtype):
        return {"kind": "np_dtype", "name": x.str}
    if isinstance(x, type) and issubclass(x, np.generic):
        return {"kind": "np_dtype", "name": np.dtype(x).str}
    if isinstance(x, _dtype.dtype):
        return {"kind": "dtype", "name": str(x)}
    if isinstance(x, np.generic):
        return {"kind": "np_scalar", "value": np.asarray(x).reshape(1)}
    if isinstance(x, np.ndarray):
        return {"kind": "array", "value": np.ascontiguousarray(x)}
    if isinstance(x, slice):
        return {"kind": "slice", "args": _enc_const((x.start, x.stop, x.step), where)}
    if x is Ellipsis:
        return {"kind": "ellipsis"}
    if isinstance(x, _layout.memory_format) and getattr(_layout, x.name, None) is x:
        return {"kind": "memory_format", "name": x.name}
    if type(x) is Geometry:
        return {"kind": "geometry",
                "slots": {s: _enc_const(getattr(x, s), where) for s in Geometry.__slots__}}
    raise Unsavable(f"{where} takes a constant of type {type(x).__name__}, which a traced-model "
                     "file cannot hold")


def dec_const(x, fname):
    if isinstance(x, _PLAIN):
        return x
    if type(x) is tuple:
        return tuple(dec_const(y, fname) for y in x)
    if isinstance(x, dict):
        kind = x.get("kind")
        if kind == "nan":
            return float("nan")
        if kind == "list":
            return [dec_const(y, fname) for y in x["items"]]
        if kind == "np_dtype":
            dt = np.dtype(str(x["name"]))
            if dt.kind in "biufc":  # never object or structured dtypes
                return dt
        if kind == "dtype":
            d = getattr(_dtype, str(x["name"]).replace("dygrad.", ""), None)
            if isinstance(d, _dtype.dtype):
                return d
        if kind == "np_scalar" and isinstance(x["value"], np.ndarray):
            return x["value"][0]
        if kind == "array" and isinstance(x["value"], np.ndarray):
            return x["value"]
        if kind == "slice":
            return slice(*dec_const(x["args"], fname))
        if kind == "ellipsis":
            return Ellipsis
        if kind == "memory_format":
            mf = getattr(_layout, str(x.get("name")), None)
            if isinstance(mf, _layout.memory_format):
                return mf
        if kind == "kernel":
            return resolve(x.get("kernel"), fname)
        if kind == "geometry" and isinstance(x.get("slots"), dict) and \
                set(x["slots"]) == set(Geometry.__slots__):
            g = object.__new__(Geometry)
            for s, v in x["slots"].items():
                setattr(g, s, dec_const(v, fname))
            return g
    raise CheckpointError(f"{fname}: a step holds a constant the format does not define: {x!r}")


# -- ops re-called through their public function ------------------------------------------------
# what a re-called function may be: a public function of dygrad's op layer (jit/_recall.py finds
# only those), by module and qualified name (`TensorOpMethods.repeat_interleave` for a method)
_LAYER_NAME = re.compile(r"dygrad(\.[A-Za-z_][A-Za-z0-9_]*)+\Z")


def _public(mod, qual):
    from ._recall import _in_layer
    parts = qual.split(".")
    if not _LAYER_NAME.match(mod) or not _in_layer(mod) or len(parts) > 2 or \
            not all(p.isidentifier() for p in parts) or \
            (parts[-1].startswith("_") and not parts[-1].startswith("__")):
        return None
    try:
        obj = importlib.import_module(mod)
    except ImportError:
        return None
    for p in parts:
        obj = getattr(obj, p, None)
    ok = isinstance(obj, types.FunctionType) and obj.__module__ == mod and \
        obj.__qualname__ == qual and _harmless(obj)
    return obj if ok else None


def _enc_lay(lay, where):
    kind = lay[0]
    if kind == "T":
        return {"kind": "tensor", "index": lay[1]}
    if kind == "S":
        return {"kind": "tuple" if lay[1] is tuple else "list",
                "items": [_enc_lay(p, where) for p in lay[2]]}
    return {"kind": "const", "value": enc_value(lay[1], where)}


def _dec_lay(d, fname):
    kind = d.get("kind") if isinstance(d, dict) else None
    if kind == "tensor" and type(d.get("index")) is int:
        return ("T", d["index"], False)
    if kind in ("tuple", "list") and isinstance(d.get("items"), list):
        return ("S", tuple if kind == "tuple" else list,
                tuple(_dec_lay(p, fname) for p in d["items"]))
    if kind == "const":
        return ("C", dec_const(d.get("value"), fname))
    raise CheckpointError(f"{fname}: a re-called op holds an argument the format does not "
                          f"define: {d!r}")


def enc_recall(k, where):
    """A re-called op (a Recall kernel) as data: its function's name and arguments."""
    fn = k.fn
    mod, qual = getattr(fn, "__module__", "") or "", getattr(fn, "__qualname__", "")
    if _public(mod, qual) is not fn or k.pick is None:
        raise Unsavable(f"{where} is re-called through {qual or fn!r}, which is not a public "
                        "function of dygrad's op layer")
    return {"kind": "recall", "function": f"{mod}:{qual}", "pick": k.pick,
            "shape": tuple(int(n) for n in k.shape),
            "args": [_enc_lay(a, where) for a in k.args_lay],
            "kwargs": {str(n): _enc_lay(a, where) for n, a in k.kwargs_lay.items()}}


def dec_recall(d, fname):
    mod, _, qual = str(d.get("function")).partition(":")
    fn = _public(mod, qual)
    if fn is None:
        raise CheckpointError(f"{fname}: the program calls {d.get('function')!r}, which is not "
                              "one of dygrad's op functions (refusing to load)")
    k = object.__new__(Recall)
    k.fn, k.__name__ = fn, fn.__name__
    k.after_effect = k.draws = False
    k.like = None
    k.pick = int(d["pick"])
    k.shape = tuple(int(n) for n in d["shape"])
    k.args_lay = [_dec_lay(a, fname) for a in d["args"]]
    k.kwargs_lay = {str(n): _dec_lay(a, fname) for n, a in d["kwargs"].items()}
    return k
