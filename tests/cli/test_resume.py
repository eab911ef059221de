"""Resuming `dygrad train` reproduces an uninterrupted run bit for bit."""
import numpy as np
import pytest

from dygrad.cli import main
from dygrad.cli import train as train_mod
from dygrad import load

BASE = ["--model", "mlp", "--limit-train", "320", "--limit-eval", "64", "--batch-size", "32",
        "--no-progress", "--quiet"]
# a constant learning rate lets a resumed run raise --epochs
SMALL = BASE + ["--scheduler", "none"]


def _arrays(obj):
    """All arrays in a nested checkpoint structure, by path (for exact comparison)."""
    out = {}

    def walk(x, path):
        if isinstance(x, dict):
            for k, v in x.items():
                walk(v, f"{path}/{k}")
        elif isinstance(x, (list, tuple)):
            for i, v in enumerate(x):
                walk(v, f"{path}/{i}")
        elif hasattr(x, "_data"):
            out[path] = np.array(x._data)
        elif isinstance(x, (int, float)):
            out[path] = np.array(x)
    walk(obj, "")
    return out


def _assert_same_training_state(a, b):
    for key in ("model_state_dict", "optimizer_state_dict", "scheduler_state_dict"):
        arrs_a, arrs_b = _arrays(a[key]), _arrays(b[key])
        assert arrs_a.keys() == arrs_b.keys()
        for path in arrs_a:
            assert np.array_equal(arrs_a[path], arrs_b[path]), f"{key}{path} differs"
    assert a["epoch"] == b["epoch"] and a["step"] == b["step"]
    assert np.array_equal(a["rng_state"]._data, b["rng_state"]._data)
    timing = ("time_s", "samples_per_s")

    def untimed(history):
        return [{k: v for k, v in r.items() if k not in timing} for r in history]
    assert untimed(a["history"]) == untimed(b["history"])


def test_one_plus_one_epochs_equals_two(tmp_path):
    assert main(["train", *SMALL, "--epochs", "2", "--output-dir", str(tmp_path / "full")]) == 0
    assert main(["train", *SMALL, "--epochs", "1", "--output-dir", str(tmp_path / "split")]) == 0
    assert main(["train", "--resume", str(tmp_path / "split"), "--epochs", "2", "--quiet"]) == 0
    full, split = load(tmp_path / "full" / "last.ckpt"), load(tmp_path / "split" / "last.ckpt")
    _assert_same_training_state(full, split)
    assert len(split["history"]) == 2


@pytest.mark.parametrize("opt", [["--optimizer", "adam", "--scheduler", "onecycle"],
                                 ["--optimizer", "sgd", "--scheduler", "cosine"]])
def test_interrupted_run_resumes_exactly(tmp_path, monkeypatch, capsys, opt):
    argv = ["train", *BASE, *opt, "--epochs", "3", "--seed", "7"]
    assert main(argv + ["--output-dir", str(tmp_path / "full")]) == 0

    real_epoch = train_mod._train_epoch

    def interrupted(model, optimizer, sched, dataset, cfg, epoch, *rest):
        if epoch == 2:
            # stop part-way through epoch 2, after the model has already changed
            optimizer.step()
            raise KeyboardInterrupt
        return real_epoch(model, optimizer, sched, dataset, cfg, epoch, *rest)

    monkeypatch.setattr(train_mod, "_train_epoch", interrupted)
    assert main(argv + ["--output-dir", str(tmp_path / "cut")]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "--resume" in err and "Traceback" not in err
    assert load(tmp_path / "cut" / "last.ckpt")["epoch"] == 1
    monkeypatch.setattr(train_mod, "_train_epoch", real_epoch)

    assert main(["train", "--resume", str(tmp_path / "cut" / "last.ckpt"), "--quiet"]) == 0
    _assert_same_training_state(load(tmp_path / "full" / "last.ckpt"),
                                load(tmp_path / "cut" / "last.ckpt"))
    assert (load(tmp_path / "full" / "best.ckpt")["epoch"]
            == load(tmp_path / "cut" / "best.ckpt")["epoch"])


def test_resnet_with_batchnorm_resumes_exactly(tmp_path):
    argv = ["train", "--model", "resnet8", "--limit-train", "64", "--limit-eval", "32",
            "--batch-size", "32", "--scheduler", "step", "--step-size", "1", "--quiet"]
    assert main(argv + ["--epochs", "2", "--output-dir", str(tmp_path / "full")]) == 0
    assert main(argv + ["--epochs", "1", "--output-dir", str(tmp_path / "split")]) == 0
    assert main(["train", "--resume", str(tmp_path / "split"), "--epochs", "2", "--quiet"]) == 0
    _assert_same_training_state(load(tmp_path / "full" / "last.ckpt"),
                                load(tmp_path / "split" / "last.ckpt"))


def test_resuming_a_finished_run_does_nothing(tmp_path, capsys):
    assert main(["train", *SMALL, "--epochs", "1", "--output-dir", str(tmp_path / "r")]) == 0
    before = (tmp_path / "r" / "last.ckpt").read_bytes()
    capsys.readouterr()
    assert main(["train", "--resume", str(tmp_path / "r"), "--no-progress"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert (tmp_path / "r" / "last.ckpt").read_bytes() == before


def test_resume_refuses_changed_settings(tmp_path, capsys):
    assert main(["train", *SMALL, "--epochs", "1", "--output-dir", str(tmp_path / "r")]) == 0
    before = (tmp_path / "r" / "last.ckpt").read_bytes()
    capsys.readouterr()
    assert main(["train", "--resume", str(tmp_path / "r"), "--lr", "0.2"]) == 2
    err = capsys.readouterr().err
    assert "--lr 0.2 differs from the resumed run's 0.05" in err and "Fix: drop --lr" in err
    assert main(["train", "--resume", str(tmp_path / "r"), "--model", "resnet8"]) == 2
    err = capsys.readouterr().err
    assert "was trained with model 'mlp', not 'resnet8'" in err
    assert (tmp_path / "r" / "last.ckpt").read_bytes() == before


def test_onecycle_run_cannot_be_stretched(tmp_path, capsys):
    assert main(["train", *BASE, "--epochs", "1", "--output-dir", str(tmp_path / "r")]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(tmp_path / "r"), "--epochs", "3"]) == 2
    assert "onecycle schedule" in capsys.readouterr().err


def test_epoch_seed_depends_on_seed_and_epoch_only():
    seeds = {train_mod.epoch_seed(s, e) for s in range(3) for e in range(1, 4)}
    assert len(seeds) == 9
    assert train_mod.epoch_seed(5, 2) == train_mod.epoch_seed(5, 2)


def test_interrupt_before_the_first_epoch_leaves_nothing(tmp_path, monkeypatch, capsys):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_mod, "_train_epoch", interrupted)
    assert main(["train", *SMALL, "--output-dir", str(tmp_path / "r")]) == 130
    assert "nothing saved yet" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_worker_processes_give_the_same_run(tmp_path):
    # the shuffling order comes from the per-epoch generator, not from who loads the batches
    assert main(["train", *SMALL, "--epochs", "1", "--output-dir", str(tmp_path / "w0")]) == 0
    assert main(["train", *SMALL, "--epochs", "1", "--workers", "2", "--output-dir",
                 str(tmp_path / "w2")]) == 0
    a, b = load(tmp_path / "w0" / "last.ckpt"), load(tmp_path / "w2" / "last.ckpt")
    for key, value in a["model_state_dict"].items():
        assert np.array_equal(value._data, b["model_state_dict"][key]._data)
