"""Helpers shared by the distribution families (torch.distributions.utils)."""
from numbers import Number

import dygrad as torch
from dygrad.ops.activations_smooth import softplus  # noqa: F401  (used by families)

__all__ = ["broadcast_all", "logits_to_probs", "probs_to_logits", "clamp_probs", "lazy_property",
           "euler_constant"]

euler_constant = 0.57721566490153286060


def broadcast_all(*values):
    """Broadcasts tensors and numbers to one shape; numbers become tensors of the tensors' dtype
    (the default dtype when there is no tensor).

    Example::

        >>> loc, scale = broadcast_all(torch.zeros(3), 1.0)
        >>> scale
        tensor([1., 1., 1.])
    """
    tensors = [v for v in values if isinstance(v, torch.Tensor)]
    for v in values:
        if not isinstance(v, (torch.Tensor, Number)):
            raise ValueError("Input arguments must all be instances of numbers.Number, "
                             "torch.Tensor or objects implementing __torch_function__.")
    if len(tensors) == len(values):
        return torch.broadcast_tensors(*values)
    dtype = tensors[0].dtype if tensors else torch.get_default_dtype()
    values = [v if isinstance(v, torch.Tensor) else torch.tensor(v, dtype=dtype) for v in values]
    return torch.broadcast_tensors(*values)


def clamp_probs(probs):
    """Clamps probabilities into [eps, 1 - eps] of their dtype (keeps logs finite)."""
    eps = torch.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits, is_binary=False):
    """sigmoid of binary logits, softmax over the last dim otherwise."""
    if is_binary:
        return torch.sigmoid(logits)
    return torch.softmax(logits, dim=-1)


def probs_to_logits(probs, is_binary=False):
    """Log-odds of binary probabilities, log-probabilities otherwise (clamped away from 0, 1)."""
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return torch.log(ps_clamped) - torch.log1p(-ps_clamped)
    return torch.log(ps_clamped)


class lazy_property:
    """A property computed on first access and then stored on the instance (so `probs` and
    `logits` are each computed from the other only when asked for)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        with torch.enable_grad():
            value = self.wrapped(instance)
        instance.__dict__[self.wrapped.__name__] = value
        return value


def sum_rightmost(value, dim):
    """Sums the rightmost `dim` dimensions of value."""
    if dim == 0:
        return value
    return value.reshape(value.shape[:-dim] + (-1,)).sum(-1)
