"""`dygrad train` end to end on small subsets: artifacts, output, data sources, output-dir rules."""
import csv
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import dygrad
from dygrad.cli import main
from dygrad import load
from dygrad.vision.models import get_model

FULL_MNIST = os.environ.get("DYGRAD_MNIST_DIR", os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "shared", "data", "mnist"))
QUICK = ["--limit-train", "512", "--limit-eval", "256", "--epochs", "1", "--no-progress"]
HAVE_MPL = importlib.util.find_spec("matplotlib") is not None
HAVE_TB_WRITER = any(importlib.util.find_spec(m) is not None
                     for m in ("tensorboardX", "tensorboard"))


def train(capsys, *argv):
    code = main(["train", *argv])
    out, err = capsys.readouterr()
    return code, out, err



def test_writes_all_artifacts(tmp_path, capsys):
    out_dir = tmp_path / "run"
    code, out, err = train(capsys, "--model", "mlp", "--epochs", "2", "--limit-train", "512",
                           "--limit-eval", "256", "--no-progress", "--output-dir", str(out_dir))
    assert code == 0, err
    assert "MNIST-10k (embedded): 512 of 8,000 train / 256 of 2,000 held out" in out

    for name in ("last.ckpt", "best.ckpt"):
        ckpt = load(out_dir / name)
        assert ckpt["config"]["model"] == "mlp"
        assert ckpt["config"]["dataset"] == "mnist-embedded"
        assert set(ckpt) >= {"model_state_dict", "optimizer_state_dict", "scheduler_state_dict",
                             "epoch", "rng_state", "history", "config"}
        model = get_model("mlp")
        model.load_state_dict(ckpt["model_state_dict"])  # the weights fit the recorded model
    last = load(out_dir / "last.ckpt")
    assert last["epoch"] == 2 and len(last["history"]) == 2
    assert load(out_dir / "best.ckpt")["epoch"] == last["best"]["epoch"]

    records = [json.loads(line) for line in (out_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == [1, 2]
    for r in records:
        assert 0 <= r["val_acc"] <= 1 and 0 <= r["train_acc"] <= 1 and r["train_loss"] > 0
    assert records == last["history"]
    rows = list(csv.DictReader((out_dir / "metrics.csv").read_text().splitlines()))
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    assert float(rows[1]["val_acc"]) == pytest.approx(records[1]["val_acc"])
    assert json.loads((out_dir / "config.json").read_text())["model"] == "mlp"

    if HAVE_MPL:
        assert (out_dir / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert not (out_dir / "curves.png").exists()
        assert "matplotlib not installed" in out
    if not HAVE_TB_WRITER:
        assert "TensorBoard logs (tensorboard not installed)" in out


def test_summary_table_and_final_lines(tmp_path, capsys):
    code, out, _ = train(capsys, "--model", "mlp", *QUICK, "--output-dir", str(tmp_path / "r"))
    assert code == 0
    header = next(line for line in out.splitlines() if line.startswith("epoch  train loss"))
    assert header.split() == ["epoch", "train", "loss", "train", "acc", "val", "loss", "val",
                              "acc", "lr", "time"]
    assert "val = the 256 held-out images of MNIST-10k (embedded)" in out
    assert "final held-out accuracy:" in out
    assert f"dygrad eval {tmp_path / 'r' / 'best.ckpt'}" in out


@pytest.mark.parametrize("writer", ["tensorboardX", "tensorboard"])
def test_tensorboard_events_are_readable(tmp_path, capsys, monkeypatch, writer):
    pytest.importorskip("tensorboard")  # its reader checks the files, whoever wrote them
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    if writer == "tensorboardX":
        pytest.importorskip("tensorboardX")
    else:
        monkeypatch.setitem(sys.modules, "tensorboardX", None)  # as if not installed
    out_dir = tmp_path / "run"
    code, out, err = train(capsys, "--model", "mlp", *QUICK, "--output-dir", str(out_dir))
    assert code == 0, err
    assert "tensorboard/" in out and f"tensorboard --logdir {out_dir}" in out
    acc = EventAccumulator(str(out_dir / "tensorboard"))
    acc.Reload()
    tags = acc.Tags()["scalars"]
    assert {"train/loss", "train/acc", "val/loss", "val/acc", "train/lr"} <= set(tags)
    val_acc = acc.Scalars("val/acc")
    record = json.loads((out_dir / "metrics.jsonl").read_text())
    assert [e.step for e in val_acc] == [record["step"]]
    assert val_acc[0].value == pytest.approx(record["val_acc"])


def test_quiet_prints_one_line(tmp_path, capsys):
    code, out, _ = train(capsys, "--model", "mlp", *QUICK, "--quiet", "--output-dir",
                         str(tmp_path / "r"))
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("best held-out accuracy")


def test_lenet5_default_model(tmp_path, capsys):
    code, out, err = train(capsys, "--limit-train", "256", "--limit-eval", "128", "--epochs", "1",
                           "--no-progress", "--output-dir", str(tmp_path / "r"))
    assert code == 0, err
    assert "lenet5 (61,706 parameters)" in out
    assert load(tmp_path / "r" / "best.ckpt")["config"]["model"] == "lenet5"


def test_fake_dataset(tmp_path, capsys):
    code, out, err = train(capsys, "--dataset", "fake", "--model", "mlp", "--epochs", "1",
                           "--limit-train", "128", "--no-progress", "--output-dir",
                           str(tmp_path / "r"))
    assert code == 0, err
    assert "FakeData (random images): 128 of 1,024 train / 256 held out" in out


@pytest.mark.skipif(not os.path.isdir(FULL_MNIST), reason="full MNIST files not available")
def test_data_dir_reads_full_mnist(tmp_path, capsys):
    code, out, err = train(capsys, "--data-dir", FULL_MNIST, "--model", "mlp", *QUICK,
                           "--output-dir", str(tmp_path / "r"))
    assert code == 0, err
    assert "MNIST from " + FULL_MNIST + ": 512 of 60,000 train / 256 of 10,000 test" in out
    cfg = load(tmp_path / "r" / "last.ckpt")["config"]
    assert cfg["dataset"] == "mnist" and cfg["data_dir"] == os.path.abspath(FULL_MNIST)


@pytest.mark.skipif(not os.path.isdir(FULL_MNIST), reason="full MNIST files not available")
def test_data_dir_torchvision_layout(tmp_path, capsys):
    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in os.listdir(FULL_MNIST):
        if name.endswith(".gz"):
            (raw / name).symlink_to(os.path.join(FULL_MNIST, name))
    code, out, err = train(capsys, "--dataset", "mnist", "--data-dir", str(tmp_path / "data"),
                           "--model", "mlp", *QUICK, "--output-dir", str(tmp_path / "r"))
    assert code == 0, err
    assert ": 512 of 60,000 train / 256 of 10,000 test" in out


def test_refuses_non_empty_output_dir(tmp_path, capsys):
    out_dir = tmp_path / "r"
    out_dir.mkdir()
    (out_dir / "notes.txt").write_text("mine")
    code, out, err = train(capsys, "--model", "mlp", *QUICK, "--output-dir", str(out_dir))
    assert code == 2
    assert "is not empty (notes.txt)" in err and "--resume" in err and "--overwrite" in err
    assert os.listdir(out_dir) == ["notes.txt"]


def test_overwrite_keeps_a_better_best_ckpt(tmp_path, capsys):
    out_dir = tmp_path / "r"
    code, _, _ = train(capsys, "--model", "mlp", *QUICK, "--output-dir", str(out_dir))
    assert code == 0
    best_before = (out_dir / "best.ckpt").read_bytes()
    last_before = (out_dir / "last.ckpt").read_bytes()
    # a learning rate this small leaves the model near chance: worse than the first run
    code, out, _ = train(capsys, "--model", "mlp", *QUICK, "--lr", "1e-6", "--overwrite",
                         "--output-dir", str(out_dir))
    assert code == 0
    assert "keeping    the existing best.ckpt" in out
    assert (out_dir / "best.ckpt").read_bytes() == best_before
    assert (out_dir / "last.ckpt").read_bytes() != last_before
    assert load(out_dir / "last.ckpt")["config"]["lr"] == 1e-6


def test_schedulers_and_optimizers_run(tmp_path, capsys):
    for i, extra in enumerate((["--optimizer", "adam", "--scheduler", "cosine"],
                               ["--optimizer", "adamw", "--scheduler", "onecycle"],
                               ["--optimizer", "adagrad"],  # onecycle, nothing to cycle
                               ["--momentum", "0.5"],  # onecycle, momentum kept fixed
                               ["--scheduler", "step", "--step-size", "1", "--gamma", "0.5"])):
        out_dir = tmp_path / f"r{i}"
        code, _, err = train(capsys, "--model", "mlp", "--epochs", "2", "--limit-train", "128",
                             "--limit-eval", "64", "--no-progress", "--output-dir", str(out_dir),
                             *extra)
        assert code == 0, err
        hist = load(out_dir / "last.ckpt")["history"]
        if "step" in extra:
            assert [h["lr"] for h in hist] == [0.05, 0.025]
        if "adamw" in extra:
            assert load(out_dir / "last.ckpt")["config"]["weight_decay"] == 0.01
        if "--momentum" in extra:
            groups = load(out_dir / "last.ckpt")["optimizer_state_dict"]["param_groups"]
            assert groups[0]["momentum"] == 0.5


def test_optimizer_choices_and_defaults_come_from_dygrad_optim():
    # no table in the CLI: every optimizer dygrad.optim exports is a choice (but LBFGS, whose
    # step needs a closure), with its constructor's lr unless its class suggests another
    from dygrad import optim
    from dygrad.cli.train import optimizer_defaults, optimizers
    exported = {n.lower() for n in optim.__all__ if isinstance(getattr(optim, n), type)
                and issubclass(getattr(optim, n), optim.Optimizer)} - {"optimizer"}
    assert set(optimizers()) == exported - {"lbfgs"}
    assert {"rprop", "asgd", "adagrad"} <= set(optimizers())
    assert optimizer_defaults(optim.Rprop)["lr"] == 1e-2
    assert optimizer_defaults(optim.Adam)["lr"] == 1e-3
    assert optimizer_defaults(optim.SGD)["lr"] == 0.05  # SGD._train_defaults
    assert optimizer_defaults(optim.SGD)["momentum"] == 0.9


def test_python_dash_m_entry_point(tmp_path):
    repo = os.path.dirname(os.path.dirname(os.path.abspath(dygrad.__file__)))
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-m", "dygrad", "train", "--model", "mlp", *QUICK,
                           "--quiet", "--output-dir", str(tmp_path / "r")],
                          capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("best held-out accuracy")
    assert np.isfinite(load(tmp_path / "r" / "best.ckpt")["best"]["val_acc"])
