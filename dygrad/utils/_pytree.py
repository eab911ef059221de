"""Nested containers of tensors (tuples, lists, dicts, namedtuples) flattened to a list of leaves
and rebuilt from one (``torch.utils._pytree``): the transforms differentiate every tensor of an
argument such as a dict of parameters and return gradients in the argument's own structure;
checkpointing and the ONNX capture find the tensors of a nested result.

    >>> leaves, spec = tree_flatten({"w": 1, "b": (2, 3)})
    >>> leaves, tree_unflatten([x * 10 for x in leaves], spec)
    ([1, 2, 3], {'w': 10, 'b': (20, 30)})
"""

__all__ = ["tree_flatten", "tree_unflatten", "tree_map", "tree_leaves", "tensor_leaves", "Spec"]


class Spec:
    """The structure of a flattened tree: a container kind, its keys and its children's specs
    (a leaf's spec has kind None)."""

    __slots__ = ("kind", "keys", "children", "n")

    def __init__(self, kind, keys, children):
        self.kind, self.keys, self.children = kind, keys, children
        self.n = 1 if kind is None else sum(c.n for c in children)

    def __eq__(self, other):
        return (isinstance(other, Spec) and self.kind is other.kind and self.keys == other.keys
                and self.children == other.children)

    def __repr__(self):
        if self.kind is None:
            return "*"
        inner = ", ".join(repr(c) for c in self.children)
        if self.kind is dict or (isinstance(self.kind, type) and issubclass(self.kind, dict)):
            inner = ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.keys, self.children))
            return "{" + inner + "}"
        return f"{self.kind.__name__}({inner})"


_LEAF = Spec(None, None, ())


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def tree_flatten(tree):
    """(leaves, spec): the leaves of `tree` in order and the structure to rebuild it."""
    leaves = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves):
    t = type(tree)
    if t is tuple or t is list or _is_namedtuple(tree):
        return Spec(t, None, [_flatten(c, leaves) for c in tree])
    if isinstance(tree, dict):
        keys = list(tree)
        return Spec(t, keys, [_flatten(tree[k], leaves) for k in keys])
    leaves.append(tree)
    return _LEAF


def tree_unflatten(leaves, spec):
    """Rebuilds the structure `spec` from `leaves` (an iterable, in flatten order)."""
    it = iter(leaves)
    return _build(spec, it)


def _build(spec, it):
    kind = spec.kind
    if kind is None:
        return next(it)
    kids = [_build(c, it) for c in spec.children]
    if spec.keys is not None:
        return kind(zip(spec.keys, kids))
    if kind is tuple or kind is list:
        return kind(kids)
    return kind(*kids)  # namedtuple


def tree_map(fn, tree):
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)


def tree_leaves(tree) -> list:
    """The leaves of `tree`, in flatten order."""
    leaves = []
    _flatten(tree, leaves)
    return leaves


def tensor_leaves(tree) -> list:
    """The Tensors among the leaves of `tree`, in flatten order."""
    from .._tensor import Tensor
    return [x for x in tree_leaves(tree) if isinstance(x, Tensor)]
