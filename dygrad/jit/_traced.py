"""Traced functions and modules: run once eagerly while recording, then replay.

A call looks up the plan for its inputs' shapes, dtypes and requires_grad (and grad mode, the
default dtype, and for modules the training flags); the first call with a new combination traces
again. A replay runs the generated forward on the input arrays and, when gradients are needed,
attaches one graph node whose backward is the generated backward.
"""
import warnings

from .. import _dtype
from .._tensor import Tensor, _new, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from ._plan import NotReplayable, Plan
from ._recorder import Trace
from ._recall import ShapeChanged, start_capture, stop_capture

_EAGER = "eager"
_MAX_PLANS = 16


class TracerWarning(Warning):
    """A traced function that cannot be replayed and runs eagerly instead (the reason says why)."""


class TracedFunctionBackward(Node):
    __slots__ = ("plan", "res", "checks")

    def name(self):
        return "TracedFunctionBackward"

    def _apply(self, grads, create_graph):
        if create_graph:
            raise RuntimeError(
                "dygrad.jit: a traced function does not support double backward (create_graph="
                "True); call the original function for higher-order gradients")
        res = self.res
        if res is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Specify retain_graph=True if you "
                "need to backward through the graph a second time (in TracedFunctionBackward).")
        for vc, ver, shape in self.checks:
            if vc[0] != ver:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: a tensor of shape {list(shape)} saved by a traced "
                    f"function is at version {vc[0]}; expected version {ver} instead.")
        return self.plan.bwd(*grads, *res)

    def _release(self):
        self.res = None


def _flatten(obj, out):
    """Appends the Tensors of obj (a Tensor or nested tuple/list) to out; returns its layout."""
    if isinstance(obj, Tensor):
        out.append(obj)
        return None
    if isinstance(obj, (tuple, list)):
        return (type(obj), tuple(_flatten(x, out) for x in obj))
    raise NotReplayable(f"the function returns a {type(obj).__name__}; a traced function must "
                        "return tensors or tuples/lists of tensors")


def _unflatten(layout, it):
    if layout is None:
        return next(it)
    kind, parts = layout
    return kind(_unflatten(p, it) for p in parts)


def _arg_key(x, tensors):
    if isinstance(x, Tensor):
        tensors.append(x)
        d = x._data
        return (d.shape, d.dtype, x._rg)
    if isinstance(x, (tuple, list)):
        return (type(x), tuple(_arg_key(y, tensors) for y in x))
    if x is None or isinstance(x, (bool, int, float, str)):
        return (type(x), x)
    raise TypeError  # not something a trace can specialise on


class _Entry:
    __slots__ = ("plan", "layout", "simple", "simple_rg")

    def __init__(self, plan, layout):
        self.plan = plan
        self.layout = layout
        # one output tensor and no graph left to attach (a whole training step returning its
        # loss, or a function of tensors that need no gradient): the call wraps one array
        self.simple = layout is None and plan.bwd is None
        self.simple_rg = bool(plan.out_diff[0])
        if self.simple and self.simple_rg:
            _consumed(plan)


def _consumed(plan):
    """The grad_fn shared by outputs whose graph a backward() inside the function consumed."""
    if plan.consumed is None:
        node = plan.consumed = TracedFunctionBackward(())
        node.res = None
    return plan.consumed


