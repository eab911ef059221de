"""Memory shared between processes: the blocks behind `Tensor.share_memory_()`.

A block is a file under /dev/shm (a RAM-backed tmpfs on Linux; `tempfile.gettempdir()` where
there is none) mapped MAP_SHARED, named `dygrad_<pid>_<n>_<random>`. A tensor in a block pickles
as a reference to it (path, byte offset, shape, strides, dtype): the receiving process maps the
same file, so in-place writes on either side are seen by the other (Hogwild training).

Why plain files rather than `multiprocessing.shared_memory`: on Python < 3.13 every process
that merely *attaches* to a SharedMemory registers it with its resource tracker, which unlinks
the block (and warns of a "leak") when that process exits, pulling the name out from under the
creator and the other receivers. A file we open and mmap ourselves has exactly the lifetime we
give it, and `fork`, `spawn` and `forkserver` children all see it the same way.

Lifetime (PyTorch's 'file_system' strategy, without its reference-counting daemon):

- the process that created a block removes its name when it exits (atexit), or as soon as its
  own mapping is freed if the block was never pickled (no other process can know the name);
- a block that was pickled keeps its name until its creator exits, since a receiver may still
  be about to map it: a process that keeps sharing fresh tensors holds their memory until exit;
- a process that received a block only maps it and never removes it; mappings stay valid after
  the name is removed. A receiver that maps a block after its creator exited gets an error
  saying so. A creator killed by a signal leaves its files behind (as PyTorch's does).

Nothing here is imported until a tensor is shared or a shared tensor arrives.
"""
from __future__ import annotations

import atexit
import bisect
import errno
import itertools
import mmap
import os
import secrets
import tempfile
import weakref

import numpy as np

PREFIX = "dygrad_"

# live blocks mapped in this process, by start address: a tensor is shared when its array
# points into one (views and slices of a shared tensor included)
_starts: list[int] = []
_blocks: dict[int, "_Block"] = {}
_maps: "weakref.WeakValueDictionary[str, mmap.mmap]" = weakref.WeakValueDictionary()
_owned: dict[str, "_Block"] = {}   # blocks this process created, for removal at exit
_counter = itertools.count()
_dir = None


class _Block:
    __slots__ = ("path", "start", "size", "owner", "exported")

    def __init__(self, path, start, size, owner):
        self.path, self.start, self.size, self.owner = path, start, size, owner
        self.exported = False


def shm_dir() -> str:
    """Where blocks are created: /dev/shm when it is a writable folder, else the temp folder."""
    global _dir
    if _dir is None:
        d = "/dev/shm"
        _dir = d if os.path.isdir(d) and os.access(d, os.W_OK) else tempfile.gettempdir()
    return _dir


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def _register(mm, path, owner):
    start = _address(np.frombuffer(mm, np.uint8, 1))
    blk = _Block(path, start, len(mm), owner)
    _blocks[start] = blk           # before _starts: block_of may run in another thread
    bisect.insort(_starts, start)
    _maps[path] = mm
    if owner:
        _owned[path] = blk
    # the creator's pid: a forked child inherits this finalizer and must not remove the block
    weakref.finalize(mm, _released, start, path, owner, os.getpid())
    return blk


def _released(start, path, owner, pid):
    blk = _blocks.pop(start, None)
    if blk is not None:
        i = bisect.bisect_left(_starts, start)
        if i < len(_starts) and _starts[i] == start:
            del _starts[i]
    if owner and pid == os.getpid() and blk is not None and not blk.exported:
        _owned.pop(path, None)
        _unlink(path)


def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass


@atexit.register
def _remove_owned():
    # only the creating process: a fork child inherits this handler (multiprocessing's fork
    # children leave through os._exit, but a plain os.fork() child may not)
    for path, blk in list(_owned.items()):
        if blk.owner == os.getpid():
            _unlink(path)
    _owned.clear()


def _map(path, size, create):
    flags = os.O_RDWR | (os.O_CREAT | os.O_EXCL if create else 0)
    fd = os.open(path, flags, 0o600)
    try:
        if create:
            _reserve(fd, size, path)
        else:
            size = os.fstat(fd).st_size
        return mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    finally:
        os.close(fd)


