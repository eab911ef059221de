"""Tensor methods not (yet) declared as ops: multinomial (ops/sampling.py). Tensor inherits them
from this mixin (one base class, no per-method registration); the declared ops' methods are
generated into dygrad/_tensor_methods.py.
"""


class TensorExtMethods:
    __slots__ = ()

    # (imported per call: ops/sampling.py imports Tensor)
    def multinomial(self, num_samples, replacement=False, *, generator=None):
        from .ops.sampling import multinomial
        return multinomial(self, num_samples, replacement, generator=generator)
