"""The rest of torch.func: linearize, functionalize and replace_all_batch_norm_modules_."""
import functools

from ..autograd.grad_mode import enable_grad
from ._forward import Linearized, cast_tangents, widen
from ._grad import Level, enter_args, flat_outputs, _size
from ..utils._pytree import tree_flatten, tree_unflatten

__all__ = ["linearize", "functionalize", "replace_all_batch_norm_modules_"]


def linearize(func, *primals):
    """``(func(*primals), jvp_fn)``: ``jvp_fn(*tangents)`` is the Jacobian-vector product at
    `primals`, computed without running `func` again (one forward, any number of tangents).

    Example::

        >>> out, jvp_fn = torch.func.linearize(torch.sin, torch.tensor([0., 1.]))
        >>> jvp_fn(torch.ones(2))
        tensor([1.0000, 0.5403])
    """
    level = Level()
    with enable_grad():
        args, flat, _ = enter_args(level, primals, tuple(range(len(primals)))) \
            if primals else ([], [], [])
        out = func(*args)
        outs, out_spec = flat_outputs(out, "linearize(f, *primals)")
        lin = Linearized(level, outs, flat)
    _, p_spec = tree_flatten(primals)

    def jvp_fn(*tangents):
        t_flat, t_spec = tree_flatten(tangents)
        if t_spec != p_spec:
            raise RuntimeError(f"Expected the tangents {t_spec!r} to have the same argspec as "
                               f"the primals {p_spec!r}")
        for i, (t, x) in enumerate(zip(t_flat, flat)):
            if tuple(t.shape) != tuple(x.shape):
                raise RuntimeError(
                    f"tangent:{i} with shape {_size(t.shape)} in flattened pytree doesn't match "
                    f"the shape {_size(x.shape)} of the corresponding primal.")
        with enable_grad():
            return tree_unflatten(widen(lin(cast_tangents(t_flat, flat)), t_flat), out_spec)

    return tree_unflatten([level.lower(o) for o in outs], out_spec), jvp_fn


_REMOVE = ("mutations", "mutations_and_views")


def functionalize(func, *, remove="mutations"):
    """`func` with its in-place operations replaced by out-of-place ones. Eager dygrad computes
    the same values either way (mutations of the inputs still reach the caller's tensors, as in
    PyTorch), so this returns a function that calls `func`.

    Example::

        >>> def f(a):
        ...     b = a.clone(); b.add_(1); return b
        >>> torch.func.functionalize(f)(torch.tensor([1., 2.]))
        tensor([2., 3.])
    """
    if remove not in _REMOVE:
        raise RuntimeError(
            f"functionalize(f, remove='mutations'): received invalid argument for "
            f"remove={remove}. Valid options are:\n     remove='mutations': all inplace and out= "
            "operators will be removed from the program, and replaced with their out-of-place "
            "equivalents.\n     remove='mutations_and_views': In addition to the above, all "
            "aliasing operators {view} will be replaced with their non-aliasing counterparts, "
            "{view}_copy.\n")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)
    return wrapper


def replace_all_batch_norm_modules_(root):
    """Makes every BatchNorm in `root` use batch statistics without tracking running ones
    (``running_mean``/``running_var``/``num_batches_tracked`` set to None), in place, as
    transforms over a batch of models need; returns `root`."""
    from ..nn.modules.batchnorm import _BatchNorm
    for module in root.modules():
        if isinstance(module, _BatchNorm):
            module.running_mean = None
            module.running_var = None
            module.num_batches_tracked = None
            module.track_running_stats = False
    return root
