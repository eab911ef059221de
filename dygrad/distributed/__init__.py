"""dygrad.distributed: PyTorch's torch.distributed API over MPI (mpi4py).

Start a job with `dygrad run -n N script.py` (or `mpiexec -n N python -m mpi4py script.py`);
in the script, `dist.init_process_group()` joins it. Importing this package does not need
mpi4py (is_available() says whether it is installed); init_process_group does, and says how
to get it: pip install dygrad[distributed].
"""
from ._buffers import ReduceOp
from ._work import Work
from .collectives import (all_reduce, reduce, broadcast, all_gather, all_gather_into_tensor,
                          reduce_scatter, reduce_scatter_tensor, gather, scatter, all_to_all,
                          all_to_all_single, barrier, monitored_barrier)
from .object_collectives import (broadcast_object_list, all_gather_object, gather_object,
                                 scatter_object_list)
from .p2p import send, recv, isend, irecv, P2POp, batch_isend_irecv
from .process_group import (Backend, GroupMember, group, ProcessGroup, init_process_group,
                            destroy_process_group, is_initialized, is_available,
                            is_mpi_available, is_gloo_available, is_nccl_available,
                            is_ucc_available, is_xccl_available, is_torchelastic_launched,
                            get_rank, get_world_size, get_backend, new_group,
                            get_process_group_ranks, get_global_rank, get_group_rank,
                            get_node_local_rank)

__all__ = ["ReduceOp", "Work", "all_reduce", "reduce", "broadcast", "all_gather",
           "all_gather_into_tensor", "reduce_scatter", "reduce_scatter_tensor", "gather",
           "scatter", "all_to_all", "all_to_all_single", "barrier", "monitored_barrier",
           "broadcast_object_list", "all_gather_object", "gather_object", "scatter_object_list",
           "send", "recv", "isend", "irecv", "P2POp", "batch_isend_irecv", "Backend",
           "GroupMember", "group", "ProcessGroup", "init_process_group",
           "destroy_process_group", "is_initialized", "is_available", "is_mpi_available",
           "is_gloo_available", "is_nccl_available", "is_ucc_available", "is_xccl_available",
           "is_torchelastic_launched", "get_rank", "get_world_size", "get_backend", "new_group",
           "get_process_group_ranks", "get_global_rank", "get_group_rank", "get_node_local_rank"]
