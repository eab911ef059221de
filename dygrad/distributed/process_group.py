"""Process groups over MPI: the default group, new_group, and rank/size queries.

dygrad has one transport, MPI (through mpi4py). Membership comes from the MPI job that
`dygrad run -n N` (or `mpiexec -n N python -m mpi4py`) started, so there is no rendezvous:
init_method, store and the MASTER_ADDR/MASTER_PORT variables have nothing to do, but a
world_size or rank that contradicts the MPI job is an error rather than a silent mismatch.
Every group owns a duplicate of its MPI communicator, so dygrad's traffic never mixes with
messages the program sends on COMM_WORLD itself.
"""
import importlib.util
import os

__all__ = ["Backend", "GroupMember", "group", "ProcessGroup", "init_process_group",
           "destroy_process_group", "is_initialized", "is_available", "is_mpi_available",
           "is_gloo_available", "is_nccl_available", "is_ucc_available", "is_xccl_available",
           "is_torchelastic_launched", "get_rank", "get_world_size", "get_backend", "new_group",
           "get_process_group_ranks", "get_global_rank", "get_group_rank", "get_node_local_rank"]

_MISSING = "dygrad.distributed needs MPI: pip install dygrad[distributed]"
_NOT_INIT = ("Default process group has not been initialized, please make sure to call "
             "init_process_group.")
_MPI = None


def _mpi():
    """The mpi4py.MPI module (importing it initializes MPI), or a clear ImportError."""
    global _MPI
    if _MPI is None:
        try:
            from mpi4py import MPI
        except ImportError as e:
            raise ImportError(f"{_MISSING} ({e})") from e
        except RuntimeError as e:  # mpi4py present but no MPI library it can load
            raise ImportError(f"{_MISSING} (mpi4py could not load an MPI library: {e})") from e
        _MPI = MPI
    return _MPI


def is_available():
    """True when mpi4py is installed (checked without starting MPI)."""
    try:
        return importlib.util.find_spec("mpi4py") is not None
    except (ImportError, ValueError):  # e.g. sys.modules["mpi4py"] set to None
        return False


def is_mpi_available():
    return is_available()


def is_gloo_available():
    return False


def is_nccl_available():
    return False


def is_ucc_available():
    return False


def is_xccl_available():
    return False


def is_torchelastic_launched():
    """True inside a job started by `dygrad run` (it sets torchrun's variables per rank)."""
    return os.environ.get("DYGRAD_RUN_ID") is not None


class Backend(str):
    """Backend names as in PyTorch. 'gloo' is accepted and runs over MPI too: dygrad is CPU-only
    and has a single transport."""
    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    MPI = "mpi"
    XCCL = "xccl"

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError(
                f"Backend constructor parameter must be string-ish, but got {type(name)}")
        value = name.lower()
        if value not in ("undefined", "gloo", "nccl", "ucc", "mpi", "xccl"):
            raise ValueError(f"Unknown backend '{name}'")
        return str.__new__(cls, value)


class ProcessGroup:
    """A set of ranks and the MPI communicator they talk over. `rank()` and `size()` are this
    process's position in the group and the group's size, as in PyTorch."""

    def __init__(self, comm, global_ranks, name=""):
        self._comm = comm
        self._ranks = list(global_ranks)
        self._to_group = {g: i for i, g in enumerate(self._ranks)}
        self._rank = comm.Get_rank()
        self._size = comm.Get_size()
        self.group_name = name

    def rank(self):
        return self._rank

    def size(self):
        return self._size

    def name(self):
        return "mpi"

    def __repr__(self):
        return f"<ProcessGroup mpi rank={self._rank} size={self._size} ranks={self._ranks}>"


class _World:
    def __init__(self):
        self.default_pg = None
        self.groups = []  # every live ProcessGroup, the default one first
        self.count = 0


_world = _World()


class _GroupMemberMeta(type):
    @property
    def WORLD(cls):
        return _world.default_pg


class GroupMember(metaclass=_GroupMemberMeta):
    NON_GROUP_MEMBER = -100


class group(metaclass=_GroupMemberMeta):
    """`dist.group.WORLD`: the default process group (None before init_process_group)."""


def is_initialized():
    return _world.default_pg is not None


def _default_group():
    pg = _world.default_pg
    if pg is None:
        raise ValueError(_NOT_INIT)
    return pg


def _resolve(group):
    """The ProcessGroup to use, or None when this process is not a member of `group`."""
    if group is None or group is _world.default_pg:
        return _default_group()
    if isinstance(group, ProcessGroup):
        return group
    if group == GroupMember.NON_GROUP_MEMBER:
        return None
    raise TypeError(f"expected a ProcessGroup or None for group, got {type(group).__name__}")


def _check_matches_job(world_size, rank, size, me):
    if world_size is not None and world_size >= 0 and world_size != size:
        raise ValueError(
            f"init_process_group: world_size={world_size} but this process belongs to an MPI job "
            f"of {size} process(es); start the job with `dygrad run -n {world_size} script.py` "
            f"(or `mpiexec -n {world_size} python -m mpi4py script.py`)")
    if rank is not None and rank >= 0 and rank != me:
        raise ValueError(
            f"init_process_group: rank={rank} but MPI made this process rank {me} of {size}; "
            f"ranks come from the MPI job, so leave rank (and the RANK variable) unset")


