"""dygrad.save / dygrad.load: checkpoints that never execute code.

The format is not pickle: a fixed 64-byte prefix, a JSON header describing the saved structure,
then the raw little-endian bytes of every array and a SHA-256 of them (see
docs/checkpoint-format.md). Loading rebuilds only data types, tensors and classes that are
dygrad's own or allowlisted with add_safe_globals, and functions (saved by name) that are
dygrad's public tensor functions or allowlisted (dygrad._safe_globals); nothing named in a file
is ever called except `cls.__new__(cls)` and `__setstate__` of such classes. PyTorch's own files
(torch.save's zip format and its legacy format) are read by dygrad._pt_reader with a restricted
unpickler.
"""
import collections
import enum
import functools
import hashlib
import json
import math
import os
import secrets
import stat
import struct
import sys
import types

import numpy as np

from . import _dtype
from ._safe_globals import (CheckpointError, UnsafeGlobalError, _allowlist,  # noqa: F401
                            _allowlist_hint, _lookup, _resolve_class, add_safe_globals,
                            clear_safe_globals, function_ref, get_safe_globals, resolve_function,
                            safe_globals)
from ._tensor import Tensor

__all__ = ["save", "load", "CheckpointError", "UnsafeGlobalError", "add_safe_globals",
           "get_safe_globals", "clear_safe_globals", "safe_globals"]

MAGIC = b"\x89DYGRAD\n"       # the high byte and newline catch 7-bit and text-mode transfers
FORMAT_VERSION = 1
_PREFIX = struct.Struct("<8sIIQQ")  # magic, version, flags, header length, payload length
_PREFIX_SIZE = 64                   # the packed fields (32 bytes) + SHA-256 of fields and header
_ALIGN = 64
_CHUNK = 1 << 24
# Called after each payload chunk is written; the tests use it to kill a save mid-write.
_after_chunk = None

_ARRAY_DTYPES = frozenset(
    "bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 float64 "
    "complex64 complex128 bfloat16".split())
_TENSOR_DTYPES = frozenset(d.name for d in _dtype.ALL) | {"bfloat16"}


def _np_dtype(name):
    """A stored array's NumPy dtype; bfloat16 loads ml_dtypes (ImportError naming it if absent)."""
    return _dtype.bfloat16.np if name == "bfloat16" else np.dtype(name)
_BIG = 1 << 63
_HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: the class was written in Python
_CODE_TYPES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType,
               types.BuiltinMethodType, types.ModuleType, types.CodeType, types.GeneratorType,
               types.CoroutineType, types.AsyncGeneratorType, types.FrameType,
               types.MethodWrapperType, types.WrapperDescriptorType, functools.partial,
               staticmethod, classmethod, property)
_BUILTIN_TYPES = {f"{c.__module__}.{c.__qualname__}": c for c in (
    list, dict, set, frozenset, tuple, int, float, complex, str, bytes, bytearray, bool,
    collections.OrderedDict, collections.defaultdict)}


# -- saving ----------------------------------------------------------------------------------
def _class_name(cls, path):
    module, qualname = cls.__module__, cls.__qualname__
    if "<locals>" in qualname or not isinstance(module, str):
        raise TypeError(f"dygrad.save: cannot save {path}: {qualname} is a local class; define "
                        "it at module level so it can be found again when loading")
    try:
        found = _lookup(sys.modules[module], qualname)
    except (KeyError, AttributeError):
        found = None
    if found is not cls:
        raise TypeError(f"dygrad.save: cannot save {path}: class {module}.{qualname} cannot be "
                        "found under that name (it is not the same object as the module's)")
    return [module, qualname]


def _default_state(obj):
    """What pickle would store for an object without a custom __getstate__."""
    d = getattr(obj, "__dict__", None)
    slots = {}
    for klass in type(obj).__mro__:
        names = klass.__dict__.get("__slots__", ())
        for n in (names,) if isinstance(names, str) else names:
            if n in ("__dict__", "__weakref__"):
                continue
            if n.startswith("__") and not n.endswith("__"):
                n = f"_{klass.__name__.lstrip('_')}{n}"
            try:
                slots[n] = object.__getattribute__(obj, n)
            except AttributeError:
                pass
    return (d or None, slots) if slots else d


