"""Every public name of dygrad.distributions documents itself with an example whose shown
output is what dygrad prints; with torch present, PyTorch prints the same."""
import pytest

import dygrad
import dygrad.distributions as D
from dygrad.distributions import constraints, utils
from dygrad.testing import check_doc_examples

NAMES = [n for n in D.__all__ if n not in ("constraints", "Distribution", "ExponentialFamily")]


def _globs(T):
    g = {"torch": T, "constraints": T.distributions.constraints}
    g.update({n: getattr(T.distributions, n) for n in NAMES})
    return g


@pytest.mark.parametrize("name", NAMES + ["Distribution", "constraints", "package", "broadcast_all"])
def test_docstring_example(name):
    doc = {"constraints": constraints.__doc__, "package": D.__doc__,
           "broadcast_all": utils.broadcast_all.__doc__}.get(name) or getattr(D, name).__doc__
    assert doc and ">>>" in doc, f"{name} has no example"
    g = _globs(dygrad)
    g["broadcast_all"] = utils.broadcast_all
    check_doc_examples(doc, g, name)


@pytest.mark.parametrize("name", NAMES + ["Distribution", "constraints", "package"])
def test_docstring_example_under_torch(name):
    torch = pytest.importorskip("torch")
    doc = {"constraints": constraints.__doc__, "package": D.__doc__}.get(name) or getattr(D, name).__doc__
    check_doc_examples(doc.replace("import dygrad as torch", "import torch"), _globs(torch), name)
