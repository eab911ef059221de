"""docs/func.md's examples run, and print what their comments say."""
import os
import re

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "func.md")


def _blocks():
    with open(DOC, encoding="utf-8") as f:
        return re.findall(r"```python\n(.*?)```", f.read(), re.S)


def test_docs_examples_run(capsys):
    blocks = _blocks()
    assert len(blocks) >= 8
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/func.md[{i}]", "exec"), {"__name__": "func_doc"})  # noqa: S102
    out = capsys.readouterr().out
    for shown in ("tensor([[11.5000]])", "tensor([ 0.,  3., 12.])", "tensor(-0.4794)",
                  "tensor([0., 2., 4.]) tensor(5.) tensor(1.)", "(tensor([1.0000, 0.5403]),)",
                  "torch.Size([8, 3])", "torch.Size([4, 2, 3]) True"):
        assert shown in out, shown
