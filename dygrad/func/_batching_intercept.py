"""How vmap reaches the ops: while any vmap runs, the op functions (every declared op, every
public function of the op modules and nn.functional, the random factories, the generator lookup,
the in-place writer and autograd.grad) are swapped, in the dygrad modules and classes that hold
them, for wrappers that send calls with a batched argument to `_batched.dispatch`; the code of
each op function of the public namespaces is also swapped for a trampoline to its wrapper
(dygrad/_trampoline.py), so a reference held outside those modules (a helper module's import, a
closure) is batched too.
`install`/`uninstall` are reference counted (nested vmaps swap once); the list of places is
built once and again only when new modules were imported. When no vmap runs nothing is swapped,
so a plain call pays nothing.
"""
from __future__ import annotations

import sys

from .. import _trampoline
from ..ops._registry import OPS
from ._batched import BatchedTensor, LEVELS, Op, VmapError, _ORIG, _RANDOM, dispatch, max_level, \
    write_into

def _inplace_hook(self, result, overlap_ok=False):
    if type(self) is BatchedTensor or type(result) is BatchedTensor:
        return write_into(self, result)
    return _ORIG["_inplace"](self, result, overlap_ok)


def _rng_hook(generator):
    for lv in LEVELS:
        if lv[2] == "error":
            raise VmapError(_RANDOM)
    return _ORIG["_rng"](generator)


# -- interception ---------------------------------------------------------------------------
_PATCHES: list = []    # (module dict, key, original, wrapper)
_STATE = {"installed": 0, "nmods": -1}


def __vmap_route__(key, args, kwargs):
    """Where a swapped op function's code sends its calls (see _trampoline.py)."""
    return _ROUTES[key](*args, **kwargs)


_ROUTES: dict = {}   # id(function) -> its wrapper, for the trampolines
_STUBS: dict = {}    # id(function) -> (function, its trampoline code)
_PUBLIC: set = set()
_NAMESPACES = ("dygrad", "dygrad.nn.functional", "dygrad.special", "dygrad.linalg",
               "dygrad.fft", "dygrad.nn.init")


def _make_wrapper(name, fn, tramps=None):
    """The dispatching wrapper of op function fn. With `tramps` (a list), fn's code is also
    to be swapped for a trampoline to the wrapper while a vmap runs, so references to fn held
    outside the dygrad modules (another module's import, a closure, a default argument) are
    batched too; the wrapper then runs fn's code through a clone."""
    orig = fn
    if tramps is not None and id(fn) in _PUBLIC and _trampoline.swappable(fn):
        key = id(fn)
        hit = _STUBS.get(key)
        if hit is None or hit[0] is not fn:  # compiled once per function
            hit = _STUBS[key] = (fn, _trampoline.stub_code(fn, "__vmap_route__", key))
        tramps.append((fn, hit[1], fn.__code__))
        fn.__globals__["__vmap_route__"] = __vmap_route__
        fn = _trampoline.clone(fn)
    op = Op(name, fn)

    def vmap_intercept(*args, **kwargs):
        # most calls (the ops' internal calls of each other) carry no batched tensor: a quick
        # look at the argument types before the full scan
        for a in args:
            t = type(a)
            if t is BatchedTensor or t is list or t is tuple:
                break
        else:
            if not kwargs:
                return fn(*args, **kwargs)
        level = max_level(args, kwargs)
        if level:
            return dispatch(name, fn, args, kwargs, op, level)
        return fn(*args, **kwargs)
    vmap_intercept.__name__ = getattr(fn, "__name__", name)
    vmap_intercept.__qualname__ = getattr(fn, "__qualname__", name)
    vmap_intercept.__doc__ = getattr(fn, "__doc__", None)
    vmap_intercept.__wrapped__ = orig
    if fn is not orig:
        _ROUTES[id(orig)] = vmap_intercept
    return vmap_intercept


def _targets():
    """{id(function): (function, wrapper)} for every function vmap intercepts."""
    from .. import random as _random, _tensor, _creation, autograd
    from ..nn import functional as nnf
    from ..ops import elementwise, inplace, sampling
    from . import _batching_autograd
    found = {}
    tramps = _STATE["tramps"] = []
    # the trampolines are for the functions users can hold (the public namespaces): swapping
    # every op function's code would cost more per vmap call than the rest of install
    _PUBLIC.clear()
    for name in _NAMESPACES:
        mod = sys.modules.get(name)
        if mod is not None:
            _PUBLIC.update(id(v) for v in vars(mod).values() if callable(v))
    from ..ops import indexing
    found[id(indexing.getitem)] = (indexing.getitem,
                                   _make_wrapper("__getitem__", indexing.getitem, tramps))
    found[id(indexing.setitem)] = (indexing.setitem,
                                   _make_wrapper("__setitem__", indexing.setitem, tramps))
    for mod, names in ((_creation, ("zeros_like", "ones_like", "full_like", "empty_like")),
                       (sampling, ("rand_like", "randn_like", "randint_like"))):
        for name in names:
            fn = getattr(mod, name)
            found[id(fn)] = (fn, _make_wrapper(name, fn, tramps))
    for name, decl in OPS.items():
        found[id(decl.fn)] = (decl.fn, _make_wrapper(name, decl.fn, tramps))
    # every public function of the op modules (helpers such as the recurrent layers' kernels
    # are called by modules as attributes of their op module)
    mods = [m for n, m in list(sys.modules.items()) if m is not None and
            n.startswith("dygrad.ops.") and not n.startswith("dygrad.ops._")]
    for mod in [nnf, elementwise, inplace] + mods:
        for name, fn in list(vars(mod).items()):
            if (callable(fn) and not isinstance(fn, type) and not name.startswith("__")
                    and getattr(fn, "__module__", "").startswith("dygrad.ops")
                    and id(fn) not in found):
                found[id(fn)] = (fn, _make_wrapper(getattr(fn, "__name__", name), fn, tramps))
    from . import _batching_random
    for fn, wrapper in _batching_random.factories():
        found[id(fn)] = (fn, wrapper)
    _ORIG["autograd_grad"] = autograd.grad
    found[id(autograd.grad)] = (autograd.grad, _batching_autograd.grad_hook)
    _ORIG["_inplace"] = _tensor._inplace
    _ORIG["_rng"] = _random._rng
    found[id(_tensor._inplace)] = (_tensor._inplace, _inplace_hook)
    found[id(_random._rng)] = (_random._rng, _rng_hook)
    return found


