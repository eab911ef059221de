"""Point-to-point messages: send/recv, isend/irecv and batch_isend_irecv over MPI."""
from . import _buffers as B
from ._work import Work
from .process_group import _mpi, _resolve

__all__ = ["send", "recv", "isend", "irecv", "P2POp", "batch_isend_irecv"]


def _peer(pg, rank, group_rank, what, allow_any=False):
    if rank is None and group_rank is None and allow_any:
        return None
    r = B.group_root(pg, rank, group_rank, what)
    if r == pg._rank:
        kind = "destination" if what == "dst" else "source"
        raise ValueError(f"Invalid {kind} rank: {kind} rank should not be the same as the rank "
                         f"of the current process.")
    return r


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Starts sending `tensor` to rank `dst`; the returned Work completes once it may be
    modified again."""
    B.check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        return None
    to = _peer(pg, dst, group_dst, "dst")
    buf = B.source(tensor)
    return Work([pg._comm.Isend(B.wire(buf), dest=to, tag=tag)], None, [tensor], buf)


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Sends `tensor` to rank `dst` (blocks until the buffer may be reused)."""
    B.check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        return None
    to = _peer(pg, dst, group_dst, "dst")
    pg._comm.Send(B.wire(B.source(tensor)), dest=to, tag=tag)


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    """Starts receiving into `tensor` from rank `src` (any rank when None)."""
    B.check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        return None
    MPI = _mpi()
    frm = _peer(pg, src, group_src, "src", allow_any=True)
    buf, copied = B.target(tensor, keep=False)
    req = pg._comm.Irecv(B.wire(buf), source=MPI.ANY_SOURCE if frm is None else frm, tag=tag)
    return Work([req], lambda: B.store(tensor, buf, copied), [tensor], buf, status=MPI.Status())


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receives into `tensor` from rank `src` (any rank when None); returns the sender's
    global rank."""
    B.check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        return -1
    MPI = _mpi()
    frm = _peer(pg, src, group_src, "src", allow_any=True)
    buf, copied = B.target(tensor, keep=False)
    status = MPI.Status()
    pg._comm.Recv(B.wire(buf), source=MPI.ANY_SOURCE if frm is None else frm, tag=tag,
                  status=status)
    B.store(tensor, buf, copied)
    return pg._ranks[status.Get_source()]


class P2POp:
    """One send or receive for batch_isend_irecv: op is dist.isend or dist.irecv."""

    def __init__(self, op, tensor, peer=None, group=None, tag=0, group_peer=None):
        if op not in (isend, irecv):
            raise ValueError("Invalid ``op``. Expected ``op`` to be of type ``dist.isend`` or "
                             "``dist.irecv``.")
        B.check_tensor(tensor, "tensor")
        self.op = op
        self.tensor = tensor
        self.peer = peer
        self.group = group
        self.tag = tag
        self.group_peer = group_peer


def batch_isend_irecv(p2p_op_list):
    """Starts every operation of the list; returns their Works in the same order."""
    if not isinstance(p2p_op_list, list) or not all(isinstance(p, P2POp) for p in p2p_op_list):
        raise ValueError("Invalid ``p2p_op_list``. Each op is expected to to be of type "
                         "``torch.distributed.P2POp``.")
    if p2p_op_list and any(p.group is not p2p_op_list[0].group for p in p2p_op_list):
        raise ValueError("All ops need to use the same group.")
    works = []
    for p in p2p_op_list:
        if p.op is isend:
            works.append(isend(p.tensor, p.peer, p.group, p.tag, group_dst=p.group_peer))
        else:
            works.append(irecv(p.tensor, p.peer, p.group, p.tag, group_src=p.group_peer))
    return works
