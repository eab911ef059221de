"""Parameter (a Tensor that modules register as learnable) and Buffer (a tensor marked as state)."""
import sys

import numpy as np

from .._tensor import Tensor, _wrap

__all__ = ["Parameter", "Buffer", "is_lazy"]


def _tensor_data(data, what):
    if data is None:
        return np.empty((0,), np.float32), None
    if not isinstance(data, Tensor):
        raise TypeError(
            f"{what}(): data must be a Tensor, got {type(data).__name__} (wrap arrays with "
            "torch.tensor(...) or torch.from_numpy(...) first)")
    return data._data, data._vc


class Parameter(Tensor):
    """A leaf Tensor that a Module registers in its parameters when assigned as an attribute.

    `Parameter(t)` shares t's memory (and version counter), like PyTorch; operations on a
    Parameter return plain Tensors.
    """

    def __new__(cls, data=None, requires_grad=True):
        arr, vc = _tensor_data(data, "Parameter")
        p = object.__new__(cls)
        p._data = arr
        p._rg = False
        p.grad_fn = None
        p._vc = vc if vc is not None else [0]
        if requires_grad:
            p.requires_grad = True  # raises for integer dtypes, as in PyTorch
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        shm = sys.modules.get("dygrad._shm")  # shared memory travels by reference (_tensor.py)
        if shm is not None and shm.block_of(self._data) is not None:
            return (_rebuild_shared_parameter, (shm.reference(self._data), self._rg))
        return (_rebuild_parameter, (self._data, self._rg))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(_wrap(self._data.copy()), self._rg)
        memo[id(self)] = result
        return result


def _rebuild_parameter(arr, rg):
    return Parameter(_wrap(np.array(arr)), rg)


def _rebuild_shared_parameter(ref, rg):
    # a Parameter again, on the sender's shared-memory block (dygrad/_shm.py)
    from .._shm import attach
    return Parameter(_wrap(attach(ref)), rg)


class _BufferMeta(type):
    # `isinstance(t, Buffer)` is True for a tensor made by Buffer(...): the marker lives on the
    # tensor, so the value a module stores is an ordinary Tensor.
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.__dict__.get("_is_buffer", False)


class Buffer(metaclass=_BufferMeta):
    """Marks a tensor as a module buffer: `self.running = nn.Buffer(t, persistent=True)`."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = _wrap(np.empty((0,), np.float32))
        elif not isinstance(data, Tensor):
            raise TypeError(f"Buffer(): data must be a Tensor, got {type(data).__name__}")
        t = data.detach()
        t.__dict__["_is_buffer"] = True
        t.__dict__["persistent"] = persistent
        return t


def is_lazy(param):
    """dygrad has no lazy (uninitialized) parameters."""
    return False


# tensors passed to a starting process share memory (dygrad/multiprocessing/_reductions.py);
# its table is by exact type, so Parameter registers itself when that module came first
if "dygrad.multiprocessing._reductions" in sys.modules:
    sys.modules["dygrad.multiprocessing._reductions"].register(Parameter)
