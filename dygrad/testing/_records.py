"""Per-op test records: what an op is, how it is called and what it must compute.

An `OpRecord` names one public op ("sinc", "nn.functional.gelu", "special.erfcx",
"linalg.norm", "Tensor.view" for a method-only op) and lists its samples. The generic checks
in `_record_checks` run every sample: PyTorch parity (when torch is importable), the NumPy
reference, float64 gradcheck / gradgradcheck, the method / in-place / out= spellings and the
error a bad call must raise. Records are keyed by public name, so the op registry can check
that every op has one.

Two kinds of sample:
- `S(*args, **kwargs)`: one call of the record's op, `op(*args, **kwargs)`. NumPy arrays among
  the args become tensors; all generic checks apply.
- `E(label, fn, *inputs)`: an expression `fn(T, *inputs)` run with T = torch and T = dygrad, for
  what a plain call cannot say (operators, views, in-place on graphs, errors after a setup);
  checked for PyTorch parity only.
"""
from __future__ import annotations

import copy

import numpy as np

from .parity import Case

_FLAGS = ("label", "grad", "tol", "gtol", "gradcheck", "ref", "raises", "variants", "xfails")


class Sample:
    """One call of an op: `args` (NumPy arrays become tensors; lists of arrays become lists of
    tensors), `kwargs`, and per-sample flags: `label` (names the sample in messages),
    `grad` (floating inputs require grad: a bool or one flag per arg), `tol`/`gtol`
    ((rtol, atol) for values / gradients), `gradcheck` (finite differences apply here:
    True, False, or "first" for first derivatives only, e.g. at a removable singularity),
    `ref` (the NumPy reference applies here), `raises` (the call must raise this builtin
    exception class, with and without torch), `variants` (the method / in-place / out=
    spellings are checked on this sample: True, False, or the kinds that apply, e.g.
    ("method",) where PyTorch's overload for this call has no out=), `xfails` ({check: reason}: known gaps of this
    sample, see OpRecord)."""
    __slots__ = ("args", "kwargs") + _FLAGS

    def __init__(self, args=(), kwargs=None, *, label=None, grad=True, tol=None, gtol=None,
                 gradcheck=True, ref=True, raises=None, variants=True, xfails=None):
        self.args, self.kwargs = tuple(args), dict(kwargs or {})
        self.label, self.grad, self.tol, self.gtol = label, grad, tol, gtol
        self.gradcheck, self.ref, self.raises, self.variants = gradcheck, ref, raises, variants
        self.xfails = dict(xfails or {})

    def describe(self):
        def one(a):
            if isinstance(a, np.ndarray):
                return f"{a.dtype.name}{list(a.shape)}"
            if type(a) in (list, tuple):
                return "[" + ", ".join(one(x) for x in a) + "]"
            return repr(a)
        parts = [one(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return (f"{self.label}: " if self.label else "") + "(" + ", ".join(parts) + ")"

    def floating(self):
        """Whether any array input is floating (so gradients can be checked)."""
        def fl(a):
            if isinstance(a, np.ndarray):
                return a.dtype.kind in "fV"
            return type(a) in (list, tuple) and any(fl(x) for x in a)
        return any(fl(a) for a in self.args)


def S(*args, _label: str | None = None, _grad=True, _tol: tuple | None = None,
      _gtol: tuple | None = None, _gradcheck=True, _ref: bool = True,
      _raises: type | None = None, _variants=True, _xfails: dict | None = None, **kwargs) -> Sample:
    """A call sample: `S(x, 2, dim=1)` calls the op as `op(x, 2, dim=1)`. Flags take a leading
    underscore (`_label`, `_grad`, `_tol`, `_gtol`, `_gradcheck`, `_ref`, `_raises`,
    `_variants`, `_xfails`) so they never collide with the op's own keyword arguments."""
    return Sample(args, kwargs, label=_label, grad=_grad, tol=_tol, gtol=_gtol,
                  gradcheck=_gradcheck, ref=_ref, raises=_raises, variants=_variants,
                  xfails=_xfails)


def E(label: str, fn, *inputs, grad=True, tol: tuple | None = None, gtol: tuple | None = None,
      check_grad: bool = True) -> Case:
    """An expression sample `fn(T, *inputs)`, checked against PyTorch (see `parity.case`):
    `E("sinc_method", lambda T, x: x.sinc(), np.ones(3))`."""
    return Case(label, fn, inputs, grad, tol, gtol, check_grad)


class OpRecord:
    """Everything the generic checks need to test one public op.

    name: the public name, resolved from the library: "sinc" is `T.sinc`,
        "nn.functional.gelu" is `T.nn.functional.gelu`, "Tensor.view" the method.
    samples: a list of `S(...)` call samples and `E(...)` expression samples.
    ref: a NumPy reference `ref(*args, **kwargs)` taking the samples' arrays (optional).
    differentiable: float64 gradcheck runs on the call samples with floating inputs.
    gradgrad: gradgradcheck runs as well (the op is twice differentiable).
    method / inplace: the op has a `Tensor` method / an in-place method `name_` (None: ask
        PyTorch when importable, else dygrad).
    supports_out: the function takes `out=` (PyTorch gives it one).
    tol, grad_tol: (rtol, atol) for values / gradients (default: by dtype).
    skips: {check: reason} for checks that do not apply (one of "parity", "reference",
        "gradcheck", "gradgradcheck", "method", "inplace", "out").
    inplace_fits: `fits(result, self)` -> whether the in-place method takes a sample whose
        function result is `result` (default: same shape, dtype castable to self's); used when
        torch is not importable (PyTorch decides otherwise).
    xfails: {check: reason} for known dygrad gaps ("parity", "reference", "raises",
        "gradcheck", "gradgradcheck", "method", "inplace", "out"): the driver marks them strict
        xfails, so the run fails once the gap is fixed and the entry must go.

    >>> import numpy as np
    >>> from dygrad.testing import OpRecord, S
    >>> rec = OpRecord("sinc", [S(np.linspace(-2.0, 2.0, 4)), S(np.arange(3))], ref=np.sinc,
    ...                gradgrad=True, supports_out=True)
    >>> rec.function(__import__("dygrad")).__name__
    'sinc'
    """

    def __init__(self, name: str, samples=(), *, ref=None, differentiable: bool = True,
                 gradgrad: bool = False, method: bool | None = None, inplace: bool | None = None,
                 supports_out: bool = False, tol: tuple | None = None, grad_tol: tuple | None = None,
                 skips: dict | None = None, xfails: dict | None = None, inplace_fits=None):
        self.name, self.samples, self.ref = name, list(samples), ref
        self.differentiable, self.gradgrad = differentiable, gradgrad
        self.method, self.inplace, self.supports_out = method, inplace, supports_out
        self.tol, self.grad_tol, self.skips = tol, grad_tol, dict(skips or {})
        self.xfails = dict(xfails or {})
        self.inplace_fits = inplace_fits
        self.bare = False  # created by RecordSet.case: holds expression samples only

    def __repr__(self):
        return f"OpRecord({self.name!r}, {len(self.samples)} samples)"

    def function(self, T):
        """The op's function in library T (torch or dygrad); None when T has none."""
        obj = T
        for part in self.name.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj

    def method_name(self):
        """The Tensor method's name: the last part of a "Tensor.x" or plain torch.* name."""
        if self.name.startswith("Tensor."):
            return self.name[len("Tensor."):]
        return None if "." in self.name else self.name

    def call(self, T, sample, args):
        """Calls the op in library T with built args (tensors) and the sample's kwargs."""
        fn = self.function(T)
        if fn is None:
            raise AttributeError(f"{T.__name__} has no {self.name}")
        return fn(*args, **sample.kwargs)

    def expression(self, sample):
        """The call sample as a parity expression fn(T, *args)."""
        return lambda T, *args: self.call(T, sample, args)


class RecordSet:
    """The records of one op family (a records file), keyed by public name.

    `add(record)` declares a record; `case(op, label, fn, *inputs)` files an expression sample
    under `op` (creating a bare record when the op has none yet). `merge` joins the families'
    sets into one, appending the samples of records that share a name.
    """

    def __init__(self):
        self.records = {}

    def add(self, record):
        old = self.records.get(record.name)
        if old is not None and not old.bare:
            raise ValueError(f"record {record.name!r} declared twice")
        if old is not None:
            record.samples = record.samples + old.samples
        self.records[record.name] = record
        return record

    def case(self, op, label, fn, *inputs, **flags):
        rec = self.records.get(op)
        if rec is None:
            rec = self.records[op] = OpRecord(op)
            rec.bare = True
        rec.samples.append(E(label, fn, *inputs, **flags))
        return rec

    def __iter__(self):
        return iter(self.records.values())

    def __len__(self):
        return len(self.records)

    @staticmethod
    def merge(*sets):
        out = RecordSet()
        for s in sets:
            for rec in s:
                rec = copy.copy(rec)  # the families' records stay as declared
                have = out.records.get(rec.name)
                if have is None:
                    out.records[rec.name] = rec
                elif have.bare and not rec.bare:
                    rec.samples = have.samples + rec.samples
                    out.records[rec.name] = rec
                elif rec.bare:
                    have.samples = have.samples + rec.samples
                else:
                    raise ValueError(f"record {rec.name!r} declared in two families")
        return out
