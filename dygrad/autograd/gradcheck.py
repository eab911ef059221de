"""Finite-difference checks of analytical gradients (use float64 inputs)."""
import numpy as np

from .grad_mode import enable_grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    pass


def _tensors(inputs):
    from .._tensor import Tensor
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    return tuple(inputs)


def _outputs(fn, inputs):
    """The differentiable (floating-point) tensor outputs of fn; index outputs are skipped."""
    from .._tensor import Tensor
    out = fn(*inputs)
    if isinstance(out, Tensor):
        return (out,)
    return tuple(o for o in out if isinstance(o, Tensor) and o._data.dtype.kind in "fV")


def _numerical_jacobian(fn, inputs, wrt, eps):
    """J[i][j]: d out_j / d input_i as a (numel_in, numel_out) array, by central differences."""
    with enable_grad():
        outs = _outputs(fn, inputs)
    jac = []
    for i in wrt:
        x = inputs[i]
        flat = x._data.reshape(-1)
        blocks = [np.zeros((flat.size, o._data.size)) for o in outs]
        for k in range(flat.size):
            orig = flat[k].item()
            flat[k] = orig + eps
            with enable_grad():
                plus = [o._data.astype(np.float64).reshape(-1).copy() for o in _outputs(fn, inputs)]
            flat[k] = orig - eps
            with enable_grad():
                minus = [o._data.astype(np.float64).reshape(-1).copy() for o in _outputs(fn, inputs)]
            flat[k] = orig
            for b, p, m in zip(blocks, plus, minus):
                b[k] = (p - m) / (2 * eps)
        jac.append(blocks)
    return jac


def _analytical_jacobian(fn, inputs, wrt):
    from .._tensor import _wrap
    from . import grad as _grad
    with enable_grad():
        outs = _outputs(fn, inputs)
    jac = [[np.zeros((inputs[i]._data.size, o._data.size)) for o in outs] for i in wrt]
    for j, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for k in range(o._data.size):
            gout = np.zeros(o._data.size, o._data.dtype)
            gout[k] = 1
            gs = _grad([o], [inputs[i] for i in wrt], [_wrap(gout.reshape(o._data.shape))],
                       retain_graph=True, allow_unused=True)
            for n, g in enumerate(gs):
                if g is not None:
                    jac[n][j][:, k] = g._data.astype(np.float64).reshape(-1)
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False, check_forward_ad=False,
              check_backward_ad=True, fast_mode=False, masked=None):
    inputs = _tensors(inputs)
    wrt = [i for i, x in enumerate(inputs) if getattr(x, "requires_grad", False)]
    if not wrt:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for i in wrt:
        if inputs[i]._data.dtype != np.float64:
            import warnings
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point. This check will likely fail if all the inputs are not of double "
                          "precision floating point.", UserWarning)
    num = _numerical_jacobian(func, inputs, wrt, eps)
    ana = _analytical_jacobian(func, inputs, wrt)
    for n, i in enumerate(wrt):
        for j, (a, b) in enumerate(zip(ana[n], num[n])):
            if not np.allclose(a, b, rtol=rtol, atol=atol):
                msg = (f"Jacobian mismatch for output {j} with respect to input {i},\n"
                       f"numerical:{b}\nanalytical:{a}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False):
    """Checks second derivatives: gradcheck of (inputs, grad_outputs) -> grad of func."""
    from .._tensor import _wrap
    from . import grad as _grad
    inputs = _tensors(inputs)
    with enable_grad():
        outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(_wrap(rng.standard_normal(o._data.shape).astype(o._data.dtype), True)
                             for o in outs if o._data.dtype.kind in "fV")
    grad_outputs = _tensors(grad_outputs)
    n_in = len(inputs)
    wrt_idx = [i for i, x in enumerate(inputs) if x.requires_grad]

    def first_grad(*args):
        xs, gos = args[:n_in], args[n_in:]
        outs_ = _outputs(func, xs)
        gs = _grad(outs_, [xs[i] for i in wrt_idx], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grad, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