class TracedFunction:
    """What dygrad.jit.trace returns for a function (PyTorch returns a ScriptFunction)."""

    def __init__(self, fn, name=None, flags=None, on_eager="warn", limit=None):
        self._fn = fn
        self._flags = flags       # extra guard (a module's training flags)
        self.__name__ = name or getattr(fn, "__name__", "traced")
        self._plans = {}
        self._last = None
        self.reasons = []         # why some traces run eagerly
        # what a trace that cannot be replayed does: "warn" (TracerWarning), "raise" (the
        # NotReplayable error), or a callable given the reason (then runs eagerly)
        self._on_eager = on_eager
        # at most this many signatures are captured; later new ones run eagerly (None: the
        # oldest plan makes room)
        self._limit = limit
        self._compiling = False   # set by torch.compile (torch.compiler.is_compiling)

    # -- calling --------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        st = STATE
        if st.trace is not None or st.anomaly:  # inside another trace, or anomaly checks
            return self._fn(*args, **kwargs)
        tensors = []
        if args or kwargs or self._flags is not None:
            key = [st.enabled, _dtype._default[0]]
            try:
                for a in args:
                    if type(a) is Tensor:
                        tensors.append(a)
                        d = a._data
                        key.append((d.shape, d.dtype, a._rg))
                    else:
                        key.append(_arg_key(a, tensors))
                if kwargs:
                    key.append(tuple((k, _arg_key(v, tensors))
                                     for k, v in sorted(kwargs.items())))
            except TypeError:
                return self._fn(*args, **kwargs)
            if self._flags is not None:
                key.append(self._flags())
            key = tuple(key)
        else:  # a training step closing over its model: the key is the global state alone
            key = (st.enabled, _dtype._default[0])
        entry = self._plans.get(key)
        if entry is None:
            return self._trace(key, tensors, args, kwargs)
        if entry is _EAGER:
            return self._fn(*args, **kwargs)
        try:
            return self._replay(entry, key, tensors, args, kwargs)
        except ShapeChanged as e:
            if e.after_effect:  # tensors were already updated in place: cannot start over
                raise RuntimeError(f"dygrad.jit: {e}, after the function's in-place updates ran; "
                                   "move the op before them or do not capture this function") \
                    from None
            self._plans[key] = _EAGER
            self.reasons.append(str(e))
            return self._fn(*args, **kwargs)

    def _replay(self, entry, key, tensors, args, kwargs):
        if entry.simple:
            plan = entry.plan
            r = plan.fwd(tensors, plan.ext)
            if r is not None:
                t = _new(Tensor)  # _wrap, inlined: this is the whole cost of a small replay
                t._data = r[0][0]
                t._rg = entry.simple_rg
                t.grad_fn = plan.consumed
                t._vc = [0]
                return t
            return self._trace(key, tensors, args, kwargs)
        out = _replay(entry, tensors)
        if out is None:  # a captured tensor changed shape, dtype or requires_grad: trace again
            return self._trace(key, tensors, args, kwargs)
        return out

    def _trace(self, key, tensors, args, kwargs):
        if self._limit is not None and key not in self._plans and len(self._plans) >= self._limit:
            if self._on_eager not in ("warn", "raise"):
                self._on_eager(f"more than {self._limit} input signatures (recompile_limit)")
            self._plans[key] = _EAGER
            return self._fn(*args, **kwargs)
        trace = Trace(tensors)
        trace.compiling = self._compiling
        STATE.trace = trace
        token = start_capture()
        try:
            result = self._fn(*args, **kwargs)
        finally:
            STATE.trace = None
            stop_capture(token)
        try:
            outs = []
            layout = _flatten(result, outs)
            entry = _Entry(Plan(trace, outs), layout)
        except NotReplayable as e:
            entry = _EAGER
            self.reasons.append(str(e))
            if self._on_eager == "warn":
                warnings.warn(f"dygrad.jit.trace({self.__name__}): {e}; this call signature "
                              "runs eagerly (unchanged results, no speed-up)", TracerWarning,
                              stacklevel=3)
            elif self._on_eager == "raise":
                raise
            else:
                self._on_eager(str(e))
        if len(self._plans) >= _MAX_PLANS:
            self._plans.pop(next(iter(self._plans)))
        self._plans[key] = entry
        if entry is not _EAGER:
            self._last = entry.plan
        return result

    # -- inspecting -----------------------------------------------------------------------------
    @property
    def code(self):
        """The generated forward and backward of the most recent replayable trace."""
        p = self._last
        if p is None:
            return ""
        return p.fwd_code + ("\n" + p.bwd_code if p.bwd_code else "")

    @property
    def graph(self):
        """One line per recorded operation of the most recent replayable trace."""
        p = self._last
        if p is None:
            return ""
        lines = []
        for op in p.ops:
            ins = ", ".join(f"v{x.vid}" if not isinstance(x, tuple) else repr(x[1]) for x in op.ins)
            d = op.out.tensor._data
            lines.append(f"v{op.out.vid}: {_dtype.from_numpy_dtype(d.dtype)}{list(d.shape)} = "
                         f"{op.name}({ins})")
        return "\n".join(lines)


def _replay(entry, tensors):
    plan = entry.plan
    r = plan.fwd(tensors, plan.ext)
    if r is None:
        return None
    outs, res = r
    diff = plan.out_diff
    node = None
    if plan.bwd is not None:
        ext = plan.ext
        node = TracedFunctionBackward(tuple([(tensors[i] if kind == "arg" else ext[i])._grad_node()
                                             for kind, i in plan.sources]))
        node.plan = plan
        node.res = res
        if plan.n_diff != 1:
            node._nout = plan.n_diff
    elif plan.n_diff:  # the backward() inside the function consumed the graph of the outputs
        node = _consumed(plan)
    if entry.layout is None:  # a single tensor
        t = _wrap(outs[0], diff[0])
        if diff[0]:
            t.grad_fn = node
        wrapped = (t,)
    else:
        wrapped = []
        k = 0
        for arr, d in zip(outs, diff):
            t = _wrap(arr, d)
            if d:
                t.grad_fn = node
                if k:
                    t._nr = k
                k += 1
            wrapped.append(t)
    if plan.bwd is not None:
        checks = []
        ext = plan.ext
        for kind, i in plan.visible:
            t = tensors[i] if kind == "arg" else ext[i] if kind == "ext" else wrapped[i]
            checks.append((t._vc, t._vc[0], t._data.shape))
        node.checks = checks
    if entry.layout is None:
        return wrapped[0]
    return _unflatten(entry.layout, iter(wrapped))
