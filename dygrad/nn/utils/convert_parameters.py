"""Flattening parameters into one vector and back."""
from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _typename(obj):
    return obj.type() if isinstance(obj, Tensor) else type(obj).__name__


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated (differentiable)."""
    from ...ops.join import cat
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Makes each parameter's data the matching slice of `vec` (in order, sharing memory)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    flat = vec._data.reshape(-1)
    pointer = 0
    for p in parameters:
        n = p.numel()
        piece = flat[pointer:pointer + n]
        if piece.size != n:
            raise RuntimeError(f"shape '{list(p.shape)}' is invalid for input of size {piece.size}")
        p._data = piece.reshape(p._data.shape).astype(p._data.dtype, copy=False)
        pointer += n
