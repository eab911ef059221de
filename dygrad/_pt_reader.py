"""Reads PyTorch's own checkpoint files without torch and without running code from them.

torch.save writes a zip archive (<archive>/data.pkl, the raw storages <archive>/data/<key>, a
byteorder record) or, with _use_new_zipfile_serialization=False, the legacy stream: pickled
magic number, protocol version and system info, the pickled object, the pickled storage keys,
then each storage as an int64 element count and raw bytes. The pickles are read by an Unpickler
whose find_class returns only dygrad's stand-ins for the few globals a tensor checkpoint uses
(tensor rebuild functions, storage classes, dtypes, OrderedDict, ...); any other global is
refused before anything from the file runs. Tensors are rebuilt from their storage bytes with
the saved offset/size/stride and copied, so every loaded tensor owns its memory.
"""
import collections
import io
import math
import pickle
import struct
import zipfile
import zlib

import numpy as np

from . import _dtype
from ._tensor import Size, Tensor
from .serialization import (_TENSOR_DTYPES, CheckpointError, UnsafeGlobalError, _allowlist,
                            _allowlist_hint, _make_tensor, _read_exact)

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001

_STORAGES = {
    "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
    "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
    "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128",
}
_TORCH_DTYPES = (
    "float32 float64 float16 bfloat16 int64 int32 int16 int8 uint8 uint16 uint32 uint64 bool "
    "complex32 complex64 complex128 float8_e4m3fn float8_e5m2 float8_e4m3fnuz float8_e5m2fnuz "
    "qint8 quint8 qint32 quint4x2").split()
_ALIASES = {"float": "float32", "double": "float64", "half": "float16", "long": "int64",
            "int": "int32", "short": "int16", "cfloat": "complex64", "cdouble": "complex128"}
# NumPy layout of each storage element; bfloat16 is read as raw 16-bit words.
_NP_LAYOUT = {"bfloat16": "u2", "float32": "f4", "float64": "f8", "float16": "f2", "int64": "i8",
              "int32": "i4", "int16": "i2", "int8": "i1", "uint8": "u1", "bool": "?",
              "uint16": "u2", "uint32": "u4", "uint64": "u8", "complex64": "c8",
              "complex128": "c16"}


class _StorageType:
    """Stand-in for torch.FloatStorage & co. Deliberately not callable."""
    __slots__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype


class _TorchDtype:
    """Stand-in for a torch dtype dygrad has no tensors of (bfloat16, uint16, complex64, ...)."""
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name


class _Storage:
    __slots__ = ("key", "dtype", "numel", "offset")

    def __init__(self, key, dtype, numel, offset=0):
        self.key, self.dtype, self.numel, self.offset = key, dtype, numel, offset


class _Unpickler(pickle.Unpickler):
    """Every global a pickle names goes through find_class: the reader's table, or refused."""

    def find_class(self, module, name):
        return self.reader.find_class(module, name)


_TENSOR_TYPE = object()     # torch.Tensor as the new_type of _rebuild_from_type_v2
_PARAMETER_TYPE = object()  # torch.nn.Parameter likewise


def _has_ml_dtypes():
    """Whether bfloat16 tensors can be kept as bfloat16 (ml_dtypes installed)."""
    try:
        _dtype.bfloat16.np
    except ImportError:
        return False
    return True


def _is_int(v, low=0):
    return type(v) is int and v >= low


def _encode(s, encoding="utf-8"):
    # pickle protocol 2 writes bytes as _codecs.encode(<latin-1 str>, "latin1")
    if type(s) is not str or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is only allowed for latin1-encoded bytes")
    return s.encode("latin1")


def _size(items):
    if not all(_is_int(s) for s in items):
        raise pickle.UnpicklingError(f"torch.Size of non-integers {items!r}")
    return Size(items)


def _device(*args):
    from .device import device
    return device(*args)


def _no_persistent_ids(pid):
    raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")


def _dtype_of(d):
    if isinstance(d, _dtype.dtype):
        return d.name
    if isinstance(d, _TorchDtype):
        return d.name
    raise pickle.UnpicklingError(f"expected a dtype, got {type(d).__name__}")


