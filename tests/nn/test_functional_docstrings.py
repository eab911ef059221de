"""Every public function of dygrad.nn.functional documents itself: a docstring with an Example
whose shown output is what dygrad prints (run here with doctest), and type hints on its
parameters and return. Runs without torch: the examples use dygrad under the name `torch`."""
import inspect

import pytest

import dygrad
from dygrad.testing import check_doc_examples
import dygrad.nn.functional as F


def _public_functions():
    """(name, function) for each public name of F that is a function defined in dygrad."""
    return [(name, fn) for name, fn in vars(F).items()
            if not name.startswith("_") and inspect.isfunction(fn)
            and fn.__module__.startswith("dygrad")]


FUNCTIONS = _public_functions()
IDS = [name for name, _ in FUNCTIONS]


def test_function_list_is_not_empty():
    # guards the collection itself: a broken walk would make every check below vacuous
    assert len(FUNCTIONS) >= 100


@pytest.mark.parametrize("name,fn", FUNCTIONS, ids=IDS)
def test_docstring_has_example(name, fn):
    doc = fn.__doc__
    assert doc, f"F.{name} has no docstring"
    assert "Example" in doc and ">>>" in doc, f"F.{name}'s docstring has no Example with >>> lines"


@pytest.mark.parametrize("name,fn", FUNCTIONS, ids=IDS)
def test_type_hints(name, fn):
    sig = inspect.signature(fn)
    assert sig.return_annotation is not inspect.Signature.empty, f"F.{name} has no return hint"
    bare = [p.name for p in sig.parameters.values() if p.annotation is inspect.Parameter.empty]
    assert not bare, f"F.{name}: parameters without a type hint: {bare}"


@pytest.mark.parametrize("name,fn", FUNCTIONS, ids=IDS)
def test_example_runs(name, fn):
    check_doc_examples(fn.__doc__, {"torch": dygrad, "F": F}, f"F.{name}")


@pytest.mark.parametrize("name,fn", FUNCTIONS, ids=IDS)
def test_example_prints_as_pytorch(name, fn):
    # the same lines under PyTorch (F bound to torch.nn.functional) print the shown output too
    torch = pytest.importorskip("torch")
    def as_torch(ex):
        if ex.source.startswith("import dygrad.nn.functional as F"):
            ex.source = "import torch.nn.functional as F\n"
    check_doc_examples(fn.__doc__, {"torch": torch}, f"F.{name}", rewrite=as_torch)


@pytest.mark.parametrize("name,fn", FUNCTIONS, ids=IDS)
def test_parameter_names_as_pytorch(name, fn):
    # keyword calls (F.softmax(input=x, dim=0)) need PyTorch's parameter names; PyTorch's C
    # builtins and its *args wrappers carry no names to compare
    torch = pytest.importorskip("torch")
    ref = getattr(torch.nn.functional, name)
    try:
        names = list(inspect.signature(ref).parameters)
    except (TypeError, ValueError):
        pytest.skip(f"torch.nn.functional.{name} has no introspectable signature")
    if names == ["args", "kwargs"]:
        pytest.skip(f"torch.nn.functional.{name} takes *args, **kwargs")
    assert list(inspect.signature(fn).parameters) == names
