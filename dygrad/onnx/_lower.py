"""From the recorded op calls to an ONNX ModelProto (built with onnx.helper only)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..ops._registry import RULES
from ..utils._pytree import tensor_leaves
from ._graph import Graph, OnnxExporterError, UnsupportedOperatorError, describe


def _load_lowerings():
    # the lowerings live beside their ops; importing the op modules registers them
    import importlib
    import pkgutil

    import dygrad.nn.functional  # noqa: F401
    from .. import ops
    for m in pkgutil.iter_modules(ops.__path__):
        importlib.import_module(f"{ops.__name__}.{m.name}")
    from . import _convert  # noqa: F401  (Tensor conversion methods)


def _axes(spec):
    if isinstance(spec, Mapping_types):
        return {int(k): str(v) for k, v in spec.items()}
    return {int(k): None for k in spec}


Mapping_types = (dict,)


def _value_info(onnx, name, t, axes, role):
    dims = []
    for k, n in enumerate(t.shape):
        if k in axes:
            dims.append(axes[k] or f"{name}_dynamic_axes_{k + 1}")
        else:
            dims.append(int(n))
    elem = onnx.helper.np_dtype_to_tensor_dtype(t._data.dtype)
    return onnx.helper.make_tensor_value_info(name, elem, dims)


def build(onnx, model, args, out, rec, *, opset, input_names, output_names, dynamic_axes,
          export_params):
    _load_lowerings()
    dyn = {k: _axes(v) for k, v in dynamic_axes.items()}
    g = Graph(onnx, opset, set(rec.made), dynamic=bool(dyn))
    g.export_params = bool(export_params)
    g.recorded = {id(t) for c in rec.calls for t in c.outs}
    if hasattr(model, "named_parameters"):
        for n, p in model.named_parameters():
            g.params.setdefault(id(p), n)
        for n, b in model.named_buffers():
            g.params.setdefault(id(b), n)
    ins = tensor_leaves(list(args))
    outs = tensor_leaves(out)
    in_names = list(input_names or [])
    in_names += [f"input_{k}" if k else "input" for k in range(len(in_names), len(ins))]
    out_names = list(output_names or [])
    out_names += [f"output_{k}" if k else "output" for k in range(len(out_names), len(outs))]
    unknown = set(dyn) - set(in_names[:len(ins)]) - set(out_names[:len(outs)])
    if unknown:
        raise ValueError(f"dygrad.onnx.export: dynamic_axes names {sorted(unknown)}, which are "
                         f"neither inputs {in_names} nor outputs {out_names}")
    graph_inputs = []
    for t, name in zip(ins, in_names):
        g.names[id(t)] = name
        g.live.add(name)
        graph_inputs.append(_value_info(onnx, name, t, dyn.get(name, {}), "input"))
    for call in rec.calls:
        _lower(g, call)
    g.call = None
    graph_outputs = []
    for t, name in zip(outs, out_names):
        g.nodes.append(onnx.helper.make_node("Identity", [g.value(t)], [name],
                                             name=g.fresh("output")))
        if dyn and name not in dyn:  # its shape follows the dynamic inputs: inferred below
            elem = onnx.helper.np_dtype_to_tensor_dtype(t._data.dtype)
            graph_outputs.append(onnx.helper.make_tensor_value_info(name, elem, None))
        else:
            graph_outputs.append(_value_info(onnx, name, t, dyn.get(name, {}), "output"))
    graph_inputs += [_value_info(onnx, name, t, {}, "input") for name, t in g.param_inputs]
    graph = onnx.helper.make_graph(g.nodes, type(model).__name__, graph_inputs, graph_outputs)
    proto = onnx.helper.make_model(graph, producer_name="dygrad",
                                   opset_imports=[onnx.helper.make_opsetid("", opset)])
    if dyn:
        _infer_output_shapes(onnx, proto, g.initializers, outs, out_names, dyn)
    # the initializers go straight into the model: a graph holding them would be copied whole
    proto.graph.initializer.extend(g.initializers)
    # onnxruntime reads IR versions up to a bound; the opset's own IR version is enough
    proto.ir_version = min(proto.ir_version, 8 if opset <= 17 else 9 if opset <= 20 else 10)
    return proto, g.node_calls


def _infer_output_shapes(onnx, proto, inits, outs, out_names, dyn):
    """The shapes of the outputs dynamic_axes does not name, from ONNX's shape inference on the
    graph with dynamic inputs: a size it cannot tell becomes a named dynamic axis. Inference
    reads the small initializers (shapes, indices) and only the shapes of the large ones."""
    light = onnx.ModelProto()
    light.CopyFrom(proto)
    for t in inits:
        if len(t.raw_data) <= 4096:
            light.graph.initializer.append(t)
        else:
            light.graph.input.append(onnx.helper.make_tensor_value_info(t.name, t.data_type,
                                                                        list(t.dims)))
    try:
        inferred = onnx.shape_inference.infer_shapes(light)
        found = {v.name: v for v in inferred.graph.output}
    except Exception:  # noqa: BLE001  (inference is best effort; the dims stay named)
        found = {}
    for t, name, out in zip(outs, out_names, proto.graph.output):
        if name in dyn:
            continue
        dims = found[name].type.tensor_type.shape.dim if name in found else []
        shape = out.type.tensor_type.shape
        for k in range(t.dim()):
            d = shape.dim.add()
            v = dims[k] if len(dims) == t.dim() else None
            if v is not None and v.HasField("dim_value") and v.dim_value == t.shape[k]:
                d.dim_value = v.dim_value
            elif v is not None and v.HasField("dim_param"):
                d.dim_param = v.dim_param
            else:
                d.dim_param = f"{name}_dynamic_axes_{k + 1}"
        if t.dim() == 0:
            shape.SetInParent()


def _updated_stats(call):
    """Ids of the running statistics a training-mode batch_norm call updates: the file computes
    its output from the batch's statistics and never reads them (nor returns their update)."""
    if call.name != "batch_norm" or not call.get("training", False):
        return ()
    return {id(t) for t in (call.get("running_mean"), call.get("running_var")) if t is not None}


