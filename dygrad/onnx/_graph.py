"""The graph a lowering writes into: ONNX nodes, initializers and value names.

A lowering (registered beside its op with `@rule("onnx", name)`, see dygrad/ops/_registry.py)
is `fn(g, call)`: `call` is the op call the export recorded (its arguments by parameter name),
`g` this builder. It returns the ONNX value name of the op's result (or a list, one per output
tensor). Only this module and dygrad/onnx/__init__.py import the `onnx` package, so op modules
pay nothing for their lowerings at import time.
"""
from __future__ import annotations

import numbers

import numpy as np

from .._tensor import Tensor


class OnnxExporterError(RuntimeError):
    """The model cannot be exported to ONNX."""


class UnsupportedOperatorError(OnnxExporterError):
    """An op the model calls has no ONNX lowering."""


class Graph:
    def __init__(self, onnx, opset, made, dynamic):
        self.onnx = onnx
        self.helper = onnx.helper
        self.opset = opset
        self.nodes = []
        self.initializers = []
        self.names = {}         # id(tensor) -> ONNX value name
        self.consts = {}        # id(tensor) -> initializer name (parameters, captured tensors)
        self.live = set()       # names computed from the graph's inputs
        self.made = made        # ids of the tensors ops made while the model ran
        self.recorded = set()   # ids of the results of the recorded calls
        self.dynamic = dynamic  # the batch axis of the inputs is dynamic
        self.params = {}        # id(tensor) -> parameter/buffer name, for initializer names
        self.frozen = {}        # id(tensor) -> values of a result computed from constants only
        self.export_params = True
        self.param_inputs = []  # (name, tensor) of parameters that are graph inputs
        self.node_calls = []    # the op call each node was lowered from
        self._n = 0
        self.call = None        # the call being lowered (for error messages)

    # -- names ---------------------------------------------------------------------------------
    def fresh(self, hint="v"):
        self._n += 1
        return f"/{hint}_{self._n}"

    def is_live(self, x):
        return isinstance(x, Tensor) and id(x) in self.names and self.names[id(x)] in self.live

    def value(self, x, like=None):
        """The ONNX name of x: a tensor the graph computes, or a constant (a parameter, a
        captured tensor, or a Python number, given the dtype of the tensor `like`)."""
        if isinstance(x, Tensor):
            name = self.names.get(id(x))
            if name is not None:
                return name
            if id(x) in self.frozen:
                name = self.names[id(x)] = self.const(self.frozen.pop(id(x)))
                return name
            if id(x) in self.made:
                raise OnnxExporterError(
                    f"dygrad.onnx.export: a tensor of shape {list(x.shape)} used by "
                    f"{self._where()} was made by an operation the export did not see")
            name = self.consts.get(id(x))
            if name is None:
                pname = self.params.get(id(x))
                if pname is not None and not self.export_params:
                    # export_params=False: a parameter is an input the caller feeds
                    self.param_inputs.append((pname, x))
                    name = pname
                else:
                    name = self.const(x._data, pname)
                self.consts[id(x)] = name
            return name
        if isinstance(x, (numbers.Number, np.number, np.bool_)):
            dt = like._data.dtype if isinstance(like, Tensor) else np.result_type(x)
            return self.const(np.asarray(x, dtype=dt))
        raise OnnxExporterError(f"dygrad.onnx.export: {self._where()} got {type(x).__name__}, "
                                "which the export cannot turn into an ONNX value")

    def const(self, array, name=None):
        """A new initializer holding `array`; returns its name."""
        name = name or self.fresh("const")
        self.initializers.append(self.onnx.numpy_helper.from_array(np.asarray(array), name))
        return name

    def ints(self, values):
        return self.const(np.asarray(values, dtype=np.int64))

    # -- nodes ---------------------------------------------------------------------------------
    def op(self, op_type, inputs, outputs=1, **attrs):
        """Adds one node; returns its output name (a list when outputs > 1). An input given as
        "" is an omitted optional input."""
        outs = [self.fresh(op_type) for _ in range(outputs)]
        live = any(i in self.live for i in inputs)
        self.nodes.append(self.helper.make_node(op_type, list(inputs), outs,
                                                name=self.fresh(op_type + "_node"), **attrs))
        self.node_calls.append(self.call)
        if live:
            self.live.update(outs)
        return outs[0] if outputs == 1 else outs

    def cast(self, x, like):
        """The name of x (a tensor or a number) in the dtype of tensor `like` (PyTorch's type
        promotion is decided by the eager run: its result's dtype is the one ONNX computes in)."""
        name = self.value(x, like)
        if isinstance(x, Tensor) and x._data.dtype != like._data.dtype:
            to = self.helper.np_dtype_to_tensor_dtype(like._data.dtype)
            name = self.op("Cast", [name], to=to)
        return name

    def promote(self, a, b):
        """The names of a and b (tensors or numbers) cast to PyTorch's promoted dtype of the
        two (an int tensor compared with 0.5 compares in float), and that dtype."""
        from .. import _dtype, result_type
        dt = np.dtype(_dtype.to_numpy_dtype(result_type(a, b)))
        names = []
        for x in (a, b):
            if isinstance(x, Tensor):
                n = self.value(x)
                names.append(n if x._data.dtype == dt else self.to(n, dt))
            else:
                names.append(self.const(np.asarray(x, dtype=dt)))
        return names, dt

    def to(self, name, dtype):
        """A Cast of the value `name` to the NumPy dtype `dtype`."""
        return self.op("Cast", [name], to=self.helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))

    def dims(self, name, axes):
        """The sizes of value `name` along `axes`, as a 1-D int64 value computed at run time (so
        a dynamic axis gives the size it has then)."""
        return self.op("Gather", [self.op("Shape", [name]), self.ints(list(axes))], axis=0)

    def reduce(self, op_type, x, axes, keepdim):
        """A Reduce* node over `axes` (None: all), as the opset takes them."""
        if axes is None:
            return self.op(op_type, [x], keepdims=int(keepdim))
        axes = [int(a) for a in axes]
        if self.opset >= 18 or op_type == "ReduceSum":
            return self.op(op_type, [x, self.ints(axes)], keepdims=int(keepdim))
        return self.op(op_type, [x], axes=axes, keepdims=int(keepdim))

    def _where(self):
        c = self.call
        if c is None:
            return "the model"
        return f"{c.name}() (called from {_module(c.where)})"


def _module(path):
    return f"module '{path}'" if path else "the model's own forward"


def describe(call):
    shapes = [list(t.shape) for t in call.ins.values()]
    return f"'{call.name}' (called from {_module(call.where)}, input shapes {shapes})"
