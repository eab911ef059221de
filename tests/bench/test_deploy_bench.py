"""Smoke test of bench/deploy.py (the numbers of the README's Deploy section): it runs, every
candidate computes the model's logits (asserted inside), and it writes its table."""
import pytest


def test_deploy_bench_writes_its_table(tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from bench import deploy
    out = tmp_path / "deploy.md"
    assert deploy.main(["--quick", "--out", str(out)]) == 0
    text = out.read_text()
    for row in ("| onnxruntime |", "| dygrad eager |", "| dygrad jit.load |"):
        assert row in text
    assert "`torch.onnx.export`" in text and "`torch.jit.save`" in text
