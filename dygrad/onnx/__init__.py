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
from typing import Mapping, Optional, Sequence

import numpy as np

from ._graph import OnnxExporterError, UnsupportedOperatorError

__all__ = ["export", "OnnxExporterError", "UnsupportedOperatorError", "TrainingMode",
           "OperatorExportTypes", "is_in_onnx_export"]

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


class OperatorExportTypes:
    """torch.onnx.OperatorExportTypes: only ONNX (standard ops) is exported."""
    ONNX = "ONNX"
    ONNX_ATEN = "ONNX_ATEN"
    ONNX_ATEN_FALLBACK = "ONNX_ATEN_FALLBACK"
    ONNX_FALLTHROUGH = "ONNX_FALLTHROUGH"


def _refuse_options(**given):
    """NotImplementedError for an export option whose non-default value dygrad cannot honour."""
    for name, value in given.items():
        default = value is None or value is False or value == {} or \
            getattr(value, "name", value) == "ONNX"
        if not default:
            hint = (" (give the varying axes as dynamic_axes={input_name: {axis: 'name'}})"
                    if name == "dynamic_shapes" else "")
            raise NotImplementedError(f"dygrad.onnx.export: {name}={value!r} is not supported: "
                                      f"dygrad exports standard ONNX ops only{hint}")


class TrainingMode:
    """torch.onnx.TrainingMode: the `training` argument of the legacy (dynamo=False) export."""
    EVAL = "EVAL"           # exported in eval semantics (the default)
    PRESERVE = "PRESERVE"   # as the modules are
    TRAINING = "TRAINING"   # in training semantics


# PyTorch 2.13's warning for exporting a training-mode model (its default, dynamo=True, path)
_TRAINING_WARNING = ("Exporting a model while it is in training mode. Please ensure that this is "
                     "intended, as it may lead to different behavior during inference. Calling "
                     "model.eval() before export is recommended.")


def export(model, args=(), f=None, *, kwargs=None, input_names: Optional[Sequence[str]] = None,
           output_names: Optional[Sequence[str]] = None, dynamic_axes: Optional[Mapping] = None,
           opset_version: Optional[int] = None, do_constant_folding: bool = True,
           export_params: bool = True, verbose: Optional[bool] = None, dynamo: bool = True,
           training=TrainingMode.EVAL, keep_initializers_as_inputs: bool = False,
           external_data: bool = True, dynamic_shapes=None, custom_translation_table=None,
           report: bool = False, optimize: bool = True, verify: bool = False,
           profile: bool = False, dump_exported_program: bool = False, artifacts_dir=".",
           operator_export_type=None, custom_opsets=None,
           export_modules_as_functions: bool = False, autograd_inlining: bool = True) -> None:
    """Exports `model` (an nn.Module or a function of tensors) run on `args` to ONNX.

    f: a path or a binary file object. kwargs: keyword inputs of the model's call (their
    tensors follow those of args among the graph's inputs). dynamic_axes names the axes of inputs/outputs that may
    change size (`{"input": {0: "batch"}}`); the file then runs at other sizes of them (the
    export checks that the graph does not depend on those sizes). export_params=False leaves
    the parameters out of the file: they become inputs named as in the state_dict.

    Training mode, as PyTorch 2.13: with dynamo=True (the default) a model in training mode is
    exported as it is (dropout draws, batch norm uses the batch's statistics) with PyTorch's
    UserWarning; call model.eval() first for inference. With dynamo=False, `training`
    (TrainingMode.EVAL by default) decides: the model is exported in eval semantics unless
    TRAINING or PRESERVE is given. The model's modes, buffers and the random generator are as
    they were after the export. The file is written only when the whole model was lowered.

    Example::

        torch.onnx.export(model.eval(), (torch.randn(1, 3, 32, 32),), "model.onnx",
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    """
    from ..nn.modules.module import Module
    from ._lower import build
    # PyTorch's options that only tune its own pipeline or reports (external_data, report,
    # optimize, verify, profile, dump_exported_program, artifacts_dir, autograd_inlining) are
    # accepted as they change nothing in the file here; those that would are refused, never
    # silently ignored
    _refuse_options(dynamic_shapes=dynamic_shapes, custom_translation_table=custom_translation_table,
                    operator_export_type=operator_export_type, custom_opsets=custom_opsets,
                    export_modules_as_functions=export_modules_as_functions)
    onnx = _import_onnx()
    if f is None:
        raise ValueError("dygrad.onnx.export: f (a path or a binary file object) is required")
    args = args if isinstance(args, tuple) else (args,)
    kwargs = dict(kwargs or {})
    opset = 17 if opset_version is None else int(opset_version)
    if not 13 <= opset <= 21:
        raise ValueError(f"dygrad.onnx.export: opset_version {opset} is not supported "
                         "(13 to 21)")
    mode = getattr(training, "name", training)
    if mode not in (TrainingMode.EVAL, TrainingMode.PRESERVE, TrainingMode.TRAINING):
        raise ValueError(f"dygrad.onnx.export: training must be a torch.onnx.TrainingMode, got "
                         f"{training!r}")
    set_mode = None
    if isinstance(model, Module):
        if dynamo:
            if model.training:
                warnings.warn(_TRAINING_WARNING, UserWarning, stacklevel=2)
        elif mode != TrainingMode.PRESERVE:
            set_mode = mode == TrainingMode.TRAINING
    run = _Runner(model, set_mode)
    rec, out = run(args, kwargs)
    kw = dict(opset=opset, input_names=input_names, output_names=output_names,
              dynamic_axes=dynamic_axes or {}, export_params=export_params)
    # the graph's inputs: the tensors of args, then those of kwargs (in their order)
    proto, node_calls = build(onnx, model, (*args, *kwargs.values()), out, rec, **kw)
    if dynamic_axes:
        _check_size_free(onnx, proto, node_calls, run, (args, kwargs), build, model, kw)
    data = proto.SerializeToString()
    onnx.checker.check_model(data)  # on the bytes: checking the proto would serialize it again
    if verbose:
        print(onnx.helper.printable_graph(proto.graph))
    _write(f, data)


