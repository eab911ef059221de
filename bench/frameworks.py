"""Loading the frameworks under test and asking what each one provides.

Workload code is written once against the torch API and receives the framework module as its
`torch` argument, so the same lines run under PyTorch and under dygrad. dygrad is still growing:
a workload lists the API it uses, and a framework lacking part of it is reported as
"n/a (missing: dygrad.nn.GRU)" rather than failing the run.
"""
import importlib
import os
import sys

NAMES = ("dygrad", "torch")
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def set_thread_env(n):
    """Pin BLAS/OpenMP pools to n threads; only effective before numpy/torch are imported."""
    for var in THREAD_VARS:
        os.environ[var] = str(n)


def load(name, threads=None):
    """Import a framework by name; returns (module, error_text)."""
    try:
        mod = importlib.import_module(name)
    except Exception as exc:
        return None, f"import failed: {type(exc).__name__}: {exc}".splitlines()[0]
    if name == "torch" and threads is not None:
        mod.set_num_threads(threads)
    return mod, ""


def resolve(mod, path):
    """Follow a dotted API path ("nn.functional.relu", "Tensor.copy_") from a framework module."""
    obj = mod
    prefix = mod.__name__
    for part in path.split("."):
        prefix = f"{prefix}.{part}"
        try:
            obj = getattr(obj, part)
            continue
        except AttributeError:
            pass
        if not hasattr(obj, "__path__"):
            return None  # not a package, so no submodule to import
        try:
            obj = importlib.import_module(prefix)
        except Exception:  # absent, or a half-written submodule: either way unusable
            return None
    return obj


def missing(mod, requires):
    """The dotted names in `requires` that `mod` lacks, spelled with the module prefix."""
    return [f"{mod.__name__}.{p}" for p in requires if resolve(mod, p) is None]


def na_reason(mod, load_error, requires):
    """Why a framework cannot run a workload ('' when it can)."""
    if mod is None:
        return f"n/a ({load_error})"
    gone = missing(mod, requires)
    if gone:
        return f"n/a (missing: {', '.join(gone)})"
    return ""


def load_params(torch, module, params):
    """Copy NumPy weights (name -> array) into a module's parameters, by state_dict name."""
    named = dict(module.named_parameters())
    if set(named) != set(params):
        raise KeyError(f"parameter names differ: model has {sorted(named)}, "
                       f"data has {sorted(params)}")
    with torch.no_grad():
        for name, p in named.items():
            p.copy_(torch.from_numpy(params[name].copy()))


def thread_info(torch_mod=None):
    """What the run actually used for threading, for the JSON record."""
    info = {"env": {v: os.environ.get(v) for v in THREAD_VARS}}
    try:
        import threadpoolctl
        info["threadpoolctl"] = [
            {k: d.get(k) for k in ("user_api", "internal_api", "num_threads", "version")}
            for d in threadpoolctl.threadpool_info()]
    except ImportError:
        info["threadpoolctl"] = None
    if torch_mod is not None:
        info["torch_num_threads"] = torch_mod.get_num_threads()
        info["torch_num_interop_threads"] = torch_mod.get_num_interop_threads()
    return info


def environment():
    import platform

    import numpy as np
    env = {"python": sys.version.split()[0], "numpy": np.__version__,
           "platform": platform.platform(), "machine": platform.machine(),
           "cpu_count": os.cpu_count()}
    try:
        cfg = np.show_config(mode="dicts")
        env["numpy_blas"] = cfg["Build Dependencies"]["blas"].get("name")
    except Exception:  # older numpy: not worth failing over
        env["numpy_blas"] = None
    return env
