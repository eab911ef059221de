"""ShapeProp: run a GraphModule on example inputs and record each node's result's shape, dtype,
strides and memory format in node.meta['tensor_meta']."""
from __future__ import annotations

from typing import Any, NamedTuple, Optional, Tuple

from ..interpreter import Interpreter
from ..node import Node, map_aggregate

__all__ = ["TensorMetadata", "ShapeProp"]


class TensorMetadata(NamedTuple):
    shape: Any
    dtype: Any
    requires_grad: bool
    stride: Tuple[int, ...]
    memory_format: Optional[Any]
    is_quantized: bool
    qparams: dict


def _extract_tensor_metadata(t) -> TensorMetadata:
    import dygrad
    memory_format = None
    for fmt in (dygrad.contiguous_format, dygrad.channels_last, dygrad.channels_last_3d):
        try:
            if t.is_contiguous(memory_format=fmt):
                memory_format = fmt
                break
        except (RuntimeError, TypeError, ValueError):
            continue
    return TensorMetadata(t.shape, t.dtype, t.requires_grad, tuple(t.stride()), memory_format,
                          False, {})


class ShapeProp(Interpreter):
    """Example::

        gm = torch.fx.symbolic_trace(model)
        ShapeProp(gm).propagate(torch.randn(2, 3))
        for node in gm.graph.nodes:
            print(node.name, node.meta["tensor_meta"].shape)
    """

    def __init__(self, gm, fake_mode=None):
        super().__init__(gm)

    def run_node(self, n: Node) -> Any:
        from ..._tensor import Tensor
        result = super().run_node(n)
        found = []

        def extract(obj):
            if isinstance(obj, Tensor):
                found.append(True)
                return _extract_tensor_metadata(obj)
            return obj
        meta = map_aggregate(result, extract)
        if found:
            n.meta["tensor_meta"] = meta
        n.meta["type"] = type(result)
        return result

    def propagate(self, *args):
        """Runs the module on `args`, filling in node.meta; returns its result."""
        return super().run(*args)
