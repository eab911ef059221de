"""dygrad.save / dygrad.load in dygrad's own checkpoint format."""
import collections
import enum
import hashlib
import io
import json
import math
import os
import pickle
import signal
import stat
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dygrad
from dygrad import serialization as S
from dygrad._tensor import Tensor, _wrap
from dygrad.serialization import CheckpointError, UnsafeGlobalError
from dygrad.utils.data import TensorDataset

REPO = Path(dygrad.__file__).resolve().parents[1]


# -- module-level classes (checkpoints name classes by module and qualname) -------------------
class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


INIT_CALLS = []


class Counted:
    def __init__(self):
        INIT_CALLS.append(1)
        self.v = 1


class WithState:
    def __init__(self, v):
        self.v = v
        self.cache = object()  # not saveable: __getstate__ leaves it out

    def __getstate__(self):
        return {"v": self.v}

    def __setstate__(self, state):
        self.v = state["v"]
        self.cache = "rebuilt"


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a):
        self.a = a


class Color(enum.Enum):
    RED = 1
    BLUE = 2


Pair = collections.namedtuple("Pair", "a b")


class MyTensor(Tensor):
    pass


class MyDataset(TensorDataset):  # a user subclass of a dygrad class
    pass


class Node:
    """An nn.Module look-alike: parameters and children in OrderedDicts."""

    def __init__(self, n, child=None):
        self.training = True
        self._parameters = collections.OrderedDict(w=_wrap(np.arange(n, dtype=np.float32), True))
        self._buffers = collections.OrderedDict(count=_wrap(np.array(3, np.int64)))
        self._modules = collections.OrderedDict()
        if child is not None:
            self._modules["child"] = child


@pytest.fixture(autouse=True)
def _clean_allowlist():
    S.clear_safe_globals()
    yield
    S.clear_safe_globals()


def roundtrip(obj, **kw):
    buf = io.BytesIO()
    S.save(obj, buf)
    buf.seek(0)
    return S.load(buf, **kw)


def assert_same(a, b, path="obj"):
    """Equal values with exactly equal types, recursively; tensors by dtype, shape and bits."""
    assert type(a) is type(b), f"{path}: {type(a)} vs {type(b)}"
    if isinstance(a, Tensor):
        assert a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape), path
        assert a.requires_grad == b.requires_grad, path
        np.testing.assert_array_equal(a._data, b._data, err_msg=path)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, dict):
        assert list(a.keys()) == list(b.keys()), path
        for (ka, va), kb in zip(a.items(), b.keys()):
            assert type(ka) is type(kb), f"{path}: key {ka!r}"
            assert_same(va, b[kb], f"{path}[{ka!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), path
    elif isinstance(a, float):
        assert a == b and math.copysign(1, a) == math.copysign(1, b), path
    else:
        assert a == b, path


# -- values ---------------------------------------------------------------------------------
@pytest.mark.parametrize("npdt", [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64,
                                  np.float16, np.float32, np.float64])
def test_tensor_dtypes_shapes_values(npdt):
    rng = np.random.default_rng(0)
    for shape in [(), (0,), (5,), (2, 3, 4), (3, 0, 2)]:
        arr = (rng.standard_normal(shape) * 50).astype(npdt)
        t = _wrap(arr)
        out = roundtrip(t)
        assert_same(out, t)
        assert out._data.flags.writeable


def test_noncontiguous_and_requires_grad():
    base = np.arange(60, dtype=np.float64).reshape(3, 4, 5)
    views = [_wrap(base.transpose(2, 0, 1)), _wrap(base[:, 1:3, ::2]), _wrap(base[::-1]),
             _wrap(np.broadcast_to(base[:1], (4, 4, 5)))]
    out = roundtrip(views)
    for v, o in zip(views, out):
        np.testing.assert_array_equal(o._data, v._data)
    t = dygrad.tensor([1.0, -2.5], requires_grad=True)
    y = t * 2  # a non-leaf saves as a leaf that requires grad, like PyTorch
    lt, ly = roundtrip((t, y))
    assert lt.requires_grad and lt.grad_fn is None and ly.requires_grad and ly.grad_fn is None
    np.testing.assert_array_equal(ly.detach().numpy(), [2.0, -5.0])


def test_numpy_arrays_any_byte_order():
    arrs = [np.arange(6, dtype=">f8").reshape(2, 3), np.arange(4, dtype="<i4")[::2],
            np.array([1 + 2j], np.complex64), np.array([7], np.uint16)]
    out = roundtrip(arrs)
    for a, b in zip(arrs, out):
        assert b.dtype == a.dtype.newbyteorder("=") and b.dtype.isnative
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="dtype object"):
        roundtrip(np.array([None]))


