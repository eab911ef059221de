"""The import hook behind `dygrad.compat.install()`: `torch...` and `torchvision...` names
resolve to dygrad's modules.

A `torch.X.Y` import first looks for the module `dygrad.X.Y`, then for an attribute `Y` of
`dygrad.X` that is a module (some namespaces are attributes, not files). A name dygrad does not
have raises one `ModuleNotFoundError` that names it, instead of letting the import fall through
to a real PyTorch installed beside dygrad: one process must never mix the two.
"""
import importlib
import importlib.abc
import importlib.machinery
import sys
import types

# top-level names that stand for dygrad, and the dygrad module each maps to (functorch: the
# deprecated spellings of torch.func that PyTorch 2.13 still offers)
ROOTS = {"torch": "dygrad", "torchvision": "dygrad.vision",
         "functorch": "dygrad.func._functorch"}

# torch modules dygrad does not have yet, and the planned work they wait for: ((prefixes),
# reason) pairs (none now: torch.amp and torch.utils.checkpoint are built)
_WAITING = ()


def waiting_reason(name):
    """Why dygrad lacks `name` when its absence is planned work (None otherwise)."""
    for prefixes, reason in _WAITING:
        for p in prefixes:
            if name == p or name.startswith(p + "."):
                return reason
    return None


def target_of(name):
    """The dygrad module name that stands for `name`, or None when `name` is not ours
    (torch._dynamo -> dygrad._dynamo: every torch name maps by its root alone)."""
    root, dot, rest = name.partition(".")
    if root not in ROOTS:
        return None
    return ROOTS[root] + dot + rest


def missing_message(name):
    reason = waiting_reason(name)
    why = reason or "dygrad has no such module"
    return (f"No module named {name!r}: this program runs on dygrad in place of PyTorch "
            f"(dygrad.compat), and {why}. Run it with PyTorch itself, or leave out the part "
            f"that imports {name}.")


def resolve(name):
    """The dygrad module for the torch name `name`; ModuleNotFoundError naming it when none."""
    target = target_of(name)
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as exc:
        # only a missing *target* means "not provided"; a broken import inside dygrad must surface
        if exc.name is None or not (target == exc.name or target.startswith(exc.name + ".")):
            raise
    parent, _, leaf = target.rpartition(".")
    if parent:
        try:
            obj = getattr(importlib.import_module(parent), leaf, None)
        except ModuleNotFoundError:
            obj = None
        if isinstance(obj, types.ModuleType):
            return obj
    raise ModuleNotFoundError(missing_message(name), name=name)


class _AliasLoader(importlib.abc.Loader):
    """Hands out the dygrad module itself: the import system's placeholder module is replaced
    in sys.modules, so `torch.nn is dygrad.nn` and dygrad's own `__spec__` is left untouched."""

    def __init__(self, module):
        self.module = module

    def create_module(self, spec):
        return None  # a throwaway placeholder; exec_module swaps in the real module

    def exec_module(self, module):
        sys.modules[module.__name__] = self.module


class TorchFinder(importlib.abc.MetaPathFinder):
    """First on sys.meta_path while installed: claims every torch/torchvision name."""

    def find_spec(self, fullname, path=None, target=None):
        if target_of(fullname) is None:
            return None
        module = resolve(fullname)
        is_package = hasattr(module, "__path__")
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module),
                                              is_package=is_package)