class _Reader:
    def __init__(self, fname, weights_only, parameter_cls, byteorder="little"):
        self.fname = fname
        self.parameter_cls = parameter_cls  # nn.Parameter, passed in: this layer never imports nn
        self.weights_only = weights_only
        self.order = "<" if byteorder == "little" else ">"
        self.raw = {}       # storage key -> its bytes (np.uint8)
        self.roots = {}     # storage key -> _Storage
        self.pending = []   # (destination array, storage, offset, size, stride, dtype name)
        self.safe = _allowlist()
        self.globals = self._globals()

    def _globals(self):
        g = {
            "torch._utils._rebuild_tensor": self.rebuild_v1,
            "torch._utils._rebuild_tensor_v2": self.rebuild_v2,
            "torch._utils._rebuild_tensor_v3": self.rebuild_v3,
            "torch._utils._rebuild_parameter": self.rebuild_parameter,
            "torch._utils._rebuild_parameter_with_state": self.rebuild_parameter_with_state,
            "torch._tensor._rebuild_from_type_v2": self.rebuild_from_type,
            "torch.storage.UntypedStorage": _StorageType("uint8"),
            "torch.Size": _size, "torch.device": _device,
            "torch.Tensor": _TENSOR_TYPE, "torch.nn.parameter.Parameter": _PARAMETER_TYPE,
            "collections.OrderedDict": collections.OrderedDict,
            "collections.Counter": collections.Counter,
            "builtins.set": set, "builtins.frozenset": frozenset,
            "builtins.bytearray": bytearray, "builtins.complex": complex,
            "_codecs.encode": _encode,
        }
        for cls, dt in _STORAGES.items():
            g[f"torch.{cls}"] = g[f"torch.cuda.{cls}"] = _StorageType(dt)
        for name in _TORCH_DTYPES + list(_ALIASES):
            canon = _ALIASES.get(name, name)
            d = _dtype._BY_NAME.get(canon)
            g[f"torch.{name}"] = d if d is not None else _TorchDtype(canon)
        return g

    # -- the unpickler's hooks --------------------------------------------------------------
    def find_class(self, module, name):
        module = {"__builtin__": "builtins", "copy_reg": "copyreg"}.get(module, module)
        full = f"{module}.{name}"
        obj = self.globals.get(full)
        if obj is None:
            obj = self.safe.get(full)
        if obj is None:
            raise self.refuse(full, module, name)
        return obj

    def refuse(self, full, module, name):
        if full.startswith("torch."):
            hint = ("dygrad reads tensors, state_dicts and plain Python values from PyTorch "
                    "files, not pickled torch objects (such as whole nn.Modules or "
                    "optimizers): in PyTorch, save model.state_dict() and load that into the "
                    "dygrad model with load_state_dict.")
        else:
            short = _allowlist_hint(module, name)
            hint = ("PyTorch files may only use tensors, storages, dtypes, OrderedDict and plain "
                    "Python values. If you trust this global, allowlist it with "
                    f"dygrad.serialization.add_safe_globals([{short}]).")
        return UnsafeGlobalError(
            f"Weights-only load of {self.fname} refused the unsupported global {full}. {hint}\n"
            "Nothing from the file was executed.")

    def persistent_load(self, pid, legacy=False):
        if not (type(pid) is tuple and pid and pid[0] in ("storage", b"storage")
                and len(pid) == (6 if legacy else 5)):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        stype, key, _location, numel = pid[1:5]  # the location is ignored: all loads go to CPU
        if isinstance(key, bytes):
            key = key.decode("ascii")
        if not (isinstance(stype, _StorageType) and type(key) is str and _is_int(numel)):
            raise pickle.UnpicklingError(f"malformed storage reference {pid!r}")
        st = self.roots.get(key)
        if st is None:
            st = self.roots[key] = _Storage(key, stype.dtype, numel)
            if not legacy:
                self.load_storage(st)
        if legacy and pid[5] is not None:  # a view into a bigger storage
            _view_key, offset, size = pid[5]
            if not (_is_int(offset) and _is_int(size) and offset + size <= st.numel):
                raise pickle.UnpicklingError(f"storage view {pid[5]!r} out of bounds")
            return _Storage(key, st.dtype, size, offset)
        return st

    # -- rebuild functions (names as in torch._utils) ---------------------------------------
    def rebuild_v1(self, storage, storage_offset, size, stride):
        return self.tensor(storage, storage_offset, size, stride, False, None)

    def rebuild_v2(self, storage, storage_offset, size, stride, requires_grad, backward_hooks,
                   metadata=None):
        return self.tensor(storage, storage_offset, size, stride, requires_grad, None)

    def rebuild_v3(self, storage, storage_offset, size, stride, requires_grad, backward_hooks,
                   dtype, metadata=None):
        return self.tensor(storage, storage_offset, size, stride, requires_grad, _dtype_of(dtype))

    def rebuild_parameter(self, data, requires_grad, backward_hooks):
        if not isinstance(data, Tensor):
            raise pickle.UnpicklingError("_rebuild_parameter expects a tensor")
        return _make_tensor(self.parameter_cls, data._data, requires_grad is True)

    def rebuild_parameter_with_state(self, data, requires_grad, backward_hooks, state):
        return self.set_state(self.rebuild_parameter(data, requires_grad, backward_hooks), state)

    def rebuild_from_type(self, func, new_type, args, state):
        plain = (self.rebuild_v1, self.rebuild_v2, self.rebuild_v3)
        if func not in plain or type(args) is not tuple:
            raise pickle.UnpicklingError("_rebuild_from_type_v2 may only rebuild plain tensors")
        t = func(*args)
        if new_type is _PARAMETER_TYPE:
            t = self.rebuild_parameter(t, t._rg, None)
        elif new_type is not _TENSOR_TYPE:
            raise pickle.UnpicklingError("tensor subclasses can't be loaded from PyTorch files")
        return self.set_state(t, state)

    def set_state(self, t, state):
        # Python attributes set on the tensor in PyTorch; torch stores (dict, slots) or a dict.
        if type(state) is tuple and len(state) == 2:
            state = state[0]
        for k, v in (state or {}).items():
            if type(k) is not str or hasattr(type(t), k):
                raise pickle.UnpicklingError(f"tensor attribute {k!r} can't be restored")
            t.__dict__[k] = v
        return t

    def tensor(self, storage, offset, size, stride, requires_grad, dtype):
        if not isinstance(storage, _Storage):
            raise pickle.UnpicklingError("a tensor must be rebuilt from a storage")
        size, stride = tuple(size), tuple(stride)
        if not (_is_int(offset) and all(_is_int(s) for s in size + stride)
                and len(size) == len(stride)):
            raise pickle.UnpicklingError(
                f"malformed tensor geometry offset={offset!r} size={size!r} stride={stride!r}")
        dtype = dtype or storage.dtype
        out = dtype
        if dtype == "bfloat16" and not _has_ml_dtypes():
            out = "float32"  # without ml_dtypes, bfloat16 widens to float32 exactly
        if out not in _TENSOR_DTYPES:
            raise CheckpointError(f"{self.fname} holds a tensor of dtype torch.{dtype}, which "
                                  "dygrad does not support")
        t = _make_tensor(Tensor, np.empty(size, _dtype._BY_NAME[out].np), requires_grad is True)
        self.pending.append((t._data, storage, offset, size, stride, dtype))
        return t

    # -- storage bytes -------------------------------------------------------------------
    def set_raw(self, st, raw):
        if len(raw) != st.numel * np.dtype(_NP_LAYOUT[st.dtype]).itemsize:
            raise CheckpointError(f"{self.fname} is corrupted: storage {st.key} holds {len(raw)} "
                                  f"bytes, expected {st.numel} elements of {st.dtype}")
        self.raw[st.key] = raw

    def finish(self):
        for dest, st, offset, size, stride, dtype in self.pending:
            raw = self.raw.get(st.key)
            if raw is None:
                raise CheckpointError(f"{self.fname} is corrupted: storage {st.key} is missing")
            layout = np.dtype(self.order + _NP_LAYOUT[dtype])
            if raw.size % layout.itemsize:
                raise CheckpointError(f"{self.fname} is corrupted: storage {st.key} is not a "
                                      f"whole number of {dtype} elements")
            elems = raw.view(layout)
            if math.prod(size) == 0:
                continue
            start = st.offset + offset
            # a typed storage (or a legacy view of one) bounds the tensor; an untyped one
            # (_rebuild_tensor_v3) is bounded by its bytes
            end = elems.size if st.dtype != dtype else min(elems.size, st.offset + st.numel)
            if start + sum((n - 1) * s for n, s in zip(size, stride)) >= end:
                raise CheckpointError(f"{self.fname} is corrupted: a tensor of size {list(size)}"
                                      f" at offset {offset} reaches outside its storage")
            src = np.lib.stride_tricks.as_strided(
                elems[start:], size, [s * layout.itemsize for s in stride], writeable=False)
            if dtype == "bfloat16":
                src = (src.view(dest.dtype) if dest.dtype.kind == "V"
                       else (src.astype(np.uint32) << 16).view(np.float32))
            np.copyto(dest, src)
        self.pending.clear()
        self.raw.clear()

    def load_storage(self, st):
        name = f"{self.prefix}data/{st.key}"
        try:
            data = self.zip.read(name)
        except KeyError:
            raise CheckpointError(f"{self.fname} is corrupted: the archive has no {name}") from None
        self.set_raw(st, np.frombuffer(data, np.uint8))

    def unpickle(self, fh, persistent_load=None):
        up = _Unpickler(fh)
        up.reader = self
        up.persistent_load = persistent_load or _no_persistent_ids
        try:
            return up.load()
        except CheckpointError:
            raise
        except Exception as e:  # anything else means malformed pickle data: report it as such
            raise CheckpointError(
                f"{self.fname} is corrupted or not a valid PyTorch checkpoint: its pickle data "
                f"failed to load ({type(e).__name__}: {e})") from e


