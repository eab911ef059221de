"""add_graph: a model's forward, recorded by dygrad.jit.trace, as a GraphDef TensorBoard reads.

Nodes are named as PyTorch's writer names them, by module path: `Net/Linear[fc1]/linear`
for an op run inside `net.fc1`, `Net/Linear[fc1]/weight` for its parameter, `input/<arg>` and
`output/output.<i>` for the model's inputs and outputs (op "IO Node"). An op's node carries its
output shape in `_output_shapes`, so the graph view shows tensor shapes on the edges.

The module of each op is found by wrapping every submodule's forward for the one traced call
(the wrapper notes which recorded ops ran inside it); module hooks would make the tracer fall
back to eager mode, wrappers do not.
"""
import inspect
import warnings

from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.config_pb2 import RunMetadata
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.step_stats_pb2 import DeviceStepStats, StepStats
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.versions_pb2 import VersionDef


_NONE = object()


def _scopes(model):
    """id(module) -> its scope name: 'Net', 'Net/Linear[fc1]', 'Net/Sequential[seq]/Linear[0]'."""
    # a TracedModule is shown under its original's name, as PyTorch's ScriptModules are
    out = {id(model): getattr(model, "original_name", None) or type(model).__name__}
    for name, m in model.named_modules():
        if name:
            parent = out[id(model)]
            path = model
            for part in name.split("."):
                path = path._modules[part]
                parent = out.setdefault(id(path), f"{parent}/{type(path).__name__}[{part}]")
    return out


def _attr_shape(shapes):
    lst = AttrValue.ListValue(shape=[TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(d))
                                                           for d in s]) for s in shapes])
    return AttrValue(list=lst)


def _op_name(name):
    name = name.lstrip("_")
    return name[3:] if name.startswith("np_") else name


def _record(model, args, kwargs):
    """Runs model(*args) under dygrad.jit.trace; returns (trace, {id(op): module}, outputs)."""
    from ...autograd.grad_mode import STATE
    from ...jit import TracerWarning, trace

    seen = {}
    got = {}
    patched = []

    def wrap(m):
        inner = m.forward

        def forward(*a, **k):
            tr = STATE.trace
            start = len(tr.ops) if tr is not None else 0
            out = inner(*a, **k)
            if tr is not None:
                got.setdefault("trace", tr)
                if m is model:
                    got["out"] = out
                for op in tr.ops[start:]:
                    seen.setdefault(id(op), m)  # the innermost module returns first
            return out
        patched.append((m, m.__dict__.get("forward", _NONE)))
        m.__dict__["forward"] = forward

    try:
        for m in model.modules():
            wrap(m)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TracerWarning)
            trace(model, args, example_kwarg_inputs=kwargs or None)
    finally:
        for m, before in patched:  # a forward the user set on the instance stays
            if before is _NONE:
                m.__dict__.pop("forward", None)
            else:
                m.__dict__["forward"] = before
    return got.get("trace"), seen, got.get("out")


def graph(model, input_to_model):
    """(GraphDef, RunMetadata) of model's forward on input_to_model (a tensor or a tuple)."""
    from ..._tensor import Tensor

    args = input_to_model if isinstance(input_to_model, (tuple, list)) else (input_to_model,)
    args = tuple(args)
    tr, seen, outputs = _record(model, args, None)
    if tr is None:
        raise RuntimeError("add_graph: tracing the model recorded nothing (its forward did not "
                           "run under dygrad.jit.trace)")
    if tr.problem is not None:
        warnings.warn(f"add_graph: the graph of {type(model).__name__} stops where tracing "
                      f"stopped: {tr.problem}", stacklevel=3)
    scopes = _scopes(model)
    owner = {}  # id(tensor) -> node name of a parameter or buffer
    for mname, m in model.named_modules():
        for kind in ("_parameters", "_buffers"):
            for leaf, t in m.__dict__[kind].items():
                if t is not None:
                    owner.setdefault(id(t), f"{scopes[id(m)]}/{leaf}")
    try:
        names = list(inspect.signature(model.forward).parameters)
    except (TypeError, ValueError):
        names = []
    nodes, node_of, used = [], {}, set()

    def unique(name):
        base, k = name, 0
        while name in used:
            k += 1
            name = f"{base}.{k}"
        used.add(name)
        return name

    def add(name, op, inputs=(), shapes=None, attr=""):
        n = NodeDef(name=unique(name), op=op, input=list(inputs))
        if shapes is not None:
            n.attr["_output_shapes"].CopyFrom(_attr_shape(shapes))
        n.attr["attr"].CopyFrom(AttrValue(s=attr.encode()))
        nodes.append(n)
        return n.name

    for v in tr.args:
        i = v.index
        label = names[i] if i < len(names) and names[i] not in ("args", "kwargs") else f"input.{i}"
        node_of[v.vid] = add(f"input/{label}", "IO Node", shapes=[v.tensor._data.shape])
    root = scopes[id(model)]
    for v in tr.externals:
        name = owner.get(id(v.tensor), f"{root}/captured")
        kind = "prim::GetAttr" if id(v.tensor) in owner else "prim::Constant"
        node_of[v.vid] = add(name, kind, shapes=[v.tensor._data.shape])
    for op in tr.ops:
        if op.out is None:
            continue
        scope = scopes.get(id(seen.get(id(op))), root)
        ins = []
        for x in op.ins:
            if isinstance(x, tuple):
                ins.append(add(f"{scope}/Constant", "prim::Constant", shapes=[()],
                               attr=f"{{ value : {x[1]!r} }}"[:200]))
            elif x.vid in node_of:
                ins.append(node_of[x.vid])
        outs = (op.out,) + tuple(op.extra)
        name = add(f"{scope}/{_op_name(op.name)}", f"dygrad::{_op_name(op.name)}", ins,
                   shapes=[o.tensor._data.shape for o in outs])
        for k, o in enumerate(outs):
            node_of[o.vid] = name if k == 0 else f"{name}:{k}"
    flat = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    for i, t in enumerate(flat):
        if isinstance(t, Tensor):
            v = tr.by_id.get(id(t))
            src = [node_of[v.vid]] if v is not None and v.vid in node_of else []
            add(f"output/output.{i}", "IO Node", src, shapes=[t._data.shape])
    meta = RunMetadata(step_stats=StepStats(dev_stats=[DeviceStepStats(device="/device:CPU:0")]))
    return GraphDef(node=nodes, versions=VersionDef(producer=22)), meta
