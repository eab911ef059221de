"""docs/fx.md's examples run (the Conv+BatchNorm fusion pass asserts its 1e-5 agreement)."""
import os
import re

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "fx.md")


def test_docs_examples_run(capsys):
    with open(DOC, encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    assert len(blocks) == 2
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/fx.md[{i}]", "exec"), {"__name__": "fx_doc"})  # noqa: S102
    assert "max difference:" in capsys.readouterr().out
