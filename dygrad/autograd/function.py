"""User-defined differentiable functions: subclass Function with forward/backward.

The ctx object that forward receives is the graph node itself (as in PyTorch), so whatever
forward stores on it is there in backward.
"""
import functools

import numpy as np

from .grad_mode import STATE, no_grad, enable_grad
from .node import Node

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx(Node):
    """The ctx passed to a custom Function's forward/backward; also its backward node."""

    _fn_cls = None

    def __init__(self, next_functions=()):
        Node.__init__(self, next_functions)
        self._ctx_saved = None
        self.needs_input_grad = ()
        self._non_diff = set()
        self._dirty = ()
        self.materialize_grads = True
        self._nout_ = 1

    @property
    def _nout(self):
        return self._nout_

    def save_for_backward(self, *tensors):
        from .._tensor import Tensor
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{type(t).__name__} is not a Variable")
        # which positions hold a tensor (not the tensors: under saved-tensor hooks only what
        # pack returned may stay alive)
        self._ctx_saved = tuple([t is not None for t in tensors])
        self.save(*[t for t in tensors if t is not None])

    @property
    def saved_tensors(self):
        if self._ctx_saved is None:
            return ()
        if self._saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Specify retain_graph=True if you "
                "need to backward through the graph a second time.")
        vals = iter(self._unpack(True))
        return tuple(next(vals) if kept else None for kept in self._ctx_saved)

    saved_variables = saved_tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    def name(self):
        return f"{self._fn_cls.__name__}Backward"

    def __repr__(self):
        return f"<torch.autograd.function.{self.name()} object at {hex(id(self))}>"

    def _apply(self, grads, create_graph):
        from .._tensor import Tensor, _wrap
        if self._saved is None and self._ctx_saved:
            self.saved_tensors  # raises the freed-graph error
        gts = []
        for g, shape_dt in zip(grads, self._out_meta):
            if g is None:
                gts.append(_wrap(np.zeros(*shape_dt)) if self.materialize_grads else None)
            elif isinstance(g, Tensor):
                gts.append(g)
            else:
                gts.append(_wrap(np.asarray(g)))
        if create_graph:
            with enable_grad():
                res = self._fn_cls.backward(self, *gts)
        else:
            with no_grad():
                res = self._fn_cls.backward(self, *gts)
        if not isinstance(res, tuple):
            res = (res,)
        n_in = len(self.next_functions)
        if len(res) < n_in:
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients (expected "
                f"{n_in}, got {len(res)})")
        out = []
        for k, ((nf, _), r) in enumerate(zip(self.next_functions, res)):
            if nf is None or r is None:
                out.append(None)
                continue
            if not isinstance(r, Tensor):
                raise TypeError(f"{self.name()}.backward returned a {type(r).__name__} for input {k}; "
                                "expected a Tensor or None")
            shp = self._in_shapes[k]
            if r._data.shape != shp:
                try:
                    r = r.sum_to_size(shp) if len(r._data.shape) >= len(shp) else r.expand(shp)
                except RuntimeError:
                    raise RuntimeError(
                        f"Function {self.name()} returned an invalid gradient at index {k} - got "
                        f"{list(r._data.shape)} but expected shape compatible with {list(shp)}") from None
            out.append(r if create_graph else r._data)
        return tuple(out)


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(f"{name}Backward", (FunctionCtx,), {"_fn_cls": cls})


class Function(metaclass=_FunctionMeta):
    """Base class for custom autograd operations (forward/backward written by the user)."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor
        tensor_args = [(i, a) for i, a in enumerate(args) if isinstance(a, Tensor)]
        needs = tuple(isinstance(a, Tensor) and a._rg for a in args)
        record = STATE.enabled and any(needs)
        ctx = cls._backward_cls(tuple(a._grad_node() if isinstance(a, Tensor) else (None, 0) for a in args))
        ctx.needs_input_grad = needs if STATE.enabled else tuple(False for _ in args)
        ctx._in_shapes = [a._data.shape if isinstance(a, Tensor) else () for a in args]
        uses_setup = cls.setup_context is not Function.setup_context
        with no_grad():
            if uses_setup:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        input_ids = {id(a) for _, a in tensor_args}
        dirty = {id(t) for t in ctx._dirty}
        result = []
        ctx._nout_ = len(outs)
        ctx._out_meta = []
        for nr, o in enumerate(outs):
            if not isinstance(o, Tensor):
                result.append(o)
                ctx._out_meta.append(((), np.float32))
                continue
            ctx._out_meta.append((o._data.shape, o._data.dtype))
            if record and id(o) not in ctx._non_diff and o._data.dtype.kind in "fV":
                if id(o) in input_ids and id(o) not in dirty:
                    o = o.view_as(o)  # an input returned as is becomes a new tensor of the graph
                    o = Tensor.detach(o)
                o._rg = True
                o.grad_fn = ctx
                o._nr = nr
                if id(o) in dirty:
                    o._vc[0] += 1
            result.append(o)
        if not record:
            ctx.next_functions = ()
        return result[0] if single else tuple(result)


def once_differentiable(fn):
    """Marks a backward as not differentiable itself: a double backward through it raises."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            out = fn(ctx, *args)
        return out
    return wrapper
