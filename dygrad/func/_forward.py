"""jvp: forward-mode products of functions of tensors, computed exactly on dygrad's reverse
mode (the double-vjp trick), at the same levels as grad and vjp (_grad.py)."""
import numpy as np

from ..autograd import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad
from ._grad import (Level, _basis, _tensor_cls, _wrap_np, _zeros_like, enter_args, flat_outputs,
                    lower_tree, split_aux)
from ..utils._pytree import tree_flatten, tree_unflatten

__all__ = ["jvp"]


class Linearized:
    """The forward-mode derivative of one call, by the double-vjp trick: with u a dummy
    cotangent, g(u) = J^T u is linear in u, so the gradient of <g(u), t> with respect to u is
    J t. One forward and one backward (with a graph) serve any number of tangents. Where some
    op has no double backward (the fused recurrent layers), the rows of J are computed once by
    plain reverse passes instead (exact, one pass per output element)."""

    def __init__(self, level, outs, flat):
        self.level, self.outs, self.flat = level, outs, flat
        self.us = [level.leaf(_zeros_like(o)) for o in outs]
        self.external = any(level.external(o) for o in outs)
        self.rows = None
        live = [(o, u) for o, u in zip(outs, self.us) if o.requires_grad]
        self.gs = [None] * len(flat)
        if live and flat:
            try:
                gs = _autograd_grad([o for o, _ in live], flat, [u for _, u in live],
                                    retain_graph=True, create_graph=True, allow_unused=True)
            except RuntimeError as exc:
                if "double backward" not in str(exc):
                    raise
                self.rows = self._jacobian_rows()
                return
            self.gs = [g if g is not None and g.requires_grad else None for g in gs]

    def _jacobian_rows(self):
        """rows[k][j]: the Jacobian of output k by entry tensor j as a (numel_k, numel_j)
        matrix."""
        from .. import stack
        level, flat = self.level, self.flat
        rows = []
        for o in self.outs:
            m, create = o.numel(), level.external(o)
            per = [level.backward([o], flat, [_basis(o, i)], create) for i in range(m)]
            rows.append([stack([r[j].reshape(-1) for r in per]) if m else
                         _wrap_np(np.zeros((0, x.numel()), x.dtype.np))
                         for j, x in enumerate(flat)])
        return rows

    def __call__(self, tangents, only=None):
        """J t for tangents of the entry tensors (`only`: indices of the non-zero ones)."""
        level = self.level
        if self.rows is not None:
            idx = list(range(len(self.flat)) if only is None else only)
            res = []
            for o, row in zip(self.outs, self.rows):
                acc = _zeros_like(o).reshape(-1)
                for j in idx:
                    acc = acc + row[j] @ tangents[j].reshape(-1).to(o.dtype)
                res.append(level.lower(acc.reshape(o.shape)))
            return res
        idx = [i for i in (range(len(self.flat)) if only is None else only)
               if self.gs[i] is not None]
        create = level.outer and (self.external or any(tangents[i].requires_grad for i in idx))
        if not idx:
            return [_zeros_like(o) for o in self.outs]
        res = _autograd_grad([self.gs[i] for i in idx], self.us, [tangents[i] for i in idx],
                             retain_graph=True, create_graph=create, allow_unused=True)
        return [_zeros_like(o) if r is None else (level.lower(r) if create else r)
                for r, o in zip(res, self.outs)]


def cast_tangents(tangents, flat):
    return [t if t.dtype == x.dtype else t.to(x.dtype) for t, x in zip(tangents, flat)]


def widen(results, tangents):
    """Output tangents in PyTorch's dtype: an output's dtype promoted with the tangents' (a
    float64 tangent of a float32 primal gives a float64 product)."""
    from .._dtype import promote_types
    dts = {t.dtype for t in tangents}
    out = []
    for r in results:
        dt = r.dtype
        for d in dts:
            dt = promote_types(dt, d)
        out.append(r if dt == r.dtype else r.to(dt))
    return out


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(func(*primals), J @ tangents)``: the Jacobian-vector product (forward mode), computed
    exactly with two reverse passes. `primals` and `tangents` are tuples of the same structure.
    With `has_aux`, `func` returns ``(output, aux)`` and a third element, aux, is returned.

    Example::

        >>> torch.func.jvp(torch.sin, (torch.tensor([0.]),), (torch.tensor([2.]),))
        (tensor([0.]), tensor([2.]))
    """
    api = "jvp(f, primals, tangents)"
    for name, v in (("primals", primals), ("tangents", tangents)):
        if not isinstance(v, tuple):
            raise RuntimeError(f"{api}: Expected {name} to be a tuple. E.g. it should be valid "
                               "to call f(*primals).")
    p_flat, p_spec = tree_flatten(primals)
    t_flat, t_spec = tree_flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(
            f"{api}: Expected primals and tangents to have the same python structure. For "
            "example, if primals is a tuple of 3 tensors, tangents also must be. Got primals "
            f"with structure {p_spec!r} and tangents with structure {t_spec!r}")
    if strict:
        raise RuntimeError(f"{api}: strict=True is not supported (PyTorch does not support it "
                           "either).")
    for p, t in zip(p_flat, t_flat):
        if not isinstance(t, _tensor_cls()):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(t)}")
        if isinstance(p, _tensor_cls()) and tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(
                "Trying to set a forward gradient that has a different size than that of the "
                f"original Tensor, this is not supported. Tensor is of size {list(p.shape)} "
                f"while the given forward gradient is of size {list(t.shape)}.")
    level = Level()
    with enable_grad():
        args, flat, _ = enter_args(level, primals, tuple(range(len(primals)))) \
            if primals else ([], [], [])
        out, aux = split_aux(func(*args), has_aux, api)
        outs, out_spec = flat_outputs(out, api)
        lin = Linearized(level, outs, flat)
        res = widen(lin(cast_tangents(t_flat, flat)), t_flat)
    result = (tree_unflatten([level.lower(o) for o in outs], out_spec),
              tree_unflatten(res, out_spec))
    if has_aux:
        return result + (lower_tree(level, aux),)
    return result