def load_zip(fh, fname, weights_only, parameter_cls):
    try:
        zf = zipfile.ZipFile(fh)
        names = zf.namelist()
        pkl = [n for n in names if n.endswith("data.pkl") and n.count("/") == 1]
        if not pkl:
            raise CheckpointError(
                f"{fname} is a zip archive without <archive>/data.pkl, so it was not written by "
                "torch.save (TorchScript archives from torch.jit.save are not supported)")
        prefix = pkl[0][:-len("data.pkl")]
        order = "little"
        if prefix + "byteorder" in names:
            order = zf.read(prefix + "byteorder").decode("ascii", "replace").strip()
            if order not in ("little", "big"):
                raise CheckpointError(f"{fname} is corrupted: unknown byte order {order!r}")
        r = _Reader(fname, weights_only, parameter_cls, order)
        r.zip, r.prefix = zf, prefix
        result = r.unpickle(io.BytesIO(zf.read(pkl[0])), r.persistent_load)
        r.finish()
        return result
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error,
            NotImplementedError) as e:
        raise CheckpointError(f"{fname} is corrupted or truncated: it is not a readable zip "
                              f"archive ({e})") from e


def load_legacy(fh, fname, weights_only, parameter_cls):
    r = _Reader(fname, weights_only, parameter_cls)
    if r.unpickle(fh) != _LEGACY_MAGIC:
        raise CheckpointError(f"{fname} is a pickle file but not a PyTorch checkpoint "
                              "(dygrad never loads arbitrary pickles)")
    proto = r.unpickle(fh)
    if proto != _LEGACY_PROTOCOL:
        raise CheckpointError(f"{fname} uses PyTorch legacy protocol {proto!r}; dygrad reads "
                              f"protocol {_LEGACY_PROTOCOL}")
    info = r.unpickle(fh)
    if type(info) is not dict:
        raise CheckpointError(f"{fname} is corrupted: malformed system info {info!r}")
    r.order = "<" if info.get("little_endian", True) else ">"
    result = r.unpickle(fh, lambda pid: r.persistent_load(pid, legacy=True))
    keys = r.unpickle(fh)
    if type(keys) is not list:
        raise CheckpointError(f"{fname} is corrupted: malformed storage key list")
    for key in keys:
        st = r.roots.get(key)
        if st is None:
            raise CheckpointError(f"{fname} is corrupted: storage {key!r} is never used")
        (n,) = struct.unpack(r.order + "q", _read_exact(fh, 8, fname, "storage data"))
        if n != st.numel:
            raise CheckpointError(f"{fname} is corrupted: storage {key} has {n} elements, "
                                  f"expected {st.numel}")
        nbytes = n * np.dtype(_NP_LAYOUT[st.dtype]).itemsize
        raw = np.frombuffer(_read_exact(fh, nbytes, fname, "storage data"), np.uint8)
        r.set_raw(st, raw)
    r.finish()
    return result