def test_loaded_tensors_are_independent_copies():
    base = np.arange(10, dtype=np.float32)
    a, b = _wrap(base), _wrap(base[2:5])  # share storage: saved as separate copies
    la, lb = roundtrip([a, b])
    la._data[3] = 100
    assert lb._data[1] == 3 and base[3] == 3


def test_state_dict_ordered_dict_and_metadata():
    sd = collections.OrderedDict([("0.weight", _wrap(np.ones((2, 3), np.float32))),
                                  ("0.bias", _wrap(np.zeros(2, np.float32))),
                                  ("1.num_batches_tracked", _wrap(np.array(7, np.int64)))])
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("1", {"version": 2})])
    out = roundtrip(sd)
    assert_same(out, sd)
    assert_same(out._metadata, sd._metadata)


def test_optimizer_state_dict_keeps_int_keys_and_tuples():
    sd = {"state": {0: {"step": _wrap(np.array(3.0, np.float32)),
                        "exp_avg": _wrap(np.full(4, 0.5, np.float32))},
                    1: {"momentum_buffer": None}},
          "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8,
                            "weight_decay": 0, "amsgrad": False, "params": [0, 1],
                            "foreach": None, "name": "group0"}]}
    out = roundtrip(sd)
    assert_same(out, sd)
    assert list(out["state"]) == [0, 1] and type(out["param_groups"][0]["betas"]) is tuple


def test_scalars_and_containers():
    obj = {
        "floats": [0.1, -0.0, 1e308, 5e-324, float("inf"), float("-inf"), float("nan")],
        "ints": [0, -1, 2 ** 63 - 1, -(2 ** 63), 2 ** 63, 2 ** 100, -(2 ** 70), 10 ** 5000],
        "bools": [True, False], "none": None,
        "strs": ["", "héllo ✓", "\ud800 lone surrogate", '"quoted"\n'],
        "bytes": b"\x00\xff", "bytearray": bytearray(b"ab"), "complex": complex(1.5, float("nan")),
        "set": {1, "a", (2, 3)}, "frozenset": frozenset({4}), "tuple": (1, [2], (3,)),
        "keys": {0: "int", "0": "str", (1, 2): "tuple", None: "none", 2.5: "float", True: "b"},
        "np": [np.float64(1.25), np.int32(-3), np.bool_(True), np.arange(6).reshape(2, 3)],
        "dtype": [dygrad.float16, dygrad.int64, dygrad.bool],
        "size": dygrad.Size([2, 3]), "device": dygrad.device("cpu"),
        "dd": collections.defaultdict(list, {"a": [1]}),
    }
    out = roundtrip(obj)
    assert_same({k: v for k, v in out.items() if k not in ("complex", "set", "frozenset", "dd")},
                {k: v for k, v in obj.items() if k not in ("complex", "set", "frozenset", "dd")})
    assert out["complex"].real == 1.5 and math.isnan(out["complex"].imag)
    assert out["set"] == obj["set"] and type(out["frozenset"]) is frozenset
    assert type(out["dd"]) is collections.defaultdict and out["dd"]["missing"] == []
    assert repr(out["size"]) == "torch.Size([2, 3])"
    assert out["dtype"][0] is dygrad.float16


def test_shared_references_and_cycles():
    t = _wrap(np.ones(3, np.float32), True)
    shared = [1, 2]
    cyc = [0]
    cyc.append(cyc)
    d = {"self": None}
    d["self"] = d
    out = roundtrip({"a": t, "b": t, "s1": shared, "s2": shared, "cyc": cyc, "d": d,
                     "tup": (shared, shared)})
    assert out["a"] is out["b"] and out["s1"] is out["s2"]
    assert out["cyc"][1] is out["cyc"] and out["d"]["self"] is out["d"]
    assert out["tup"][0] is out["s1"]


def test_path_bytesio_and_streams(tmp_path):
    p = tmp_path / "ck.pt"
    S.save({"x": 1}, p)
    assert S.load(p) == {"x": 1} and S.load(str(p)) == {"x": 1}
    buf = io.BytesIO()
    S.save([1], buf)
    S.save(_wrap(np.arange(3)), buf)
    buf.seek(0)
    assert S.load(buf) == [1]
    np.testing.assert_array_equal(S.load(buf)._data, [0, 1, 2])

    class ReadOnly:  # no seek/tell/readinto: loads still stream
        def __init__(self, data):
            self.f = io.BytesIO(data)

        def read(self, n=-1):
            return self.f.read(n)

    assert S.load(ReadOnly(buf.getvalue())) == [1]
    with open(p, "rb") as fh:
        assert S.load(fh, map_location="cpu") == {"x": 1}


