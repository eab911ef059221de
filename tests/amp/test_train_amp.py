"""`dygrad train --amp bf16`: the steps run under bfloat16 autocast, the setting is part of the
run (saved, checked on resume)."""
import pytest

from dygrad import load
from dygrad.cli import main

pytest.importorskip("ml_dtypes")
QUICK = ["--model", "mlp", "--limit-train", "256", "--limit-eval", "128", "--epochs", "1",
         "--no-progress", "--scheduler", "none"]


def test_train_amp_bf16_and_resume_keeps_it(tmp_path, capsys):
    out_dir = tmp_path / "run"
    assert main(["train", *QUICK, "--amp", "bf16", "--output-dir", str(out_dir)]) == 0
    out, err = capsys.readouterr()
    assert "bfloat16 autocast (--amp bf16)" in out
    ckpt = load(out_dir / "last.ckpt")
    assert ckpt["config"]["amp"] == "bf16"
    assert ckpt["model_state_dict"]["net.1.weight"].dtype.name == "float32"  # float32 master weights
    assert main(["train", "--resume", str(out_dir), "--epochs", "2", "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(out_dir), "--epochs", "3", "--amp", "bf16",
                 "--no-progress", "--scheduler", "none"]) == 0
