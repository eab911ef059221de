"""The gradient reducer behind DistributedDataParallel: buckets, hooks, overlapped all-reduce.

Parameters are grouped into flat buckets (one dtype each, about bucket_cap bytes, the first
one smaller) in the reverse of their registration order, which approximates the order in
which backward produces their gradients. Every parameter has a post-accumulate-grad hook;
when the last gradient of a bucket has arrived, the bucket is divided by the world size and
its non-blocking all-reduce (Iallreduce) starts while backward goes on with earlier layers.
Buckets start strictly in index order, so every rank issues the same sequence of MPI calls
even if its gradients arrive in another order. The hook that completes the last bucket waits
for all of them and writes the averages back into every p.grad, so when backward() returns the
gradients are averaged. After the first synchronized iteration the buckets are rebuilt once in
the order gradients actually arrived (rank 0's order, so that all ranks agree).
"""
import time
import weakref

import numpy as np

from .._tensor import _wrap
from ..autograd.node import AccumulateGrad
from ._buffers import reduce_plan
from .process_group import _mpi

__all__ = ["Reducer"]


class _Bucket:
    __slots__ = ("indices", "flat", "pending", "req", "cast", "wire")

    def __init__(self, indices, flat):
        self.indices = indices
        self.flat = flat
        self.pending = len(indices)
        self.req = None
        self.cast = reduce_plan(flat.dtype, 0, "DistributedDataParallel")[1]
        self.wire = None  # the array being reduced: flat, or its float32 copy for float16