def _env_int(name):
    v = os.environ.get(name)
    try:
        return int(v) if v not in (None, "") else None
    except ValueError:
        return None


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Joins the MPI job as the default process group. Rank and world size come from MPI;
    `world_size`/`rank` (or the WORLD_SIZE/RANK variables with env:// or no init_method) are
    checked against it. `timeout` is accepted for compatibility (MPI has no timeouts)."""
    if _world.default_pg is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = str(backend) if backend is not None else "mpi"
    if ":" in name:  # "cpu:gloo,cuda:nccl": dygrad only has the CPU entry to honour
        name = dict(p.split(":", 1) for p in name.split(",") if ":" in p).get("cpu", "mpi")
    name = Backend(name)
    if name not in (Backend.MPI, Backend.GLOO):
        raise RuntimeError(
            f"Distributed package doesn't have {name.upper()} built in: dygrad runs on the CPU "
            f"over MPI; use backend='mpi' (or 'gloo', which dygrad also runs over MPI)")
    MPI = _mpi()
    world = MPI.COMM_WORLD
    size, me = world.Get_size(), world.Get_rank()
    if init_method is None or str(init_method).startswith("env://"):
        if world_size is None or world_size < 0:
            world_size = _env_int("WORLD_SIZE")
        if rank is None or rank < 0:
            rank = _env_int("RANK")
    _check_matches_job(world_size, rank, size, me)
    pg = ProcessGroup(world.Dup(), range(size), group_name or "0")
    _world.default_pg = pg
    _world.groups = [pg]
    _world.count = 1


def destroy_process_group(group=None):
    """Frees `group`'s communicator, or every group when `group` is None. MPI itself stays up
    (it cannot be restarted), so init_process_group may be called again afterwards."""
    if group is None or group is _world.default_pg:
        if _world.default_pg is None:
            raise AssertionError("Process group cannot be None")
        for pg in _world.groups:
            _free(pg)
        _world.default_pg = None
        _world.groups = []
        return
    if group == GroupMember.NON_GROUP_MEMBER:
        return
    if group not in _world.groups:
        raise ValueError("Invalid process group specified")
    _free(group)
    _world.groups.remove(group)


def _free(pg):
    comm, pg._comm = pg._comm, None
    if comm is not None:
        comm.Free()


def get_rank(group=None):
    """This process's rank in `group` (the global rank for the default group); -1 if it is
    not a member."""
    pg = _resolve(group)
    return -1 if pg is None else pg._rank


def get_world_size(group=None):
    pg = _resolve(group)
    return -1 if pg is None else pg._size


def get_backend(group=None):
    pg = _resolve(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return Backend.MPI


def get_node_local_rank(fallback_rank=None):
    """LOCAL_RANK as set by the launcher, like PyTorch's helper."""
    v = _env_int("LOCAL_RANK")
    if v is not None:
        return v
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("LOCAL_RANK is not in the environment. Consider passing fallback_rank "
                       "to allow `get_node_local_rank` to work, assuming you are not running in "
                       "a multi-device context and want the code to run locally instead.")


def new_group(ranks=None, timeout=None, backend=None, pg_options=None,
              use_local_synchronization=False, group_desc=None, device_id=None, sort_ranks=True):
    """A group of `ranks` (global ranks; all ranks when None). Every process of the default
    group must call it (only the members with use_local_synchronization=True); non-members get
    GroupMember.NON_GROUP_MEMBER."""
    world = _default_group()
    size = world._size
    if ranks is None:
        ranks = list(range(size))
    ranks = [int(r) for r in ranks]
    if sort_ranks:
        ranks = sorted(ranks)
    for r in ranks:
        if r < 0 or r >= size:
            raise ValueError(f"new_group: rank {r} is out of range for a world of size {size}")
    if len(set(ranks)) != len(ranks):
        raise ValueError(f"new_group: ranks contain duplicates: {ranks}")
    members = world._comm.Get_group().Incl(ranks)
    try:
        if use_local_synchronization:
            if world._rank not in ranks:
                return GroupMember.NON_GROUP_MEMBER
            comm = world._comm.Create_group(members)
        else:
            comm = world._comm.Create(members)
    finally:
        members.Free()
    if comm == _mpi().COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    name = group_desc or str(_world.count)
    _world.count += 1
    pg = ProcessGroup(comm, ranks, name)
    _world.groups.append(pg)
    return pg


def get_process_group_ranks(group):
    """The global ranks of `group`, in group-rank order."""
    pg = _resolve(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return list(pg._ranks)


def get_global_rank(group, group_rank):
    pg = _resolve(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    if not 0 <= group_rank < pg._size:
        raise ValueError(f"Group rank {group_rank} is not part of group {pg._ranks}")
    return pg._ranks[group_rank]


def get_group_rank(group, global_rank):
    pg = _resolve(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    r = pg._to_group.get(global_rank)
    if r is None:
        raise ValueError(f"Global rank {global_rank} is not part of group {pg._ranks}")
    return r
