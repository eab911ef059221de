"""Queues that send tensors through shared memory, as `torch.multiprocessing`'s do: a tensor
put on one is first moved into shared memory in place (`share_memory_()`), so the receiver gets
the same memory instead of a copy."""
import io
import multiprocessing
import multiprocessing.queues
import pickle
from multiprocessing.reduction import ForkingPickler

from .._tensor import Tensor


class _SharingPickler(ForkingPickler):
    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            obj.share_memory_()  # then its __reduce_ex__ sends a reference to the block
        return NotImplemented


class _Envelope:
    """Wraps what is put on a queue; the queue's own pickling (in its feeder thread for Queue)
    calls __reduce__, which pickles the payload with the sharing pickler. The receiver's
    unpickling returns the payload itself."""
    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __reduce__(self):
        buf = io.BytesIO()
        _SharingPickler(buf, pickle.HIGHEST_PROTOCOL).dump(self.obj)
        return pickle.loads, (buf.getvalue(),)


class Queue(multiprocessing.queues.Queue):
    """multiprocessing.Queue whose tensors travel through shared memory."""

    def put(self, obj, block=True, timeout=None):
        super().put(_Envelope(obj), block, timeout)


class JoinableQueue(multiprocessing.queues.JoinableQueue):
    """multiprocessing.JoinableQueue whose tensors travel through shared memory."""

    def put(self, obj, block=True, timeout=None):
        super().put(_Envelope(obj), block, timeout)


class SimpleQueue(multiprocessing.queues.SimpleQueue):
    """multiprocessing.SimpleQueue whose tensors travel through shared memory."""

    def put(self, obj):
        super().put(_Envelope(obj))
