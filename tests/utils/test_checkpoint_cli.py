"""`dygrad train --checkpoint-activations`: the bundled models' blocks run checkpointed, with the
same gradients, batch-norm statistics and training results as without."""
import json

import numpy as np

import dygrad as torch
from dygrad.cli import main
from dygrad.cli.eval import build_model
from dygrad.cli.train import checkpoint_blocks


def _step(name, ck):
    torch.manual_seed(0)
    m = build_model({"model": name, "image_shape": (1, 28, 28), "num_classes": 10})
    blocks = checkpoint_blocks(m) if ck else []
    torch.manual_seed(1)
    x, y = torch.randn(4, 1, 28, 28), torch.randint(0, 10, (4,))
    loss = torch.nn.functional.cross_entropy(m(x), y)
    loss.backward()
    return blocks, loss.item(), [p.grad.numpy() for p in m.parameters()], \
        [b.numpy().copy() for b in m.buffers()]


def test_blocks_and_same_step_for_every_trainer_model():
    for name in ("resnet8", "lenet5", "mlp"):
        blocks, loss0, g0, b0 = _step(name, False)
        blocks, loss1, g1, b1 = _step(name, True)
        assert blocks and loss0 == loss1
        assert all(np.array_equal(a, b) for a, b in zip(g0, g1))
        assert all(np.array_equal(a, b) for a, b in zip(b0, b1))   # running stats once
    assert len(_step("resnet8", True)[0]) == 3        # its three BasicBlocks


def test_train_flag_gives_the_same_run(tmp_path, capsys):
    quick = ["train", "--model", "mlp", "--limit-train", "256", "--limit-eval", "128",
             "--epochs", "1", "--no-progress"]
    recs = []
    for flag in ([], ["--checkpoint-activations"]):
        out_dir = tmp_path / ("ck" if flag else "plain")
        assert main(quick + flag + ["--output-dir", str(out_dir)]) == 0
        out = capsys.readouterr().out
        assert ("activation checkpointing" in out) == bool(flag)
        rec = json.loads((out_dir / "metrics.jsonl").read_text().splitlines()[0])
        recs.append({k: rec[k] for k in ("train_loss", "train_acc", "val_loss", "val_acc")})
    assert recs[0] == recs[1]
