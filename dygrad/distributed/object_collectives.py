"""Collectives on picklable Python objects (metrics, configs, index lists).

Like PyTorch's, these pickle: use them only between the processes of one job, which trust
each other; checkpoints go through dygrad.save, never through these.
"""
from . import _buffers as B
from .process_group import _resolve

__all__ = ["broadcast_object_list", "all_gather_object", "gather_object", "scatter_object_list"]


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Replaces object_list's items on every rank by those of rank `src` (lists of the same
    length on every rank)."""
    pg = _resolve(group)
    if pg is None:
        return
    root = B.group_root(pg, src, group_src, "src")
    got = pg._comm.bcast(list(object_list) if pg._rank == root else None, root=root)
    if len(got) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {pg._ranks[root]} sent {len(got)} objects "
                         f"but object_list here has {len(object_list)} slots")
    object_list[:] = got


def all_gather_object(object_list, obj, group=None):
    """object_list[i] becomes `obj` of group rank i (object_list has one slot per rank)."""
    pg = _resolve(group)
    if pg is None:
        return
    if len(object_list) != pg._size:
        raise ValueError(f"all_gather_object: object_list must have one slot per rank of the "
                         f"group ({pg._size}), got {len(object_list)}")
    object_list[:] = pg._comm.allgather(obj)


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    """On rank `dst`, object_gather_list[i] becomes `obj` of group rank i."""
    pg = _resolve(group)
    if pg is None:
        return
    root = B.group_root(pg, dst, group_dst, "dst", default=0)
    if pg._rank == root:
        if object_gather_list is None or len(object_gather_list) != pg._size:
            raise ValueError("Argument ``object_gather_list`` must be specified on destination "
                             f"rank, with one slot per rank of the group ({pg._size}).")
    elif object_gather_list:
        raise ValueError("Argument ``object_gather_list`` must NOT be specified on "
                         "non-destination ranks.")
    got = pg._comm.gather(obj, root=root)
    if pg._rank == root:
        object_gather_list[:] = got


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=None,
                        group=None, group_src=None):
    """scatter_object_output_list[0] becomes scatter_object_input_list[i] of rank `src` on
    group rank i."""
    pg = _resolve(group)
    if pg is None:
        return
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at "
                         "least 1.")
    root = B.group_root(pg, src, group_src, "src", default=0)
    items = None
    if pg._rank == root:
        items = list(scatter_object_input_list or [])
        if len(items) != pg._size:
            raise ValueError(f"scatter_object_list: scatter_object_input_list must hold one "
                             f"object per rank of the group ({pg._size}), got {len(items)}")
    scatter_object_output_list[0] = pg._comm.scatter(items, root=root)
