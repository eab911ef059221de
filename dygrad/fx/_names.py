"""How fx names a function in printouts and generated code: dygrad's public functions by the
torch path PyTorch prints (`torch.relu`, `torch.nn.functional.relu`), Python's operators by
`operator.add`, anything else by its module and qualified name."""
import builtins
import importlib
import operator
import re

# public namespaces, searched in this order, and the name code refers to each by
_PUBLIC = (("dygrad", "torch"), ("dygrad.nn.functional", "torch.nn.functional"),
           ("dygrad.special", "torch.special"), ("dygrad.linalg", "torch.linalg"),
           ("dygrad.fft", "torch.fft"))
_cache = {}


def _public_name(fn):
    name = getattr(fn, "__name__", None)
    if not isinstance(name, str):
        return None
    for mod_name, shown in _PUBLIC:
        try:
            mod = importlib.import_module(mod_name)
        except ImportError:
            continue
        if mod.__dict__.get(name) is fn:
            return f"{shown}.{name}"
    return None


def qualified_name(fn) -> str:
    """'torch.relu', 'operator.add', 'builtins.getattr', '__main__.my_fn'."""
    key = id(fn)
    hit = _cache.get(key)
    if hit is not None and hit[0] is fn:
        return hit[1]
    if getattr(operator, getattr(fn, "__name__", ""), None) is fn:
        text = f"operator.{fn.__name__}"
    elif getattr(builtins, getattr(fn, "__name__", ""), None) is fn:
        text = f"builtins.{fn.__name__}"
    else:
        text = _public_name(fn)
        if text is None:
            mod = getattr(fn, "__module__", None) or "__main__"
            if mod.startswith("dygrad."):
                mod = "torch" + mod[len("dygrad"):]
            text = f"{mod}.{getattr(fn, '__qualname__', getattr(fn, '__name__', repr(fn)))}"
    _cache[key] = (fn, text)
    return text


def snake(name: str) -> str:
    """CamelCase -> camel_case (node names from class names)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