def _lower(g, call):
    g.call = call
    if not call.outs:
        if call.name == "setitem":
            raise UnsupportedOperatorError(
                f"dygrad.onnx.export: in-place indexed assignment {describe(call)} cannot be "
                "exported yet")
        return  # a size, a dim, a Python value: the trace's constant
    if not call.live:
        for i, t in call.ins.items():
            if i in g.made and i not in g.recorded:
                # made by an op the capture did not see: it may depend on the inputs
                raise OnnxExporterError(
                    f"dygrad.onnx.export: {describe(call)} reads a tensor of shape "
                    f"{list(t.shape)} made by an operation the export did not see")
        # computed from constants only: its values as it returned them are folded in
        for t, data in zip(call.outs, call.frozen):
            g.names.pop(id(t), None)  # an in-place op's result: its new value from here on
            g.frozen[id(t)] = data  # an initializer only if the graph reads it
        return
    stats = _updated_stats(call)
    for i, t in call.ins.items():
        if i not in g.names and i not in g.frozen and t._vc[0] != call.seen[i] and \
                i not in stats:
            raise OnnxExporterError(
                f"dygrad.onnx.export: {describe(call)} reads a constant tensor of shape "
                f"{list(t.shape)} that the forward changes in place later; the file would hold "
                "its final value")
    for t in call.ins.values():
        if id(t) in call.versions and (t._base is not None or (
                t._views and any(w() is not None for w in t._views))):
            # the write shows through the tensor's views, which the graph holds as values
            # computed before it: refused rather than exported with stale views
            raise UnsupportedOperatorError(
                f"dygrad.onnx.export: op {describe(call)} writes in place into a tensor that "
                "shares its memory with a view; use the out-of-place op to export")
    fn = RULES["onnx"].get(call.name)
    if fn is None:
        raise UnsupportedOperatorError(
            f"dygrad.onnx.export: op {describe(call)} has no ONNX lowering yet; the model "
            "cannot be exported (no file was written)")
    written = [t for t in call.ins.values() if id(t) in call.versions and id(t) not in stats]
    if any(all(t is not o for o in call.outs) for t in written):
        raise UnsupportedOperatorError(
            f"dygrad.onnx.export: op {describe(call)} writes in place into an operand it does "
            "not return; use the out-of-place op to export")
    res = fn(g, call)
    if res is None:  # the lowering does not cover these arguments
        raise UnsupportedOperatorError(
            f"dygrad.onnx.export: op {describe(call)} is lowered to ONNX only for some of its "
            "arguments, not these; the model cannot be exported (no file was written)")
    names = res if isinstance(res, (list, tuple)) else [res]
    if len(names) != len(call.outs):
        raise OnnxExporterError(f"dygrad.onnx.export: the lowering of {describe(call)} gave "
                                f"{len(names)} outputs for {len(call.outs)} tensors")
    for t, name in zip(call.outs, names):
        g.names[id(t)] = name
        g.live.add(name)


def onnx_dtype(g, t):
    """The ONNX element type of tensor t."""
    return g.helper.np_dtype_to_tensor_dtype(t._data.dtype if isinstance(t, Tensor)
                                             else np.dtype(t))
