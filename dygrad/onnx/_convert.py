"""Lowerings of the Tensor conversion methods (float(), long(), to(dtype), type(dtype)...),
which are Tensor methods rather than ops of the registry (dygrad/_tensor_convert.py): each is a
Cast to the dtype the eager call returned, or an Identity when it kept the dtype."""
from __future__ import annotations

from ..ops._registry import rule


def _onnx_convert(g, c):
    x, out = c["input"], c.outs[0]
    if x._data.dtype == out._data.dtype:
        return g.op("Identity", [g.value(x)])
    return g.cast(x, out)


for _name in ("float", "double", "half", "int", "long", "short", "bool", "byte", "char", "to",
              "type", "type_as", "bfloat16"):
    rule("onnx", _name)(_onnx_convert)
