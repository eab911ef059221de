"""Questions about a tensor (is_nonzero, is_same_size, is_conj, is_neg) and the complex-number API
on dygrad's real tensors: conj, resolve_conj and resolve_neg return the tensor itself, as PyTorch
does for a real tensor (no copy, no graph node)."""
from .._convert import type_name
from .._tensor import Tensor
from ._registry import op


def _itself(name, what):
    """conj, resolve_conj, resolve_neg: on a real tensor, the tensor itself."""
    def itself(input):
        return input
    itself.__name__ = itself.__qualname__ = name
    return op(example="torch.tensor([1.0, -2.0])",
              summary=f"{what}: for a real tensor, the tensor itself.")(itself)


conj = _itself("conj", "The complex conjugate")
resolve_conj = _itself("resolve_conj", "A tensor whose conjugate bit is resolved")
resolve_neg = _itself("resolve_neg", "A tensor whose negative bit is resolved")


@op(example="torch.tensor([1.0, -2.0])",
    summary="Whether the tensor is a lazily conjugated view: never, for a real tensor.")
def is_conj(input) -> bool:
    return False


@op(example="torch.tensor([1.0, -2.0])",
    summary="Whether the tensor is a lazily negated view: never, for a real tensor.")
def is_neg(input) -> bool:
    return False


@op(example="torch.tensor([0.5])",
    summary="The truth of a one-element tensor (an error for any other number of elements).")
def is_nonzero(input) -> bool:
    n = input._data.size
    if n != 1:
        which = "no values" if n == 0 else "more than one value"
        raise RuntimeError(f"Boolean value of Tensor with {which} is ambiguous")
    return bool(input._data.reshape(-1)[0])


@op(example="torch.zeros(2, 3), torch.ones(2, 3)",
    summary="Whether the two tensors have the same shape.")
def is_same_size(input, other) -> bool:
    if not isinstance(other, Tensor):
        raise TypeError(f"is_same_size(): argument 'other' (position 2) must be Tensor, not "
                        f"{type_name(other)}")
    return input._data.shape == other._data.shape
