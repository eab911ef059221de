"""dygrad.func (``torch.func``, also ``functorch``): composable function transforms.

``functional_call`` runs a module with other parameters; ``grad``, ``grad_and_value``, ``vjp``,
``jvp``, ``jacrev``, ``jacfwd``, ``hessian`` and ``vmap`` transform functions of tensors and
compose with each other and with eager autograd (docs/func.md); ``stack_module_state`` prepares
ensembles.
"""
from ._functional_call import functional_call, stack_module_state
from ._grad import grad, grad_and_value, vjp
from ._forward import jvp
from ._jac import jacrev, jacfwd, hessian
from ._vmap import vmap  # vmap: batching rules in _batching*.py
from ._extras import linearize, functionalize, replace_all_batch_norm_modules_

__all__ = ["functional_call", "stack_module_state", "grad", "grad_and_value", "vjp", "jvp",
           "jacrev", "jacfwd", "hessian", "vmap", "linearize", "functionalize",
           "replace_all_batch_norm_modules_"]
