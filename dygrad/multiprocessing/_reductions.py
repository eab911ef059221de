"""Tensors passed to a starting process share memory with the parent, as in PyTorch.

While `Process.start()` pickles a child's arguments ('spawn' and 'forkserver'), a tensor not
yet in shared memory is moved there in place (`share_memory_()`), so the child's in-place
writes reach the parent's tensor. Registered with multiprocessing's ForkingPickler for Tensor
and Parameter (its table is by exact type) when dygrad.multiprocessing is imported; other
ForkingPickler traffic (plain pipes and queues, DataLoader workers' batches) copies tensors
that are not shared, which keeps short-lived batches out of /dev/shm (whose blocks live until
their creator exits: dygrad/_shm.py).
"""
import pickle
from multiprocessing.context import get_spawning_popen
from multiprocessing.reduction import ForkingPickler


def _reduce(t):
    if get_spawning_popen() is not None:
        t.share_memory_()
    return t.__reduce_ex__(pickle.HIGHEST_PROTOCOL)


def register(cls) -> None:
    ForkingPickler.register(cls, _reduce)


def init_reductions() -> None:
    import sys
    from .._tensor import Tensor
    register(Tensor)
    params = sys.modules.get("dygrad.nn.parameter")  # else it registers itself when imported
    if params is not None:
        register(params.Parameter)
