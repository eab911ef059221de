"""`dygrad eval`: accuracy, confusion matrix, files next to the checkpoint, dataset overrides."""
import importlib.util
import json
import os

import numpy as np
import pytest

from dygrad.cli import main
from dygrad import load, save

FULL_MNIST = os.environ.get("DYGRAD_MNIST_DIR", os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "shared", "data", "mnist"))
HAVE_MPL = importlib.util.find_spec("matplotlib") is not None


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("evalrun") / "run"
    assert main(["train", "--model", "mlp", "--epochs", "2", "--limit-train", "512",
                 "--limit-eval", "256", "--quiet", "--output-dir", str(out)]) == 0
    return out


def _confusion_rows(out):
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("true\\pred"))
    rows = [line.split() for line in lines[start + 2:start + 12]]
    return np.array([[int(v) for v in row[1:11]] for row in rows])


def test_reports_accuracy_and_confusion_matrix(run_dir, capsys, tmp_path):
    code = main(["eval", str(run_dir / "best.ckpt"), "--limit", "256", "--output-dir",
                 str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    best = load(run_dir / "best.ckpt")
    expected = best["history"][-1]["val_acc"]  # the same 256 held-out images as in training
    assert f"accuracy    {expected:.2%}" in out
    assert "data        MNIST-10k (embedded): 256 of 2,000 held out" in out
    cm = _confusion_rows(out)
    assert cm.sum() == 256 and np.trace(cm) == round(expected * 256)

    result = json.loads((tmp_path / "best-eval.json").read_text())
    assert np.array_equal(np.array(result["confusion_matrix"]), cm)
    assert result["accuracy"] == pytest.approx(expected)
    if HAVE_MPL:
        assert (tmp_path / "best-confusion.png").read_bytes()[:4] == b"\x89PNG"
    else:
        assert "matplotlib not installed" in out


def test_run_dir_means_best_ckpt_and_writes_next_to_it(run_dir, capsys):
    assert main(["eval", str(run_dir), "--limit", "100"]) == 0
    out = capsys.readouterr().out
    assert f"checkpoint  {run_dir / 'best.ckpt'} (mlp, epoch" in out
    assert (run_dir / "best-eval.json").exists()
    assert json.loads((run_dir / "best-eval.json").read_text())["samples"] == 100


def test_full_held_out_split_by_default(run_dir, capsys, tmp_path):
    assert main(["eval", str(run_dir / "last.ckpt"), "--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "MNIST-10k (embedded): 2,000 held out" in out
    assert _confusion_rows(out).sum() == 2000


def test_train_split(run_dir, capsys, tmp_path):
    assert main(["eval", str(run_dir), "--split", "train", "--limit", "128", "--output-dir",
                 str(tmp_path)]) == 0
    assert "128 of 8,000 train" in capsys.readouterr().out


def test_bare_state_dict_with_model_option(run_dir, capsys, tmp_path):
    state = load(run_dir / "best.ckpt")["model_state_dict"]
    save(state, tmp_path / "weights.pt")
    assert main(["eval", str(tmp_path / "weights.pt"), "--model", "mlp", "--limit", "64"]) == 0
    assert "state_dict for mlp" in capsys.readouterr().out
    assert main(["eval", str(tmp_path / "weights.pt")]) == 2
    assert "doesn't say which model it belongs to. Fix: pass --model" in capsys.readouterr().err


@pytest.mark.skipif(not os.path.isdir(FULL_MNIST), reason="full MNIST files not available")
def test_other_dataset_warns_about_overlap(run_dir, capsys, tmp_path):
    assert main(["eval", str(run_dir), "--data-dir", FULL_MNIST, "--limit", "200",
                 "--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"MNIST from {FULL_MNIST}: 200 of 10,000 test" in out
    assert "not a held-out accuracy" in out
