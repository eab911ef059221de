"""DistributedDataParallel: data-parallel training across the ranks of a dygrad.distributed job.

Each rank holds a full replica of the module and runs its own share of the batch. At wrap time
rank 0's parameters and buffers are copied to every rank; during backward the gradients are
averaged across ranks by the bucketed, overlapped all-reduce of dygrad.distributed's Reducer,
so every replica takes the same optimizer step. Buffers (e.g. BatchNorm statistics) are
broadcast from rank 0 before each forward, as in PyTorch.
"""
import contextlib

import numpy as np

from ...autograd.grad_mode import STATE
from ...distributed._reducer import Reducer
from ...distributed.process_group import _mpi, _resolve
from ..modules.module import Module

__all__ = ["DistributedDataParallel"]

_MB = 1024 * 1024
_DEFAULT_BUCKET_CAP_MB = 25
_DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024


class DistributedDataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 init_sync=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel expects an nn.Module, got "
                            f"{type(module).__name__}")
        pg = _resolve(process_group)
        if pg is None:
            raise ValueError("DistributedDataParallel: this process is not a member of "
                             "process_group")
        ignore = set(getattr(module, "_ddp_params_and_buffers_to_ignore", ()))
        named = [(n, p) for n, p in module.named_parameters() if n not in ignore]
        trained = [(n, p) for n, p in named if p.requires_grad]
        if not trained:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError("device_ids can only be None or contain a single element.")
        if device_ids or output_device:
            raise ValueError(
                "DistributedDataParallel device_ids and output_device arguments only work with "
                "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                f"{device_ids}, output_device {output_device}, and module parameters "
                "{device(type='cpu')}.")
        self.module = module
        self.device_ids = None
        self.output_device = None
        self.dim = dim
        self.device_type = "cpu"
        self.process_group = pg
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.parameters_to_ignore = ignore
        cap = _DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb
        self.bucket_bytes_cap = int(cap * _MB)
        first_cap = _DEFAULT_FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap
        self.modules_buffers = [b for n, b in module.named_buffers() if n not in ignore]
        # DDP's own communicator: its non-blocking reductions never interleave with the
        # program's collectives on the group
        self._comm = pg._comm.Dup()
        self._mpi = _mpi()
        self._size = self._comm.Get_size()
        _verify_same_model(self._comm, named)
        if init_sync:
            _broadcast_arrays(self._comm, [p for _, p in named] + self.modules_buffers)
        self.reducer = Reducer([p for _, p in trained], [n for n, _ in trained], self._comm,
                               self.bucket_bytes_cap, first_cap, gradient_as_bucket_view,
                               find_unused_parameters, static_graph)

    @property
    def bucket_cap_mb(self):
        return self.bucket_bytes_cap // _MB

    def forward(self, *inputs, **kwargs):
        sync = STATE.enabled and self.require_backward_grad_sync
        if sync:
            self.reducer.prepare_for_forward()
        elif STATE.enabled:
            self.reducer.skip_backward()  # a no_sync forward: its backward stays local
        if self.require_forward_param_sync and self.broadcast_buffers and self._size > 1:
            # looked up again each time: a module may have replaced a buffer tensor
            self.modules_buffers = [b for n, b in self.module.named_buffers()
                                    if n not in self.parameters_to_ignore]
            _broadcast_arrays(self._comm, self.modules_buffers)
        out = self.module(*inputs, **kwargs)
        if sync:
            self.require_forward_param_sync = True
            self.reducer.prepare_for_backward(out)
        else:
            self.require_forward_param_sync = False
        return out

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes inside skip the gradient all-reduce; the gradients accumulate
        locally and the first synchronized backward afterwards averages the total."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    @staticmethod
    def _set_params_and_buffers_to_ignore_for_model(module, params_and_buffers_to_ignore):
        """Names (as in module.named_parameters()) that DDP neither syncs nor reduces."""
        module._ddp_params_and_buffers_to_ignore = params_and_buffers_to_ignore

    def _get_ddp_logging_data(self):
        return {"world_size": self.process_group.size(), "bucket_cap_bytes": self.bucket_bytes_cap,
                "bucket_sizes": self.reducer.bucket_sizes(),
                "find_unused_parameters": self.find_unused_parameters,
                "gradient_as_bucket_view": self.gradient_as_bucket_view,
                "static_graph": self.static_graph, "backend_name": "mpi"}

    def __del__(self):
        d = self.__dict__
        comm, mpi = d.get("_comm"), d.get("_mpi")
        d["reducer"] = None  # its hooks leave the parameters with it
        if comm is not None and mpi is not None and not mpi.Is_finalized():
            comm.Free()


def _verify_same_model(comm, named):
    mine = [(n, tuple(p._data.shape), str(p._data.dtype)) for n, p in named]
    everyone = comm.allgather(mine)
    ref = everyone[0]
    for r, theirs in enumerate(everyone):
        if len(theirs) != len(ref):
            raise RuntimeError(f"DDP expects same model across all ranks, but Rank {r} has "
                               f"{len(theirs)} params, while rank 0 has inconsistent "
                               f"{len(ref)} params.")
        for (n0, s0, d0), (n1, s1, d1) in zip(ref, theirs):
            if (s0, d0) != (s1, d1):
                raise RuntimeError(
                    f"DDP expects same model across all ranks, but Rank {r} has parameter {n1} "
                    f"of shape {list(s1)} and dtype {d1}, while rank 0 has {n0} of shape "
                    f"{list(s0)} and dtype {d0}.")


def _broadcast_arrays(comm, tensors):
    """Copies rank 0's values of `tensors` into them on every rank, one flat message per
    dtype."""
    if comm.Get_size() == 1 or not tensors:
        return
    by_dtype = {}
    for t in tensors:
        by_dtype.setdefault(t._data.dtype, []).append(t)
    for dt, ts in by_dtype.items():
        flat = np.concatenate([t._data.ravel() for t in ts])
        wire = (flat.view(np.uint16) if dt == np.float16 else
                flat.view(np.uint8) if dt == np.bool_ else flat)
        comm.Bcast(wire, root=0)
        if comm.Get_rank() != 0:
            off = 0
            for t in ts:
                n = t._data.size
                np.copyto(t._data, flat[off:off + n].reshape(t._data.shape))
                t._vc[0] += 1
                off += n
