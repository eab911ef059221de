"""The `__torch_function__` protocol on dygrad's slow path: when a generated torch.* function
(dygrad/_op_functions.py) fails, and one of its arguments is an object whose type defines
`__torch_function__` (an fx Proxy, a user's tensor-like), that type handles the call, as PyTorch
lets it. The check runs only after the function has raised, so calls on tensors pay nothing.
"""
import inspect

__all__ = ["handle_failed_call"]

_SIGS = {}
_SIMPLE = (int, float, bool, str, type(None))


def _overriding(values):
    """Types with __torch_function__ among `values` (one level into lists/tuples/dicts)."""
    from ._tensor import Tensor
    found = []

    def visit(v, depth=0):
        t = type(v)
        if t in _SIMPLE:
            return
        if isinstance(v, (list, tuple)) and depth < 2:
            for e in v:
                visit(e, depth + 1)
            return
        if isinstance(v, dict) and depth < 2:
            for e in v.values():
                visit(e, depth + 1)
            return
        if hasattr(t, "__torch_function__") and not isinstance(v, Tensor) and t not in found:
            found.append(t)
    for v in values:
        visit(v)
    return found


def _call_args(fn, params):
    """(args, kwargs) as the caller could have written them: parameters left at their defaults
    are left out (trailing positional ones and keyword ones)."""
    sig = _SIGS.get(fn)
    if sig is None:
        sig = _SIGS[fn] = inspect.signature(fn)
    args, kwargs, pending = [], {}, []

    def is_default(p, v):
        d = p.default
        return d is not p.empty and (v is d or (type(v) in _SIMPLE and type(v) is type(d)
                                                and v == d))
    for p in sig.parameters.values():
        v = params[p.name]
        if p.kind is p.VAR_POSITIONAL:
            args += pending + list(v)
            pending = []
        elif p.kind is p.VAR_KEYWORD:
            kwargs.update(v)
        elif p.kind is p.KEYWORD_ONLY:
            if not is_default(p, v):
                kwargs[p.name] = v
        elif is_default(p, v):
            pending.append(v)
        else:
            args += pending + [v]
            pending = []
    return tuple(args), kwargs


def handle_failed_call(fn, params, exc):
    """`fn` raised `exc` on the arguments `params` (its locals at entry): gives the call to an
    argument type's `__torch_function__`, or raises `exc` again when there is none."""
    types = _overriding([params[k] for k in params if not k.startswith("_")])
    if not types:
        raise exc
    args, kwargs = _call_args(fn, params)
    for t in types:
        r = t.__torch_function__(fn, tuple(types), args, kwargs)
        if r is not NotImplemented:
            return r
    raise exc
