"""What a checkpoint may name: the allowlist behind dygrad.load (and the PyTorch-file reader).

A checkpoint refers to classes and functions by name ([module, qualname]); loading resolves a
name to an object only when it is allowlisted by the user (add_safe_globals / safe_globals, the
names PyTorch uses), is one of dygrad's own classes, or is one of dygrad's public tensor
functions (F.relu held by a TransformerEncoderLayer). Nothing named in a file is ever called
here; modules outside dygrad are never imported.
"""
import importlib
import pickle
import re
import sys
import types

__all__ = ["CheckpointError", "UnsafeGlobalError", "add_safe_globals", "get_safe_globals",
           "clear_safe_globals", "safe_globals"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


class CheckpointError(RuntimeError):
    """A checkpoint could not be saved or loaded: corrupted, truncated, malformed or refused."""


class UnsafeGlobalError(CheckpointError, pickle.UnpicklingError):
    """A checkpoint names a class or function that is not allowed to be loaded.

    Also a pickle.UnpicklingError, which is what torch.load raises in the same situation.
    """


CheckpointError.__module__ = UnsafeGlobalError.__module__ = "dygrad.serialization"

# -- the user's allowlist --------------------------------------------------------------------
_SAFE = []


def add_safe_globals(safe_globals):
    """Allows these classes or functions (or (obj, "module.qualname") pairs) to be loaded.

    Example::

        dygrad.serialization.add_safe_globals([MyConfig, my_activation])
        model = dygrad.load("model.pt", weights_only=False)
    """
    for g in safe_globals:
        if isinstance(g, tuple):
            if len(g) != 2 or not isinstance(g[1], str):
                raise TypeError(f"add_safe_globals: expected (obj, 'module.name') pairs, got {g!r}")
        elif not hasattr(g, "__module__") or not hasattr(g, "__qualname__"):
            raise TypeError(f"add_safe_globals: expected classes or functions, got {g!r}")
    _SAFE.extend(safe_globals)


def get_safe_globals():
    """The user's allowlist (add_safe_globals), in the order it was given."""
    return list(_SAFE)


def clear_safe_globals():
    """Empties the user's allowlist (dygrad's own classes and functions stay allowed)."""
    _SAFE.clear()


class safe_globals:
    """Context manager: the given globals are allowlisted inside the with-block only.

    Example::

        with dygrad.serialization.safe_globals([my_activation]):
            model = dygrad.load("model.pt", weights_only=False)
    """

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        self._saved = list(_SAFE)
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        _SAFE[:] = self._saved


def _allowlist():
    out = {}
    for g in _SAFE:
        if isinstance(g, tuple):
            out[g[1]] = g[0]
        else:
            out[f"{g.__module__}.{g.__qualname__}"] = g
    return out


def _lookup(module, qualname):
    obj = module
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _is_dygrad(name):
    return name == "dygrad" or name.startswith("dygrad.")


def _allowlist_hint(module, qualname):
    """How the user would write the class in add_safe_globals([...])."""
    return qualname if module == "__main__" else f"{module}.{qualname}"


def _how_to_allow(short):
    return (f"If you trust it, allowlist it with dygrad.serialization.add_safe_globals([{short}])"
            f" or load inside `with dygrad.serialization.safe_globals([{short}]):`.")


def _refusal(kind, full, fname, weights_only, short):
    extra = ""
    if weights_only is not False:
        extra = ("\nSubclasses of dygrad classes (e.g. your nn.Module) whose module is already "
                 "imported also load with weights_only=False.")
    return UnsafeGlobalError(
        f"Weights-only load of {fname} refused {kind} {full}: only dygrad's own classes and "
        f"allowlisted ones can be rebuilt from a checkpoint.\n{_how_to_allow(short)}{extra}\n"
        "Nothing from the file was executed.")


def _resolve_class(module, qualname, fname, weights_only, safe=None):
    """The class a checkpoint names, if it may be rebuilt; UnsafeGlobalError otherwise.

    Allowlisted names resolve without importing anything; dygrad's own classes import their
    dygrad module; with weights_only=False, subclasses of dygrad classes resolve from modules
    already imported (never importing one).
    """
    full = f"{module}.{qualname}"
    safe = _allowlist() if safe is None else safe
    if full in safe:
        return safe[full]
    if not (isinstance(module, str) and isinstance(qualname, str)
            and _NAME.match(module) and _NAME.match(qualname)):
        raise _refusal("the global", repr(full), fname, weights_only, "...")
    cls = None
    if _is_dygrad(module):
        try:
            cls = _lookup(importlib.import_module(module), qualname)
        except (ImportError, AttributeError):
            cls = None
        if isinstance(cls, type) and _is_dygrad(cls.__module__):
            return cls
    elif weights_only is False and module in sys.modules:
        try:
            cls = _lookup(sys.modules[module], qualname)
        except AttributeError:
            cls = None
        if isinstance(cls, type) and any(_is_dygrad(b.__module__) for b in cls.__mro__[1:]):
            return cls
    raise _refusal("class", full, fname, weights_only, _allowlist_hint(module, qualname))


# -- functions by reference ------------------------------------------------------------------
# The public namespaces whose functions a checkpoint may name by default, first match wins when
# saving (F.relu is written "dygrad.nn.functional.relu", as PyTorch writes torch's).
_PUBLIC = ("dygrad.nn.functional", "dygrad", "dygrad.special", "dygrad.linalg", "dygrad.fft")
# ...and the modules those functions must be defined in: tensor computations only. Functions that
# change process state (manual_seed, set_default_dtype, set_num_threads, save/load, compile) are
# public too, but a file has no business making a model call them.
_TENSOR_MODULES = ("dygrad.ops.", "dygrad._op_functions", "dygrad._functions", "dygrad._creation",
                   "dygrad._ranges", "dygrad._ns_", "dygrad.nn.functional", "dygrad.special",
                   "dygrad.linalg", "dygrad.fft")
_FUNCTION_TYPES = (types.FunctionType, types.BuiltinFunctionType)
_default_functions = None


def _namespaces():
    for name in _PUBLIC:
        try:
            yield name, importlib.import_module(name)
        except ImportError:
            continue


def default_functions():
    """The ids of dygrad's public tensor functions: what load restores without an allowlist."""
    global _default_functions
    if _default_functions is None:
        found = {}
        for _, ns in _namespaces():
            for n, f in vars(ns).items():
                if (not n.startswith("_") and isinstance(f, _FUNCTION_TYPES)
                        and isinstance(f.__module__, str)
                        and f.__module__.startswith(_TENSOR_MODULES)):
                    found[id(f)] = f  # the value keeps the id valid
        _default_functions = found
    return _default_functions


def function_ref(fn):
    """[module, qualname] under which `fn` is saved; a str saying why it can't be, otherwise.

    dygrad's functions are named by their public namespace; others as pickle names them (their
    __module__ and __qualname__), which must find the very same object again.
    """
    if isinstance(fn, types.BuiltinFunctionType) and not isinstance(
            getattr(fn, "__self__", None), (types.ModuleType, type(None))):
        return "bound methods can't be saved"
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        return (f"{qualname or fn!r} is a lambda or a local function; only functions defined at "
                "module level can be saved (by reference)")
    if _is_dygrad(module):
        for name, ns in _namespaces():
            if getattr(ns, fn.__name__, None) is fn:
                return [name, fn.__name__]
    try:
        found = _lookup(sys.modules[module], qualname)
    except (KeyError, AttributeError):
        found = None
    if found is not fn:
        return (f"function {module}.{qualname} cannot be found under that name (it is not the "
                "same object as the module's)")
    return [module, qualname]


def resolve_function(module, qualname, fname, safe):
    """The function a checkpoint names, if allowlisted or dygrad's; UnsafeGlobalError otherwise.

    Only dygrad's own modules are imported, and only to look the name up.
    """
    full = f"{module}.{qualname}"
    if full in safe:
        return safe[full]
    ok = (isinstance(module, str) and isinstance(qualname, str) and _NAME.match(module)
          and _NAME.match(qualname))
    if ok and _is_dygrad(module):
        try:
            fn = _lookup(importlib.import_module(module), qualname)
        except (ImportError, AttributeError):
            fn = None
        if fn is not None and default_functions().get(id(fn)) is fn:
            return fn
    shown = full if ok else repr(full)
    short = _allowlist_hint(module, qualname) if ok else "..."
    raise UnsafeGlobalError(
        f"Loading {fname} refused the function {shown}, which the file names by reference: only "
        "dygrad's own tensor functions (dygrad.*, dygrad.nn.functional.*) and allowlisted "
        f"functions can be restored from a checkpoint, whatever weights_only says.\n"
        f"{_how_to_allow(short)}\nNothing from the file was executed.")
