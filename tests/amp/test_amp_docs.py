"""docs/amp.md's examples run and print what the page says they print."""
import os
import re

import pytest

pytest.importorskip("ml_dtypes")
DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "amp.md")


def test_docs_examples_run(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the first example saves m.pt
    with open(DOC, encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    assert len(blocks) == 3
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/amp.md[{i}]", "exec"), {"__name__": "amp_doc"})  # noqa: S102
        out = capsys.readouterr().out.splitlines()
        # what a comment says a print prints is what it prints
        said = [c.split("#", 1)[1].split("(")[0].strip() for c in block.splitlines()
                if "#" in c and "torch." in c.split("#", 1)[1] and "print(" in c]
        for s in said:
            assert any(o.strip().startswith(s) for o in out), (i, s, out)
        if i == 0:
            assert "torch.bfloat16 torch.float32 torch.float32" in out
