"""A small pool of large private scratch arrays (im2col columns, padded inputs, norm temporaries).

Why: a fresh multi-megabyte ndarray is a fresh mapping from the allocator, and touching it costs
one page fault per 4 KiB; in a convolutional training step that was a quarter or more of the time.
Reusing arrays of the same shape avoids it.

Rules that keep reuse safe: only arrays that never reach the user go through here (never an op's
output or a gradient a backward returns), and an array is given back only by the code that took it,
once nothing reads it any more (a node gives back what it saved for backward in `_release_extra`,
which the engine calls after the node's last backward). `give` also refuses an array that something
else still references (a leftover view would see its data change).
"""
import sys

import numpy as np

_MIN_BYTES = 1 << 16     # below this malloc recycles memory itself; pooling would only cost time
_PER_KEY = 8             # a network repeats a few shapes; more than this would be idle memory
_LIMIT = 96 << 20        # bytes the pool may hold while nobody uses them
_free = {}               # (shape, dtype) -> [ndarray, ...], least recently given first
_held = [0]


def take(shape, dtype):
    """An uninitialised C-contiguous array of `shape`, reused when one is free."""
    lst = _free.get((shape, dtype))
    if lst:
        try:
            a = lst.pop()
        except IndexError:  # another thread took the last one since the check
            return np.empty(shape, dtype)
        _held[0] -= a.nbytes
        return a
    return np.empty(shape, dtype)


def give(a):
    """Hands `a` (taken earlier, no views of it left) back for reuse."""
    if a.nbytes < _MIN_BYTES or a.base is not None or sys.getrefcount(a) > _REFS:
        return
    key = (a.shape, a.dtype)
    lst = _free.pop(key, None)  # re-inserted last: the dict stays ordered by last use
    if lst is None:
        lst = []
    _free[key] = lst
    if len(lst) >= _PER_KEY:
        return
    lst.append(a)
    _held[0] += a.nbytes
    if _held[0] > _LIMIT:
        _trim()


def _trim():
    # drop the shapes seen longest ago first (e.g. an old batch size), keeping the newest
    for key in list(_free):
        if _held[0] <= _LIMIT:
            break
        for a in _free.pop(key, ()):
            _held[0] -= a.nbytes


def _refs_of_a_local():
    # what getrefcount reports for an array only the caller's local name holds (3 on CPython
    # 3.11: that name, give's parameter, getrefcount's argument); a live view adds one
    def probe(a):
        return sys.getrefcount(a)
    a = np.empty(1)
    return probe(a)


_REFS = _refs_of_a_local()


def clear():
    """Drops every pooled array (tests, or to hand the memory back)."""
    _free.clear()
    _held[0] = 0