@pytest.mark.parametrize("loc", [None, "cpu", "cuda:0", dygrad.device("cpu"), {"cuda:0": "cpu"},
                                 lambda storage, loc: storage])
def test_map_location_is_accepted(loc):
    t = _wrap(np.arange(4, dtype=np.float32))
    assert_same(roundtrip({"t": t}, map_location=loc), {"t": t})


def test_save_rejects_bad_targets(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory .* does not exist"):
        S.save(1, tmp_path / "nope" / "x.pt")
    with pytest.raises(IsADirectoryError):
        S.save(1, tmp_path)
    with pytest.raises(TypeError, match="file object"):
        S.save(1, 42)
    with pytest.raises(TypeError, match="binary mode"):
        with open(tmp_path / "t.txt", "w") as fh:
            fh.write("abcdefgh")
        with open(tmp_path / "t.txt") as fh:
            S.load(fh)


# -- objects and the allowlist --------------------------------------------------------------
def test_object_refused_without_allowlist():
    data = io.BytesIO()
    S.save({"p": Point(1, 2)}, data)
    data.seek(0)
    with pytest.raises(UnsafeGlobalError) as ei:
        S.load(data)
    msg = str(ei.value)
    assert f"add_safe_globals([{__name__}.Point])" in msg
    assert f"safe_globals([{__name__}.Point])" in msg and "Nothing from the file was executed" in msg
    assert isinstance(ei.value, pickle.UnpicklingError) and isinstance(ei.value, RuntimeError)
    data.seek(0)
    with pytest.raises(UnsafeGlobalError):  # weights_only=False only helps dygrad subclasses
        S.load(data, weights_only=False)


def test_allowlist_api():
    S.add_safe_globals([Point])
    assert S.get_safe_globals() == [Point]
    out = roundtrip(Point(1, [2.5]))
    assert type(out) is Point and out.x == 1 and out.y == [2.5]
    S.clear_safe_globals()
    assert S.get_safe_globals() == []
    with S.safe_globals([Point, (Counted, "renamed.Counted")]):
        assert S.get_safe_globals() == [Point, (Counted, "renamed.Counted")]
        assert roundtrip(Point(3, 4)).y == 4
    assert S.get_safe_globals() == []
    with pytest.raises(UnsafeGlobalError):
        roundtrip(Point(3, 4))
    with pytest.raises(TypeError):
        S.add_safe_globals([(Point,)])


def test_objects_rebuilt_without_init():
    INIT_CALLS.clear()
    c = Counted()
    c.v = 5
    with S.safe_globals([Counted, WithState, Slotted, Color, Pair, Point]):
        out = roundtrip({"c": c, "w": WithState(7), "s": Slotted(9), "e": [Color.BLUE],
                         "nt": Pair(1, (2,)), "cls": Point, "f": collections.defaultdict(Counted)})
    assert INIT_CALLS == [1]  # only the call above, none while loading
    assert type(out["c"]) is Counted and out["c"].v == 5
    assert out["w"].v == 7 and out["w"].cache == "rebuilt"
    assert out["s"].a == 9 and not hasattr(out["s"], "b")
    assert out["e"][0] is Color.BLUE
    assert type(out["nt"]) is Pair and out["nt"].b == (2,)
    assert out["f"].default_factory is Counted


def test_class_reference_needs_allowlist():
    with pytest.raises(UnsafeGlobalError, match="Point"):
        roundtrip([Point])
    assert roundtrip([int, dict]) == [int, dict]  # built-in types need no allowlisting
    buf = io.BytesIO()
    S.save(collections.defaultdict(int), buf)
    buf.seek(0)
    assert S.load(buf).default_factory is int


def test_model_like_object_graph():
    leaf = Node(2)
    root = Node(3, leaf)
    root.tied = leaf._parameters["w"]  # one tensor under two names stays one tensor
    root.me = root
    with S.safe_globals([Node]):
        out = roundtrip(root)
    assert type(out) is Node and out.me is out and out.training is True
    assert type(out._modules) is collections.OrderedDict
    assert out.tied is out._modules["child"]._parameters["w"]
    assert_same(out._parameters["w"], root._parameters["w"])
    assert_same(out._buffers["count"], root._buffers["count"])


def test_tensor_subclass_and_attributes():
    t = _wrap(np.ones(2, np.float32))
    sub = object.__new__(MyTensor)
    sub._data, sub._rg, sub.grad_fn, sub._vc = np.arange(3.0), True, None, [0]
    sub.tag = "hello"
    t.grad = _wrap(np.ones(2, np.float32))  # gradients are not saved, like PyTorch
    with pytest.raises(UnsafeGlobalError, match="MyTensor"):
        roundtrip(sub)
    with S.safe_globals([MyTensor]):
        out, lt = roundtrip([sub, t])
    assert type(out) is MyTensor and out.requires_grad and out.tag == "hello"
    np.testing.assert_array_equal(out._data, [0, 1, 2])
    assert lt.grad is None


def test_dygrad_classes_load_by_default_and_subclasses_with_weights_only_false():
    ds = TensorDataset(_wrap(np.arange(4.0)))
    out = roundtrip(ds)
    assert type(out) is TensorDataset and len(out) == 4
    sub = MyDataset(_wrap(np.arange(3.0)))
    with pytest.raises(UnsafeGlobalError, match="weights_only=False"):
        roundtrip(sub)
    out = roundtrip(sub, weights_only=False)
    assert type(out) is MyDataset and len(out) == 3


try:
    import dygrad.nn as nn
    nn.Linear, nn.Module, nn.Parameter  # noqa: B018

    class TinyNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)
            self.register_buffer("steps", dygrad.tensor(4))

        def forward(self, x):
            return self.fc(x)
