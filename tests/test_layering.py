"""Layering of the package, read from the source with `ast` (nothing is imported):

- the core (dygrad/ops, dygrad/autograd and the private top-level modules dygrad/_*.py) never
  imports the layers built on it (nn, optim, utils, vision, cli), neither at module level nor
  inside a function, so the op layer has no import cycle through nn;
- no two classes in dygrad/ share a name where one of them is a graph node (a Node subclass, or
  one named like one): a node's name is what `grad_fn` shows and what graph tools key on, so two
  of them under one name with different formulas is a wrong answer waiting to happen.
"""
import ast
import collections
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "dygrad"
UPPER = ("nn", "optim", "utils", "vision", "cli")


def _module_name(path, root):
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _core_files():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).parts
        if rel[0] in ("ops", "autograd") or (len(rel) == 1 and rel[0].startswith("_")
                                             and not rel[0].startswith("__")):
            yield path


def _imported(path, root=ROOT):
    """(line, absolute module name) of every import in the file, at any depth."""
    mod = _module_name(path, root)
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            yield node.lineno, target
            for alias in node.names:  # `from . import nn` names the package in the alias
                yield node.lineno, f"{target}.{alias.name}"


def _is_upper(name):
    return any(name == f"dygrad.{p}" or name.startswith(f"dygrad.{p}.") for p in UPPER)


def test_core_never_imports_upper_layers():
    bad = [f"{path.relative_to(ROOT.parent)}:{line} imports {name}"
           for path in _core_files() for line, name in _imported(path) if _is_upper(name)]
    assert not bad, "the core imports a layer above it:\n" + "\n".join(bad)


def test_the_scan_sees_relative_and_function_level_imports(tmp_path):
    pkg = tmp_path / "dygrad"
    (pkg / "ops").mkdir(parents=True)
    src = "def f():\n    from ..nn import functional\n    from .. import optim\n    import dygrad.cli\n"
    (pkg / "ops" / "x.py").write_text(src)
    names = {n for _, n in _imported(pkg / "ops" / "x.py", pkg)}
    assert {"dygrad.nn", "dygrad.optim", "dygrad.cli"} <= {n for n in names if _is_upper(n)}


def _classes():
    """name -> {"bases": names of its bases, "at": [file:line, ...]} for every class in dygrad/."""
    found = collections.defaultdict(lambda: {"bases": set(), "at": []})
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                entry = found[node.name]
                entry["bases"].update(b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                                      for b in node.bases)
                entry["at"].append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    return found


def _node_names(classes):
    """Class names that are graph nodes: Node subclasses, transitively through dygrad's classes."""
    nodes, grew = {"Node"}, True
    while grew:
        grew = False
        for name, entry in classes.items():
            if name not in nodes and entry["bases"] & nodes:
                nodes.add(name)
                grew = True
    return nodes


def test_no_node_class_name_is_defined_twice():
    classes = _classes()
    nodes = _node_names(classes)
    # torch.fx's graph Node is another family that PyTorch also calls Node
    autograd_at = {name: [a for a in entry["at"] if not a.startswith("dygrad/fx/")]
                   for name, entry in classes.items()}
    twice = {name: at for name, at in autograd_at.items() if len(at) > 1 and name in nodes}
    assert not twice, "graph node names defined more than once:\n" + "\n".join(
        f"{name}: {', '.join(at)}" for name, at in sorted(twice.items()))