def _reserve(fd, size, path):
    # reserve the pages now: on a full tmpfs (a container's small /dev/shm) this fails here
    # with ENOSPC, where a sparse file would kill the process with SIGBUS at its first write
    try:
        os.posix_fallocate(fd, 0, size)
        return
    except AttributeError:      # no posix_fallocate on this platform
        pass
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            _unlink(path)  # (_map closes fd)
            raise RuntimeError(
                f"share_memory_(): cannot allocate {size} bytes of shared memory in "
                f"{os.path.dirname(path)} ({exc.strerror}); free space there or enlarge it "
                f"(e.g. docker run --shm-size=...)") from None
    os.ftruncate(fd, size)      # a file system without fallocate


def _new_block(nbytes):
    """A new mmap of `nbytes` (at least 1: mmap refuses 0) in a block owned by this process."""
    while True:
        path = os.path.join(shm_dir(), f"{PREFIX}{os.getpid()}_{next(_counter)}_"
                                       f"{secrets.token_hex(4)}")
        try:
            mm = _map(path, max(int(nbytes), 1), create=True)
            break
        except FileExistsError:
            continue
    _register(mm, path, owner=os.getpid())
    return mm


def new_array(shape, dtype) -> np.ndarray:
    """A C-contiguous array of `shape` and `dtype` in a new shared block owned by this process."""
    dtype = np.dtype(dtype)
    mm = _new_block(int(np.prod(shape, dtype=np.int64)) * dtype.itemsize)
    return np.ndarray(shape, dtype, buffer=mm)


def block_of(a: np.ndarray):
    """The live block `a`'s memory lies in, or None."""
    if not _starts:
        return None
    addr = _address(a)
    i = bisect.bisect_right(_starts, addr) - 1
    if i < 0:
        return None
    blk = _blocks.get(_starts[i])
    return blk if blk is not None and addr < blk.start + blk.size else None


try:
    from numpy.lib.array_utils import byte_bounds as _byte_bounds
except ImportError:  # NumPy 1.x
    _byte_bounds = np.byte_bounds


def share_(t) -> None:
    """Moves tensor t's values into a new shared block in place (same object, dtype, shape,
    strides, requires_grad and version counter); a no-op when they already are in one. A view
    moves its whole root, and the root's live views follow it (same elements, same layout), so
    the family keeps sharing memory. Other tensors on the old memory (`detach()`, `.data`,
    `from_numpy`) are not tracked and keep it."""
    root = t._base if t._base is not None else t
    if block_of(t._data) is not None:
        return
    old = root._data
    lo, hi = _byte_bounds(old)
    mm = _new_block(hi - lo)
    # the block spans the bytes `old` addresses, laid out as before: a view of old at byte
    # offset k is the same view of the block at offset k
    new = np.ndarray(old.shape, old.dtype, buffer=mm, offset=_address(old) - lo,
                     strides=old.strides)
    np.copyto(new, old)
    root._data = new
    if root._views:
        from .autograd.views import live_views
        for v in live_views(root):
            d = v._data
            vlo, vhi = _byte_bounds(d)
            if v is not root and lo <= vlo and vhi <= hi and (d.size or vlo == lo):
                v._data = np.ndarray(d.shape, d.dtype, buffer=mm, offset=_address(d) - lo,
                                     strides=d.strides)
    if block_of(t._data) is None:  # a view reaching outside its root's memory: on its own
        new = new_array(t._data.shape, t._data.dtype)
        np.copyto(new, t._data)
        t._data = new


# -- pickling -------------------------------------------------------------------------------
def reference(a: np.ndarray):
    """(path, offset, shape, strides, dtype) of an array in a live block; marks it exported."""
    blk = block_of(a)
    blk.exported = True
    return (blk.path, _address(a) - blk.start, a.shape, a.strides, a.dtype.str)


def attach(ref) -> np.ndarray:
    """The array a `reference()` names, mapped from the same block (once per process)."""
    path, offset, shape, strides, dtype = ref
    if not os.path.basename(path).startswith(PREFIX):
        raise ValueError(f"not a dygrad shared-memory block: {path!r}")
    mm = _maps.get(path)  # mapped here already (sent back to us, or received before)
    if mm is None:
        try:
            mm = _map(path, 0, create=False)
        except FileNotFoundError:
            raise RuntimeError(
                f"the shared-memory block {path} of a received tensor no longer exists: the "
                "process that shared it has exited (keep the sending process alive until the "
                "tensor is received)") from None
        _register(mm, path, owner=0)
    return np.ndarray(shape, np.dtype(dtype), buffer=mm, offset=offset, strides=strides)


def rebuild(ref, rg):
    """Unpickles a shared Tensor: its array mapped from the sender's block."""
    from ._tensor import _rebuild
    return _rebuild(attach(ref), rg)

