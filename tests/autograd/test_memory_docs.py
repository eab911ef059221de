"""docs/memory.md's examples run."""
import os
import re

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "memory.md")


def test_docs_examples_run(capsys):
    with open(DOC, encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    assert len(blocks) == 3
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/memory.md[{i}]", "exec"), {"__name__": "memory_doc"})  # noqa: S102
    out = capsys.readouterr().out
    assert "MiB kept for backward" in out and "bytes kept" in out