class _Encoder:
    """Turns a Python value into JSON nodes plus a list of arrays for the payload."""

    def __init__(self):
        self.arrays = []
        self.memo = {}   # id(obj) -> (node id, obj); obj kept so ids are not reused mid-save
        self.path = ["obj"]

    def where(self):
        return "".join(self.path)

    def fail(self, x, why):
        raise TypeError(f"dygrad.save: cannot save {self.where()} ({type(x).__qualname__}): {why}")

    def array(self, a):
        if a.dtype.name not in _ARRAY_DTYPES or a.dtype.fields is not None:
            self.fail(a, f"arrays of dtype {a.dtype} can't be stored")
        self.arrays.append(a)
        return len(self.arrays) - 1

    def new_id(self, x):
        nid = len(self.memo)
        self.memo[id(x)] = (nid, x)
        return nid

    def items(self, pairs, attrs=False):
        out = []
        for k, v in pairs:
            self.path.append(f".{k}" if attrs and isinstance(k, str) else f"[{k!r}]")
            out.append([self.encode(k), self.encode(v)])
            self.path.pop()
        return out

    def seq(self, xs):
        out = []
        for i, v in enumerate(xs):
            self.path.append(f"[{i}]")
            out.append(self.encode(v))
            self.path.pop()
        return out

    def encode(self, x):
        t = type(x)
        if x is None or t is bool or t is str:
            return x
        if t is int:  # JSON readers (and Python's digit limit) cope with 64-bit ints only
            return x if -_BIG <= x < _BIG else {"$": "int", "hex": hex(x)}
        if t is float:
            return x if math.isfinite(x) else {"$": "float", "v": repr(x)}
        m = self.memo.get(id(x))
        if m is not None:
            return {"$": "ref", "id": m[0]}
        if t is tuple:
            return {"$": "tuple", "items": self.seq(x)}
        if t is list:
            nid = self.new_id(x)
            return {"$": "list", "id": nid, "items": self.seq(x)}
        if t is dict:
            nid = self.new_id(x)
            return {"$": "dict", "id": nid, "items": self.items(x.items())}
        if t is collections.OrderedDict:
            nid = self.new_id(x)
            node = {"$": "odict", "id": nid, "items": self.items(x.items())}
            if x.__dict__:  # e.g. the _metadata of a state_dict
                node["attrs"] = self.items(x.__dict__.items(), attrs=True)
            return node
        if t is collections.defaultdict:
            nid = self.new_id(x)
            f = x.default_factory
            if f is not None and not isinstance(f, type):
                self.path.append(".default_factory")
                self.fail(f, "a defaultdict's factory must be None or a class, not code")
            return {"$": "defaultdict", "id": nid, "factory": self.encode(f),
                    "items": self.items(x.items())}
        if t is set or t is frozenset:
            nid = self.new_id(x) if t is set else None
            items = self.seq(x)
            return {"$": t.__name__, "id": nid, "items": items}
        if t is bytes:
            return {"$": "bytes", "hex": x.hex()}
        if t is bytearray:
            return {"$": "bytearray", "id": self.new_id(x), "hex": x.hex()}
        if t is complex:
            return {"$": "complex", "re": self.encode(x.real), "im": self.encode(x.imag)}
        if isinstance(x, Tensor):
            return self.tensor(x)
        if t is np.ndarray:
            return {"$": "ndarray", "id": self.new_id(x), "array": self.array(x)}
        if isinstance(x, np.generic):
            return {"$": "npscalar", "array": self.array(np.asarray(x))}
        if t is _dtype.dtype:
            return {"$": "dtype", "name": x.name}
        if isinstance(x, type):
            return {"$": "class", "cls": self.cls_name(x)}
        if t is types.FunctionType or t is types.BuiltinFunctionType:
            # by reference, as pickle (F.relu held by a TransformerEncoderLayer); load restores
            # only dygrad's tensor functions and allowlisted ones
            ref = function_ref(x)
            if type(ref) is str:
                self.fail(x, f"{ref}. Functions are saved by name, never as code")
            return {"$": "function", "ref": ref}
        if isinstance(x, enum.Enum):
            return {"$": "enum", "cls": self.cls_name(t), "name": x.name}
        if isinstance(x, tuple):  # namedtuples, dygrad.Size
            return {"$": "tuple", "cls": self.cls_name(t), "items": self.seq(x)}
        return self.obj(x)

    def cls_name(self, cls):
        return _class_name(cls, self.where())

    def tensor(self, x):
        nid = self.new_id(x)
        node = {"$": "tensor", "id": nid, "array": self.array(x._data), "requires_grad": x._rg}
        if type(x) is not Tensor:
            node["cls"] = self.cls_name(type(x))
        # Python attributes a user put on the tensor; dygrad's own bookkeeping (grad, hooks,
        # view base) lives in names the class defines and is not saved, like PyTorch.
        attrs = [(k, v) for k, v in x.__dict__.items() if not hasattr(type(x), k)]
        if attrs:
            node["attrs"] = self.items(attrs, attrs=True)
        return node

    def obj(self, x):
        t = type(x)
        if isinstance(x, _CODE_TYPES):
            self.fail(x, "lambdas, methods and modules can't be saved: dygrad checkpoints "
                      "hold data and names of module-level functions, never code. Remove the "
                      "attribute before saving (or rebuild it in __setstate__), or save the "
                      "state_dict instead")
        if isinstance(x, (dict, list, set, frozenset, bytes, str, int, float)):
            self.fail(x, f"subclasses of {t.__mro__[1].__name__} can't be saved (only the "
                      "built-in types, OrderedDict, defaultdict and namedtuples)")
        if not all(b is object or b.__flags__ & _HEAPTYPE for b in t.__mro__):
            self.fail(x, "only plain Python objects (state in __dict__ or __getstate__), "
                      "tensors, NumPy arrays and built-in containers/scalars can be saved")
        cls = self.cls_name(t)
        nid = self.new_id(x)
        getstate = getattr(t, "__getstate__", None)
        if getstate is None or getstate is getattr(object, "__getstate__", None):
            state = _default_state(x)
        else:
            state = x.__getstate__()
        if type(state) is dict and state is getattr(x, "__dict__", None):
            enc = {"$": "dict", "id": None, "items": self.items(state.items(), attrs=True)}
        else:
            self.path.append(".__getstate__()")
            enc = self.encode(state)
            self.path.pop()
        return {"$": "object", "id": nid, "cls": cls, "state": enc}


