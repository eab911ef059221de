"""Every public layer in dygrad.nn.modules documents itself: a class docstring with an example
whose shown output is what dygrad prints (run here with doctest), and a forward with a docstring
and a return annotation. Runs without torch: the examples use dygrad under the name `torch`."""
import importlib
import inspect
import pkgutil

import pytest

import dygrad
from dygrad.testing import check_doc_examples
import dygrad.nn.modules as _modules
from dygrad.nn.modules.module import Module


def _public_layers():
    """(name, class) for each name in the `__all__` of each public file of nn.modules, once."""
    seen, out = set(), []
    for info in sorted(pkgutil.iter_modules(_modules.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name == "module":
            continue
        mod = importlib.import_module(f"{_modules.__name__}.{info.name}")
        for name in getattr(mod, "__all__", ()):
            cls = getattr(mod, name)
            if isinstance(cls, type) and cls not in seen:
                seen.add(cls)
                out.append((name, cls))
    return out


LAYERS = _public_layers()
IDS = [name for name, _ in LAYERS]


def test_layer_list_is_not_empty():
    # guards the collection itself: a broken walk would make every check below vacuous
    assert len(LAYERS) > 100


def _check_docstring(name, cls):
    doc = cls.__dict__.get("__doc__")
    assert doc, f"nn.{name} has no class docstring of its own"
    assert "Example" in doc and ">>>" in doc, f"nn.{name}'s docstring has no Example with >>> lines"


def _check_forward(name, cls):
    fwd = getattr(cls, "forward", None)
    if fwd is None or fwd is Module.forward or not fwd.__module__.startswith("dygrad"):
        return  # containers such as ModuleList define no forward of their own
    assert inspect.getdoc(fwd), f"nn.{name}.forward has no docstring"
    ret = inspect.signature(fwd).return_annotation
    assert ret is not inspect.Signature.empty, f"nn.{name}.forward has no return annotation"


def _check_examples(name, cls):
    check_doc_examples(cls.__dict__["__doc__"], {"torch": dygrad}, f"nn.{name}")


# one test per layer (not three) keeps the file fast: most of its time is per-test overhead
@pytest.mark.parametrize("name,cls", LAYERS, ids=IDS)
def test_layer_documents_itself(name, cls):
    _check_docstring(name, cls)
    _check_forward(name, cls)
    _check_examples(name, cls)
