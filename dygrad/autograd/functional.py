"""Higher-level derivatives built on grad(): vjp, jvp, jacobian, hessian, vhp, hvp."""
import numpy as np

from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _tup(x):
    from .._tensor import Tensor
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _prep_inputs(inputs, create_graph):
    return tuple(x.detach().requires_grad_(True) if not create_graph or not x.requires_grad else x
                 for x in inputs)


def _grads(outputs, inputs, grad_outputs, create_graph):
    from . import grad as _grad
    from .._tensor import _wrap
    gs = _grad(outputs, inputs, grad_outputs, retain_graph=True, create_graph=create_graph,
               allow_unused=True)
    return tuple(g if g is not None else _wrap(np.zeros(x._data.shape, x._data.dtype))
                 for g, x in zip(gs, inputs))


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    single = not isinstance(inputs, (tuple, list))
    xs = _prep_inputs(_tup(inputs), create_graph)
    with enable_grad():
        out = func(*xs)
        outs = _tup(out)
        res = _grads(outs, xs, None if v is None else _tup(v), create_graph)
    detach = (lambda t: t) if create_graph else (lambda t: t.detach())
    out_r = detach(out) if not isinstance(out, tuple) else tuple(detach(o) for o in out)
    return out_r, (detach(res[0]) if single else tuple(detach(r) for r in res))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """Forward-mode product computed with the double-vjp trick (two reverse passes)."""
    from .._tensor import _wrap
    xs = _prep_inputs(_tup(inputs), create_graph)
    vs = _tup(v) if v is not None else tuple(_wrap(np.ones(x._data.shape, x._data.dtype)) for x in xs)
    with enable_grad():
        out = func(*xs)
        outs = _tup(out)
        us = tuple(_wrap(np.zeros(o._data.shape, o._data.dtype), True) for o in outs)
        gx = _grads(outs, xs, us, True)
        from . import grad as _grad
        res = _grad(gx, us, vs, create_graph=create_graph, allow_unused=True, retain_graph=True)
    res = tuple(r if r is not None else _wrap(np.zeros(o._data.shape, o._data.dtype)) for r, o in zip(res, outs))
    detach = (lambda t: t) if create_graph else (lambda t: t.detach())
    out_r = detach(out) if not isinstance(out, tuple) else tuple(detach(o) for o in out)
    return out_r, (detach(res[0]) if not isinstance(out, tuple) else tuple(detach(r) for r in res))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    from .._tensor import _wrap
    from ..ops.shape import stack as stack_rows
    single_in = not isinstance(inputs, (tuple, list))
    xs = _prep_inputs(_tup(inputs), create_graph)
    with enable_grad():
        out = func(*xs)
        single_out = not isinstance(out, tuple)
        outs = _tup(out)
        result = []
        for o in outs:
            rows = [[] for _ in xs]
            flat_n = o._data.size
            for k in range(flat_n):
                go = np.zeros(flat_n, o._data.dtype)
                go[k] = 1
                gs = _grads((o,), xs, (_wrap(go.reshape(o._data.shape)),), create_graph)
                for i, g in enumerate(gs):
                    rows[i].append(g)
            per_in = []
            for i, x in enumerate(xs):
                shape = tuple(o._data.shape) + tuple(x._data.shape)
                j = stack_rows(rows[i]).reshape(shape) if rows[i] else _wrap(np.zeros(shape, x._data.dtype))
                per_in.append(j if create_graph else j.detach())
            result.append(per_in[0] if single_in else tuple(per_in))
    return result[0] if single_out else tuple(result)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    single_in = not isinstance(inputs, (tuple, list))
    xs = _tup(inputs)

    def grad_fn(*args):
        with enable_grad():
            out = func(*args)
            gs = _grads((out,), args, None, True)
        return gs[0] if single_in else gs

    return jacobian(grad_fn, xs[0] if single_in else xs, create_graph=create_graph)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    single = not isinstance(inputs, (tuple, list))
    xs = _prep_inputs(_tup(inputs), True)
    vs = _tup(v)
    with enable_grad():
        out = func(*xs)
        gs = _grads((out,), xs, None, True)
        from . import grad as _grad
        res = _grad(gs, xs, vs, create_graph=create_graph, allow_unused=True)
    from .._tensor import _wrap
    res = tuple(r if r is not None else _wrap(np.zeros(x._data.shape, x._data.dtype)) for r, x in zip(res, xs))
    detach = (lambda t: t) if create_graph else (lambda t: t.detach())
    return detach(out), (detach(res[0]) if single else tuple(detach(r) for r in res))


hvp = vhp  # the Hessian is symmetric for the twice-differentiable functions these serve