def _layout(arrays):
    out, pos = [], 0
    for a in arrays:
        pos = -(-pos // _ALIGN) * _ALIGN
        out.append({"dtype": a.dtype.name, "shape": list(a.shape), "offset": pos,
                    "nbytes": a.nbytes})
        pos += a.nbytes
    return out, pos


def _write(fh, arrays, layout, header, payload_size):
    fields = _PREFIX.pack(MAGIC, FORMAT_VERSION, 0, len(header), payload_size)
    fh.write(fields + hashlib.sha256(fields + header).digest())
    fh.write(header)
    h = hashlib.sha256()
    pos = 0
    for a, meta in zip(arrays, layout):
        if meta["offset"] > pos:
            pad = bytes(meta["offset"] - pos)
            fh.write(pad)
            h.update(pad)
        a = np.ascontiguousarray(a)
        if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and sys.byteorder == "big"):
            a = a.astype(a.dtype.newbyteorder("<"))
        flat = a.reshape(-1).view(np.uint8)
        for i in range(0, flat.size, _CHUNK):
            chunk = flat[i:i + _CHUNK]
            fh.write(chunk)
            h.update(chunk)
            if _after_chunk is not None:
                _after_chunk()
        pos = meta["offset"] + meta["nbytes"]
    fh.write(h.digest())