class _Runner:
    """Records model(*args) in the export's mode, leaving no trace on the model: its modules'
    modes, its buffers (batch norm's running statistics in training mode) and the default
    random generator are restored afterwards."""

    def __init__(self, model, set_mode):
        self.model = model
        self.set_mode = set_mode

    def __call__(self, args, kwargs):
        from ..nn.modules.module import Module
        from ..random import get_rng_state, set_rng_state
        from ._capture import record
        model = self.model
        modes, buffers = [], []
        if isinstance(model, Module):
            modes = [(m, m.training) for m in model.modules()]
            buffers = [(b, b._data.copy()) for b in model.buffers()]
            if self.set_mode is not None:
                model.train(self.set_mode)
        rng = get_rng_state()
        _EXPORTING[0] = True
        try:
            return record(model, args, kwargs)
        finally:
            _EXPORTING[0] = False
            set_rng_state(rng)
            for m, was in modes:
                m.training = was
            for b, data in buffers:
                if b._data.shape == data.shape:
                    b._data[...] = data
                else:
                    b._data = data


def _grown(args, kwargs, names, dyn):
    """args and kwargs with every dynamic axis of an input one longer (its last slice repeated,
    so token ids and masks stay valid)."""
    from .._tensor import Tensor, _wrap
    from ..utils._pytree import tensor_leaves
    ins = tensor_leaves(list(args) + list(kwargs.values()))
    order = {id(t): k for k, t in enumerate(ins)}

    def grow(x):
        if isinstance(x, Tensor) and id(x) in order:
            k = order[id(x)]
            name = names[k] if k < len(names) else (f"input_{k}" if k else "input")
            d = x._data
            for ax in (dyn.get(name) or {}):
                ax = int(ax) % d.ndim
                d = np.concatenate([d, d.take([-1], axis=ax)], axis=ax)
            return _wrap(d) if d is not x._data else x
        if isinstance(x, (list, tuple)):
            return type(x)(grow(y) for y in x)
        return x
    return tuple(grow(a) for a in args), {k: grow(v) for k, v in kwargs.items()}


def _check_size_free(onnx, proto, node_calls, run, inputs, build, model, kw):
    """With dynamic axes the graph must not depend on their sizes: the model is recorded again
    with every dynamic input axis one longer and the two graphs must agree node for node (a
    size read as a Python number, e.g. view(x.size(1), -1), would give another graph)."""
    args2, kwargs2 = _grown(*inputs, list(kw["input_names"] or []), kw["dynamic_axes"])
    try:
        rec2, out2 = run(args2, kwargs2)
    except Exception as e:  # noqa: BLE001
        warnings.warn(f"dygrad.onnx.export: could not check that the graph holds at other sizes "
                      f"of the dynamic axes (the model failed on inputs one longer on them: "
                      f"{type(e).__name__}: {e})", UserWarning, stacklevel=3)
        return
    # parameters as inputs: their data is the same, and copying it again would cost
    proto2, _ = build(onnx, model, (*args2, *kwargs2.values()), out2, rec2,
                      **{**kw, "export_params": False})
    g1, g2 = proto.graph, proto2.graph
    for k, (n1, n2) in enumerate(zip(g1.node, g2.node)):
        if n1 != n2:
            break
    else:
        k = None if len(g1.node) == len(g2.node) else min(len(g1.node), len(g2.node))
        if k is None:
            # constants: small ones (shapes, indices, masks) equal, large ones of equal shape
            sizes = {t.name: list(t.dims) for t in g2.initializer}
            sizes.update({i.name: [d.dim_value for d in i.type.tensor_type.shape.dim]
                          for i in g2.input})
            small = {t.name: t for t in g2.initializer if len(t.raw_data) <= 4096}
            bad = [t for t in g1.initializer if sizes.get(t.name) != list(t.dims) or
                   (len(t.raw_data) <= 4096 and t.name in small and small[t.name] != t)]
            if not bad:
                return
            k = next((j for j, n in enumerate(g1.node) if bad[0].name in n.input), 0)
    from ._graph import describe
    where = describe(node_calls[k]) if k < len(node_calls) and node_calls[k] is not None \
        else "the model's outputs"
    raise OnnxExporterError(
        f"dygrad.onnx.export: the graph depends on the sizes of the dynamic axes "
        f"{kw['dynamic_axes']}: op {where} is lowered differently when they change (a size read "
        "as a Python number, such as x.size(1) passed to view/reshape or used to slice or build "
        "a tensor, is frozen into the file). Compute it from tensors, or leave that axis out "
        "of dynamic_axes.")


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
