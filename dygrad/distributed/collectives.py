"""Collectives on tensors over MPI, in place like PyTorch's.

Each op checks its arguments, then calls MPI's blocking call, or with async_op=True its
non-blocking one (Iallreduce, Ibcast, ...) and returns a Work whose wait() finishes the op.
Ranks given as src/dst are global ranks; group_src/group_dst are ranks within `group`.
A process outside `group` does nothing and gets None, as in PyTorch.
"""
import numpy as np

from . import _buffers as B
from ._buffers import ReduceOp
from ._work import Work
from .process_group import _mpi, _resolve

__all__ = ["all_reduce", "reduce", "broadcast", "all_gather", "all_gather_into_tensor",
           "reduce_scatter", "reduce_scatter_tensor", "gather", "scatter", "all_to_all",
           "all_to_all_single", "barrier", "monitored_barrier"]


def _issue(async_op, comm, call, args, finish, result, buffers, **kw):
    """Run MPI's `call` (e.g. "Allgather") on `args`, or with async_op its non-blocking twin
    ("Iallgather") and return a Work whose wait() runs `finish`."""
    if async_op:
        req = getattr(comm, "I" + call[0].lower() + call[1:])(*args, **kw)
        return Work([req], finish, result, buffers)
    getattr(comm, call)(*args, **kw)
    if finish is not None:
        finish()
    return None


def _fill_each(tensors, pieces):
    """A finish that copies pieces[i] into tensors[i] (in place, bumping its version)."""
    def finish():
        for t, piece in zip(tensors, pieces):
            np.copyto(t._data, piece)
            t._vc[0] += 1
    return finish


def _rooted_list(tensor, lst, listname, group, rank, group_rank, what):
    """gather/scatter's common checks: (pg, root, lst), or None outside `group`."""
    B.check_tensor(tensor, "tensor")
    if lst:
        B.check_tensor_list(lst, listname)
    else:
        lst = []
    B.check_same_dtype(lst + [tensor])
    pg = _resolve(group)
    if pg is None:
        return None
    return pg, B.group_root(pg, rank, group_rank, what, default=0), lst


def _group_for_list(opname, lst, listname, tensor, group):
    """The group, once `lst` holds one tensor per rank of `tensor`'s dtype and shape (None
    outside the group)."""
    B.check_same_dtype(lst + [tensor])
    pg = _resolve(group)
    if pg is not None:
        B.check_list_shapes(opname, lst, tensor._data.shape, pg._size, listname)
    return pg


def _root_holds_list(pg, root, lst, opname, listname, shape, side):
    """True on the root, whose list must hold one tensor of `shape` per rank; other ranks
    must not pass one."""
    if pg._rank == root:
        if not lst:
            raise ValueError(f"Argument ``{listname}`` must be specified on {side} rank.")
        B.check_list_shapes(opname, lst, shape, pg._size, listname)
        return True
    if lst:
        raise ValueError(f"Argument ``{listname}`` must NOT be specified on non-{side} ranks.")
    return False


def _reduce_into(pg, buf, avg, t, copied):
    def finish():
        if avg:
            np.divide(buf, pg._size, out=buf)
        B.store(t, buf, copied)
    return finish


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduces `tensor` across the group; every rank ends with the result in `tensor`."""
    B.check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        return None
    mop, cast, avg = B.reduce_plan(tensor._data.dtype, op, "all_reduce")
    buf, copied = B.target(tensor, cast)
    mbuf = buf.view(np.uint8) if buf.dtype == np.bool_ else buf
    return _issue(async_op, pg._comm, "Allreduce", (_mpi().IN_PLACE, mbuf),
                  _reduce_into(pg, buf, avg, tensor, copied), [tensor], buf, op=mop)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Reduces `tensor` across the group into `tensor` on rank `dst` (others are unchanged)."""
    B.check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        return None
    root = B.group_root(pg, dst, group_dst, "dst", default=0)
    mop, cast, avg = B.reduce_plan(tensor._data.dtype, op, "reduce")
    if pg._rank == root:
        buf, copied = B.target(tensor, cast)
        finish = _reduce_into(pg, buf, avg, tensor, copied)
    else:
        buf = B.source(tensor) if cast is None else tensor._data.astype(cast, order="C")
        finish = None
    mbuf = buf.view(np.uint8) if buf.dtype == np.bool_ else buf
    send, recv = (_mpi().IN_PLACE, mbuf) if pg._rank == root else (mbuf, None)
    return _issue(async_op, pg._comm, "Reduce", (send, recv), finish, [tensor], buf, op=mop,
                  root=root)


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copies `tensor` of rank `src` into `tensor` on every other rank."""
    B.check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        return None
    root = B.group_root(pg, src, group_src, "src")
    if pg._rank == root:
        buf, finish = B.source(tensor), None
    else:
        buf, copied = B.target(tensor, keep=False)
        finish = lambda: B.store(tensor, buf, copied)  # noqa: E731
    return _issue(async_op, pg._comm, "Bcast", (B.wire(buf),), finish, [tensor], buf, root=root)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fills tensor_list[i] with `tensor` of group rank i."""
    B.check_tensor_list(tensor_list, "tensor_list")
    B.check_tensor(tensor, "tensor")
    pg = _group_for_list("all_gather", tensor_list, "tensor_list", tensor, group)
    if pg is None:
        return None
    send = B.source(tensor)
    recv = np.empty((pg._size,) + send.shape, send.dtype)
    return _issue(async_op, pg._comm, "Allgather", (B.wire(send), B.wire(recv)),
                  _fill_each(tensor_list, recv), tensor_list, (send, recv))