def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Saves obj to f (a path or a binary file object) in dygrad's checkpoint format.

    Saving to a path is atomic: the data goes to a temporary file in the same directory that is
    fsync'ed and then renamed over the target, so a crash leaves the previous file intact.
    The pickle_* arguments exist for PyTorch compatibility and are ignored (no pickle is used).
    """
    enc = _Encoder()
    root = enc.encode(obj)
    layout, payload_size = _layout(enc.arrays)
    header = json.dumps({"format": "dygrad.checkpoint", "version": FORMAT_VERSION,
                         "byteorder": "little", "payload_size": payload_size, "arrays": layout,
                         "root": root}, separators=(",", ":"), allow_nan=False).encode("ascii")
    header += b" " * (-len(header) % _ALIGN)

    def write(fh):
        _write(fh, enc.arrays, layout, header, payload_size)

    if isinstance(f, (str, bytes, os.PathLike)):
        _atomic_write(os.fsdecode(f), write)
    elif hasattr(f, "write"):
        write(f)
    else:
        raise TypeError(f"dygrad.save: expected f to be a path or a binary file object with a "
                        f"'write' method, got {type(f).__name__}")


def _atomic_write(path, write):
    # Write through a symlink to its target, as open(path, "wb") would.
    target = os.path.realpath(path) if os.path.islink(path) else path
    parent = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(parent):
        raise RuntimeError(f"Parent directory {os.path.dirname(path) or parent} does not exist.")
    if os.path.isdir(target):
        raise IsADirectoryError(f"dygrad.save: {path!r} is a directory")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(parent, f".{os.path.basename(target)}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)  # the umask applies, as for any new file
            break
        except FileExistsError:
            continue
    try:
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except OSError:
            mode = None
        with os.fdopen(fd, "wb") as fh:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), mode)  # overwriting keeps the old file's permissions
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


# -- loading ---------------------------------------------------------------------------------
def _read_exact(fh, n, fname, what):
    """Reads exactly n bytes in bounded chunks (a corrupted length must not allocate n)."""
    parts, left = [], n
    while left:
        b = fh.read(min(left, _CHUNK))
        if not b:
            raise CheckpointError(f"{fname} is truncated: it ends inside the {what}")
        parts.append(b)
        left -= len(b)
    return b"".join(parts)


def _read_into(fh, mv, fname):
    readinto = getattr(fh, "readinto", None)
    pos, n = 0, len(mv)
    while pos < n:
        if readinto is not None:
            got = readinto(mv[pos:pos + _CHUNK])
        else:
            b = fh.read(min(n - pos, _CHUNK))
            got = len(b)
            mv[pos:pos + got] = b
        if not got:
            raise CheckpointError(f"{fname} is truncated: it ends inside the tensor data")
        pos += got


def _read_growing(fh, n, fname):
    """Exactly n bytes into a bytearray that grows chunk by chunk (writable, no final copy)."""
    ba = bytearray()
    while len(ba) < n:
        b = fh.read(min(n - len(ba), _CHUNK))
        if not b:
            raise CheckpointError(f"{fname} is truncated: it ends inside the tensor data")
        ba += b
    return ba


def _bad(fname, what):
    return CheckpointError(f"{fname} is not a valid dygrad checkpoint: {what}")


def _check_layout(arrays, payload_size, fname):
    pos = 0
    for a in arrays:
        if not (type(a) is dict and a.get("dtype") in _ARRAY_DTYPES
                and type(a.get("shape")) is list and type(a.get("offset")) is int
                and type(a.get("nbytes")) is int
                and all(type(s) is int and s >= 0 for s in a["shape"])):
            raise _bad(fname, f"malformed array entry {a!r}")
        if a["nbytes"] != math.prod(a["shape"]) * _np_dtype(a["dtype"]).itemsize:
            raise _bad(fname, f"array entry {a!r} has the wrong byte count")
        if a["offset"] < pos or a["offset"] + a["nbytes"] > payload_size:
            raise _bad(fname, f"array entry {a!r} lies outside the payload")
        pos = a["offset"] + a["nbytes"]


def _load_native(fh, fname, weights_only):
    rest = _read_exact(fh, _PREFIX_SIZE - len(MAGIC), fname, "file prefix")
    fields = MAGIC + rest[:_PREFIX.size - len(MAGIC)]
    _, version, flags, hlen, psize = _PREFIX.unpack(fields)
    digest = rest[_PREFIX.size - len(MAGIC):]
    try:  # an early, precise message for truncated files when the size is known
        here = fh.tell()
        have = fh.seek(0, os.SEEK_END) - here
        fh.seek(here)
    except (AttributeError, OSError, ValueError):
        have = None
    header = _read_exact(fh, hlen, fname, "header")
    if hashlib.sha256(fields + header).digest() != digest:
        raise CheckpointError(f"{fname} is corrupted: the header checksum does not match (the "
                              "file was modified or damaged after it was saved)")
    if version != FORMAT_VERSION or flags:
        raise CheckpointError(f"{fname} uses dygrad checkpoint format version {version} "
                              f"(flags {flags}); this dygrad reads version {FORMAT_VERSION}")
    if have is not None and have < hlen + psize + 32:
        raise CheckpointError(f"{fname} is truncated: expected {_PREFIX_SIZE + hlen + psize + 32}"
                              f" bytes, found {_PREFIX_SIZE + have}")
    try:
        meta = json.loads(header.decode("ascii"), parse_constant=_no_constant)
        arrays = meta["arrays"]
        if meta["payload_size"] != psize or type(arrays) is not list:
            raise ValueError("inconsistent payload size")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError) as e:
        raise _bad(fname, f"malformed header ({e})") from None
    _check_layout(arrays, psize, fname)
    h = hashlib.sha256()
    out, pos = [], 0
    for a in arrays:
        if a["offset"] > pos:
            h.update(_read_exact(fh, a["offset"] - pos, fname, "tensor data"))
        if have is not None:  # the file is known to hold these bytes: read straight in
            buf = np.empty(a["nbytes"], np.uint8)
            mv = memoryview(buf)
            _read_into(fh, mv, fname)
        else:
            # a stream of unknown length: grow with what arrives, so a header that claims an
            # impossible size ends as "truncated", never as a huge allocation (MemoryError)
            ba = _read_growing(fh, a["nbytes"], fname)
            buf = np.frombuffer(ba, np.uint8)
            mv = memoryview(ba)
        h.update(mv)
        pos = a["offset"] + a["nbytes"]
        dt = _np_dtype(a["dtype"]).newbyteorder("<")
        arr = buf.view(dt).reshape(a["shape"])
        out.append(arr if dt.isnative else arr.astype(dt.newbyteorder("=")))
    if psize > pos:
        h.update(_read_exact(fh, psize - pos, fname, "tensor data"))
    if _read_exact(fh, 32, fname, "checksum") != h.digest():
        raise CheckpointError(f"{fname} is corrupted: the tensor data checksum does not match "
                              "(the file was modified or damaged after it was saved)")
    dec = _Decoder(out, fname, weights_only)
    try:
        return dec.decode(meta.get("root"))
    except CheckpointError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError) as e:
        raise _bad(fname, f"could not rebuild {dec.where or 'the saved object'} ({e})") from e


def _no_constant(c):
    raise ValueError(f"unexpected constant {c}")


def _make_tensor(cls, arr, rg):
    """A tensor (or tensor subclass such as nn.Parameter) around arr, built without __init__."""
    t = object.__new__(cls)
    t._data = arr
    t._rg = bool(rg) and arr.dtype.kind in "fV"
    t.grad_fn = None
    t._vc = [0]
    return t


class _Decoder:
    def __init__(self, arrays, fname, weights_only):
        self.arrays = arrays
        self.fname = fname
        self.weights_only = weights_only
        self.safe = _allowlist()
        self.table = {}
        self.where = ""

    def cls(self, ref, what):
        module, qualname = ref
        if what in ("factory", "class") and f"{module}.{qualname}" in _BUILTIN_TYPES:
            return _BUILTIN_TYPES[f"{module}.{qualname}"]
        cls = _resolve_class(module, qualname, self.fname, self.weights_only, self.safe)
        if not isinstance(cls, type):
            raise _bad(self.fname, f"{module}.{qualname} is not a class")
        return cls

    def keep(self, n, value):
        if n.get("id") is not None:
            self.table[n["id"]] = value
        return value

    def pairs(self, items):
        return [(self.decode(k), self.decode(v)) for k, v in items]

    def decode(self, n):
        t = type(n)
        if n is None or t is bool or t is int or t is str:
            return n
        if t is float:
            return n
        tag = n["$"]
        if tag == "ref":
            return self.table[n["id"]]
        if tag == "tuple":
            items = tuple(self.decode(v) for v in n["items"])
            if "cls" not in n:
                return items
            cls = self.cls(n["cls"], "tuple")
            if not issubclass(cls, tuple):
                raise _bad(self.fname, f"{cls.__qualname__} is not a tuple class")
            return tuple.__new__(cls, items)
        if tag == "list":
            out = self.keep(n, [])
            out.extend(self.decode(v) for v in n["items"])
            return out
        if tag == "dict":
            out = self.keep(n, {})
            out.update(self.pairs(n["items"]))
            return out
        if tag == "odict":
            out = self.keep(n, collections.OrderedDict())
            out.update(self.pairs(n["items"]))
            for k, v in self.pairs(n.get("attrs", ())):
                if type(k) is not str:
                    raise _bad(self.fname, "attribute names must be strings")
                out.__dict__[k] = v
            return out
        if tag == "defaultdict":
            f = n["factory"]
            factory = None if f is None else self.cls(f["cls"], "factory")
            out = self.keep(n, collections.defaultdict(factory))
            out.update(self.pairs(n["items"]))
            return out
        if tag == "set":
            out = self.keep(n, set())
            out.update(self.decode(v) for v in n["items"])
            return out
        if tag == "frozenset":
            return frozenset(self.decode(v) for v in n["items"])
        if tag == "int":
            return int(n["hex"], 16)
        if tag == "float":
            if n["v"] not in ("nan", "inf", "-inf"):
                raise ValueError(f"bad float {n['v']!r}")
            return float(n["v"])
        if tag == "complex":
            return complex(self.decode(n["re"]), self.decode(n["im"]))
        if tag == "bytes":
            return bytes.fromhex(n["hex"])
        if tag == "bytearray":
            return self.keep(n, bytearray.fromhex(n["hex"]))
        if tag == "tensor":
            return self.tensor(n)
        if tag == "ndarray":
            return self.keep(n, self.arrays[n["array"]])
        if tag == "npscalar":
            return self.arrays[n["array"]][()]
        if tag == "dtype":
            if n["name"] not in _TENSOR_DTYPES:
                raise ValueError(f"unknown dtype {n['name']!r}")
            return _dtype.as_dtype(n["name"])
        if tag == "class":
            return self.cls(n["cls"], "class")
        if tag == "enum":
            cls = self.cls(n["cls"], "enum")
            if not issubclass(cls, enum.Enum):
                raise _bad(self.fname, f"{cls.__qualname__} is not an Enum")
            return cls[n["name"]]
        if tag == "object":
            return self.obj(n)
        if tag == "function":
            module, qualname = n["ref"]
            return resolve_function(module, qualname, self.fname, self.safe)
        raise _bad(self.fname, f"unknown node type {tag!r}")

    def tensor(self, n):
        arr = self.arrays[n["array"]]
        if arr.dtype.name not in _TENSOR_DTYPES:
            raise _bad(self.fname, f"a tensor can't have dtype {arr.dtype}")
        cls = Tensor
        if "cls" in n:
            cls = self.cls(n["cls"], "tensor")
            if not issubclass(cls, Tensor):
                raise _bad(self.fname, f"{cls.__qualname__} is not a Tensor class")
        t = self.keep(n, _make_tensor(cls, arr, n["requires_grad"] is True))
        for k, v in self.pairs(n.get("attrs", ())):
            if not isinstance(k, str) or hasattr(cls, k):
                raise _bad(self.fname, f"tensor attribute {k!r} can't be restored")
            t.__dict__[k] = v
        return t

    def obj(self, n):
        cls = self.cls(n["cls"], "object")
        if not cls.__flags__ & _HEAPTYPE or issubclass(cls, (Tensor, tuple, enum.Enum)):
            raise _bad(self.fname, f"objects of {cls.__qualname__} can't be rebuilt from state")
        outer, self.where = self.where, f"an object of class {cls.__module__}.{cls.__qualname__}"
        obj = self.keep(n, cls.__new__(cls))
        state = self.decode(n["state"])
        setstate = getattr(cls, "__setstate__", None)
        if state is None:  # like pickle, which stores no state then
            pass
        elif setstate is not None:
            setstate(obj, state)
        else:
            d, slots = state if type(state) is tuple and len(state) == 2 else (state, None)
            if d:
                if any(type(k) is not str for k in d):
                    raise _bad(self.fname, "attribute names must be strings")
                obj.__dict__.update(d)
            for k, v in (slots or {}).items():
                object.__setattr__(obj, k, v)
        self.where = outer
        return obj


def _name_of(f):
    if isinstance(f, (str, bytes, os.PathLike)):
        return repr(os.fsdecode(f))
    name = getattr(f, "name", None)
    return repr(name) if isinstance(name, str) else f"the {type(f).__name__} checkpoint"


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Loads an object saved by dygrad.save, or by torch.save (read without running pickle code).

    map_location, mmap, pickle_module and pickle_load_args are accepted for PyTorch
    compatibility and ignored: every tensor loads to the CPU. weights_only=None/True allows
    only dygrad's classes and allowlisted ones; weights_only=False additionally allows
    subclasses of dygrad classes that are already imported. Code is never executed either way.
    """
    fname = _name_of(f)
    if isinstance(f, (str, bytes, os.PathLike)):
        with open(f, "rb") as fh:
            return _load_from(fh, fname, weights_only)
    if not hasattr(f, "read"):
        raise TypeError(f"dygrad.load: expected f to be a path or a binary file object with a "
                        f"'read' method, got {type(f).__name__}")
    return _load_from(f, fname, weights_only)


