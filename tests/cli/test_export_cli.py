"""`dygrad export CKPT --format onnx|dygrad` and `dygrad eval` on the files it writes."""
import json
import sys

import numpy as np
import pytest

import dygrad
from dygrad.cli import main


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("exportrun") / "run"
    assert main(["train", "--model", "lenet5", "--epochs", "1", "--limit-train", "256",
                 "--limit-eval", "128", "--quiet", "--output-dir", str(out)]) == 0
    return out


def _images(n):
    from dygrad.cli.data import load_data
    data = load_data("mnist-embedded", roles=("eval",), limit_eval=n)
    return data.eval.__getitems__(range(n))[0]


def _model(run_dir):
    from dygrad.cli.eval import build_model
    ckpt = dygrad.load(run_dir / "best.ckpt")
    model = build_model(ckpt["config"])
    model.load_state_dict(ckpt["model_state_dict"])
    return model.eval()


def _accuracy(out):
    return next(line for line in out.splitlines() if line.startswith("accuracy"))


def test_export_dygrad_writes_a_traced_model_and_checks_it(run_dir, capsys, tmp_path):
    out_file = tmp_path / "lenet.pt"
    assert main(["export", str(run_dir), "--format", "dygrad", "--batch", "2", "--out",
                 str(out_file), "--check-images", "64"]) == 0
    out = capsys.readouterr().out
    assert f"exported    {out_file} (traced dygrad model" in out and "batch 2" in out
    assert "KB" in out
    assert "vs dygrad on 64 held-out MNIST-10k (embedded) images: max |difference| 0," in out
    extra = {"dygrad.config": ""}
    loaded = dygrad.jit.load(str(out_file), _extra_files=extra)
    assert json.loads(extra["dygrad.config"])["model"] == "lenet5"
    x = _images(5)   # another batch size than the export's
    with dygrad.no_grad():
        want = _model(run_dir)(x)
    assert loaded(x).numpy().tobytes() == want.numpy().tobytes()