def _check_rank_major(opname, big, small, size, bigname):
    bs, ss = tuple(big._data.shape), tuple(small._data.shape)
    ok = bs == (size,) + ss or (len(ss) > 0 and bs == (size * ss[0],) + ss[1:])
    if not ok:
        raise ValueError(f"{opname}: {bigname} of shape {bs} must be {size} (the group size) "
                         f"times the other tensor of shape {ss}, concatenated or stacked along "
                         f"dim 0")
    if big._data.dtype != small._data.dtype:
        raise ValueError(f"Invalid usage of tensors with different dtypes: found "
                         f"{big.dtype} and {small.dtype}")


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Gathers every rank's `input_tensor` into `output_tensor`, concatenated (or stacked)
    along dim 0 in rank order."""
    B.check_tensor(output_tensor, "output_tensor")
    B.check_tensor(input_tensor, "input_tensor")
    pg = _resolve(group)
    if pg is None:
        return None
    _check_rank_major("all_gather_into_tensor", output_tensor, input_tensor, pg._size,
                      "output_tensor")
    send = B.source(input_tensor)
    recv, copied = B.target(output_tensor, keep=False)
    return _issue(async_op, pg._comm, "Allgather", (B.wire(send), B.wire(recv)),
                  lambda: B.store(output_tensor, recv, copied), [output_tensor], (send, recv))


def _reduce_scatter(opname, output, send, op, pg, async_op):
    mop, cast, avg = B.reduce_plan(output._data.dtype, op, opname)
    if cast is not None:
        send = send.astype(cast)
    recv, copied = B.target(output, cast, keep=False)
    ws, wr = (send.view(np.uint8), recv.view(np.uint8)) if send.dtype == np.bool_ else (send, recv)
    return _issue(async_op, pg._comm, "Reduce_scatter_block", (ws, wr),
                  _reduce_into(pg, recv, avg, output, copied), [output], (send, recv), op=mop)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduces input_list[i] across the group into `output` of group rank i."""
    B.check_tensor(output, "output")
    B.check_tensor_list(input_list, "input_list")
    pg = _group_for_list("reduce_scatter", input_list, "input_list", output, group)
    if pg is None:
        return None
    send = np.stack([t._data for t in input_list])
    return _reduce_scatter("reduce_scatter", output, send, op, pg, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduces `input` (the group's chunks along dim 0, in rank order) across the group;
    group rank i gets chunk i in `output`."""
    B.check_tensor(output, "output")
    B.check_tensor(input, "input")
    pg = _resolve(group)
    if pg is None:
        return None
    _check_rank_major("reduce_scatter_tensor", input, output, pg._size, "input")
    return _reduce_scatter("reduce_scatter_tensor", output, B.source(input), op, pg, async_op)


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """Collects `tensor` of every rank into gather_list on rank `dst` (rank order)."""
    got = _rooted_list(tensor, gather_list, "gather_list", group, dst, group_dst, "dst")
    if got is None:
        return None
    pg, root, gather_list = got
    send = B.source(tensor)
    recv = wr = finish = None
    if _root_holds_list(pg, root, gather_list, "gather", "gather_list", send.shape,
                        "destination"):
        recv = np.empty((pg._size,) + send.shape, send.dtype)
        wr, finish = B.wire(recv), _fill_each(gather_list, recv)
    return _issue(async_op, pg._comm, "Gather", (B.wire(send), wr), finish, gather_list,
                  (send, recv), root=root)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Rank `src` sends scatter_list[i] to group rank i, which receives it into `tensor`."""
    got = _rooted_list(tensor, scatter_list, "scatter_list", group, src, group_src, "src")
    if got is None:
        return None
    pg, root, scatter_list = got
    send = ws = None
    if _root_holds_list(pg, root, scatter_list, "scatter", "scatter_list", tensor._data.shape,
                        "source"):
        send = np.stack([t._data for t in scatter_list])
        ws = B.wire(send)
    recv, copied = B.target(tensor, keep=False)
    return _issue(async_op, pg._comm, "Scatter", (ws, B.wire(recv)),
                  lambda: B.store(tensor, recv, copied), [tensor], (send, recv), root=root)


def _splits(opname, rows, sizes, size, what):
    if not sizes:
        if rows % size:
            raise ValueError(f"{opname}: dim 0 of {what} ({rows}) must divide evenly by the group "
                             f"size ({size}) when no split sizes are given")
        return [rows // size] * size
    sizes = [int(s) for s in sizes]
    if len(sizes) != size or sum(sizes) != rows or min(sizes) < 0:
        raise ValueError(f"{opname}: {what} split sizes {sizes} must be {size} non-negative "
                         f"numbers adding up to dim 0 of {what} ({rows})")
    return sizes


def _counts(sizes, row):
    counts = np.array(sizes, dtype=np.int64) * row
    displs = np.concatenate(([0], np.cumsum(counts)[:-1]))
    return counts.tolist(), displs.tolist()


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None,
                      group=None, async_op=False):
    """Splits `input` along dim 0, sends piece i to group rank i, and concatenates the pieces
    received (in rank order) into `output`."""
    B.check_tensor(output, "output")
    B.check_tensor(input, "input")
    B.check_same_dtype([output, input])
    pg = _resolve(group)
    if pg is None:
        return None
    send = B.source(input)
    recv, copied = B.target(output, keep=False)
    if send.ndim == 0 or recv.ndim == 0 or send.shape[1:] != recv.shape[1:]:
        raise ValueError(f"all_to_all_single: input {tuple(send.shape)} and output "
                         f"{tuple(recv.shape)} must have a dim 0 and agree past it")
    row = int(np.prod(send.shape[1:], dtype=np.int64))
    name = "all_to_all_single"
    sc = _counts(_splits(name, send.shape[0], input_split_sizes, pg._size, "input"), row)
    rc = _counts(_splits(name, recv.shape[0], output_split_sizes, pg._size, "output"), row)
    return _issue(async_op, pg._comm, "Alltoallv", ([B.wire(send), sc], [B.wire(recv), rc]),
                  lambda: B.store(output, recv, copied), [output], (send, recv))


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """Sends input_tensor_list[i] to group rank i; output_tensor_list[j] receives from j."""
    B.check_tensor_list(output_tensor_list, "output_tensor_list")
    B.check_tensor_list(input_tensor_list, "input_tensor_list")
    B.check_same_dtype(output_tensor_list + input_tensor_list)
    pg = _resolve(group)
    if pg is None:
        return None
    for lst, what in ((output_tensor_list, "output_tensor_list"),
                      (input_tensor_list, "input_tensor_list")):
        if len(lst) != pg._size:
            raise RuntimeError(f"all_to_all: {what} must hold one tensor per rank of the group "
                               f"({pg._size}), got {len(lst)}")
    dt = input_tensor_list[0]._data.dtype
    send = np.concatenate([t._data.ravel() for t in input_tensor_list]).astype(dt, copy=False)
    recv = np.empty(sum(t._data.size for t in output_tensor_list), dt)
    sc = _counts([t._data.size for t in input_tensor_list], 1)
    rc = _counts([t._data.size for t in output_tensor_list], 1)
    pieces = [recv[off:off + n].reshape(t._data.shape)
              for t, off, n in zip(output_tensor_list, rc[1], rc[0])]
    return _issue(async_op, pg._comm, "Alltoallv", ([B.wire(send), sc], [B.wire(recv), rc]),
                  _fill_each(output_tensor_list, pieces), output_tensor_list, (send, recv))


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Blocks until every rank of the group reached the barrier."""
    pg = _resolve(group)
    if pg is None:
        return None
    return _issue(async_op, pg._comm, "Barrier", (), None, [], ())


def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    """A barrier (MPI reports a failed rank by ending the job, so there is nothing to name)."""
    barrier(group)
