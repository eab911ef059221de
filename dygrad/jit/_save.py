"""`jit.save` / `jit.load`: a traced model as data, loadable without its Python class.

A trace's forward is a list of recorded ops, each a kernel (a module-level function of dygrad's
op layer, or a NumPy function) applied to arrays and constants. `save` writes that list as a
program of steps naming each kernel by its qualified name, with the steps' constants (ints,
floats, strings, tuples, dtypes, a convolution's geometry) and references to earlier values,
plus the model's parameters and buffers, in dygrad's checkpoint format (JSON manifest, raw
arrays, SHA-256 checksums, atomic write; see docs/checkpoint-format.md). `load` reads it back
with `dygrad.load(weights_only=True)` and resolves every kernel name through the allowlist of
jit/_program.py (functions of dygrad's op layer and closures they make, NumPy ufuncs and a fixed
set of NumPy array functions): nothing named in the file is imported from elsewhere, and no code
from the file is run.

The loaded model runs the steps in order on the new inputs' arrays: the same kernels on the same
arrays as the traced replay, so its outputs are the traced model's, bit for bit. This first
version is forward-only inference (no gradients through a loaded model) at the traced shapes.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from .._tensor import Tensor, _wrap
from ..nn.modules.module import Module
from ..serialization import CheckpointError, load as _load, save as _save
from ._program import Unsavable, dec_const, enc_kernel, enc_recall, enc_value, resolve
from ._recall import Recall
from ._batch import NotPolymorphic, batch_of, generalise, read_spec, shown, substitute

FORMAT = "dygrad.jit.traced"
VERSION = 1


# -- saving -------------------------------------------------------------------------------------
def _layout_data(layout):
    if layout is None:
        return None
    kind, parts = layout
    return {"kind": "tuple" if kind is tuple else "list",
            "items": [_layout_data(p) for p in parts]}


def _plan_data(entry, key, ext_ref, where):
    """One plan as data: its input signature and its steps; raises Unsavable."""
    plan = entry.plan
    if plan.stepped or any(op.kind != "op" for op in plan.ops):
        raise Unsavable("it runs a backward() or updates tensors in place; only a model's "
                         "forward can be saved")
    args = key[2:]
    flags = None
    if args and isinstance(args[-1], tuple) and all(type(f) is bool for f in args[-1]):
        flags, args = args[-1], args[:-1]
    inputs = []
    for a in args:
        if not (isinstance(a, tuple) and len(a) == 3 and isinstance(a[1], np.dtype)):
            raise Unsavable("it was traced with arguments other than tensors")
        inputs.append((tuple(int(n) for n in a[0]), a[1].str))
    ext = [ext_ref(t) for t in plan.ext]
    values = {}     # id(Value) -> reference
    steps = []
    for op in plan.ops:
        here = f"the op {op.name!r}"
        if op.keep:
            raise Unsavable(f"{here} has an effect besides its result (a random draw or a "
                            "running-statistics update); save the model in eval mode")
        if isinstance(op.kernel, Recall):
            name = enc_recall(op.kernel, here)
        elif op.applied:
            raise Unsavable(f"{here} is re-called in a way jit.save cannot describe")
        else:
            name = enc_kernel(op.kernel, here)
        ins = []
        for x in op.ins:
            if isinstance(x, tuple):
                ins.append({"kind": "const", "value": enc_value(x[1], here)})
            elif x.kind == "arg":
                ins.append({"kind": "input", "index": x.index})
            elif x.kind == "ext":
                ins.append({"kind": "ext", "index": x.index})
            elif x.vid in values:
                ins.append({"kind": "value", "index": values[x.vid]})
            else:
                raise Unsavable(f"{here} reads a value the program does not compute")
        outs = (op.out,) + op.extra
        for v in outs:
            values[v.vid] = len(values)
        steps.append({"kernel": name, "name": op.name, "args": ins, "outputs": len(outs),
                      "stateful": op.state is not None})
    if len(plan.out_index) != len(plan.out_diff):
        raise Unsavable("it returns one tensor twice")
    outputs = []
    for v in _out_values(plan):
        if v.vid not in values:
            raise Unsavable("an output is not computed by the saved steps")
        outputs.append(values[v.vid])
    return {"training": flags[0] if flags else False, "flags": flags or (),
            "inputs": tuple(inputs), "externals": ext, "steps": steps, "outputs": outputs,
            "layout": _layout_data(entry.layout)}


def _out_values(plan):
    order = sorted(plan.out_index.items(), key=lambda kv: kv[1])
    by_vid = {}
    for op in plan.ops:
        for v in (op.out,) + op.extra:
            by_vid[v.vid] = v
    return [by_vid.get(vid) or _Missing for vid, _ in order]


class _Missing:
    vid = None


def save(m, f, _extra_files=None):
    """Saves what `dygrad.jit.trace` returned to `f` (a path or a binary file object).

    The file holds the traced forward as data (kernel names, constants, value references) and
    the parameters and buffers; `dygrad.jit.load` runs it without the model's class::

        traced = torch.jit.trace(model.eval(), torch.randn(1, 3, 32, 32))
        torch.jit.save(traced, "model.pt")
        loaded = torch.jit.load("model.pt")    # in any process: no model code needed
        loaded(torch.randn(1, 3, 32, 32))

    Raises RuntimeError, writing nothing, when a traced op cannot be described as data.
    `_extra_files` ({name: str or bytes}) are stored beside the program, as PyTorch does, and
    read back by `jit.load(f, _extra_files={name: ""})`.
    """
    extra = _extra_data(_extra_files)
    from ._module import TracedModule
    from ._traced import TracedFunction, _EAGER
    if isinstance(m, LoadedModule):
        root = m._file_root()
        if _extra_files is not None:
            root["extra_files"] = extra
        _save(root, f)
        return
    if isinstance(m, TracedModule):
        fn, module, name = m._traced, m, m.original_name
    elif isinstance(m, TracedFunction):
        fn, module, name = m, None, m.__name__
    else:
        raise TypeError(f"dygrad.jit.save: expected what dygrad.jit.trace returns (a traced "
                        f"module or function), got {type(m).__name__}")
    state, persistent, by_id, rg = OrderedDict(), [], {}, {}
    if module is not None:
        for n, p in module.named_parameters(remove_duplicate=False):
            by_id.setdefault(id(p), ("param", n))
            state[n] = p.detach()
            rg[n] = bool(p.requires_grad)
        for mod_name, sub in module.named_modules(remove_duplicate=False):
            for n, b in sub._buffers.items():
                if b is None:
                    continue
                full = f"{mod_name}.{n}" if mod_name else n
                by_id.setdefault(id(b), ("buffer", full))
                state[full] = b.detach()
                rg[full] = bool(b.requires_grad)
                if n not in sub._non_persistent_buffers_set:
                    persistent.append(full)
    consts = []

    def ext_ref(t):
        hit = by_id.get(id(t))
        if hit is not None:
            return {"kind": hit[0], "name": hit[1]}
        consts.append(np.ascontiguousarray(t._data))
        return {"kind": "constant", "index": len(consts) - 1}

    def probe_ref(t):  # a constant of a re-trace at another batch size: compared by value
        hit = by_id.get(id(t))
        if hit is not None:
            return {"kind": hit[0], "name": hit[1]}
        return {"kind": "constant", "value": np.ascontiguousarray(t._data)}

    def by_value(d):
        return {**d, "externals": [{"kind": "constant", "value": consts[e["index"]]}
                                   if e["kind"] == "constant" else e for e in d["externals"]]}

    # the mode the model is in now (the original's flag: model.eval() may skip the traced wrapper)
    training = bool(fn._flags()[0]) if fn._flags is not None else False
    plans, seen = [], set()
    for key, entry in list(fn._plans.items()):
        if entry is _EAGER:
            continue
        try:
            data = _plan_data(entry, key, ext_ref, "")
        except Unsavable as e:
            flags = key[-1] if module is not None else None
            if flags and flags[0] != training:
                continue  # a plan of the other mode (training with dropout): the file omits it
            raise RuntimeError(f"dygrad.jit.save({name}): cannot save this trace: {e}") from None
        sig = (data["inputs"], data["training"])
        if sig not in seen:  # plans under grad and no_grad run the same forward
            seen.add(sig)
            try:
                data["batch"] = generalise(fn, key, by_value(data),
                                           lambda e, k: _plan_data(e, k, probe_ref, ""))
            except NotPolymorphic as e:
                data["batch"], data["fixed"] = None, str(e)
            plans.append(data)
    if not plans:
        raise RuntimeError(f"dygrad.jit.save({name}): the traced model holds no replayable trace "
                           f"(it runs eagerly: {'; '.join(fn.reasons) or 'never traced'})")
    params = [n for kind, n in by_id.values() if kind == "param"]
    root = {"format": FORMAT, "version": VERSION, "name": name,
            "training": training,
            "state": state, "parameters": params, "persistent": persistent,
            "requires_grad": rg,
            "constants": consts, "plans": plans, "extra_files": extra}
    _save(root, f)


def _extra_data(files):
    out = {}
    for name, data in (files or {}).items():
        if not isinstance(name, str) or not isinstance(data, (str, bytes, bytearray)):
            raise TypeError("dygrad.jit.save: _extra_files maps file names (str) to str or bytes")
        data = data.encode() if isinstance(data, str) else bytes(data)
        out[name] = np.frombuffer(data, np.uint8).copy()
    return out


# -- loading ------------------------------------------------------------------------------------
class _Holder(Module):
    """A submodule of a loaded model: holds the parameters and buffers under its name."""

    def forward(self, *args):
        raise RuntimeError("a submodule of a loaded traced model cannot be called on its own")


class _Program:
    """One loaded plan: its signature and its steps with resolved kernels."""
    __slots__ = ("inputs", "training", "externals", "steps", "outputs", "layout", "batch",
                 "raw", "fixed", "sizes")


def _bad(fname, what):
    return CheckpointError(f"{fname}: not a valid traced-model file: {what}")


def _read_layout(x, fname):
    if x is None:
        return None
    if isinstance(x, dict) and x.get("kind") in ("tuple", "list") and isinstance(x.get("items"),
                                                                               list):
        return (tuple if x["kind"] == "tuple" else list,
                tuple(_read_layout(p, fname) for p in x["items"]))
    raise _bad(fname, f"output layout {x!r}")


def _read_plan(d, fname, names, n_consts):
    p = _Program()
    try:
        p.inputs = tuple((tuple(int(n) for n in shape), np.dtype(str(dt)))
                         for shape, dt in d["inputs"])
        p.training = bool(d["training"])
        p.externals = []
        for e in d["externals"]:
            if e["kind"] in ("param", "buffer") and e["name"] in names:
                p.externals.append((e["kind"], e["name"]))
            elif e["kind"] == "constant" and 0 <= e["index"] < n_consts:
                p.externals.append(("constant", e["index"]))
            else:
                raise _bad(fname, f"external {e!r}")
        steps, count = [], 0
        for s in d["steps"]:
            kernel = resolve(s["kernel"], fname)
            args = []
            for a in s["args"]:
                kind = a["kind"]
                if kind == "const":
                    args.append((0, dec_const(a["value"], fname)))
                    continue
                i = a["index"]
                limit = {"input": len(p.inputs), "ext": len(p.externals), "value": count}.get(kind)
                if limit is None or type(i) is not int or not 0 <= i < limit:
                    raise _bad(fname, f"argument {a!r} of {s['kernel']}")
                args.append(({"input": 1, "ext": 2, "value": 3}[kind], i))
            n = int(s["outputs"])
            if isinstance(kernel, Recall) and not all(
                    0 <= i < len(args) for i in _tensor_slots(kernel.args_lay,
                                                              kernel.kwargs_lay.values())):
                raise _bad(fname, f"a re-called {kernel.__name__} reads an argument it is not "
                                  "given")
            steps.append((kernel, tuple(args), n, bool(s["stateful"]), str(s["name"])))
            count += n
        p.steps = steps
        p.outputs = [int(i) for i in d["outputs"]]
        if not all(0 <= i < count for i in p.outputs):
            raise _bad(fname, "an output index out of range")
        p.layout = _read_layout(d["layout"], fname)
        p.batch = read_spec(d.get("batch"), len(p.inputs), fname, _bad)
        p.raw, p.fixed, p.sizes = d, str(d.get("fixed") or ""), {}
    except (KeyError, TypeError, ValueError) as e:
        raise _bad(fname, f"malformed plan ({type(e).__name__}: {e})") from None
    return p


def _tensor_slots(*groups):
    """The argument positions the layouts of a re-called op read (jit/_recall.py's _layout)."""
    for group in groups:
        for lay in group:
            if lay[0] == "T":
                yield lay[1]
            elif lay[0] == "S":
                yield from _tensor_slots(lay[2])


def _run(p, inputs, ext):
    vals = []
    for kernel, args, n, stateful, _ in p.steps:
        arrays = [x if k == 0 else inputs[x] if k == 1 else ext[x] if k == 2 else vals[x]
                  for k, x in args]
        r = kernel(*arrays)
        if n == 1 and not stateful:
            vals.append(np.asarray(r))
        else:
            vals.extend(np.asarray(a) for a in r[:n])
    return [vals[i] for i in p.outputs]


class LoadedModule(Module):
    """What `dygrad.jit.load` returns (PyTorch returns a ScriptModule): the saved parameters and
    buffers under their state_dict names, and the traced forward, run on new inputs of the
    traced shapes and dtypes (inference only: outputs carry no gradient)."""

    def __init__(self, root, fname):
        super().__init__()
        d = self.__dict__
        d["original_name"] = str(root.get("name", "traced"))
        d["_consts"] = list(root["constants"])
        state, rg = root["state"], root["requires_grad"]
        params, persistent = set(root["parameters"]), set(root["persistent"])
        from ..nn.parameter import Parameter
        for name, t in state.items():
            if not isinstance(name, str) or not isinstance(t, Tensor) or not name or \
                    any(not part.isidentifier() and not part.isdigit()
                        for part in name.split(".")):
                raise _bad(fname, f"state entry {name!r}")
            owner = self
            *path, leaf = name.split(".")
            for part in path:
                sub = owner._modules.get(part)
                if sub is None:
                    sub = _Holder()
                    owner.add_module(part, sub)
                owner = sub
            if name in params:
                owner.register_parameter(leaf, Parameter(t, requires_grad=bool(rg.get(name))))
            else:
                owner.register_buffer(leaf, t, persistent=name in persistent)
        d["_names"] = set(state)
        d["_programs"] = [_read_plan(p, fname, d["_names"], len(d["_consts"]))
                          for p in root["plans"]]
        d["_root"] = {k: v for k, v in root.items() if k != "state"}  # to save it again
        self.train(bool(root["training"]))

    def _file_root(self):
        """The file's root with the current parameters and buffers and mode."""
        names = list(self._root["requires_grad"])
        state, rg = OrderedDict(), {}
        for name in names:
            t = self.get_parameter(name) if name in self._root["parameters"] else \
                self.get_buffer(name)
            state[name] = t.detach()
            rg[name] = bool(t.requires_grad)
        return {**self._root, "state": state, "training": self.training, "requires_grad": rg}

    def _tensor(self, kind, name):
        if kind == "constant":
            return self._consts[name]
        t = self.get_parameter(name) if kind == "param" else self.get_buffer(name)
        return t._data

    def forward(self, *args):
        sig = []
        for k, a in enumerate(args):
            if not isinstance(a, Tensor):
                raise TypeError(f"{self.original_name} (loaded traced model): argument {k} must "
                                f"be a Tensor, not {type(a).__name__}")
            sig.append((a._data.shape, a._data.dtype))
        sig = tuple(sig)
        modes = [p for p in self._programs if p.training == self.training]
        prog = next((p for p in modes if p.inputs == sig), None) or self._resized(modes, sig)
        if prog is None:
            if not modes:
                mode = "training" if self.training else "eval"
                raise RuntimeError(
                    f"{self.original_name} (loaded traced model) was traced in "
                    f"{'eval' if self.training else 'training'} mode only and cannot run in "
                    f"{mode} mode; call .{'eval' if self.training else 'train'}() or trace the "
                    f"model in {mode} mode too before saving")
            got = ", ".join(f"{dt.name}{list(s)}" for s, dt in sig)
            want = "; ".join(shown(p.inputs, p.batch[0] if p.batch else ()) for p in modes)
            why = "; ".join(f"not at other batch sizes: {p.fixed}" for p in modes if p.fixed)
            raise RuntimeError(f"{self.original_name} (loaded traced model): it was traced for "
                               f"inputs ({want}) and cannot run on ({got}); a trace fixes the "
                               "shapes and dtypes of its inputs"
                               + (" (N: any batch size)" if "N" in want else "")
                               + (f" ({why})" if why else ""))
        ext = [self._tensor(kind, n) for kind, n in prog.externals]
        outs = iter([_wrap(a) for a in _run(prog, [a._data for a in args], ext)])
        if prog.layout is None:
            return next(outs)
        return _unflatten(prog.layout, outs)

    def _resized(self, modes, sig):
        """The program of a batch-polymorphic plan for the batch size sig asks for, or None."""
        for p in modes:
            if p.batch is None:
                continue
            vary, _, exprs = p.batch
            n = batch_of(sig, vary)
            if n is None or n < 1:
                continue
            q = p.sizes.get(n)
            if q is None:
                raw = substitute(p.raw, exprs, n)
                if raw is None:
                    continue
                q = _read_plan(raw, self.original_name, self._names, len(self._consts))
                if len(p.sizes) >= 16:
                    p.sizes.pop(next(iter(p.sizes)))
                p.sizes[n] = q
            if q.inputs == sig:
                return q
        return None

    @property
    def code(self):
        """The saved program, one line per step, for the current mode's first signature."""
        prog = next((p for p in self._programs if p.training == self.training), None)
        if prog is None:
            return ""
        lines, count = [], 0
        names = ["", "x", "e", "v"]
        for kernel, args, n, _, opname in prog.steps:
            outs = ", ".join(f"v{count + j}" for j in range(n))
            shown = ", ".join(repr(x) if k == 0 else f"{names[k]}{x}" for k, x in args)
            lines.append(f"{outs} = {opname}({shown})")
            count += n
        lines.append("return " + ", ".join(f"v{i}" for i in prog.outputs))
        return "\n".join(lines)

    def extra_repr(self):
        return f"original_name={self.original_name}"


def _unflatten(layout, it):
    if layout is None:
        return next(it)
    kind, parts = layout
    return kind(_unflatten(p, it) for p in parts)


def load(f, map_location=None, _extra_files=None):
    """Loads a file written by `dygrad.jit.save` (a path or a binary file object) and returns a
    callable module with the saved parameters and forward; the model's class is not needed,
    and nothing named in the file is imported or run beyond dygrad's own op kernels::

        model = torch.jit.load("model.pt").eval()
        y = model(x)
    """
    fname = f if isinstance(f, str) else getattr(f, "name", "<file>")
    return from_root(_load(f, weights_only=True), fname, _extra_files)


def from_root(root, fname, _extra_files=None):
    """`load` of a file already read with `dygrad.load(weights_only=True)`."""
    if not isinstance(root, dict) or root.get("format") != FORMAT:
        raise _bad(fname, "it does not hold a traced model (written by dygrad.jit.save); load "
                          "checkpoints with dygrad.load")
    if root.get("version") != VERSION:
        raise _bad(fname, f"format version {root.get('version')!r}, this dygrad reads {VERSION}")
    try:
        m = LoadedModule(root, fname)
    except (KeyError, TypeError, AttributeError) as e:
        raise _bad(fname, f"{type(e).__name__}: {e}") from None
    if _extra_files is not None:  # PyTorch's protocol: the caller names the files it wants
        stored = root.get("extra_files") or {}
        for name in list(_extra_files):
            data = stored.get(name)
            ok = isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 1
            _extra_files[name] = data.tobytes() if ok else b""  # PyTorch: b"" when absent
    return m
