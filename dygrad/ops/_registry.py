"""The op registry: every op is declared once, beside its implementation, and the rest is derived.

An op family module writes its public function (the forward, which records its backward Node) and
declares it with `@op(...)`: which spellings PyTorch gives it (a `torch.*` function, a `Tensor`
method, an in-place `name_` method, an `out=` keyword, aliases, other namespaces such as
`torch.special`), its backward Node classes, and a one-line summary. From the declarations,
`dygrad/ops/_codegen.py` writes two checked-in modules: the `Tensor` methods
(`dygrad/_tensor_methods.py`, a mixin Tensor inherits, so IDEs and `help()` see every method) and
the namespace functions (`dygrad/_op_functions.py`, with `out=` writing into the given tensor). A
test fails when they are stale. The decorator returns the function unchanged: nothing is added to
the call path.

Rules that later features hang on an op (replay kernel, ONNX lowering, autocast policy, batching)
are tables keyed by op name (`RULES[kind][name]`), filled with `@rule(kind, name)`, so a new
interpretation is one table rather than an edit in every op file.

Example (the real declaration of `torch.sinc`, in ops/special_unary.py)::

    @op(inplace=True, out=True, namespaces=("torch", "special"), backward=SincBackward0,
        summary="Normalized sinc: sin(pi*x)/(pi*x), and 1 at 0.")
    def sinc(input):
        return _unary(input, np.sinc, SincBackward0)
"""
from __future__ import annotations

import inspect
from typing import Callable

# What the function form does with a first argument that is not a tensor, as PyTorch does:
# "input" -> TypeError "sin(): argument 'input' (position 1) must be Tensor, not int";
# "overloads" -> TypeError naming the accepted overloads (eq, fmod); None -> accepted (add(2, t)).
TENSOR_FIRST = ("input", "overloads", None)


class OpDecl:
    """One op's declaration: what every spelling and every rule is derived from."""

    __slots__ = ("name", "fn", "module", "method", "function", "inplace", "inplace_function",
                 "out", "aliases", "namespaces", "self_arg", "tensor_first", "backward",
                 "summary", "example", "method_params", "function_params", "out_dtype")

    def __init__(self, name, fn, *, method, function, inplace, inplace_function, out, aliases,
                 namespaces, self_arg, tensor_first, backward, summary, example,
                 method_params=None, function_params=None, out_dtype="cast"):
        self.name = name
        self.fn = fn
        self.module = fn.__module__
        self.method = method
        self.function = function
        self.inplace = inplace
        self.inplace_function = inplace_function
        self.out = out
        self.out_dtype = out_dtype
        self.aliases = tuple(aliases)
        self.namespaces = tuple(namespaces)
        self.self_arg = self_arg
        self.tensor_first = tensor_first
        self.backward = backward if isinstance(backward, tuple) else (
            () if backward is None else (backward,))
        self.summary = summary
        self.example = example
        self.method_params = dict(method_params or {})
        self.function_params = dict(function_params or {})

    @property
    def signature(self) -> inspect.Signature:
        return inspect.signature(self.fn)

    def __repr__(self):
        return f"<op {self.name} from {self.module}>"


OPS: dict[str, OpDecl] = {}
RULES: dict[str, dict[str, object]] = {"replay": {}, "onnx": {}, "autocast": {}, "vmap": {}}


def op(*, name: str | None = None, method: bool = True, function: bool = True,
       inplace: bool = False, inplace_function: bool | None = None, out: bool | str = False,
       aliases: tuple = (), namespaces: tuple = ("torch",), self_arg: str | None = None,
       tensor_first: str | None = "input", backward=None, summary: str = "",
       example: str | None = None, method_params: dict | None = None,
       function_params: dict | None = None, out_dtype: str = "cast") -> Callable:
    """Declares the decorated op function; returns it unchanged.

    method: a `Tensor.name` method (self takes the place of `self_arg`, by default the first
      parameter). function: functions `name` in each of `namespaces` ("torch", "special", ...).
    inplace: a `Tensor.name_` method computing out of place and writing back (with PyTorch's
      checks: dtype can't-cast, views, leaves); a function name of the same module computes the
      value instead; "copy_" copies a history-free result (comparisons); "module:function" names
      a function doing the whole in-place update (add_'s fast path). inplace_function: also
      `torch.name_` (default: as inplace). out: the function form takes `out=` and writes into it ("native": the op itself
      takes `out=`). aliases: other names for every spelling (`arcsinh` for `asinh`).
    tensor_first: see TENSOR_FIRST. backward: the Node class(es) the op records.
    summary: the one-line docstring of every spelling; example: the arguments of a call whose
      printed result the generator puts in the docstrings (default: a small float tensor, or two).
    method_params / function_params: where PyTorch spells a parameter differently in the method
      or the function form, {parameter: spelling}: another name (`x.split(split_size)` beside
      `torch.split(tensor, split_size_or_sections)`), or a star for varargs against one sequence
      (`x.reshape(*shape)` beside `torch.reshape(input, shape)`: declare `reshape(input, *shape)`
      with function_params={"shape": "shape"}). x.reshape(2, 3) and torch.reshape(x, (2, 3))
      (the sequence's items) pass shape=(2, 3), x.reshape((2, 3)) passes shape=((2, 3),): the
      op function accepts both (ops/_util.size_args). A parameter of the op function named with
      a leading `_` is for internal callers only: no spelling takes it.
    out_dtype: "cast" (out may have any dtype the result casts to, as torch.add's) or "same"
      (out must have the result's dtype, as PyTorch's index_select, gather, sort... require).
    """
    if tensor_first not in TENSOR_FIRST:
        raise ValueError(f"tensor_first must be one of {TENSOR_FIRST}, got {tensor_first!r}")
    if out_dtype not in ("cast", "same"):
        raise ValueError(f"out_dtype must be 'cast' or 'same', got {out_dtype!r}")

    def declare(fn):
        key = name or fn.__name__
        if key in OPS and OPS[key].fn is not fn:
            raise RuntimeError(f"op {key!r} is declared twice: in {OPS[key].module} and "
                               f"{fn.__module__}")
        OPS[key] = OpDecl(key, fn, method=method, function=function, inplace=inplace,
                          inplace_function=inplace if inplace_function is None else inplace_function,
                          out=out, aliases=aliases, namespaces=namespaces, self_arg=self_arg,
                          tensor_first=tensor_first, backward=backward, summary=summary,
                          example=example, method_params=method_params,
                          function_params=function_params, out_dtype=out_dtype)
        return fn
    return declare


def rule(kind: str, name: str) -> Callable:
    """Registers `fn` as the `kind` rule of op `name` (e.g. rule("onnx", "sinc"))."""
    table = RULES.setdefault(kind, {})

    def register(fn):
        table[name] = fn
        return fn
    return register