except (ImportError, AttributeError):
    nn = None

needs_nn = pytest.mark.skipif(nn is None, reason="dygrad.nn is not available yet")


@needs_nn
def test_whole_nn_model():
    model = TinyNet()
    buf = io.BytesIO()
    S.save(model, buf)
    buf.seek(0)
    with pytest.raises(UnsafeGlobalError, match="TinyNet"):
        S.load(buf)
    for kw in ({"weights_only": False}, {}):
        buf.seek(0)
        with S.safe_globals([] if kw else [TinyNet]):
            out = S.load(buf, **kw)
        assert type(out) is TinyNet and type(out.fc) is nn.Linear
        assert type(out.fc.weight) is nn.Parameter and out.fc.weight.requires_grad
        x = dygrad.randn(5, 3)
        np.testing.assert_array_equal(out(x).detach().numpy(), model(x).detach().numpy())
        assert_same(dict(out.state_dict()), dict(model.state_dict()))
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    out = roundtrip(seq)  # dygrad's own classes load by default
    assert type(out) is nn.Sequential and type(out[0]) is nn.Linear


@needs_nn
def test_training_checkpoint_with_dygrad_optimizer(tmp_path):
    try:
        from dygrad import optim
        model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1))
        opt = optim.Adam(model.parameters(), lr=1e-2, betas=(0.8, 0.99))
    except (ImportError, AttributeError):
        pytest.skip("dygrad.nn/optim layers are not all available yet")
    x = dygrad.randn(8, 3)
    for _ in range(2):
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()
    p = tmp_path / "ck.pt"
    S.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 2}, p)
    ck = S.load(p)
    assert_same(ck["model"], model.state_dict())
    assert_same(ck["opt"], opt.state_dict())
    model2 = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1))
    opt2 = optim.Adam(model2.parameters(), lr=1e-2, betas=(0.8, 0.99))
    model2.load_state_dict(ck["model"])
    opt2.load_state_dict(ck["opt"])
    for m, o in ((model, opt), (model2, opt2)):  # resuming continues identically
        o.zero_grad()
        m(x).pow(2).mean().backward()
        o.step()
    assert_same(model2.state_dict(), model.state_dict())


@needs_nn
def test_model_and_optimizer_objects_stay_linked():
    from dygrad import optim
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(dygrad.randn(4, 3)).sum().backward()
    opt.step()
    out = roundtrip({"model": model, "opt": opt})
    w = out["model"].weight
    assert out["opt"].param_groups[0]["params"][0] is w  # one Parameter object, as in memory
    assert type(out["opt"].state) is collections.defaultdict and w in out["opt"].state
    assert_same(out["opt"].state[w]["momentum_buffer"], opt.state[model.weight]["momentum_buffer"])


@needs_nn
def test_parameter_roundtrip():
    p = nn.Parameter(dygrad.ones(3))
    q = nn.Parameter(dygrad.zeros(2), requires_grad=False)
    lp, lq = roundtrip([p, q])
    assert type(lp) is nn.Parameter and lp.requires_grad
    assert type(lq) is nn.Parameter and not lq.requires_grad


# -- save-time refusals ---------------------------------------------------------------------
def _local_class():
    class Local:
        pass
    return Local()


def _local_function():
    def f(x):
        return x
    return f


