"""torch.fx for dygrad: symbolic tracing of modules into graphs you can edit, print as Python
code, run, and write passes over (Interpreter, Transformer, replace_pattern, ShapeProp).

Example::

    import dygrad as torch

    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(4, 3)

        def forward(self, x):
            return torch.relu(self.lin(x)) + 1

    gm = torch.fx.symbolic_trace(M())
    print(gm.code)          # def forward(self, x): lin = self.lin(x) ...
    gm(torch.randn(2, 4))   # runs the generated code

See docs/fx.md.
"""
from . import node, graph, proxy, graph_module, interpreter, subgraph_rewriter  # noqa: F401
from . import _symbolic_trace  # noqa: F401
from .node import Node, map_arg, has_side_effect  # noqa: F401
from .graph import Graph, CodeGen  # noqa: F401
from .graph_module import GraphModule  # noqa: F401
from .proxy import Proxy, TraceError  # noqa: F401
from ._symbolic_trace import Tracer, symbolic_trace, wrap, PH  # noqa: F401
from .interpreter import Interpreter, Transformer  # noqa: F401
from .subgraph_rewriter import replace_pattern  # noqa: F401
from . import passes  # noqa: F401

__all__ = ["symbolic_trace", "Tracer", "wrap", "Graph", "GraphModule", "Interpreter",
           "Transformer", "Node", "Proxy", "replace_pattern", "map_arg", "has_side_effect",
           "CodeGen", "PH"]
