"""Packages whose submodules and names load on first use (a PEP 562 module `__getattr__`), so
that `import dygrad` stays fast while `torch.onnx`, `torch.autocast` or `torch.utils.checkpoint`
still work as attributes. In a package's `__init__`::

    __getattr__, __dir__ = lazy(__name__, modules=("onnx",), attrs={"save": "serialization"})
"""
from __future__ import annotations

import importlib
import sys
from typing import Callable, Iterable


def lazy(package: str, modules: Iterable[str] = (),
         attrs: dict[str, str] | None = None) -> tuple[Callable, Callable]:
    """(`__getattr__`, `__dir__`) for the package named `package`: `modules` are submodules
    imported when first reached, `attrs` maps a name to the submodule (relative) defining it.
    What loads is kept in the package's namespace, so the hook runs once per name."""
    modules = frozenset(modules)
    attrs = dict(attrs or {})

    def __getattr__(name):
        if name in modules:
            value = importlib.import_module(f"{package}.{name}")
        elif name in attrs:
            value = getattr(importlib.import_module(f"{package}.{attrs[name]}"), name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | modules | set(attrs))
    return __getattr__, __dir__