@pytest.mark.parametrize("value, match", [
    (lambda x: x, r"obj\.fn .*lambda or a local function.*saved by name, never as code"),
    ([].append, r"obj\.fn .*bound methods"),
    (_local_function(), r"obj\.fn .*'_local_function.<locals>.f' is a lambda or a local function"),
    (os, r"obj\.fn .*modules"),
    (iter([1]), r"obj\.fn .*only plain Python objects"),
    ((i for i in range(2)), r"obj\.fn .*never code"),
    (_local_class(), r"local class"),
    (type("Sub", (dict,), {})(), r"subclasses of dict"),
    (io.BytesIO(), r"only plain Python objects"),
])
def test_save_refuses_code_and_unsupported_values(tmp_path, value, match):
    holder = Point(1, 2)
    holder.fn = value
    target = tmp_path / "model.pt"
    with pytest.raises(TypeError, match=match):
        S.save(holder, target)
    assert list(tmp_path.iterdir()) == []  # nothing written, no temp file left


def test_save_error_names_nested_path():
    with pytest.raises(TypeError, match=r"obj\['layers'\]\[1\]\.act"):
        p = Point(0, 0)
        p.act = lambda x: x
        S.save({"layers": [1, p]}, io.BytesIO())


# -- integrity ------------------------------------------------------------------------------
def _sample_bytes():
    buf = io.BytesIO()
    S.save({"w": _wrap(np.arange(12, dtype=np.float32).reshape(3, 4)), "step": 5,
            "b": _wrap(np.array([True, False]))}, buf)
    return buf.getvalue()


def test_every_truncation_is_detected(tmp_path):
    data = _sample_bytes()
    for n in range(len(data)):
        with pytest.raises(CheckpointError, match="truncated|empty|corrupted"):
            S.load(io.BytesIO(data[:n]))
    p = tmp_path / "cut.pt"
    p.write_bytes(data[: len(data) - 10])
    with pytest.raises(CheckpointError) as ei:
        S.load(p)
    assert str(p) in str(ei.value) and "truncated" in str(ei.value)
    assert f"expected {len(data)} bytes" in str(ei.value)


def test_every_bit_flip_is_detected(tmp_path):
    data = _sample_bytes()
    for i in range(len(data)):
        bad = bytearray(data)
        bad[i] ^= 1 << (i % 8)
        with pytest.raises(CheckpointError):
            S.load(io.BytesIO(bytes(bad)))
    bad = bytearray(data)
    bad[-40] ^= 0x10  # inside the tensor data
    p = tmp_path / "flip.pt"
    p.write_bytes(bytes(bad))
    with pytest.raises(CheckpointError, match="corrupted: the tensor data checksum") as ei:
        S.load(p)
    assert str(p) in str(ei.value)


