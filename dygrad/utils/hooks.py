"""torch.utils.hooks: the handle every hook registration returns (tensors, graph nodes, modules,
state-dict hooks). It is defined with the graph nodes (dygrad.autograd.node) so that the core
needs nothing from this package; this module is its public path."""
from ..autograd.node import RemovableHandle

__all__ = ["RemovableHandle"]
