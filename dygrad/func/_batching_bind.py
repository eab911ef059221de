"""Binding an op call's arguments by parameter name for the vmap batching rules, with each
function's signature read once (inspect.Signature.bind costs more than many rules)."""
from __future__ import annotations

import inspect

_SIGS: dict = {}
_P = inspect.Parameter


class _Binder:
    """A function's signature, read once, binding a call without inspect's per-call cost
    (rules run on every batched op). Only for plain parameters (no *args, **kwargs or
    positional-only ones); a call it can not bind simply (a missing or unknown argument) goes
    to inspect, which raises the right TypeError."""
    __slots__ = ("signature", "pos", "kwonly", "required", "names")

    def __init__(self, sig):
        self.signature = sig
        ps = sig.parameters.values()
        self.pos = tuple(p.name for p in ps if p.kind is _P.POSITIONAL_OR_KEYWORD)
        self.kwonly = tuple(p.name for p in ps if p.kind is _P.KEYWORD_ONLY)
        self.names = frozenset(self.pos + self.kwonly)
        self.required = tuple(p.name for p in ps if p.default is _P.empty)

    def bind(self, args, kwargs):
        pos = self.pos
        if len(args) > len(pos):
            return None
        arguments = dict(zip(pos, args))
        if kwargs:
            for k in kwargs:
                if k not in self.names or k in arguments:
                    return None
            for k in pos[len(args):] + self.kwonly:
                if k in kwargs:
                    arguments[k] = kwargs[k]
        for k in self.required:
            if k not in arguments:
                return None
        return _Bound(self, arguments)


class _Bound:
    """What inspect.BoundArguments gives the rules: `arguments` (by name, in parameter order,
    the defaults left out), `args`/`kwargs` to call with, `signature`."""
    __slots__ = ("_b", "arguments")

    def __init__(self, binder, arguments):
        self._b = binder
        self.arguments = arguments

    @property
    def signature(self):
        return self._b.signature

    @property
    def args(self):
        out = []
        for k in self._b.pos:
            if k not in self.arguments:
                break
            out.append(self.arguments[k])
        return tuple(out)

    @property
    def kwargs(self):
        a = self.arguments
        pos = self._b.pos
        i = 0
        while i < len(pos) and pos[i] in a:
            i += 1
        return {k: a[k] for k in pos[i:] + self._b.kwonly if k in a}


def bind(op, args, kwargs):
    """The call's arguments by parameter name (op.fn's signature)."""
    binder = _SIGS.get(op.fn)
    if binder is None:
        sig = inspect.signature(op.fn)
        simple = all(p.kind in (_P.POSITIONAL_OR_KEYWORD, _P.KEYWORD_ONLY)
                     for p in sig.parameters.values())
        binder = _SIGS[op.fn] = _Binder(sig) if simple else sig
    if type(binder) is _Binder:
        b = binder.bind(args, kwargs)
        if b is not None:
            return b
        return binder.signature.bind(*args, **kwargs)
    return binder.bind(*args, **kwargs)


def call(op, b):
    return op(*b.args, **b.kwargs)
