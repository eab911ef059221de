"""The compatibility corpus runner (bench/corpus.py) on a tiny stand-in for pytorch/examples:
programs copied fresh, run unchanged under `dygrad torch`, failures reported with their reason."""
import os
import subprocess

import pytest

from bench import corpus
from bench.corpus import Program


def _examples(tmp_path):
    root = tmp_path / "examples"
    (root / "toy").mkdir(parents=True)
    (root / "toy" / "main.py").write_text(
        "import argparse, torch\n"
        "from torchvision import transforms\n"
        "p = argparse.ArgumentParser(); p.add_argument('--epochs', type=int); a = p.parse_args()\n"
        "x = torch.ones(3, requires_grad=True); (x * a.epochs).sum().backward()\n"
        "open('out.txt', 'w').write(str(x.grad.tolist()))\n")
    (root / "fxuser").mkdir()
    (root / "fxuser" / "main.py").write_text("import torch.no_such_module\n")  # torch.fx exists
    (root / "mnistuser").mkdir()
    (root / "mnistuser" / "main.py").write_text(
        "import os\nassert sorted(os.listdir('../data/MNIST/raw'))[0].endswith('.gz')\n")
    return root


PROGRAMS = [Program("toy", "toy", [["main.py", "--epochs", "2"]]),
            Program("fxuser", "fxuser", [["main.py"]], waits=corpus.FX_ISSUE),
            Program("mnistuser", "mnistuser", [["main.py"]], needs_mnist=True),
            Program("offline", "toy", skip="downloads its data")]


def test_runner_runs_programs_unchanged_under_dygrad(tmp_path, monkeypatch):
    mnist = tmp_path / "mnist"
    mnist.mkdir()
    (mnist / "t10k-labels-idx1-ubyte.gz").write_bytes(b"")
    monkeypatch.setenv("DYGRAD_MNIST_DIR", str(mnist))
    src = _examples(tmp_path)
    rows = corpus.run_corpus(str(src), frameworks=("dygrad",), progress=lambda m: None,
                             programs=PROGRAMS, timeout=120)
    by = {r["name"]: r for r in rows}
    assert by["toy"]["results"]["dygrad"]["status"] == "pass", by["toy"]
    assert by["mnistuser"]["results"]["dygrad"]["status"] == "pass", by["mnistuser"]
    fx = by["fxuser"]["results"]["dygrad"]
    assert fx["status"] == "fail" and "No module named 'torch.no_such_module'" in fx["error"]
    assert by["offline"]["results"] == {}
    assert not (src / "toy" / "out.txt").exists()  # the snapshot itself is never written
    text = corpus.table(rows)
    assert "| toy | - | pass" in text
    assert "waits for torch.fx" in text and "| offline | - | - | - | downloads its data |" in text
    assert corpus.summary(rows).startswith("3 programs run (1 not runnable")


def test_extract_reads_a_bare_git_snapshot(tmp_path):
    src = _examples(tmp_path)
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t")
    try:
        subprocess.run(["git", "init", "-q", str(src)], check=True, env=env)
        subprocess.run(["git", "-C", str(src), "add", "."], check=True, env=env)
        subprocess.run(["git", "-C", str(src), "commit", "-qm", "x"], check=True, env=env)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is not available")
    dest = tmp_path / "out"
    dest.mkdir()
    missing = corpus.extract(str(src / ".git"), str(dest))
    assert missing == []
    assert (dest / "toy" / "main.py").read_text() == (src / "toy" / "main.py").read_text()
