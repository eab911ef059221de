"""grad, grad_and_value and vjp of functions of tensors, on dygrad's eager autograd (jvp, by
the same levels, is in _forward.py).

Each call of a transformed function opens a *level*. The tensors it differentiates enter the
level as fresh tensors of their own: a new leaf when the caller's tensor does not require grad,
otherwise an alias (a view) that stays attached to the caller's graph. Gradients are taken with
`autograd.grad` with respect to those entry tensors only, so a tensor that reaches the function
both as an argument and by closure is told apart (grad(lambda x: grad(lambda y: x * y)(x))(x)
is 1, as in PyTorch). The backward builds a graph of its own (create_graph) only when some
output depends on a requires-grad tensor outside the level: an enclosing transform's input, a
model parameter a training step will call backward() on. Results leave the level *lowered*:
whatever depends on nothing but the level's own leaves is detached, so `grad(f)(x)` of a plain
tensor does not require grad, while `grad(loss)(params)` of meta-parameters keeps their graph
(second-order MAML).
"""
import functools

import numpy as np

from ..autograd import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ..autograd.node import AccumulateGrad
from ..utils._pytree import tree_flatten, tree_unflatten
from ._batched import LEVELS as _VMAP_LEVELS
from ._batching_autograd import lift as _vmap_lift

__all__ = ["grad", "grad_and_value", "vjp"]


def _tensor_cls():
    from .._tensor import Tensor
    return Tensor


def _zeros_like(x):
    # through the module attribute: under vmap a batched x gets batched zeros
    from .. import _creation
    return _creation.zeros_like(x)


def _basis(t, i):
    """A tensor of t's (per-sample) shape and dtype, 1 at flat index i, 0 elsewhere."""
    from .._tensor import _wrap
    a = np.zeros(t.numel(), t.dtype.np)
    a[i] = 1
    return _wrap(a.reshape(tuple(t.shape)))


def _physical(t):
    """The plain tensor under vmap's batched wrappers (whose graph it is)."""
    while hasattr(t, "_bv"):
        t = t._bv
    return t


def _wrap_np(a):
    from .._tensor import _wrap
    return _wrap(a)


def _size(shape):
    from .. import Size
    return repr(Size(list(shape)))


class Level:
    """One call of a transform: its entry tensors and what leaves it."""

    def __init__(self):
        # grad mode as the caller had it: under no_grad nothing is attached to the caller's graph
        self.outer = is_grad_enabled()
        self.inside = set()  # AccumulateGrad nodes of the level's own fresh leaves

    def leaf(self, array_like_tensor):
        """A fresh leaf of the level that requires grad (a dummy cotangent of jvp)."""
        t = array_like_tensor.detach().requires_grad_(True)
        self.inside.add(_physical(t)._grad_node()[0])
        return t

    def enter(self, x):
        """The tensor the function sees in place of the caller's `x`."""
        if not isinstance(x, _tensor_cls()):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
        if _VMAP_LEVELS:  # under vmap: batched at every level, so vmap(grad(f)) is per-sample
            x = _vmap_lift(x)
        if self.outer and x.requires_grad:
            with enable_grad():
                return x.view_as(x)
        return self.leaf(x)

    def external(self, t):
        """Whether `t`'s value depends on a requires-grad tensor outside this level."""
        if not self.outer or not isinstance(t, _tensor_cls()) or not t.requires_grad:
            return False
        inside = self.inside
        node = _physical(t)._grad_node()[0]
        stack, seen = [node], {node}
        while stack:
            n = stack.pop()
            if type(n) is AccumulateGrad:
                if n not in inside:
                    return True
                continue
            for nf, _ in n.next_functions:
                if nf is not None and nf not in seen:
                    seen.add(nf)
                    stack.append(nf)
        return False

    def lower(self, t):
        """`t` as the caller sees it: detached unless it depends on the caller's graph."""
        if isinstance(t, _tensor_cls()) and t.requires_grad and not self.external(t):
            return t.detach()
        return t

    def backward(self, outputs, inputs, cotangents, create, retain=True):
        """Gradients of `outputs` (weighted by `cotangents`) with respect to the entry tensors
        `inputs`, zeros where nothing flows; lowered when computed with a graph."""
        pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
        if not pairs or not inputs:
            return [_zeros_like(x) for x in inputs]
        gs = _autograd_grad([o for o, _ in pairs], inputs, [c for _, c in pairs],
                            retain_graph=retain or create, create_graph=create, allow_unused=True)
        out = []
        for g, x in zip(gs, inputs):
            if g is None:
                out.append(_zeros_like(x))
            else:
                out.append(self.lower(g) if create else g)
        return out


def check_argnums(argnums, nargs):
    """argnums normalized to a tuple of non-negative positions (PyTorch's errors)."""
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        nums = (argnums,)
    elif isinstance(argnums, tuple):
        if not argnums:
            raise RuntimeError("argnums must be non-empty")
        if not all(isinstance(a, int) and not isinstance(a, bool) for a in argnums):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {argnums}")
        nums = argnums
    else:
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    out = []
    for a in nums:
        if not -nargs <= a < nargs:
            raise RuntimeError(f"Got argnum={a}, but only {nargs} positional inputs")
        out.append(a % nargs)
    if len(set(out)) != len(out):
        raise RuntimeError(f"argnums must be unique, got {argnums}")
    return tuple(out)


