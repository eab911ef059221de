"""Bad input to `dygrad train` / `dygrad eval`: one message naming the problem and the fix,
exit status 2, no traceback, and nothing written."""
import gzip
import os
import struct
import subprocess
import sys

import numpy as np
import pytest

import dygrad
from dygrad.cli import main
from dygrad import save


def run_cli(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _idx_bytes(arr, type_code=0x08):
    head = struct.pack(">BBBB", 0, 0, type_code, arr.ndim)
    head += struct.pack(f">{arr.ndim}I", *arr.shape)
    return head + arr.astype(">u1").tobytes()


def write_mnist_dir(folder, n_train=64, n_test=32):
    """A small, well-formed MNIST folder (not the official files)."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for stem, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        (folder / f"{stem}-images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx_bytes(images)))
        (folder / f"{stem}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(_idx_bytes(labels)))
    return folder



def assert_clean_error(code, err, *fragments):
    assert code == 2
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


@pytest.fixture(scope="module")
def mlp_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("errs") / "run"
    assert main(["train", "--model", "mlp", "--epochs", "1", "--limit-train", "128",
                 "--limit-eval", "64", "--quiet", "--output-dir", str(out)]) == 0
    return out


# -- data -----------------------------------------------------------------------------------------
def test_missing_data_dir(tmp_path, capsys):
    out_dir = tmp_path / "out"
    code, _, err = run_cli(capsys, "train", "--data-dir", str(tmp_path / "nowhere"),
                           "--output-dir", str(out_dir))
    assert_clean_error(code, err, f"data directory {tmp_path / 'nowhere'} does not exist",
                       "Fix: pass --data-dir", "--download")
    assert not out_dir.exists()


def test_data_dir_without_the_files(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli(capsys, "train", "--data-dir", str(tmp_path / "empty"))
    assert_clean_error(code, err, "train-images-idx3-ubyte[.gz]", "Fix: point --data-dir",
                       "or add --download")


def test_dataset_that_needs_a_data_dir(capsys):
    code, _, err = run_cli(capsys, "train", "--dataset", "fashion-mnist")
    assert_clean_error(code, err, "--dataset fashion-mnist needs its files", "--data-dir DIR",
                       "--download")
    code, _, err = run_cli(capsys, "train", "--dataset", "cifar10", "--data-dir", "/no/such/dir")
    assert_clean_error(code, err, "data directory /no/such/dir does not exist",
                       "cifar-10-batches-bin")


def test_corrupt_gzip_file(tmp_path, capsys):
    folder = write_mnist_dir(tmp_path / "mnist")
    path = folder / "train-images-idx3-ubyte.gz"
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])  # truncated download
    code, _, err = run_cli(capsys, "train", "--data-dir", str(folder), "--model", "mlp")
    assert_clean_error(code, err, f"dataset file {path} is corrupt",
                       "Fix: delete it and re-run with --download")


def test_bad_idx_header(tmp_path, capsys):
    folder = write_mnist_dir(tmp_path / "mnist")
    path = folder / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(b"<html>404 Not Found</html>"))
    code, _, err = run_cli(capsys, "train", "--data-dir", str(folder), "--model", "mlp")
    assert_clean_error(code, err, f"dataset file {path} is corrupt", "magic number")


def test_mismatched_label_file(tmp_path, capsys):
    folder = write_mnist_dir(tmp_path / "mnist")
    other = write_mnist_dir(tmp_path / "other", n_train=10)
    os.replace(other / "train-labels-idx1-ubyte.gz", folder / "train-labels-idx1-ubyte.gz")
    code, _, err = run_cli(capsys, "train", "--data-dir", str(folder), "--model", "mlp")
    assert_clean_error(code, err, "does not match", "Fix: replace both with the official files")


def test_unofficial_but_valid_files_train_with_a_warning(tmp_path, capsys):
    folder = write_mnist_dir(tmp_path / "mnist")
    code, out, err = run_cli(capsys, "train", "--data-dir", str(folder), "--model", "mlp",
                             "--epochs", "1", "--no-progress", "--output-dir", str(tmp_path / "r"))
    assert code == 0, err
    assert "MD5 differs from the official file's" in err
    assert ": 64 train / 32 test" in out


def test_data_dir_with_embedded_dataset(tmp_path, capsys):
    code, _, err = run_cli(capsys, "train", "--dataset", "mnist-embedded", "--data-dir",
                           str(tmp_path))
    assert_clean_error(code, err, "--data-dir is not used with --dataset mnist-embedded",
                       "Fix: drop --data-dir")


# -- options --------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv, fragment", [
    (["train", "--model", "resnet99"], "invalid choice: 'resnet99' (choose from 'lenet5', 'mlp'"),
    (["eval", "x.ckpt", "--model", "vgg"], "invalid choice: 'vgg' (choose from 'lenet5', 'mlp'"),
    (["train", "--dataset", "imagenet"],
     "invalid choice: 'imagenet' (choose from 'mnist-embedded'"),
    (["train", "--optimizer", "lion"], "invalid choice: 'lion'"),
    (["train", "--epochs", "0"], "argument --epochs: expected a positive integer, got '0'"),
    (["train", "--lr", "-1"], "argument --lr: expected a positive number"),
    (["train", "--batch-size", "many"], "argument --batch-size: expected a positive integer"),
])
def test_bad_option_values(capsys, argv, fragment):
    code, _, err = run_cli(capsys, *argv)
    assert_clean_error(code, err, fragment)


def test_option_that_does_not_apply(capsys):
    code, _, err = run_cli(capsys, "train", "--optimizer", "adam", "--momentum", "0.9")
    assert_clean_error(code, err, "--momentum applies to sgd and rmsprop, not adam",
                       "Fix: drop --momentum")
    code, _, err = run_cli(capsys, "train", "--step-size", "2")
    assert_clean_error(code, err, "--step-size only applies to --scheduler step")


# -- checkpoints ----------------------------------------------------------------------------------
def test_checkpoint_that_does_not_exist(tmp_path, capsys):
    missing = tmp_path / "nope.ckpt"
    for argv in (["eval", str(missing)], ["train", "--resume", str(missing)]):
        code, _, err = run_cli(capsys, *argv)
        assert_clean_error(code, err, f"checkpoint {missing} does not exist",
                           "Fix: pass the path of a .ckpt file or of a run's output directory")


def test_directory_without_checkpoints(tmp_path, capsys):
    code, _, err = run_cli(capsys, "eval", str(tmp_path))
    assert_clean_error(code, err, "holds no checkpoint to evaluate (no last.ckpt or best.ckpt")


def test_corrupt_checkpoint(mlp_run, tmp_path, capsys):
    good = (mlp_run / "best.ckpt").read_bytes()
    (tmp_path / "cut.ckpt").write_bytes(good[:len(good) // 2])
    (tmp_path / "text.ckpt").write_text("not a checkpoint")
    for name in ("cut.ckpt", "text.ckpt"):
        code, _, err = run_cli(capsys, "eval", str(tmp_path / name))
        assert_clean_error(code, err, f"cannot read checkpoint {tmp_path / name}",
                           "Fix: use another checkpoint")


def test_checkpoint_of_another_model(mlp_run, capsys):
    code, _, err = run_cli(capsys, "eval", str(mlp_run), "--model", "lenet5")
    assert_clean_error(code, err, "was trained with model 'mlp', so its weights don't fit "
                       "'lenet5'", "Fix: drop --model (or pass --model mlp)")


def test_bare_state_dict_of_another_model(mlp_run, tmp_path, capsys):
    from dygrad.vision.models import MLP
    save(MLP(hidden=(32,)).state_dict(), tmp_path / "small.pt")
    code, _, err = run_cli(capsys, "eval", str(tmp_path / "small.pt"), "--model", "mlp")
    assert_clean_error(code, err, "doesn't fit model 'mlp'", "Fix: pass the --model")


def test_resume_needs_a_training_checkpoint(mlp_run, tmp_path, capsys):
    from dygrad import load
    save(load(mlp_run / "last.ckpt")["model_state_dict"], tmp_path / "weights.pt")
    code, _, err = run_cli(capsys, "train", "--resume", str(tmp_path / "weights.pt"))
    assert_clean_error(code, err, "holds no training state", "dygrad eval")


def test_diverging_training_stops_cleanly(tmp_path, capsys):
    code, _, err = run_cli(capsys, "train", "--model", "mlp", "--lr", "1e6", "--limit-train",
                           "256", "--limit-eval", "64", "--epochs", "1", "--no-progress",
                           "--output-dir", str(tmp_path / "r"))
    assert_clean_error(code, err, "training diverged", "Fix: lower --lr")
    assert not (tmp_path / "r").exists()


# -- the real process -----------------------------------------------------------------------------
@pytest.mark.parametrize("argv, fragment", [
    (["train", "--model", "nope"], "invalid choice: 'nope'"),
    (["train", "--data-dir", "/definitely/not/here"], "does not exist"),
    (["eval", "/definitely/not/here.ckpt"], "does not exist"),
])
def test_process_exit_status_and_stderr(argv, fragment):
    repo = os.path.dirname(os.path.dirname(os.path.abspath(dygrad.__file__)))
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-m", "dygrad", *argv], capture_output=True,
                          text=True, env=env, timeout=60)
    assert proc.returncode == 2
    assert fragment in proc.stderr and "Traceback" not in proc.stderr
