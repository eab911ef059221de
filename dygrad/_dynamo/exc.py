"""`torch._dynamo.exc`: the exception a `fullgraph=True` compile raises at a graph break."""
from ..compiler import Unsupported

__all__ = ["Unsupported"]
