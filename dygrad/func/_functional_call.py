"""functional_call: run a module with other tensors in place of its parameters and buffers;
stack_module_state: the parameters and buffers of several same-shaped models, stacked."""
from ._grad import _tensor_cls

__all__ = ["functional_call", "stack_module_state"]

_MISSING = object()


def _merge(dicts):
    if isinstance(dicts, dict):
        return dict(dicts)
    if not isinstance(dicts, (tuple, list)) or not all(isinstance(d, dict) for d in dicts):
        raise TypeError("functional_call: parameter_and_buffer_dicts must be a dict or a "
                        f"sequence of dicts, got {type(dicts).__name__}")
    merged = {}
    for d in dicts:
        dup = [k for k in d if k in merged]
        if dup:
            raise ValueError(f"{dup} appeared in multiple dictionaries; behavior of functional "
                             "call is ambiguous")
        merged.update(d)
    return merged


def _tensor_names(module):
    """Every name of every parameter and buffer (a tied tensor under each of its names), and
    the groups of names that share one tensor."""
    names, groups = [], {}
    for named in (module.named_parameters(remove_duplicate=False),
                  module.named_buffers(remove_duplicate=False)):
        for name, t in named:
            names.append(name)
            groups.setdefault(id(t), []).append(name)
    return names, [g for g in groups.values() if len(g) > 1]


def _resolve(module, values, tie_weights, strict):
    """The full name -> tensor mapping to install, after ties and the strict check."""
    names, tied = _tensor_names(module)
    values = dict(values)
    if tie_weights:
        for group in tied:
            given = [n for n in group if n in values]
            if not given:
                continue
            if any(values[n] is not values[given[0]] for n in given[1:]):
                raise ValueError(f"functional_call got multiple values for keys {given}, which "
                                 "are tied. Consider using tie_weights=False")
            for n in group:
                values[n] = values[given[0]]
    if strict:
        known = set(names)
        unexpected = [k for k in values if k not in known]
        missing = [n for n in names if n not in values]
        if unexpected or missing:
            msg = f"Error(s) in reparametrizing for {module._get_name()}:"
            if unexpected:
                msg += "\n\tUnexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + "."
            if missing:
                msg += "\n\tMissing key(s): " + ", ".join(f"'{k}'" for k in missing) + "."
            raise RuntimeError(msg)
    return values


def _owner(module, name):
    """(submodule, attribute) for a dotted name; (None, None) when the path is no module."""
    path, _, leaf = name.rpartition(".")
    try:
        return module.get_submodule(path), leaf
    except AttributeError:
        return None, None


def _swap(module, values):
    """Installs `values`, returning the undo list (container, key, previous value)."""
    undo = []
    try:
        for name, t in values.items():
            mod, leaf = _owner(module, name)
            if mod is None:
                continue
            d = mod.__dict__
            for store in (d["_parameters"], d["_buffers"]):
                if leaf in store:
                    undo.append((store, leaf, store[leaf]))
                    store[leaf] = t
                    break
            else:  # not a parameter or buffer: a plain attribute for the call, as PyTorch does
                undo.append((d, leaf, d.get(leaf, _MISSING)))
                d[leaf] = t
    except BaseException:
        _restore(undo)
        raise
    return undo


def _restore(undo):
    for store, key, old in reversed(undo):
        if old is _MISSING:
            store.pop(key, None)
        else:
            store[key] = old


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """Calls ``module(*args, **kwargs)`` with the tensors of `parameter_and_buffer_dicts` (a dict
    name -> tensor, or a sequence of such dicts) in place of the module's own parameters and
    buffers of those names; the module's own tensors are back in place afterwards, also when
    the call raises. Gradients flow to the given tensors, which is what :func:`grad` and MAML
    need. With `tie_weights` (the default) a tensor given for one name of a tied parameter
    serves all its names; with `strict` every parameter and buffer must be given and no other
    name.

    Example::

        >>> lin = torch.nn.Linear(2, 1)
        >>> params = {"weight": torch.ones(1, 2), "bias": torch.zeros(1)}
        >>> torch.func.functional_call(lin, params, (torch.tensor([[1., 2.]]),))
        tensor([[3.]])
    """
    values = _merge(parameter_and_buffer_dicts)
    Tensor = _tensor_cls()
    for v in values.values():
        if not isinstance(v, Tensor):
            raise TypeError(f"{v} is not an instance of torch.Tensor")
    values = _resolve(module, values, tie_weights, strict)
    if not isinstance(args, tuple):
        args = () if args is None else (args,)
    undo = _swap(module, values)
    try:
        return module(*args, **(kwargs or {}))
    finally:
        _restore(undo)


def stack_module_state(models):
    """``(params, buffers)``: dicts name -> the models' tensors of that name stacked on a new
    leading dim. The stacked parameters are new leaves (requiring grad when the models'
    parameters do), not views of the models' tensors; use them with :func:`functional_call`
    and ``vmap`` to run an ensemble in one call.

    Example::

        >>> models = [torch.nn.Linear(3, 2) for _ in range(4)]
        >>> params, buffers = torch.func.stack_module_state(models)
        >>> params["weight"].shape
        torch.Size([4, 2, 3])
    """
    from .. import stack
    from ..autograd.grad_mode import no_grad
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if len({m.training for m in models}) != 1:
        raise RuntimeError("stack_module_state: Expected all models to have the same "
                           "training/eval mode.")
    if len({type(m) for m in models}) != 1:
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(named):
        tables = [dict(named(m)) for m in models]
        out = {}
        for name in tables[0]:
            ts = [t[name] for t in tables]
            rg = {t.requires_grad for t in ts}
            if len(rg) != 1:
                raise RuntimeError(f"Expected {name} from each model to have the same "
                                   ".requires_grad")
            with no_grad():
                s = stack(ts)
            out[name] = s.requires_grad_(True) if rg.pop() else s
        return out

    return (stacked(lambda m: m.named_parameters()), stacked(lambda m: m.named_buffers()))
