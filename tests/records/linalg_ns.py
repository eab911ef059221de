"""Op records: the torch.linalg functions beside inv/det/solve (those are in linalg.py):
inv_ex, solve_ex, cross, vecdot, multi_dot, matrix_power, as call records with NumPy references."""
import numpy as np

from dygrad.testing import OpRecord, RecordSet, S
from dygrad.testing._samples import array, rng_for

R = RecordSet()
TOL = (1e-5, 1e-5)


def _square(g, *shape):
    """A well-conditioned float64 matrix (batch): random + 3 I."""
    return array(g, "f64", shape) + 3 * np.eye(shape[-1])


def _rec(name, ref, make, **opts):
    return R.add(OpRecord(f"linalg.{name}", make(rng_for(f"linalg.{name}")), ref=ref, tol=TOL,
                          supports_out=True, **opts))


def _info(a):
    return np.zeros(a.shape[:-2], np.int32)


_rec("inv_ex", lambda a: (np.linalg.inv(a), _info(a)), lambda g: [
    S(_square(g, 3, 3), _label="inv_ex"), S(_square(g, 2, 3, 3), _label="inv_ex_batched")])
_rec("solve_ex", lambda a, b: (np.linalg.solve(a, b), _info(a)), lambda g: [
    S(_square(g, 3, 3), array(g, "f64", (3, 2)), _label="solve_ex")])
_rec("cross", lambda a, b, dim=-1: np.cross(a, b, axis=dim), lambda g: [
    S(array(g, "f32", (4, 3)), array(g, "f32", (4, 3)), _label="cross_f32"),
    S(array(g, "f64", (4, 3)), array(g, "f64", (1, 3)), _label="cross_bcast"),
    S(array(g, "f64", (4, 3)), array(g, "f64", (3,)), _label="cross_ndim", _raises=RuntimeError),
    S(array(g, "f64", (3, 2)), array(g, "f64", (3, 2)), dim=0, _label="cross_dim0"),
    S(array(g, "f32", (4, 2)), array(g, "f32", (4, 2)), _label="cross_bad", _raises=RuntimeError)], gradgrad=True)
_rec("vecdot", lambda x, y, dim=-1: np.sum(x * y, axis=dim), lambda g: [
    S(array(g, "f32", (3, 4)), array(g, "f32", (3, 4)), _label="vecdot_f32"),
    S(array(g, "f64", (2, 3, 4)), array(g, "f64", (4,)), _label="vecdot_bcast"),
    S(array(g, "f64", (3, 4)), array(g, "f64", (3, 4)), dim=0, _label="vecdot_dim0")], gradgrad=True)
_rec("multi_dot", lambda ms: np.linalg.multi_dot(ms), lambda g: [
    S([array(g, "f64", (2, 3)), array(g, "f64", (3, 4)), array(g, "f64", (4, 2))], _label="multi_dot_3"),
    S([array(g, "f64", (3,)), array(g, "f64", (3, 4)), array(g, "f64", (4,))], _label="multi_dot_vec_ends"),
    S([array(g, "f32", (2, 3))], _label="multi_dot_one", _raises=RuntimeError)], gradgrad=True)
_rec("matrix_power", np.linalg.matrix_power, lambda g: [
    S(_square(g, 3, 3), n, _label=f"matrix_power_{n}") for n in (0, 1, 3, -2)]
    + [S(_square(g, 2, 3, 3), 2, _label="matrix_power_batched")])
