"""Started Python processes of a program run by `dygrad torch` (spawned workers) import torch
as dygrad too: dygrad.compat.install() puts this folder first on PYTHONPATH and sets
DYGRAD_AS_TORCH=1. Another sitecustomize further along sys.path still runs after this one."""
import os
import sys

if os.environ.get("DYGRAD_AS_TORCH") == "1":
    import dygrad.compat
    dygrad.compat.install()

_here = os.path.dirname(os.path.abspath(__file__))
for _p in sys.path:
    if _p and os.path.abspath(_p) != _here and os.path.exists(os.path.join(_p, "sitecustomize.py")):
        import importlib.util
        _spec = importlib.util.spec_from_file_location("_next_sitecustomize",
                                                       os.path.join(_p, "sitecustomize.py"))
        _mod = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(_mod)
        break
