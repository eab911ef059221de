"""dygrad.load reading PyTorch's own files (zip and legacy), and refusing hostile pickles."""
import collections
import io
import os
import pickle
import subprocess
import zipfile

import numpy as np
import pytest

from dygrad import serialization as S
from dygrad._tensor import Tensor
from dygrad.serialization import CheckpointError, UnsafeGlobalError

try:  # the parity oracle; the tests marked requires_torch skip without it
    import torch
except ImportError:
    torch = None


class Cfg:  # a user class pickled into a torch file
    def __init__(self, depth):
        self.depth = depth


@pytest.fixture(autouse=True)
def _clean_allowlist():
    S.clear_safe_globals()
    yield
    S.clear_safe_globals()


@pytest.fixture(params=["zip", "legacy"])
def fmt(request):
    return request.param


def tsave(obj, fmt="zip"):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=(fmt == "zip"))
    buf.seek(0)
    return buf


def assert_matches(ours, theirs, path="obj"):
    """A dygrad load equals the torch object: types, keys, and tensors bit for bit."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, Tensor), path
        ref = theirs.detach().numpy()
        assert ours._data.dtype == ref.dtype and ours._data.shape == ref.shape, path
        np.testing.assert_array_equal(ours._data, ref, err_msg=path)
        assert ours.requires_grad == theirs.requires_grad, path
        return
    assert type(ours) is type(theirs), f"{path}: {type(ours)} vs {type(theirs)}"
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs), path
        for k in theirs:
            assert_matches(ours[k], theirs[k], f"{path}[{k!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_matches(a, b, f"{path}[{i}]")
    else:
        assert ours == theirs, path


def trained_model_and_optimizer():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
                                torch.nn.Linear(8, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2, betas=(0.8, 0.99))
    for _ in range(2):
        opt.zero_grad()
        model(torch.randn(16, 4)).pow(2).mean().backward()
        opt.step()
    return model, opt


# -- real torch.save files ------------------------------------------------------------------
@pytest.mark.requires_torch
def test_single_tensor(fmt):
    t = torch.randn(3, 4)
    assert_matches(S.load(tsave(t, fmt)), t)


@pytest.mark.requires_torch
def test_state_dict(fmt):
    model, _ = trained_model_and_optimizer()
    sd = model.state_dict()
    out = S.load(tsave(sd, fmt))
    assert_matches(out, sd)
    nbt = out["1.num_batches_tracked"]
    assert nbt._data.dtype == np.int64 and nbt._data.shape == () and int(nbt._data) == 2
    assert out._metadata == sd._metadata  # the per-module version info survives


@pytest.mark.requires_torch
def test_training_checkpoint(fmt):
    model, opt = trained_model_and_optimizer()
    ck = {"model_state_dict": model.state_dict(), "optimizer_state_dict": opt.state_dict(),
          "epoch": 3, "loss": 0.125, "note": b"bytes\x00", "tags": {"a", "b"}}
    out = S.load(tsave(ck, fmt))
    assert_matches(out, ck)
    osd = out["optimizer_state_dict"]
    assert list(osd["state"]) == [0, 1, 2, 3, 4, 5]  # int keys stay ints
    assert osd["param_groups"][0]["betas"] == (0.8, 0.99)
    assert type(osd["param_groups"][0]["betas"]) is tuple


@pytest.mark.requires_torch
def test_views_strides_and_offsets(fmt):
    base = torch.arange(60, dtype=torch.float64).reshape(3, 4, 5)
    views = {"base": base, "T": base.transpose(0, 2), "slice": base[1:, ::2, 1:4],
             "offset": base.view(-1)[7:19], "expanded": torch.ones(3, 1).expand(3, 4),
             "scalar": base[2, 3, 4], "empty": base[:, :0], "neg_like": base.flip(0)}
    out = S.load(tsave(views, fmt))
    assert_matches(out, views)
    out["slice"]._data[0, 0, 0] = -1  # every tensor owns a copy
    assert out["base"]._data[1, 0, 1] == 21


@pytest.mark.requires_torch
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int64", "int32", "int16", "int8",
                                   "uint8", "bool"])
def test_dtypes(fmt, dtype):
    t = (torch.randn(2, 5) * 100).to(getattr(torch, dtype))
    assert_matches(S.load(tsave({"t": t, "col": t[:, 1]}, fmt)), {"t": t, "col": t[:, 1]})


@pytest.mark.requires_torch
def test_torch_state_dict_drives_a_dygrad_model(fmt):
    """A state_dict written by PyTorch loads into the same dygrad architecture."""
    try:
        import dygrad
        from dygrad import nn
        ours = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    except (ImportError, AttributeError):
        pytest.skip("dygrad.nn with Linear/BatchNorm1d/ReLU/Sequential is not available yet")
    model, _ = trained_model_and_optimizer()
    ours.load_state_dict(S.load(tsave(model.state_dict(), fmt)))
    model.eval()
    ours.eval()
    x = torch.randn(5, 4)
    with torch.no_grad():
        ref = model(x).numpy()
    np.testing.assert_allclose(ours(dygrad.from_numpy(x.numpy())).detach().numpy(), ref,
                               rtol=1e-6, atol=1e-6)
    assert int(ours[1].num_batches_tracked) == 2


@pytest.mark.requires_torch
def test_bfloat16_loads_as_bfloat16_and_unsupported_dtypes_fail(fmt, monkeypatch):
    t = torch.tensor([[1.5, -2.25], [3e38, 1e-30]]).to(torch.bfloat16).t()  # strided
    out = S.load(tsave(t, fmt))
    assert out.dtype.name == "bfloat16"
    np.testing.assert_array_equal(out.float()._data, t.float().numpy())
    # without ml_dtypes, bfloat16 widens to float32 exactly
    from dygrad import _pt_reader
    monkeypatch.setattr(_pt_reader, "_has_ml_dtypes", lambda: False)
    out = S.load(tsave(t, fmt))
    assert out._data.dtype == np.float32
    np.testing.assert_array_equal(out._data, t.float().numpy())
    for bad in (torch.zeros(2, dtype=torch.uint16), torch.zeros(2, dtype=torch.complex64)):
        with pytest.raises(CheckpointError, match=r"torch\.(uint16|complex64)"):
            S.load(tsave(bad, fmt))


@pytest.mark.requires_torch
def test_parameters_and_requires_grad(fmt):
    p = torch.nn.Parameter(torch.randn(3))
    frozen = torch.nn.Parameter(torch.randn(2), requires_grad=False)
    out = S.load(tsave({"p": p, "frozen": frozen, "rg": torch.ones(2, requires_grad=True)}, fmt))
    assert out["p"].requires_grad and not out["frozen"].requires_grad and out["rg"].requires_grad
    np.testing.assert_array_equal(out["p"]._data, p.detach().numpy())
    try:
        from dygrad.nn import Parameter
    except ImportError:
        return
    assert type(out["p"]) is Parameter and type(out["frozen"]) is Parameter


@pytest.mark.requires_torch
def test_tensor_with_python_attribute():
    t = torch.ones(2)
    t.note = "hi"  # torch pickles this through _rebuild_from_type_v2
    out = S.load(tsave(t))
    assert out.note == "hi"


@pytest.mark.requires_torch
def test_misc_values(fmt):
    obj = {"dt": torch.float16, "dev": torch.device("cpu"), "size": torch.Size([2, 3]),
           "c": 1 + 2j, "fs": frozenset({1}), "ba": bytearray(b"x"), "none": None,
           "od": collections.OrderedDict(a=1), "counter": collections.Counter("aab")}
    out = S.load(tsave(obj, fmt))
    assert repr(out["dt"]) == "torch.float16" and str(out["dev"]) == "cpu"
    assert tuple(out["size"]) == (2, 3) and out["c"] == 1 + 2j and out["fs"] == frozenset({1})
    assert out["ba"] == bytearray(b"x") and out["od"] == {"a": 1} and out["counter"]["a"] == 2


@pytest.mark.requires_torch
def test_paths_and_streams(tmp_path, fmt):
    t = torch.arange(5)
    p = tmp_path / "m.pth"
    torch.save(t, p, _use_new_zipfile_serialization=(fmt == "zip"))
    assert_matches(S.load(p, map_location="cuda:0"), t)
    assert_matches(S.load(str(p), map_location=lambda s, loc: s, weights_only=True), t)

    class Stream:  # not seekable
        def __init__(self, data):
            self.f = io.BytesIO(data)

        def read(self, n=-1):
            return self.f.read(n)

        def readline(self):
            return self.f.readline()

    assert_matches(S.load(Stream(p.read_bytes())), t)


@pytest.mark.requires_torch
def test_big_endian_archive():
    """A zip whose byteorder record says big: storages are byte-swapped."""
    src = zipfile.ZipFile(tsave({"f": torch.tensor([1.5, -2.0]), "i": torch.tensor([1, 256])}))
    dtypes = {"0": ">f4", "1": ">i8"}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            data = src.read(info)
            key = info.filename.rpartition("/")[2]
            if info.filename.endswith("/byteorder"):
                data = b"big"
            elif "/data/" in info.filename:
                data = np.frombuffer(data, dtypes[key].replace(">", "<")).astype(dtypes[key])
                data = data.tobytes()
            z.writestr(info, data)
    out.seek(0)
    res = S.load(out)
    np.testing.assert_array_equal(res["f"]._data, [1.5, -2.0])
    np.testing.assert_array_equal(res["i"]._data, [1, 256])


@pytest.mark.requires_torch
def test_allowlisted_user_class_in_torch_file():
    buf = tsave({"cfg": Cfg(4)})
    with pytest.raises(UnsafeGlobalError, match=f"{__name__}.Cfg"):
        S.load(buf)
    buf.seek(0)
    with S.safe_globals([Cfg]):
        out = S.load(buf)
    assert type(out["cfg"]) is Cfg and out["cfg"].depth == 4


@pytest.mark.requires_torch
def test_numpy_values_need_allowlisting_like_torch():
    buf = tsave({"acc": np.float64(0.5), "arr": np.arange(3)})
    with pytest.raises(UnsafeGlobalError, match=r"numpy\S*multiarray\.scalar"):
        S.load(buf)
    buf.seek(0)
    mod = np.core.multiarray if not hasattr(np, "_core") else np._core.multiarray
    allowed = [mod.scalar, mod._reconstruct, np.dtype, np.ndarray, type(np.dtype(np.float64)),
               type(np.dtype(np.int64))]
    with S.safe_globals(allowed):
        out = S.load(buf)
    assert out["acc"] == 0.5 and type(out["acc"]) is np.float64
    np.testing.assert_array_equal(out["arr"], [0, 1, 2])


@pytest.mark.requires_torch
def test_pickled_torch_module_is_refused_with_a_hint(fmt):
    with pytest.raises(UnsafeGlobalError, match=r"torch\.nn\.modules\.linear\.Linear.*state_dict"):
        S.load(tsave(torch.nn.Linear(2, 2), fmt), weights_only=False)


# -- corruption -----------------------------------------------------------------------------
@pytest.mark.requires_torch
def test_truncated_and_corrupted_torch_files(tmp_path):
    data = tsave({"w": torch.arange(100, dtype=torch.float32)}).getvalue()
    p = tmp_path / "cut.pt"
    for n in (10, len(data) // 2, len(data) - 5):
        p.write_bytes(data[:n])
        with pytest.raises(CheckpointError, match="corrupted|truncated") as ei:
            S.load(p)
        assert str(p) in str(ei.value)
    i = data.index(np.arange(100, dtype=np.float32)[50:52].tobytes())
    bad = bytearray(data)
    bad[i] ^= 0x04  # one bit inside the storage: the zip CRC catches it
    with pytest.raises(CheckpointError, match="corrupted"):
        S.load(io.BytesIO(bytes(bad)))
    legacy = tsave({"w": torch.arange(100, dtype=torch.float32)}, "legacy").getvalue()
    for n in (1, 30, len(legacy) - 5):
        with pytest.raises(CheckpointError, match="corrupted|truncated"):
            S.load(io.BytesIO(legacy[:n]))


# -- hostile files --------------------------------------------------------------------------
class _Storage:
    def __init__(self, key, numel, stype=None):
        self.key, self.numel, self.stype = key, numel, stype


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", obj.stype or torch.FloatStorage, obj.key, "cpu", obj.numel)
        return None


class _Reduce:
    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def torch_zip(obj, storages=None):
    """A torch-style archive around a pickle we control."""
    pkl = io.BytesIO()
    _Pickler(pkl, protocol=2).dump(obj)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("archive/data.pkl", pkl.getvalue())
        z.writestr("archive/byteorder", "little")
        for k, v in (storages or {}).items():
            z.writestr(f"archive/data/{k}", v)
        z.writestr("archive/version", "3\n")
    out.seek(0)
    return out


def legacy_stream(obj):
    out = io.BytesIO()
    for head in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}):
        pickle.dump(head, out, protocol=2)
    _Pickler(out, protocol=2).dump(obj)
    pickle.dump([], out, protocol=2)
    out.seek(0)
    return out


def payloads(marker):
    cmd = f"touch {marker}"
    return {
        "os.system": _Reduce(os.system, cmd),
        "eval": _Reduce(eval, f"__import__('os').system({cmd!r})"),
        "Popen": _Reduce(subprocess.Popen, ["touch", str(marker)]),
        "exec-in-tensor-args": _Reduce(torch._utils._rebuild_tensor_v2, _Reduce(os.system, cmd),
                                       0, (1,), (1,), False, collections.OrderedDict()),
    }


@pytest.mark.requires_torch
@pytest.mark.parametrize("name", ["os.system", "eval", "Popen", "exec-in-tensor-args"])
@pytest.mark.parametrize("container", ["zip", "raw-pickle", "legacy", "torch.save",
                                       "protocol-0", "protocol-4"])
def test_malicious_payloads_never_run(tmp_path, name, container):
    marker = tmp_path / "pwned"
    evil = payloads(marker)[name]
    if container == "zip":
        f = torch_zip({"w": evil})
    elif container == "raw-pickle":
        f = io.BytesIO(pickle.dumps(evil, protocol=2))
    elif container == "legacy":
        f = legacy_stream({"w": evil})
    elif container == "torch.save":
        f = tsave({"w": evil})  # a real torch-written file carrying the payload
    else:
        f = _rezip(pickle.dumps({"w": evil}, protocol=int(container[-1])))
    for wo in (None, False):
        f.seek(0)
        with pytest.raises(UnsafeGlobalError) as ei:
            S.load(f, weights_only=wo)
        assert isinstance(ei.value, pickle.UnpicklingError)
        assert "refused" in str(ei.value) and "Nothing from the file was executed" in str(ei.value)
    assert not marker.exists()


def test_refusal_names_the_global(tmp_path):
    marker = tmp_path / "pwned"
    for raw, name in [(pickle.dumps(_Reduce(os.system, f"touch {marker}"), 2), "posix.system"),
                      (b"(S'touch " + str(marker).encode() + b"'\nios\nsystem\n.", "os.system"),
                      (b"cbuiltins\neval\n(S'1'\ntR.", "builtins.eval")]:
        with pytest.raises(UnsafeGlobalError, match=name.replace(".", r"\.")):
            S.load(_rezip(raw))
    assert not marker.exists()


def _rezip(raw):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("archive/data.pkl", raw)
    out.seek(0)
    return out


def test_plain_pickles_are_not_loaded():
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint"):
        S.load(io.BytesIO(pickle.dumps({"a": 1}, protocol=2)))


def _rebuild(storage, offset, size, stride):
    return _Reduce(torch._utils._rebuild_tensor_v2, storage, offset, size, stride, False,
                   collections.OrderedDict())


def _malformed():
    """(pickled object, storages, expected message); built on demand: they reference torch."""
    return [
        (_rebuild(_Storage("0", 4), 2, (3,), (1,)), {"0": bytes(16)}, "reaches outside"),
        (_rebuild(_Storage("0", 4), 0, (2, 2), (3, 1)), {"0": bytes(16)}, "reaches outside"),
        (_rebuild(_Storage("0", 4), -1, (1,), (1,)), {"0": bytes(16)}, "malformed tensor geometry"),
        (_rebuild(_Storage("0", 4), 0, (2,), (1, 1)), {"0": bytes(16)}, "malformed tensor geometry"),
        (_rebuild(_Storage("0", 4), 0, (2,), (1,)), {"0": bytes(15)}, "holds 15 bytes"),
        (_rebuild(_Storage("0", 4), 0, (2,), (1,)), {}, "has no archive/data/0"),
        (_rebuild(_Storage("0", 4, collections.OrderedDict), 0, (2,), (1,)), {"0": bytes(16)},
         "malformed storage reference"),
        (_rebuild("not a storage", 0, (2,), (1,)), {}, "rebuilt from a storage"),
        (_Reduce(torch._tensor._rebuild_from_type_v2, collections.OrderedDict, torch.Tensor, (), {}),
         {}, "only rebuild plain tensors"),
        (_Reduce(torch._utils._rebuild_parameter, [1], True, None), {}, "expects a tensor"),
    ]


@pytest.mark.requires_torch
@pytest.mark.parametrize("case", range(10))
def test_malformed_torch_pickles(case):
    obj, storages, match = _malformed()[case]
    with pytest.raises(CheckpointError, match=match):
        S.load(torch_zip(obj, storages))


@pytest.mark.requires_torch
def test_in_bounds_crafted_tensor_loads():
    data = np.arange(6, dtype=np.float32).tobytes()
    out = S.load(torch_zip(_rebuild(_Storage("0", 6), 1, (2, 2), (3, 1)), {"0": data}))
    np.testing.assert_array_equal(out._data, [[1, 2], [4, 5]])


def test_zip_without_data_pkl():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("model/code/forward.py", "x")
    out.seek(0)
    with pytest.raises(CheckpointError, match="data.pkl"):
        S.load(out)
