"""Let torchvision's Python parts import on the CPU build of PyTorch (the parity oracle).

The only torchvision wheels for torch 2.13 on the package index are CUDA builds: their C
extension (nms, roi_align, deform_conv2d) links against CUDA libraries this machine lacks, so it
does not load, and `import torchvision` then stops where it registers fake kernels for those
missing ops. Everything the oracle needs (models, transforms, datasets, utils) is Python.
`enable()` makes those registrations skip ops that do not exist; the ops themselves stay
unavailable (calling one raises PyTorch's own error). The folder's sitecustomize.py calls it
in every process that has this folder on PYTHONPATH (how bench/corpus.py runs PyTorch).

Install the wheel without dependencies: `pip install --no-deps torchvision==0.28.0`.
"""
import importlib.abc
import sys

FOLDER = __path__[0]


def _patch_register_fake():
    import torch
    import torch.library
    original = torch.library.register_fake
    if getattr(original, "_dygrad_tv_cpu", False):
        return

    def register_fake(op, *args, **kwargs):
        name = op if isinstance(op, str) else ""
        if name.startswith("torchvision::"):
            try:
                getattr(torch.ops.torchvision, name.partition("::")[2])
            except (AttributeError, RuntimeError):
                if args and callable(args[0]):
                    return args[0]
                return lambda fn: fn
        return original(op, *args, **kwargs)

    register_fake._dygrad_tv_cpu = True
    torch.library.register_fake = register_fake


class _BeforeTorchvision(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "torchvision":
            sys.meta_path.remove(self)
            _patch_register_fake()
        return None  # the normal finders import it


def enable():
    """Patch just before torchvision is first imported (now, if it already is being)."""
    if "torchvision" in sys.modules:
        return
    if not any(isinstance(f, _BeforeTorchvision) for f in sys.meta_path):
        sys.meta_path.insert(0, _BeforeTorchvision())
