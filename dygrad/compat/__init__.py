"""Run unmodified PyTorch programs on dygrad.

`install()` makes `import torch`, `import torch.nn ...`, `from torch.utils.data import ...` and
`import torchvision ...` resolve to dygrad for the rest of the process. `run_path` and
`run_module` run a program the way `python script.py` / `python -m module` would, with the hook
installed; the `dygrad torch script.py [args...]` command is built on them.

Example::

    import dygrad.compat
    dygrad.compat.install()
    import torch                      # dygrad
    import torch.nn.functional as F   # dygrad.nn.functional
    assert torch.nn is __import__("dygrad").nn

A torch module dygrad does not provide fails at its import with one `ModuleNotFoundError` naming
it (and, where it is planned work, saying so), never by silently importing a real PyTorch that
happens to be installed beside dygrad.
"""
import os
import runpy
import sys
from typing import Optional, Sequence

from ._finder import ROOTS, TorchFinder, missing_message, waiting_reason

__all__ = ["install", "uninstall", "is_installed", "run_path", "run_module", "missing_message",
           "waiting_reason"]

_finder: Optional[TorchFinder] = None


def _foreign_torch_modules():
    """Names under torch/torchvision already imported from somewhere other than dygrad."""
    out = []
    for name, mod in list(sys.modules.items()):
        if name.partition(".")[0] in ROOTS and mod is not None:
            if not getattr(mod, "__name__", "").startswith("dygrad"):
                out.append(name)
    return sorted(out)


def is_installed() -> bool:
    """True while `torch` imports resolve to dygrad in this process."""
    return _finder is not None and _finder in sys.meta_path


def install() -> None:
    """Make `torch`, `torchvision` (and their submodules) import as dygrad in this process.

    Call it before the program imports torch. It is idempotent; `uninstall()` undoes it.
    Raises RuntimeError when a real PyTorch was already imported here, since one process
    cannot hold tensors of both.

    Example::

        >>> import dygrad.compat
        >>> dygrad.compat.install()
        >>> import torch
        >>> torch.tensor([1.0, 2.0]).sum().item()
        3.0
    """
    global _finder
    if is_installed():
        return
    foreign = _foreign_torch_modules()
    if foreign:
        raise RuntimeError(
            f"dygrad.compat.install(): {foreign[0]!r} is already imported from a real PyTorch "
            f"installation in this process; call install() before anything imports torch")
    _finder = TorchFinder()
    sys.meta_path.insert(0, _finder)
    import dygrad
    sys.modules["torch"] = dygrad
    # child processes started by `spawn` (multiprocessing, DataLoader workers) re-import the
    # main program; the boot directory's sitecustomize installs the hook there too
    os.environ["DYGRAD_AS_TORCH"] = "1"
    boot = os.path.join(os.path.dirname(__file__), "_boot")
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if boot not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([boot] + [p for p in paths if p])


def uninstall() -> None:
    """Undo `install()`: later imports of torch find whatever is installed (modules already
    imported under torch names are dropped from sys.modules)."""
    global _finder
    if _finder is not None and _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    _finder = None
    for name in list(sys.modules):
        if name.partition(".")[0] in ROOTS:
            mod = sys.modules[name]
            if mod is None or getattr(mod, "__name__", "").startswith("dygrad"):
                del sys.modules[name]
    os.environ.pop("DYGRAD_AS_TORCH", None)
    boot = os.path.join(os.path.dirname(__file__), "_boot")
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != boot]
    if paths:
        os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    else:
        os.environ.pop("PYTHONPATH", None)


def _as_main(argv0: str, argv: Sequence[str]):
    sys.argv = [argv0, *argv]


def run_path(path: str, argv: Sequence[str] = ()) -> dict:
    """Run the program file `path` as `__main__` with `sys.argv = [path, *argv]` and torch
    resolving to dygrad, as `python path args...` would (its folder first on sys.path, so its
    sibling modules import). Returns the program's globals.

    Example::

        dygrad.compat.run_path("examples/mnist/main.py", ["--epochs", "1", "--dry-run"])
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"dygrad torch: can't open file {path!r}: no such file")
    install()
    _as_main(path, argv)
    folder = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, folder)
    return runpy.run_path(path, run_name="__main__")


def run_module(name: str, argv: Sequence[str] = ()) -> dict:
    """Run module `name` as `python -m name args...` would, with torch resolving to dygrad
    (the current folder first on sys.path). Returns the module's globals."""
    install()
    _as_main(name, argv)
    sys.path.insert(0, os.getcwd())
    return runpy.run_module(name, run_name="__main__", alter_sys=True)
