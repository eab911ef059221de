"""jacrev, jacfwd and hessian: full Jacobians assembled one basis vector at a time.

jacrev runs one backward per output element (rows), jacfwd one forward-mode product per input
element (columns, by the double-vjp trick of `_forward.Linearized`); both reuse a single forward
call, so `f` runs once, as in PyTorch. The Jacobian of an output of shape O with respect to an
input of shape I has shape O + I. Rows and columns are stacked with dygrad ops, so a Jacobian
that depends on tensors outside the transform keeps their graph (jacrev(jacrev(f)), hessian).
"""
import functools

import numpy as np

from ..autograd.grad_mode import enable_grad
from ._forward import Linearized
from ._grad import Level, _basis, enter_args, flat_outputs, lower_tree, rebuild, split_aux
from ..utils._pytree import tree_unflatten

__all__ = ["jacrev", "jacfwd", "hessian"]


def _wrap(a):
    from .._tensor import _wrap as w
    return w(a)


def _assemble(pieces, lead_shape, tail_shape, lead_first, dtype):
    """Stacks per-basis-vector results into a tensor of shape lead_shape + tail_shape.

    lead_first: the pieces run over the leading dims (rows of jacrev); otherwise over the
    trailing dims (columns of jacfwd)."""
    from .. import stack
    full = tuple(lead_shape) + tuple(tail_shape)
    if not pieces:
        return _wrap(np.zeros(full, dtype.np))
    if lead_first:
        return stack(pieces).reshape(full)
    return stack(pieces, dim=-1).reshape(full)


def _structure(jac, out_spec, layout, argnums):
    """jac[k][j] (output leaf k, input leaf j) in the structure PyTorch returns: the outputs'
    structure, and in each place the inputs' (one argument, or a tuple over argnums)."""
    return tree_unflatten([rebuild(row, layout, argnums) for row in jac], out_spec)


def _check_chunk(chunk_size):
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """The Jacobian of `func` with respect to ``args[argnums]``, by reverse mode.

    For an output of shape O and an input of shape I the result has shape O + I; several
    outputs or inputs (tuples, dicts) give the same structure of Jacobians. `chunk_size` is
    accepted (rows are computed one at a time whatever its value).

    Example::

        >>> torch.func.jacrev(torch.sin)(torch.tensor([0., 0.]))
        tensor([[1., 0.],
                [0., 1.]])
    """
    _check_chunk(chunk_size)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        level = Level()
        with enable_grad():
            args, flat, layout = enter_args(level, args, argnums)
            out, aux = split_aux(func(*args, **kwargs), has_aux, "jacrev(f)(*args)")
            outs, out_spec = flat_outputs(out, "vjp(f, *primals)")
            jac = []
            for o in outs:
                create = level.external(o)
                rows = [level.backward([o], flat, [_basis(o, i)], create)
                        for i in range(o.numel())]
                jac.append([_assemble([r[j] for r in rows], o.shape, x.shape, True, x.dtype)
                            for j, x in enumerate(flat)])
        result = _structure(jac, out_spec, layout, argnums)
        return (result, lower_tree(level, aux)) if has_aux else result
    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of `func` with respect to ``args[argnums]``, by forward mode (same values
    and structure as :func:`jacrev`).

    Example::

        >>> torch.func.jacfwd(lambda x: x ** 2)(torch.tensor([1., 2.]))
        tensor([[2., 0.],
                [0., 4.]])
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        level = Level()
        with enable_grad():
            args, flat, layout = enter_args(level, args, argnums)
            out, aux = split_aux(func(*args, **kwargs), has_aux, "jacfwd(f)(*args)")
            outs, out_spec = flat_outputs(out, "jvp(f, primals, tangents)")
            lin = Linearized(level, outs, flat)
            zeros = [None] * len(flat)
            cols = []  # cols[j]: the list over input j's elements of [J_k e for each output k]
            for j, x in enumerate(flat):
                tans = list(zeros)
                col = []
                for i in range(x.numel()):
                    tans[j] = _basis(x, i)
                    col.append(lin(tans, only=(j,)))
                cols.append(col)
            jac = [[_assemble([c[k] for c in cols[j]], o.shape, x.shape, False, o.dtype)
                    for j, x in enumerate(flat)] for k, o in enumerate(outs)]
        result = _structure(jac, out_spec, layout, argnums)
        return (result, lower_tree(level, aux)) if has_aux else result
    return wrapper


def hessian(func, argnums=0):
    """The Hessian of a scalar `func` with respect to ``args[argnums]``:
    ``jacfwd(jacrev(func, argnums), argnums)``.

    Example::

        >>> torch.func.hessian(lambda x: (x ** 3).sum())(torch.tensor([1., 2.]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    return jacfwd(jacrev(func, argnums), argnums)