def enter_args(level, args, argnums):
    """(args with the differentiated ones replaced by entry tensors, flat entry tensors,
    per-argnum (start, stop, spec) to rebuild each argument's gradients)."""
    nums = check_argnums(argnums, len(args))
    args = list(args)
    flat, layout = [], []
    for a in nums:
        leaves, spec = tree_flatten(args[a])
        entered = [level.enter(x) for x in leaves]
        layout.append((len(flat), len(flat) + len(entered), spec))
        flat.extend(entered)
        args[a] = tree_unflatten(entered, spec)
    return args, flat, layout


def rebuild(flat, layout, argnums):
    """Per-argument structures from a flat list over all differentiated leaves."""
    parts = tuple(tree_unflatten(flat[s:e], spec) for s, e, spec in layout)
    return parts[0] if isinstance(argnums, int) else parts


def split_aux(out, has_aux, api):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{api}: output of function f should be a tuple: (output, aux) "
                           "if has_aux is True")
    return out


def lower_tree(level, tree):
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([level.lower(t) for t in leaves], spec)


def _grad_and_value_call(func, argnums, has_aux, args, kwargs):
    level = Level()
    api = "grad_and_value(f)(*args)"
    with enable_grad():
        args, flat, layout = enter_args(level, args, argnums)
        out, aux = split_aux(func(*args, **kwargs), has_aux, api)
        if not isinstance(out, _tensor_cls()):
            raise RuntimeError(f"{api}: Expected f(*args) to return a Tensor, got {type(out)}")
        if out.dim() != 0:
            raise RuntimeError(
                f"{api}: Expected f(*args) to return a scalar Tensor, got tensor with "
                f"{out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
        create = level.external(out)
        grads = level.backward([out], flat, [None], create, retain=False)
    value = level.lower(out)
    grads = rebuild(grads, layout, argnums)
    if has_aux:
        return grads, (value, lower_tree(level, aux))
    return grads, value


def grad_and_value(func, argnums=0, has_aux=False):
    """Like :func:`grad`, returning ``(gradient, value)`` (``(gradient, (value, aux))`` with
    `has_aux`).

    Example::

        >>> g, v = torch.func.grad_and_value(lambda x: (x ** 2).sum())(torch.tensor([1., 2.]))
        >>> g, v
        (tensor([2., 4.]), tensor(5.))
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return _grad_and_value_call(func, argnums, has_aux, args, kwargs)
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The gradient of a scalar function: ``grad(f)(*args)`` is d f(*args) / d args[argnums].

    `argnums` is an int or a tuple of ints (then a tuple of gradients); an argument may be a
    tuple, list or dict of tensors (a dict of parameters for :func:`functional_call`), and its
    gradient has the same structure. With `has_aux`, `f` returns ``(output, aux)`` and
    ``(gradient, aux)`` is returned. Transforms compose: ``grad(grad(f))`` is the second
    derivative, and tensors `f` reads from outside keep their graph for a later backward().

    Example::

        >>> torch.func.grad(lambda x: x.sin().sum())(torch.tensor([0.]))
        tensor([1.])
        >>> torch.func.grad(torch.func.grad(torch.sin))(torch.tensor(0.))
        tensor(-0.)
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = _grad_and_value_call(func, argnums, has_aux, args, kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def flat_outputs(out, api):
    leaves, spec = tree_flatten(out)
    for t in leaves:
        if not isinstance(t, _tensor_cls()):
            raise RuntimeError(f"{api}: expected f(*primals) to return only tensors, got "
                               f"unsupported type {type(t)}")
    return leaves, spec


def check_cotangent(c, o, i, what="grad_output"):
    if not isinstance(c, _tensor_cls()):
        raise RuntimeError(f"Expected tensors, got unsupported type {type(c)}")
    if tuple(c.shape) != tuple(o.shape):
        raise RuntimeError(f"Mismatch in shape: {what}[{i}] has a shape of {_size(c.shape)} "
                           f"and output[{i}] has a shape of {_size(o.shape)}.")
    return c if c.dtype == o.dtype else c.to(o.dtype)


def vjp(func, *primals, has_aux=False):
    """``(output, vjp_fn)``: `output` is ``func(*primals)`` and ``vjp_fn(cotangents)`` the
    vector-Jacobian product, a tuple with one gradient per primal (`cotangents` has the
    structure of `output`). `vjp_fn` may be called several times. With `has_aux`, `func`
    returns ``(output, aux)`` and ``(output, vjp_fn, aux)`` is returned.

    Example::

        >>> out, vjp_fn = torch.func.vjp(torch.sin, torch.tensor([0., 1.]))
        >>> vjp_fn(torch.ones(2))
        (tensor([1.0000, 0.5403]),)
    """
    api = "vjp(f, *primals)"
    level = Level()
    with enable_grad():
        args, flat, layout = enter_args(level, primals, tuple(range(len(primals)))) \
            if primals else ([], [], [])
        out, aux = split_aux(func(*args), has_aux, api)
    outs, out_spec = flat_outputs(out, api)
    external = any(level.external(o) for o in outs)

    def vjp_fn(cotangents, retain_graph=True, create_graph=None):
        cts, ct_spec = tree_flatten(cotangents)
        if ct_spec != out_spec:
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure of "
                f"outputs to the function. cotangents: {ct_spec!r}, primal output: {out_spec!r}")
        cts = [check_cotangent(c, o, i) for i, (c, o) in enumerate(zip(cts, outs))]
        create = create_graph
        if create is None:
            create = level.outer and (external or any(c.requires_grad for c in cts))
        with enable_grad():
            gs = level.backward(outs, flat, cts, create, retain=retain_graph)
        return tuple(tree_unflatten(gs[s:e], spec) for s, e, spec in layout)

    result = tree_unflatten([level.lower(o) for o in outs], out_spec)
    if has_aux:
        return result, vjp_fn, lower_tree(level, aux)
    return result, vjp_fn
