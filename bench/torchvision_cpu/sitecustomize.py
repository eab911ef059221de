"""On PYTHONPATH (bench/corpus.py's PyTorch runs): torchvision imports on CPU PyTorch."""
import importlib.util
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("_tv_cpu", os.path.join(_here, "__init__.py"))
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
_mod.enable()

for _p in sys.path:  # chain to the sitecustomize this one shadows, if any
    if _p and os.path.abspath(_p) != _here and os.path.exists(os.path.join(_p, "sitecustomize.py")):
        _s = importlib.util.spec_from_file_location("_next_sitecustomize",
                                                    os.path.join(_p, "sitecustomize.py"))
        _n = importlib.util.module_from_spec(_s)
        _s.loader.exec_module(_n)
        break
