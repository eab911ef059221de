"""Named result tuples of multi-output ops, like PyTorch's `torch.return_types`.

Each is a tuple (so `values, indices = x.max(0)` unpacks) with named fields and PyTorch's repr:

    torch.return_types.max(
    values=tensor([3., 2.]),
    indices=tensor([1, 0]))
"""


class _ReturnType(tuple):
    __slots__ = ()
    _fields = ()
    n_fields = n_sequence_fields = 0
    n_unnamed_fields = 0

    def __new__(cls, *values):
        if len(values) == 1 and isinstance(values[0], (tuple, list)):
            values = tuple(values[0])
        if len(values) != len(cls._fields):
            raise TypeError(f"torch.return_types.{cls.__name__}() takes a {len(cls._fields)}-sequence "
                            f"({len(values)}-sequence given)")
        return tuple.__new__(cls, values)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"torch.return_types.{type(self).__name__}(\n{body})"

    __str__ = __repr__

    def __reduce__(self):
        return (type(self), (tuple(self),))


def _make(name, fields):
    ns = {"__slots__": (), "_fields": fields, "n_fields": len(fields),
          "n_sequence_fields": len(fields), "__module__": __name__}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: tuple.__getitem__(self, i))
    cls = type(name, (_ReturnType,), ns)
    cls.__qualname__ = name
    return cls


max = _make("max", ("values", "indices"))
min = _make("min", ("values", "indices"))
aminmax = _make("aminmax", ("min", "max"))
sort = _make("sort", ("values", "indices"))
topk = _make("topk", ("values", "indices"))
median = _make("median", ("values", "indices"))
nanmedian = _make("nanmedian", ("values", "indices"))
mode = _make("mode", ("values", "indices"))
kthvalue = _make("kthvalue", ("values", "indices"))
cummax = _make("cummax", ("values", "indices"))
cummin = _make("cummin", ("values", "indices"))
slogdet = _make("slogdet", ("sign", "logabsdet"))
linalg_slogdet = _make("linalg_slogdet", ("sign", "logabsdet"))
linalg_inv_ex = _make("linalg_inv_ex", ("inverse", "info"))
linalg_solve_ex = _make("linalg_solve_ex", ("result", "info"))

__all__ = ["max", "min", "aminmax", "sort", "topk", "median", "nanmedian", "mode", "kthvalue",
           "cummax", "cummin", "slogdet", "linalg_slogdet", "linalg_inv_ex", "linalg_solve_ex"]
