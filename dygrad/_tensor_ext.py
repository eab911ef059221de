"""More Tensor methods: the less common math, in-place spellings, cumulative ops and order
statistics, shape and matrix helpers. Tensor inherits them from this mixin (one base class, no
per-method registration); each delegates to its op family module, as Tensor's own methods do.
"""
from . import _tensor as _T  # partially initialised here; its op modules are looked up per call


def _inplace_of(name):
    """The in-place spelling of the unary op `name`: computed out of place, then written back."""
    def method(self):
        return _T._inplace(self, getattr(_T._ew, name)(self))
    method.__name__ = method.__qualname__ = name + "_"
    return method


class TensorExtMethods:
    __slots__ = ()

    # -- less common math (ops/special_unary.py, ops/special_binary.py) ----------------------------
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

    # -- in-place spellings: out of place, then written back (history rebased). The comparisons
    # give constants, so they go through copy_, which cuts the history (as PyTorch); PyTorch's
    # logical_*_ leave it untouched, which _inplace does for a result without history ---------

    # -- reductions along a dim and order statistics (ops/cumulative.py, ops/stats.py via _red) ---
    # -- shape helpers (ops/shape_extra.py via _shape) -------------------------------------------
    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        return _T._shape.repeat_interleave(self, repeats, dim)

    def tensor_split(self, indices_or_sections, dim=0):
        return _T._shape.tensor_split(self, indices_or_sections, dim)

    def hsplit(self, indices_or_sections):
        return _T._shape.hsplit(self, indices_or_sections)

    def vsplit(self, indices_or_sections):
        return _T._shape.vsplit(self, indices_or_sections)

    def dsplit(self, indices_or_sections):
        return _T._shape.dsplit(self, indices_or_sections)

    def rot90(self, k=1, dims=(0, 1)):
        return _T._shape.rot90(self, k, dims)

    def take_along_dim(self, indices, dim=None):
        return _T._shape.take_along_dim(self, indices, dim)

    def diagflat(self, offset=0):
        return _T._shape.diagflat(self, offset)

    def narrow_copy(self, dim, start, length):
        return _T._shape.narrow_copy(self, dim, start, length)

    def renorm(self, p, dim, maxnorm):
        return _T._shape.renorm(self, p, dim, maxnorm)

    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        return _T._shape.unique_consecutive(self, return_inverse, return_counts, dim)

    # -- matrix helpers (ops/linalg_extra.py via _la) --------------------------------------------
    def trace(self):
        return _T._la.trace(self)

    def kron(self, other):
        return _T._la.kron(self, other)

    def inner(self, other):
        return _T._la.inner(self, other)

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        return _T._la.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addr(self, vec1, vec2, *, beta=1, alpha=1):
        return _T._la.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return _T._la.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def matrix_power(self, n):
        return _T._la.matrix_power(self, n)

    def logdet(self):
        return _T._la.logdet(self)

    def dist(self, other, p=2):
        return _T._la.dist(self, other, p)

    def vdot(self, other):
        return _T._la.vdot(self, other)
