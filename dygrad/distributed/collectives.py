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


def _issue(async_op, blocking, nonblocking, finish, result, buffers):
    if async_op:
        return Work([nonblocking()], finish, result, buffers)
    blocking()
    if finish is not None:
        finish()
    return None


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
    MPI, comm = _mpi(), pg._comm
    return _issue(async_op, lambda: comm.Allreduce(MPI.IN_PLACE, mbuf, op=mop),
                  lambda: comm.Iallreduce(MPI.IN_PLACE, mbuf, op=mop),
                  _reduce_into(pg, buf, avg, tensor, copied), [tensor], buf)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Reduces `tensor` across the group into `tensor` on rank `dst` (others are unchanged)."""
    B.check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        return None
    root = B.group_root(pg, dst, group_dst, "dst", default=0)
    mop, cast, avg = B.reduce_plan(tensor._data.dtype, op, "reduce")
    MPI, comm = _mpi(), pg._comm
    if pg._rank == root:
        buf, copied = B.target(tensor, cast)
        finish = _reduce_into(pg, buf, avg, tensor, copied)
    else:
        buf = B.source(tensor) if cast is None else tensor._data.astype(cast, order="C")
        finish = None
    mbuf = buf.view(np.uint8) if buf.dtype == np.bool_ else buf
    send, recv = (MPI.IN_PLACE, mbuf) if pg._rank == root else (mbuf, None)
    return _issue(async_op, lambda: comm.Reduce(send, recv, op=mop, root=root),
                  lambda: comm.Ireduce(send, recv, op=mop, root=root), finish, [tensor], buf)


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copies `tensor` of rank `src` into `tensor` on every other rank."""
    B.check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        return None
    root = B.group_root(pg, src, group_src, "src")
    comm = pg._comm
    if pg._rank == root:
        buf, finish = B.source(tensor), None
    else:
        buf, copied = B.target(tensor, keep=False)
        finish = lambda: B.store(tensor, buf, copied)  # noqa: E731
    w = B.wire(buf)
    return _issue(async_op, lambda: comm.Bcast(w, root=root), lambda: comm.Ibcast(w, root=root),
                  finish, [tensor], buf)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fills tensor_list[i] with `tensor` of group rank i."""
    B.check_tensor_list(tensor_list, "tensor_list")
    B.check_tensor(tensor, "tensor")
    B.check_same_dtype(tensor_list + [tensor])
    pg = _resolve(group)
    if pg is None:
        return None
    B.check_list_shapes("all_gather", tensor_list, tensor._data.shape, pg._size, "tensor_list")
    send = B.source(tensor)
    recv = np.empty((pg._size,) + send.shape, send.dtype)
    comm = pg._comm
    ws, wr = B.wire(send), B.wire(recv)

    def finish():
        for i, t in enumerate(tensor_list):
            np.copyto(t._data, recv[i])
            t._vc[0] += 1
    return _issue(async_op, lambda: comm.Allgather(ws, wr), lambda: comm.Iallgather(ws, wr),
                  finish, tensor_list, (send, recv))


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
    comm = pg._comm
    ws, wr = B.wire(send), B.wire(recv)
    return _issue(async_op, lambda: comm.Allgather(ws, wr), lambda: comm.Iallgather(ws, wr),
                  lambda: B.store(output_tensor, recv, copied), [output_tensor], (send, recv))


def _reduce_scatter(opname, output, send, op, pg, async_op):
    mop, cast, avg = B.reduce_plan(output._data.dtype, op, opname)
    if cast is not None:
        send = send.astype(cast)
    recv, copied = B.target(output, cast, keep=False)
    comm = pg._comm
    ws, wr = (send.view(np.uint8), recv.view(np.uint8)) if send.dtype == np.bool_ else (send, recv)
    return _issue(async_op, lambda: comm.Reduce_scatter_block(ws, wr, op=mop),
                  lambda: comm.Ireduce_scatter_block(ws, wr, op=mop),
                  _reduce_into(pg, recv, avg, output, copied), [output], (send, recv))


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduces input_list[i] across the group into `output` of group rank i."""
    B.check_tensor(output, "output")
    B.check_tensor_list(input_list, "input_list")
    B.check_same_dtype(input_list + [output])
    pg = _resolve(group)
    if pg is None:
        return None
    B.check_list_shapes("reduce_scatter", input_list, output._data.shape, pg._size, "input_list")
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
    B.check_tensor(tensor, "tensor")
    if gather_list:
        B.check_tensor_list(gather_list, "gather_list")
    else:
        gather_list = []
    B.check_same_dtype(gather_list + [tensor])
    pg = _resolve(group)
    if pg is None:
        return None
    root = B.group_root(pg, dst, group_dst, "dst", default=0)
    send = B.source(tensor)
    comm = pg._comm
    ws = B.wire(send)
    if pg._rank == root:
        if not gather_list:
            raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
        B.check_list_shapes("gather", gather_list, send.shape, pg._size, "gather_list")
        recv = np.empty((pg._size,) + send.shape, send.dtype)
        wr = B.wire(recv)

        def finish():
            for i, t in enumerate(gather_list):
                np.copyto(t._data, recv[i])
                t._vc[0] += 1
    else:
        if gather_list:
            raise ValueError(
                "Argument ``gather_list`` must NOT be specified on non-destination ranks.")
        recv = wr = finish = None
    return _issue(async_op, lambda: comm.Gather(ws, wr, root=root),
                  lambda: comm.Igather(ws, wr, root=root), finish, gather_list, (send, recv))


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Rank `src` sends scatter_list[i] to group rank i, which receives it into `tensor`."""
    B.check_tensor(tensor, "tensor")
    if scatter_list:
        B.check_tensor_list(scatter_list, "scatter_list")
    else:
        scatter_list = []
    B.check_same_dtype(scatter_list + [tensor])
    pg = _resolve(group)
    if pg is None:
        return None
    root = B.group_root(pg, src, group_src, "src", default=0)
    if pg._rank == root:
        if not scatter_list:
            raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
        B.check_list_shapes("scatter", scatter_list, tensor._data.shape, pg._size,
                            "scatter_list")
        send = np.stack([t._data for t in scatter_list])
        ws = B.wire(send)
    else:
        if scatter_list:
            raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
        send = ws = None
    recv, copied = B.target(tensor, keep=False)
    wr = B.wire(recv)
    comm = pg._comm
    return _issue(async_op, lambda: comm.Scatter(ws, wr, root=root),
                  lambda: comm.Iscatter(ws, wr, root=root),
                  lambda: B.store(tensor, recv, copied), [tensor], (send, recv))


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
    ws, wr = [B.wire(send), sc], [B.wire(recv), rc]
    comm = pg._comm
    return _issue(async_op, lambda: comm.Alltoallv(ws, wr), lambda: comm.Ialltoallv(ws, wr),
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
    ws, wr = [B.wire(send), sc], [B.wire(recv), rc]

    def finish():
        for t, off, n in zip(output_tensor_list, rc[1], rc[0]):
            np.copyto(t._data, recv[off:off + n].reshape(t._data.shape))
            t._vc[0] += 1
    comm = pg._comm
    return _issue(async_op, lambda: comm.Alltoallv(ws, wr), lambda: comm.Ialltoallv(ws, wr),
                  finish, output_tensor_list, (send, recv))


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Blocks until every rank of the group reached the barrier."""
    pg = _resolve(group)
    if pg is None:
        return None
    comm = pg._comm
    return _issue(async_op, comm.Barrier, comm.Ibarrier, None, [], ())


def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    """A barrier (MPI reports a failed rank by ending the job, so there is nothing to name)."""
    barrier(group)