def test_not_a_checkpoint(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes(b"hello world")
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        S.load(p)
    p.write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty"):
        S.load(p)
    with pytest.raises(FileNotFoundError):
        S.load(tmp_path / "missing.pt")


# -- hand-written files: the documented format, and hostile headers -------------------------
def craft(root, arrays=(), payload=b"", version=1, **extra):
    meta = {"format": "dygrad.checkpoint", "version": version, "byteorder": "little",
            "payload_size": len(payload), "arrays": list(arrays), "root": root, **extra}
    header = json.dumps(meta).encode()
    header += b" " * (-len(header) % 64)
    fields = struct.pack("<8sIIQQ", b"\x89DYGRAD\n", version, 0, len(header), len(payload))
    return (fields + hashlib.sha256(fields + header).digest() + header + payload
            + hashlib.sha256(payload).digest())


def test_handwritten_file_follows_the_documentation():
    payload = np.array([1.5, -2.0], "<f4").tobytes()
    root = {"$": "odict", "id": 0, "items": [
        ["w", {"$": "tensor", "id": 1, "array": 0, "requires_grad": True}],
        [3, {"$": "tuple", "items": [0.5, {"$": "float", "v": "inf"}]}],
        ["again", {"$": "ref", "id": 1}]]}
    out = S.load(io.BytesIO(craft(root, [{"dtype": "float32", "shape": [2], "offset": 0,
                                          "nbytes": 8}], payload)))
    assert type(out) is collections.OrderedDict and list(out) == ["w", 3, "again"]
    assert out["w"] is out["again"] and out["w"].requires_grad
    np.testing.assert_array_equal(out["w"]._data, [1.5, -2.0])
    assert out[3] == (0.5, math.inf)


@pytest.mark.parametrize("cls", [["os", "system"], ["posix", "system"], ["builtins", "eval"],
                                 ["subprocess", "Popen"], ["dygrad.serialization", "_lookup"],
                                 ["dygrad.serialization", "np.ndarray"],
                                 ["dygrad.serialization", "os.system"],
                                 ["dygrad", "__builtins__.eval"], ["dygrad.nonexistent", "X"],
                                 ["dygrad", "../os"], [f"{__name__}", "Point"]])
@pytest.mark.parametrize("kind", ["object", "class", "tensor", "factory"])
def test_hostile_class_names_are_refused(tmp_path, cls, kind):
    marker = tmp_path / "pwned"
    if kind == "object":
        root = {"$": "object", "id": 0, "cls": cls, "state": f"touch {marker}"}
    elif kind == "class":
        root = {"$": "class", "cls": cls}
    elif kind == "tensor":
        root = {"$": "tensor", "id": 0, "array": 0, "requires_grad": False, "cls": cls}
    else:
        root = {"$": "defaultdict", "id": 0, "factory": {"$": "class", "cls": cls}, "items": []}
    data = craft(root, [{"dtype": "float32", "shape": [], "offset": 0, "nbytes": 4}], bytes(4))
    for wo in (None, True, False):
        with pytest.raises(UnsafeGlobalError, match="refused"):
            S.load(io.BytesIO(data), weights_only=wo)
    assert not marker.exists()


@pytest.mark.parametrize("root, arrays, payload, match", [
    ({"$": "nope"}, [], b"", "unknown node type"),
    ({"$": "ref", "id": 3}, [], b"", "could not rebuild"),
    ({"$": "tensor", "id": 0, "array": 0, "requires_grad": False},
     [{"dtype": "uint16", "shape": [1], "offset": 0, "nbytes": 2}], bytes(2), "can't have dtype"),
    ({"$": "tensor", "id": 0, "array": 0, "requires_grad": False,
      "cls": ["dygrad._tensor", "Size"]},
     [{"dtype": "float32", "shape": [1], "offset": 0, "nbytes": 4}], bytes(4), "not a Tensor"),
    ({"$": "object", "id": 0, "cls": ["dygrad._tensor", "Size"], "state": None}, [], b"",
     "can't be rebuilt"),
    ({"$": "tensor", "id": 0, "array": 0, "requires_grad": False},
     [{"dtype": "float32", "shape": [-1], "offset": 0, "nbytes": 4}], bytes(4), "malformed array"),
    (None, [{"dtype": "object", "shape": [1], "offset": 0, "nbytes": 8}], bytes(8), "malformed"),
    (None, [{"dtype": "float32", "shape": [3], "offset": 0, "nbytes": 4}], bytes(4), "byte count"),
    (None, [{"dtype": "float32", "shape": [1], "offset": 8, "nbytes": 4}], bytes(4), "outside"),
    ({"$": "float", "v": "1e999"}, [], b"", "bad float"),
    ({"$": "dict", "id": 0, "items": [[[1], 2]]}, [], b"", "could not rebuild"),
    ({"$": "dict", "id": 0, "items": [[{"$": "list", "id": 1, "items": []}, 2]]}, [], b"",
     "unhashable"),
])
def test_malformed_headers_raise_checkpoint_error(root, arrays, payload, match):
    with pytest.raises(CheckpointError, match=match):
        S.load(io.BytesIO(craft(root, arrays, payload)))


def test_unsupported_version_and_bad_json():
    with pytest.raises(CheckpointError, match="format version 2"):
        S.load(io.BytesIO(craft(None, version=2)))
    data = bytearray(craft(None))
    header_len = struct.unpack_from("<Q", data, 16)[0]
    data[64:64 + header_len] = b"{" + b" " * (header_len - 1)
    fields = bytes(data[:32])
    data[32:64] = hashlib.sha256(fields + bytes(data[64:64 + header_len])).digest()
    with pytest.raises(CheckpointError, match="malformed header"):
        S.load(io.BytesIO(bytes(data)))


# -- atomic writes --------------------------------------------------------------------------
def test_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    p = tmp_path / "ck.pt"
    S.save({"v": 1}, p)
    before = p.read_bytes()

    def boom():
        raise KeyboardInterrupt

    monkeypatch.setattr(S, "_after_chunk", boom)
    with pytest.raises(KeyboardInterrupt):
        S.save({"v": _wrap(np.ones(10, np.float32))}, p)
    assert p.read_bytes() == before and [f.name for f in tmp_path.iterdir()] == ["ck.pt"]


@pytest.mark.skipif(not hasattr(os, "fchmod"), reason="POSIX permissions")
def test_overwrite_keeps_permissions_and_follows_symlinks(tmp_path):
    p = tmp_path / "ck.pt"
    S.save(1, p)
    os.chmod(p, 0o600)
    S.save(2, p)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600 and S.load(p) == 2
    link = tmp_path / "latest.pt"
    link.symlink_to(p)
    S.save(3, link)
    assert link.is_symlink() and S.load(p) == 3


_KILLED_WRITER = """
import sys
import numpy as np
from dygrad import serialization as S
from dygrad._tensor import _wrap

def pause():
    print("mid-write", flush=True)  # tell the test, then block until it kills us
    sys.stdin.read()

S._CHUNK = 4096
S._after_chunk = pause
S.save({"w": _wrap(np.full(100000, 2.0, np.float32))}, sys.argv[1])
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9")
def test_kill_9_mid_write_leaves_previous_checkpoint(tmp_path):
    p = tmp_path / "ck.pt"
    old = {"w": _wrap(np.full(10, 1.0, np.float32)), "epoch": 1}
    S.save(old, p)
    before = p.read_bytes()
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(p)], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        # a blocking read: the writer's line says it is mid-write; EOF says it died first
        assert proc.stdout.readline() == "mid-write\n", "the writer exited before the pause"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdin.close()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    tmps = [f for f in tmp_path.iterdir() if f.name.startswith(".ck.pt.")]
    assert len(tmps) == 1 and 0 < tmps[0].stat().st_size < 400000  # a partial new file
    assert p.read_bytes() == before
    assert_same(S.load(p), old)
    with pytest.raises(CheckpointError, match="truncated"):
        S.load(tmps[0])


def test_manifest_claiming_an_impossible_payload_is_a_checkpoint_error():
    # a header (with a valid checksum) that claims a petabyte of tensor data must end as a
    # CheckpointError, also from a stream whose length is unknown, never as a huge allocation
    import hashlib
    import io
    import json
    from dygrad.serialization import CheckpointError, MAGIC, _PREFIX
    buf = io.BytesIO()
    dygrad.save({"w": dygrad.ones(4)}, buf)
    raw = buf.getvalue()
    _, ver, flags, hlen, _ = _PREFIX.unpack(raw[:_PREFIX.size])
    header = json.loads(raw[64:64 + hlen])
    big = 1 << 50
    header["payload_size"] = big
    header["arrays"][0].update(shape=[big // 4], nbytes=big)
    h = json.dumps(header).encode("ascii")
    fields = _PREFIX.pack(MAGIC, ver, flags, len(h), big)
    crafted = fields + hashlib.sha256(fields + h).digest() + h + raw[64 + hlen:]

    class Stream(io.RawIOBase):  # readable, not seekable (a pipe, a socket)
        def __init__(self, b):
            self.b = io.BytesIO(b)

        def readable(self):
            return True

        def readinto(self, m):
            return self.b.readinto(m)

        def seekable(self):
            return False

        def tell(self):
            raise OSError("not seekable")

        def seek(self, *a):
            raise OSError("not seekable")

    for src in (io.BytesIO(crafted), Stream(crafted)):
        with pytest.raises(CheckpointError, match="truncated"):
            dygrad.load(src)
    out = dygrad.load(Stream(raw))  # a valid checkpoint still loads from such a stream, writable
    out["w"].add_(1)
    assert out["w"].tolist() == [2.0] * 4


# -- functions saved by reference (whole models: a TransformerEncoderLayer holds F.relu) -------
def user_activation(x):
    """A module-level function of the user's: saved by name, loaded only when allowlisted."""
    return x * 0.5


@pytest.mark.parametrize("activation", ["relu", "gelu", "F.gelu", "dygrad.tanh"])
def test_whole_transformer_layer_round_trip(tmp_path, activation):
    nn, F = dygrad.nn, dygrad.nn.functional
    act = {"F.gelu": F.gelu, "dygrad.tanh": dygrad.tanh}.get(activation, activation)
    dygrad.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=act).eval()
    x = dygrad.randn(3, 2, 8)
    dygrad.save(layer, tmp_path / "layer.pt")
    for wo in (False, None, True):  # dygrad's classes and tensor functions need no allowlist
        back = dygrad.load(tmp_path / "layer.pt", weights_only=wo)
        assert type(back) is nn.TransformerEncoderLayer
        assert back.activation is layer.activation  # the very function, found by its name
        np.testing.assert_array_equal(back(x).detach().numpy(), layer(x).detach().numpy())
    raw = (tmp_path / "layer.pt").read_bytes()
    name = {"relu": "relu", "gelu": "gelu", "F.gelu": "gelu"}.get(activation)
    ref = ["dygrad.nn.functional", name] if name else ["dygrad", "tanh"]
    assert json.dumps({"$": "function", "ref": ref}, separators=(",", ":")).encode() in raw