_OWN = ("dygrad.func._batch", "dygrad.func._vmap")
_WRAPPER_CODES: set = set()


def _wrapper_codes():
    from . import _batching_random
    codes = {_make_wrapper("x", len).__code__}
    codes |= {w.__code__ for _, w in _batching_random.factories()[:1]}
    codes |= {w.__code__ for _, w in _batching_random.factories()[-1:]}
    return codes


def _scan():
    global _WRAPPER_CODES
    if not _WRAPPER_CODES:
        _WRAPPER_CODES = _wrapper_codes()
    targets = _STATE["targets"] = _targets()
    patches = []
    for modname, mod in list(sys.modules.items()):
        if mod is None or not (modname == "dygrad" or modname.startswith("dygrad.")):
            continue
        if modname.startswith(_OWN):
            continue
        d = getattr(mod, "__dict__", None)
        if not d:
            continue
        for key, val in list(d.items()):
            if getattr(val, "__name__", None) is not None and \
                    getattr(val, "__code__", None) in _WRAPPER_CODES:
                # bound to a wrapper by a module imported while a vmap ran: the function again
                val = d[key] = val.__wrapped__
            hit = targets.get(id(val))
            if hit is not None and hit[0] is val:
                patches.append((d, key, val, hit[1]))
            elif isinstance(val, type) and val.__module__ == modname:
                # a class holding an op as an attribute (nn.Conv2d's `_conv_fn`)
                for ckey, cval in list(val.__dict__.items()):
                    fn = cval.__func__ if isinstance(cval, staticmethod) else cval
                    hit = targets.get(id(fn))
                    if hit is not None and hit[0] is fn:
                        w = staticmethod(hit[1]) if isinstance(cval, staticmethod) else hit[1]
                        patches.append((val, ckey, cval, w))
    _PATCHES[:] = patches
    _STATE["nmods"] = len(sys.modules)


def _grouped():
    """The patches grouped per dict ({dict: (wrappers, originals)}) and the class ones."""
    groups, classes = {}, []
    for d, key, orig, wrapper in _PATCHES:
        if type(d) is dict:
            w, o = groups.setdefault(id(d), (d, {}, {}))[1:]
            w[key] = wrapper
            o[key] = orig
        else:
            classes.append((d, key, orig, wrapper))
    _STATE["groups"] = list(groups.values())
    _STATE["classes"] = classes


def install():
    """Swaps the op functions for the dispatching wrappers (first running vmap only)."""
    if _STATE["installed"] == 0:
        if _STATE["nmods"] != len(sys.modules):
            _scan()
            _grouped()
        for d, wrappers, _ in _STATE["groups"]:
            d.update(wrappers)
        for cls, key, orig, wrapper in _STATE["classes"]:
            setattr(cls, key, wrapper)
        for fn, stub, _ in _STATE["tramps"]:
            fn.__code__ = stub
    _STATE["installed"] += 1


def patch_globals(func):
    """Patches the globals of the user's module of `func` too (`from torch.nn.functional
    import relu` binds the function there); returns what to restore."""
    g = getattr(getattr(func, "__func__", func), "__globals__", None)
    if g is None or g.get("__name__", "").startswith("dygrad"):
        return ()
    targets = _STATE["targets"]
    done = []
    for key, val in list(g.items()):
        hit = targets.get(id(val))
        if hit is not None and hit[0] is val:
            g[key] = hit[1]
            done.append((g, key, val, hit[1]))
    return done


def target_wrapper(func):
    """The dispatching wrapper of `func` when vmap intercepts it (vmap(F.linear))."""
    hit = _STATE["targets"].get(id(func))
    return hit[1] if hit is not None and hit[0] is func else func


def unpatch(done):
    for d, key, orig, wrapper in done:
        if d.get(key) is wrapper:
            d[key] = orig


def uninstall():
    _STATE["installed"] -= 1
    if _STATE["installed"] == 0:
        for d, _, originals in _STATE["groups"]:
            d.update(originals)
        for cls, key, orig, wrapper in _STATE["classes"]:
            setattr(cls, key, orig)
        for fn, _, code in _STATE["tramps"]:
            fn.__code__ = code