def test_eval_takes_a_traced_model_as_a_checkpoint(run_dir, capsys, tmp_path):
    traced = tmp_path / "model.bin"  # the extension says nothing: content decides
    assert main(["export", str(run_dir / "best.ckpt"), "--format", "dygrad", "--out",
                 str(traced), "--check-images", "8"]) == 0
    capsys.readouterr()
    assert main(["eval", str(run_dir), "--limit", "100", "--output-dir", str(tmp_path)]) == 0
    want = _accuracy(capsys.readouterr().out)
    assert main(["eval", str(traced), "--limit", "100", "--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "(exported lenet5, trained on MNIST-10k" in out
    assert (tmp_path / "model-bin-eval.json").exists()  # beside best-eval.json, not over it
    assert _accuracy(out) == want
    assert main(["eval", str(traced), "--model", "mlp"]) == 2
    assert "--model does not apply to an exported file" in capsys.readouterr().err


def test_export_onnx_checks_with_onnxruntime(run_dir, capsys, tmp_path):
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    out_file = tmp_path / "lenet.data"
    assert main(["export", str(run_dir), "--format", "onnx", "--out", str(out_file),
                 "--check-images", "64"]) == 0
    out = capsys.readouterr().out
    assert f"exported    {out_file} (ONNX, opset 17, " in out
    assert "onnx.checker: ok; onnxruntime vs dygrad on 64 held-out" in out
    diff = float(out.split("max |difference| ")[1].split(",")[0])
    assert diff <= 1e-5
    proto = onnx.load(str(out_file))
    onnx.checker.check_model(proto)
    assert json.loads({p.key: p.value for p in proto.metadata_props}["dygrad.config"])[
        "num_classes"] == 10
    sess = ort.InferenceSession(str(out_file), providers=["CPUExecutionProvider"])
    for n in (1, 3):  # the batch axis is dynamic
        x = _images(n)
        with dygrad.no_grad():
            want = _model(run_dir)(x).numpy()
        np.testing.assert_allclose(sess.run(None, {"input": x.numpy()})[0], want, rtol=1e-5,
                                   atol=1e-5)
    assert main(["eval", str(out_file), "--limit", "100", "--output-dir", str(tmp_path)]) == 0
    got = capsys.readouterr().out
    assert main(["eval", str(run_dir), "--limit", "100", "--output-dir", str(tmp_path)]) == 0
    assert _accuracy(got) == _accuracy(capsys.readouterr().out)
    cut = tmp_path / "cut.onnx"  # ONNX has no checksum: protobuf and onnx.checker catch this
    cut.write_bytes(out_file.read_bytes()[:100_000])
    assert main(["eval", str(cut)]) == 2
    assert "is not a valid ONNX file (damaged or truncated?)" in capsys.readouterr().err


def test_export_onnx_without_the_packages_says_what_to_install(run_dir, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    assert main(["export", str(run_dir), "--format", "onnx"]) == 2
    err = capsys.readouterr().err
    assert "--format onnx needs the onnx and onnxruntime packages" in err
    assert "pip install 'dygrad[onnx]'" in err and "--format dygrad" in err


def test_export_refuses_what_is_not_a_training_checkpoint(run_dir, capsys, tmp_path):
    bare = tmp_path / "sd.pt"
    dygrad.save(_model(run_dir).state_dict(), str(bare))
    assert main(["export", str(bare), "--format", "dygrad"]) == 2
    assert "is not a checkpoint of dygrad train" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "nope.ckpt")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_eval_refuses_a_tampered_traced_model(run_dir, capsys, tmp_path):
    path = tmp_path / "m.pt"
    assert main(["export", str(run_dir), "--format", "dygrad", "--out", str(path),
                 "--check-images", "4"]) == 0
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["eval", str(path)]) == 2
    assert "checksum" in capsys.readouterr().err


def test_a_file_of_one_batch_size_is_evaluated_in_pieces():
    """dygrad eval's batches reach a file that takes one batch size only in pieces of that
    size, the last one padded and cut back."""
    from dygrad.cli.export import _Runner
    seen = []

    def fn(a):
        seen.append(a.shape[0])
        return a.reshape(a.shape[0], -1)[:, :2] * 2

    x = np.arange(10 * 3, dtype=np.float32).reshape(10, 3)
    out = _Runner(fn, fixed=4).eval()(dygrad.from_numpy(x))
    assert seen == [4, 4, 4]
    np.testing.assert_array_equal(out.numpy(), x[:, :2] * 2)


def test_a_traced_file_of_one_batch_size_is_checked_and_evaluated(run_dir, capsys, tmp_path,
                                                                  monkeypatch):
    """A model whose program does not generalise to other batch sizes (forced here) is checked
    in whole batches of its size and evaluated in pieces of it."""
    import dygrad.jit._save as S
    from dygrad.jit._batch import NotPolymorphic

    def refuse(*a, **k):
        raise NotPolymorphic("forced by the test")

    monkeypatch.setattr(S, "generalise", refuse)
    path = tmp_path / "fixed.pt"
    assert main(["export", str(run_dir), "--format", "dygrad", "--batch", "4", "--out",
                 str(path), "--check-images", "10"]) == 0
    assert "vs dygrad on 8 held-out" in capsys.readouterr().out  # two whole batches of 4
    assert main(["eval", str(path), "--limit", "10", "--output-dir", str(tmp_path)]) == 0
    got = _accuracy(capsys.readouterr().out)
    assert main(["eval", str(run_dir), "--limit", "10", "--output-dir", str(tmp_path)]) == 0
    assert got == _accuracy(capsys.readouterr().out)


def test_export_onnx_of_an_op_without_lowering_points_to_the_dygrad_format(run_dir, capsys,
                                                                            tmp_path, monkeypatch):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    import dygrad.onnx as donnx

    def unsupported(*a, **k):
        raise donnx.UnsupportedOperatorError("no ONNX lowering for 'frobnicate' (in features.0)")

    monkeypatch.setattr(donnx, "export", unsupported)
    out = tmp_path / "m.onnx"
    assert main(["export", str(run_dir), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "cannot be exported to ONNX: no ONNX lowering for 'frobnicate'" in err
    assert "Fix: use --format dygrad" in err and not out.exists()