def test_whole_transformer_layer_parity_with_torch(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    ref = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu").eval()
    layer = dygrad.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu").eval()
    layer.load_state_dict({k: dygrad.tensor(v.numpy()) for k, v in ref.state_dict().items()})
    dygrad.save(layer, tmp_path / "layer.pt")
    back = dygrad.load(tmp_path / "layer.pt", weights_only=False)
    x = np.random.default_rng(0).standard_normal((3, 2, 8)).astype(np.float32)
    np.testing.assert_allclose(back(dygrad.tensor(x)).detach().numpy(),
                               ref(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert list(back.state_dict()) == list(ref.state_dict())


class UserNet(dygrad.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = dygrad.nn.Linear(2, 2)
        self.act = user_activation

    def forward(self, x):
        return self.act(self.lin(x))


def test_user_function_loads_only_when_allowlisted(tmp_path):
    net = UserNet()
    dygrad.save(net, tmp_path / "net.pt")
    with pytest.raises(UnsafeGlobalError) as info:  # the user's module class loads, not its fn
        dygrad.load(tmp_path / "net.pt", weights_only=False)
    msg = str(info.value)
    assert f"refused the function {__name__}.user_activation" in msg
    assert f"safe_globals([{__name__}.user_activation])" in msg
    assert "Nothing from the file was executed" in msg
    with S.safe_globals([user_activation]):
        back = dygrad.load(tmp_path / "net.pt", weights_only=False)
    x = dygrad.randn(3, 2)
    assert back.act is user_activation
    np.testing.assert_array_equal(back(x).detach().numpy(), net(x).detach().numpy())
    with pytest.raises(UnsafeGlobalError, match="user_activation"):
        dygrad.load(tmp_path / "net.pt", weights_only=False)  # the with-block's allowlist is gone
    S.add_safe_globals([user_activation, Point])
    try:
        assert dygrad.load(tmp_path / "net.pt", weights_only=False).act is user_activation
        holder = Point(1, user_activation)  # weights_only=True: everything allowlisted loads
        dygrad.save(holder, tmp_path / "p.pt")
        assert dygrad.load(tmp_path / "p.pt", weights_only=True).y is user_activation
    finally:
        S.clear_safe_globals()


def test_functions_in_containers_and_builtins_by_reference(tmp_path):
    F = dygrad.nn.functional
    obj = {"acts": [F.relu, F.silu, dygrad.add], "len": len, "again": F.relu}
    dygrad.save(obj, tmp_path / "d.pt")
    with pytest.raises(UnsafeGlobalError, match="function builtins.len"):
        dygrad.load(tmp_path / "d.pt")
    with S.safe_globals([len]):
        back = dygrad.load(tmp_path / "d.pt")
    assert back == obj


@pytest.mark.parametrize("ref", [["os", "system"], ["posix", "system"], ["builtins", "eval"],
                                 ["subprocess", "call"], ["dygrad.serialization", "save"],
                                 ["dygrad", "manual_seed"], ["dygrad", "set_default_dtype"],
                                 ["dygrad.serialization", "_atomic_write"],
                                 ["dygrad.serialization", "os.system"],
                                 ["dygrad.nn.functional", "os.system"],
                                 ["dygrad", "nn.Linear"], ["dygrad", "__builtins__.eval"],
                                 ["dygrad", "../os"], ["dygrad.nonexistent", "relu"],
                                 [f"{__name__}", "user_activation"]])
def test_hostile_function_names_are_refused(tmp_path, ref):
    # a tampered file naming a dangerous function is refused before anything else happens
    root = {"$": "object", "id": 0, "cls": ["dygrad.nn.modules.activation", "ReLU"],
            "state": {"$": "dict", "id": None, "items": [["hook", {"$": "function", "ref": ref}]]}}
    data = craft(root)
    for wo in (None, True, False):
        with pytest.raises(UnsafeGlobalError, match="refused the function"):
            dygrad.load(io.BytesIO(data), weights_only=wo)


def test_saved_function_reference_loads_from_its_module_path():
    F = dygrad.nn.functional
    # pickle's spelling (the defining module) resolves too, to the same public function
    root = {"$": "list", "id": 0, "items": [
        {"$": "function", "ref": [F.relu.__module__, "relu"]},
        {"$": "function", "ref": ["dygrad.nn.functional", "gelu"]}]}
    assert dygrad.load(io.BytesIO(craft(root))) == [F.relu, F.gelu]
