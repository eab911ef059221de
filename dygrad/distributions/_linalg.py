"""Cholesky factorisation and lower-triangular solves with gradients, for MultivariateNormal.

dygrad.linalg has neither cholesky nor solve_triangular yet; these two differentiable functions
keep MultivariateNormal on dygrad's autograd until they become declared ops there.
"""
import numpy as np

import dygrad as torch
from dygrad.autograd import Function


def _T(a):
    return np.swapaxes(a, -1, -2)


def _lower_solve(L, B):
    """L^{-1} B for lower-triangular L (batched, broadcast)."""
    return np.linalg.solve(L, B)


def _first_failure(m):
    """The order of the first leading minor of m that is not positive-definite."""
    for k in range(1, m.shape[-1] + 1):
        try:
            np.linalg.cholesky(m[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return m.shape[-1]


def _not_pd_message(a):
    """PyTorch's message for a failed Cholesky factorisation (error path only)."""
    batch = ""
    m = a
    if a.ndim > 2:
        flat = a.reshape((-1,) + a.shape[-2:])
        for i, mi in enumerate(flat):
            try:
                np.linalg.cholesky(mi)
            except np.linalg.LinAlgError:
                batch, m = f"(Batch element {i}): ", mi
                break
    return (f"linalg.cholesky: {batch}The factorization could not be completed because the input "
            f"is not positive-definite (the leading minor of order {_first_failure(m)} is not "
            "positive-definite).")


class _Cholesky(Function):
    @staticmethod
    def forward(ctx, A):
        a = A.detach().numpy()
        try:
            L = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise torch.linalg.LinAlgError(_not_pd_message(a)) from None
        out = torch.from_numpy(L)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, gL):
        # A = L L^T: gA = L^{-T} Phi(L^T gL) L^{-1}, symmetrised, where Phi keeps the lower
        # triangle and halves the diagonal (only L's lower triangle is a function of A)
        (L,) = ctx.saved_tensors
        L = L.detach().numpy()
        g = np.tril(gL.detach().numpy())
        P = np.tril(_T(L) @ g)
        P = P - 0.5 * np.tril(np.triu(P))  # halve the diagonal
        Lt = _T(L)
        Y = np.linalg.solve(Lt, P)                 # L^{-T} P
        gA = _T(np.linalg.solve(Lt, _T(Y)))        # (L^{-T} P) L^{-1}
        return torch.from_numpy(0.5 * (gA + _T(gA)))


class _SolveLower(Function):
    @staticmethod
    def forward(ctx, L, B):
        X = torch.from_numpy(_lower_solve(L.detach().numpy(), B.detach().numpy()))
        ctx.save_for_backward(L, X)
        return X

    @staticmethod
    def backward(ctx, gX):
        L, X = ctx.saved_tensors
        L, X = L.detach().numpy(), X.detach().numpy()
        gB = np.linalg.solve(_T(L), gX.detach().numpy())  # L^{-T} gX
        gL = -np.tril(gB @ _T(X))
        return torch.from_numpy(gL), torch.from_numpy(gB)


def cholesky(A):
    """Lower Cholesky factor of the (batched) symmetric positive-definite matrix A."""
    return _Cholesky.apply(A)


def solve_lower(L, B):
    """L^{-1} B for lower-triangular L; L and B must have the same batch shape."""
    return _SolveLower.apply(L, B)