def _load_from(fh, fname, weights_only):
    try:
        start = fh.tell()
    except (AttributeError, OSError, ValueError):
        start = None
    head = fh.read(len(MAGIC))
    if not isinstance(head, (bytes, bytearray)):
        raise TypeError("dygrad.load: the file must be opened in binary mode ('rb')")
    if head == MAGIC:
        return _load_native(fh, fname, weights_only)
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06") or head[:1] == b"\x80":
        from . import _pt_reader
        from .nn.parameter import Parameter
        if start is not None:
            fh.seek(start)
            src = fh
        else:  # zip needs random access: buffer a non-seekable stream
            import io
            src = io.BytesIO(head + fh.read())
        if head[:1] == b"\x80":
            return _pt_reader.load_legacy(src, fname, weights_only, Parameter)
        return _pt_reader.load_zip(src, fname, weights_only, Parameter)
    if not head:
        raise CheckpointError(f"{fname} is empty: not a checkpoint (was the save interrupted "
                              "before it wrote anything?)")
    if len(head) < len(MAGIC) and MAGIC.startswith(head):
        raise CheckpointError(f"{fname} is truncated: it ends inside the file prefix")
    raise CheckpointError(f"{fname} is not a checkpoint: it is neither a dygrad checkpoint nor a "
                          f"PyTorch file (it starts with {bytes(head)!r})")
