"""A mixin for Tensor methods that are neither declared ops nor Tensor core; empty now (its last
method, multinomial, is a declared op of ops/sampling.py). Tensor inherits it: a method that
cannot be declared can go here rather than into _tensor.py's core.
"""


class TensorExtMethods:
    __slots__ = ()
