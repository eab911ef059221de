"""More Tensor methods: the less common math not yet declared as ops (ops/bucketing.py,
ops/sampling.py). Tensor inherits them from this mixin (one base class, no per-method
registration); the declared ops' methods are generated into dygrad/_tensor_methods.py.
"""
class TensorExtMethods:
    __slots__ = ()

    # -- less common math (ops/bucketing.py, ops/sampling.py; imported per call: they import Tensor)
    def heaviside(self, values):
        from .ops.bucketing import heaviside
        return heaviside(self, values)

    def bincount(self, weights=None, minlength=0):
        from .ops.bucketing import bincount
        return bincount(self, weights, minlength)

    def histc(self, bins=100, min=0, max=0):
        from .ops.bucketing import histc
        return histc(self, bins, min, max)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        from .ops.bucketing import diag_embed
        return diag_embed(self, offset, dim1, dim2)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        from .ops.sampling import multinomial
        return multinomial(self, num_samples, replacement, generator=generator)
