"""torch.onnx: export a model to an ONNX file that onnxruntime (or any ONNX runtime) can run.

The export runs the model once on the example inputs, records the public op calls its forward
makes (dygrad/onnx/_capture.py) and lowers each one to ONNX nodes with the lowering declared
beside the op (`@rule("onnx", name)` in dygrad/ops/*). Importing this module needs nothing but
dygrad; the `onnx` package (`pip install dygrad[onnx]`) is needed when a model is exported.
See docs/deploy.md.
"""
from __future__ import annotations

import io
import os
import warnings
from typing import Any, Mapping, Optional, Sequence

from ._graph import OnnxExporterError, UnsupportedOperatorError

__all__ = ["export", "OnnxExporterError", "UnsupportedOperatorError", "is_in_onnx_export"]

_EXPORTING = [False]


def is_in_onnx_export() -> bool:
    """True while dygrad.onnx.export runs the model."""
    return _EXPORTING[0]


def _import_onnx():
    try:
        import onnx
        import onnx.helper  # noqa: F401
        import onnx.numpy_helper  # noqa: F401
    except ImportError as e:
        raise ImportError("dygrad.onnx.export needs the onnx package: pip install "
                          "dygrad[onnx] (or pip install onnx)") from e
    return onnx


def export(model, args=(), f=None, *, kwargs=None, input_names: Optional[Sequence[str]] = None,
           output_names: Optional[Sequence[str]] = None, dynamic_axes: Optional[Mapping] = None,
           opset_version: Optional[int] = None, do_constant_folding: bool = True,
           export_params: bool = True, verbose: Optional[bool] = None, dynamo: bool = False,
           training=None, keep_initializers_as_inputs: bool = False, **options: Any) -> None:
    """Exports `model` (an nn.Module or a function of tensors) run on `args` to ONNX.

    f: a path or a binary file object. The model runs in eval semantics (a model in training
    mode is switched to eval for the export, with a warning, and switched back). dynamic_axes
    names the axes of inputs/outputs that may change size (`{"input": {0: "batch"}}`); the file
    then runs at other batch sizes. `dynamo` is accepted: the same capture is used either way.
    The file is written only when the whole model was lowered.

    Example::

        torch.onnx.export(model.eval(), (torch.randn(1, 3, 32, 32),), "model.onnx",
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    """
    from ..nn.modules.module import Module
    from ._capture import record
    from ._lower import build
    onnx = _import_onnx()
    if f is None:
        raise ValueError("dygrad.onnx.export: f (a path or a binary file object) is required")
    if kwargs:
        raise OnnxExporterError("dygrad.onnx.export: keyword inputs (kwargs=) are not supported "
                                "yet; pass the inputs positionally in args")
    args = args if isinstance(args, tuple) else (args,)
    opset = 17 if opset_version is None else int(opset_version)
    if not 13 <= opset <= 21:
        raise ValueError(f"dygrad.onnx.export: opset_version {opset} is not supported "
                         "(13 to 21)")
    restore = []
    if isinstance(model, Module):
        restore = [(m, m.training) for m in model.modules()]
        if model.training:
            warnings.warn("dygrad.onnx.export: the model is in training mode; it is exported in "
                          "eval mode (dropout off, batch norm using its running statistics). "
                          "Call model.eval() before exporting.", UserWarning, stacklevel=2)
        model.eval()
    _EXPORTING[0] = True
    try:
        rec, out = record(model, args)
    finally:
        _EXPORTING[0] = False
        for m, mode in restore:
            m.training = mode
    proto = build(onnx, model, args, out, rec, opset=opset, input_names=input_names,
                  output_names=output_names, dynamic_axes=dynamic_axes or {},
                  export_params=export_params)
    data = proto.SerializeToString()
    onnx.checker.check_model(data)  # on the bytes: checking the proto would serialize it again
    if verbose:
        print(onnx.helper.printable_graph(proto.graph))
    _write(f, data)


def _write(f, data):
    """Writes data to a path atomically (a temporary file renamed), or to a file object."""
    if isinstance(f, (str, os.PathLike)):
        from ..serialization import _atomic_write  # checkpoints' writer: exclusive temp, fsync
        _atomic_write(os.fsdecode(f), lambda fh: fh.write(data))
    elif hasattr(f, "write"):
        f.write(data)
    else:
        raise TypeError(f"dygrad.onnx.export: f must be a path or a binary file object, got "
                        f"{type(f).__name__}")


del io