class Reducer:
    def __init__(self, params, names, comm, bucket_cap, first_bucket_cap, gradient_as_bucket_view,
                 find_unused_parameters, static_graph):
        self.params = params
        self.names = names
        self._comm = comm
        self._size = comm.Get_size()
        self._cap = bucket_cap
        self._first_cap = first_bucket_cap
        self._as_view = gradient_as_bucket_view
        self._track_unused = find_unused_parameters or static_graph
        self._static = static_graph
        n = len(params)
        self._ready = [False] * n
        self._expect = False   # a synchronized forward ran; its backward is to be reduced
        self._first = True     # no hook of this backward has run yet
        self._next = 0         # the bucket to start next
        self._unused = []
        self._static_unused = None
        self._used = None
        self._order = []       # the order gradients arrived in, for the one-time rebuild
        self._rebuild = not find_unused_parameters or static_graph
        self.comm_wait_s = 0.0  # seconds spent waiting for all-reduces (benchmarks read it)
        self.buckets = []
        self._bucket_of = [0] * n
        self._view = [None] * n
        self._assign(list(range(n - 1, -1, -1)))
        self._handles = [p.register_post_accumulate_grad_hook(_hook(self, i))
                         for i, p in enumerate(params)]

    def __del__(self):
        for h in getattr(self, "_handles", ()):
            h.remove()

    # -- buckets ----------------------------------------------------------------------------
    def _assign(self, order):
        """Makes the buckets: `order` (parameter indices) cut into runs of about the cap."""
        groups, open_, made = [], {}, {}
        for i in order:
            p = self.params[i]
            dt = p._data.dtype
            cur = open_.setdefault(dt, [[], 0])
            cur[0].append(i)
            cur[1] += p._data.nbytes
            if cur[1] >= (self._first_cap if not made.get(dt) else self._cap):
                groups.append(open_.pop(dt)[0])
                made[dt] = True
        groups.extend(g for g, _ in open_.values())
        pos = {i: k for k, i in enumerate(order)}
        groups.sort(key=lambda g: pos[g[0]])
        old_view = self._view[:]
        self.buckets = []
        for b, idx in enumerate(groups):
            flat = np.zeros(sum(self.params[i]._data.size for i in idx),
                            self.params[idx[0]]._data.dtype)
            off = 0
            for i in idx:
                p = self.params[i]
                v = flat[off:off + p._data.size].reshape(p._data.shape)
                off += p._data.size
                self._bucket_of[i] = b
                self._view[i] = v
                g = p.grad
                if self._as_view and g is not None and g._data is old_view[i]:
                    v[...] = g._data  # a rebuild keeps the gradients the old views held
                    p.grad = _wrap(v)
            self.buckets.append(_Bucket(idx, flat))

    def bucket_sizes(self):
        """Bytes of every bucket, in the order they are reduced."""
        return [b.flat.nbytes for b in self.buckets]

    # -- forward side -----------------------------------------------------------------------
    def prepare_for_forward(self):
        if self._expect and any(self._ready):
            self._raise_unfinished()
        if self._rebuild and self._order:
            self._rebuild = False
            order = self._comm.bcast(self._order, root=0)
            have = set(order)
            order += [i for i in range(len(self.params)) if i not in have]
            if [i for b in self.buckets for i in b.indices] != order:
                self._assign(order)
            self._order = []

    def prepare_for_backward(self, outputs):
        self._expect = True
        self._first = True
        if not self._track_unused:
            return
        if self._static and self._static_unused is not None:
            self._unused = self._static_unused
            return
        reached = _reachable_leaves(outputs)
        self._unused = [i for i, p in enumerate(self.params) if id(p) not in reached]
        if self._static:
            self._static_unused = self._unused

    def skip_backward(self):
        """The next backward belongs to a forward that is not to be synchronized."""
        if not any(self._ready):
            self._expect = False

    def _raise_unfinished(self):
        missing = [i for i, r in enumerate(self._ready) if not r]
        me = self._comm.Get_rank()
        raise RuntimeError(
            "Expected to have finished reduction in the prior iteration before starting a new "
            "one. This error indicates that your module has parameters that were not used in "
            "producing loss. You can enable unused parameter detection by passing the keyword "
            "argument `find_unused_parameters=True` to "
            "`dygrad.nn.parallel.DistributedDataParallel`, and by making sure all `forward` "
            "function outputs participate in calculating loss. Parameter indices which did not "
            f"receive grad for rank {me}: {' '.join(map(str, missing))}; their names: "
            f"{', '.join(self.names[i] for i in missing)}")

    # -- backward side ----------------------------------------------------------------------
    def _on_ready(self, i):
        if self._first:
            self._first = False
            if self._track_unused:
                self._used = np.zeros(len(self.params), np.int32)
                for j in self._unused:
                    self._mark(j, False)
        self._mark(i, True)

    def _mark(self, i, used):
        if self._ready[i]:
            raise RuntimeError(
                "Expected to mark a variable ready only once. This error is caused by one of the "
                "following reasons: 1) Use of a module parameter outside the `forward` function. "
                "2) Reused parameters in multiple reentrant backward passes. 3) Incorrect "
                f"unused parameter detection. Parameter at index {i} with name "
                f"{self.names[i]} has been marked as ready twice.")
        self._ready[i] = True
        if self._rebuild:
            self._order.append(i)
        if used and self._used is not None:
            self._used[i] = 1
        p, v = self.params[i], self._view[i]
        g = p.grad
        if g is None:
            v[...] = 0
        elif g._data is not v:
            np.copyto(v, g._data)
            if self._as_view and used:
                p.grad = _wrap(v)
        b = self.buckets[self._bucket_of[i]]
        b.pending -= 1
        if b.pending:
            self._progress()
            return
        buckets = self.buckets
        while self._next < len(buckets) and buckets[self._next].pending == 0:
            self._start(buckets[self._next])
            self._next += 1
        if self._next == len(buckets):
            self._finish()

    def _start(self, b):
        MPI = _mpi()
        np.divide(b.flat, self._size, out=b.flat)
        b.wire = b.flat.astype(b.cast) if b.cast is not None else b.flat
        b.req = self._comm.Iallreduce(MPI.IN_PLACE, b.wire, op=MPI.SUM)

    def _progress(self):
        # MPI moves a non-blocking collective forward only inside MPI calls; testing the
        # outstanding ones between gradients lets the reduction overlap the rest of backward.
        for b in self.buckets[:self._next]:
            if b.req is not None and b.req.Test():
                b.req = None

    def _finish(self):
        t0 = time.perf_counter()
        if self._used is not None:
            # every parameter is marked now; which ones did some rank use?
            MPI = _mpi()
            self._comm.Allreduce(MPI.IN_PLACE, self._used, op=MPI.MAX)
        for b in self.buckets:
            if b.req is not None:
                b.req.Wait()
                b.req = None
        self.comm_wait_s += time.perf_counter() - t0
        used = self._used
        for b in self.buckets:
            if b.wire is not b.flat:
                np.copyto(b.flat, b.wire, casting="unsafe")
            b.wire = None
            b.pending = len(b.indices)
            for i in b.indices:
                if used is not None and not used[i]:
                    continue  # no rank used it: its gradient stays as it was, as in PyTorch
                p, v = self.params[i], self._view[i]
                g = p.grad
                if g is None:
                    p.grad = _wrap(v if self._as_view else v.copy())
                elif g._data is not v:
                    np.copyto(g._data, v)
                    g._vc[0] += 1
        self._ready = [False] * len(self.params)
        self._next = 0
        self._expect = False
        self._used = None


def _hook(reducer, i):
    ref = weakref.ref(reducer)  # the parameters must not keep a discarded DDP's reducer alive

    def post_accumulate(p):
        r = ref()
        if r is not None and r._expect:
            r._on_ready(i)
    return post_accumulate


def _reachable_leaves(outputs):
    """ids of the leaf tensors whose gradient backward from `outputs` would accumulate."""
    stack, seen, leaves = [], set(), set()
    todo = [outputs]
    while todo:
        o = todo.pop()
        if isinstance(o, (list, tuple)):
            todo.extend(o)
        elif isinstance(o, dict):
            todo.extend(o.values())
        elif hasattr(o, "grad_fn") and hasattr(o, "_data"):
            if o.grad_fn is not None:
                stack.append(o.grad_fn)
            elif o.requires_grad:
                leaves.add(id(o))
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if type(node) is AccumulateGrad:
            leaves.add(id(node.variable))
            continue
        for nf, _ in node.next_functions:
            if nf is not None and nf not in seen:
                stack.append(nf)
    return leaves
