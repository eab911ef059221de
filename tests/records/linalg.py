"""Op records: matmul-family ops, einsum and linear algebra.

The matmul family and the basic linalg functions are call records with NumPy references
(checked without torch too); the expression samples after them are the parity sweep's cases,
kept under their sweep names (see tests/records/_names.py)."""
import numpy as np

from dygrad.testing import OpRecord, RecordSet, S
from dygrad.testing._samples import array, rng_for
from dygrad.testing.parity import A
from tests.records._names import folder

R = RecordSet()
TOL = (1e-5, 1e-5)
case, add = folder(R)


def _calls(name, shapes, dts=("f64",), bad=(), **kw):
    """Call samples of `name` over operand shapes; shapes in `bad` must raise RuntimeError."""
    rng = rng_for(name)
    return [S(*(array(rng, dt, sh) for sh in shp), _label=f"{name}_{dt}_{shp}", _tol=TOL,
              _raises=RuntimeError if shp in bad else None, **kw) for dt in dts for shp in shapes]


# known dygrad gaps (strict xfails: the run fails once fixed, then the entry goes)
NO_OUT = {}
MM_SHAPES = [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
             ((2, 1, 2, 3), (5, 3, 4)), ((0, 3), (3, 2)), ((2, 0), (0, 3)), ((2, 3), (4, 5))]
R.add(OpRecord("matmul", samples=_calls("matmul", MM_SHAPES, ("f32", "f64"), bad={((2, 3), (4, 5))}),
               ref=np.matmul, gradgrad=True, supports_out=True, inplace=False))
R.add(OpRecord("mm", samples=_calls("mm", [((2, 3), (3, 4)), ((0, 3), (3, 2))]), ref=np.matmul, gradgrad=True,
               supports_out=True))
R.add(OpRecord("bmm", samples=_calls("bmm", [((2, 2, 3), (2, 3, 4))]), ref=np.matmul, gradgrad=True, supports_out=True))
R.add(OpRecord("mv", samples=_calls("mv", [((2, 3), (3,))]), ref=np.matmul, gradgrad=True, supports_out=True))
R.add(OpRecord("dot", samples=_calls("dot", [((5,), (5,))]), ref=np.dot, gradgrad=True, supports_out=True))
R.add(OpRecord("outer", samples=_calls("outer", [((3,), (4,))]), ref=np.outer, gradgrad=True, supports_out=True))
R.add(OpRecord("addmm", samples=_calls("addmm", [((4,), (2, 3), (3, 4))], beta=0.5, alpha=2.0),
               ref=lambda c, a, b, beta, alpha: beta * c + alpha * (a @ b), gradgrad=True, supports_out=True))
SPD = [((3, 3),), ((2, 3, 3),)]


def _well_conditioned(samples):
    for s in samples:  # a + 3 I: far from singular, so finite differences are stable
        s.args = (s.args[0] + 3 * np.eye(s.args[0].shape[-1]),) + s.args[1:]
    return samples


for name, ref in (("linalg.inv", np.linalg.inv), ("linalg.det", np.linalg.det), ("inverse", np.linalg.inv),
                  ("det", np.linalg.det)):
    R.add(OpRecord(name, _well_conditioned(_calls(name, SPD)), ref=ref, supports_out=name != "det",
                   xfails=NO_OUT.get(name)))
R.add(OpRecord("slogdet", _well_conditioned(_calls("slogdet", SPD)), ref=lambda a: tuple(np.linalg.slogdet(a)),
               supports_out=True))
R.add(OpRecord("tensordot", _calls("tensordot", [((2, 3, 4), (3, 4, 5)), ((3, 4), (3, 4))], ("f32", "f64")),
               ref=lambda a, b: np.tensordot(a, b, 2), gradgrad=True, supports_out=True))
R.add(OpRecord("linalg.solve", samples=_well_conditioned(_calls("linalg.solve", [((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 1))])),
               ref=np.linalg.solve, supports_out=True))


MATMUL_SHAPES = [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                 ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)), ((2, 1, 2, 3), (5, 3, 4)), ((3,), (5, 3, 4)),
                 ((5, 2, 3), (3,)), ((2, 3), (4, 5)), ((3,), (4,)), ((0, 3), (3, 2)), ((2, 0), (0, 3))]
for sa, sb in MATMUL_SHAPES:
    add(case(f"matmul_{sa}_{sb}", lambda T, a, b: a @ b, A("f32", *sa), A("f32", *sb), tol=TOL))
    add(case(f"matmul_fn_f64_{sa}_{sb}", lambda T, a, b: T.matmul(a, b), A("f64", *sa), A("f64", *sb)))
add(case("matmul_int", lambda T, a, b: a @ b, A("i64", 2, 3), A("i64", 3, 2)))
add(case("matmul_mixed_err", lambda T, a, b: a @ b, A("f32", 2, 3), A("f64", 3, 2)))
add(case("matmul_int_float_err", lambda T, a, b: a @ b, A("i64", 2, 3), A("f32", 3, 2)))
add(case("matmul_0d_err", lambda T, a, b: T.matmul(a, b), np.asarray(np.float32(2)), A("f32", 3)))
add(case("mm", lambda T, a, b: T.mm(a, b), A("f32", 2, 3), A("f32", 3, 4), tol=TOL))
add(case("mm_1d_err", lambda T, a, b: T.mm(a, b), A("f32", 3), A("f32", 3, 4)))
add(case("bmm", lambda T, a, b: a.bmm(b), A("f32", 2, 2, 3), A("f32", 2, 3, 4), tol=TOL))
add(case("bmm_bad_batch", lambda T, a, b: T.bmm(a, b), A("f32", 2, 2, 3), A("f32", 3, 3, 4)))
add(case("mv", lambda T, a, b: T.mv(a, b), A("f32", 2, 3), A("f32", 3), tol=TOL))
add(case("dot", lambda T, a, b: T.dot(a, b), A("f32", 5), A("f32", 5), tol=TOL))
add(case("dot_int", lambda T, a, b: a.dot(b), A("i64", 5), A("i64", 5)))
add(case("dot_2d_err", lambda T, a, b: T.dot(a, b), A("f32", 2, 5), A("f32", 5)))
add(case("dot_dtype_err", lambda T, a, b: T.dot(a, b), A("f32", 5), A("f64", 5)))
add(case("vdot", lambda T, a, b: T.vdot(a, b), A("f64", 4), A("f64", 4)))
add(case("outer", lambda T, a, b: T.outer(a, b), A("f32", 3), A("f32", 4)))
add(case("outer_mixed", lambda T, a, b: a.outer(b), A("i64", 3), A("f32", 4)))
add(case("ger", lambda T, a, b: T.ger(a, b), A("f64", 3), A("f64", 2)))
add(case("addmm", lambda T, c, a, b: T.addmm(c, a, b, beta=0.5, alpha=2), A("f32", 4), A("f32", 2, 3), A("f32", 3, 4), tol=TOL))
add(case("addmm_beta0_nan", lambda T, c, a, b: T.addmm(c, a, b, beta=0), np.full((2, 4), np.nan, np.float32), A("f32", 2, 3), A("f32", 3, 4), tol=TOL))
add(case("baddbmm", lambda T, c, a, b: T.baddbmm(c, a, b, alpha=0.5), A("f32", 2, 4), A("f32", 3, 2, 3), A("f32", 3, 3, 4), tol=TOL))
add(case("tensordot_int", lambda T, a, b: T.tensordot(a, b, 1), A("f32", 2, 3), A("f32", 3, 4), tol=TOL))
add(case("tensordot_lists", lambda T, a, b: T.tensordot(a, b, ([0, 1], [1, 0])), A("f32", 2, 3, 4), A("f32", 3, 2, 5), tol=TOL))
add(case("tensordot_default", lambda T, a, b: T.tensordot(a, b), A("f64", 2, 3, 4), A("f64", 3, 4, 5)))
add(case("cross", lambda T, a, b: T.cross(a, b, dim=1), A("f32", 4, 3), A("f32", 4, 3), tol=TOL))
add(case("cross_bcast", lambda T, a, b: T.linalg.cross(a, b), A("f32", 4, 3), A("f32", 3), tol=TOL))
add(case("cdist", lambda T, a, b: T.cdist(a, b), A("f64", 4, 3), A("f64", 5, 3)))
add(case("cdist_p1", lambda T, a, b: T.cdist(a, b, p=1), A("f64", 2, 4, 3), A("f64", 2, 5, 3)))

EINSUM = [("ij,jk->ik", (2, 3), (3, 4)), ("ij,jk", (2, 3), (3, 4)), ("bij,bjk->bik", (2, 2, 3), (2, 3, 4)),
          ("i,i->", (4,), (4,)), ("i,j->ij", (3,), (4,)), ("ii->i", (3, 3)), ("ii", (3, 3)),
          ("ij->ji", (2, 3)), ("ij->", (2, 3)), ("...ij,...jk->...ik", (5, 2, 3), (3, 4)),
          ("b...,b...->b", (2, 3, 4), (2, 3, 4)), ("ij,ij->ij", (2, 3), (2, 3)), ("i j , j k -> i k", (2, 3), (3, 4)),
          ("bhqd,bhkd->bhqk", (2, 2, 3, 4), (2, 2, 5, 4)), ("ijk->kji", (2, 3, 4)), ("iij->j", (3, 3, 2)),
          ("ij,kj->ikj", (2, 3), (4, 3)), ("i,i,i->", (3,), (3,), (3,)), ("ij,jk,kl->il", (2, 3), (3, 4), (4, 2)),
          ("ij,jk->ik", (2, 3), (4, 4)), ("ij->k", (2, 3)), ("ab,b->a", (2, 3), (1,)), ("...,...->...", (2, 3), (3,))]
for spec in EINSUM:
    eq, shapes = spec[0], spec[1:]
    add(case(f"einsum_{eq}_{shapes}", lambda T, *ops, e=eq: T.einsum(e, *ops), *[A("f64", *s) for s in shapes]))
add(case("einsum_list_operands", lambda T, a, b: T.einsum("ij,jk->ik", [a, b]), A("f32", 2, 3), A("f32", 3, 4), tol=TOL))
add(case("einsum_int", lambda T, a, b: T.einsum("ij,jk->ik", a, b), A("i64", 2, 3), A("i64", 3, 4)))

SQ = A("f64", 3, 3) + 3 * np.eye(3)
add(case("inverse", lambda T, m: T.inverse(m), SQ))
add(case("inverse_batched", lambda T, m: m.inverse(), np.stack([SQ, SQ.T])))
add(case("inverse_singular", lambda T, m: T.inverse(m), np.zeros((2, 2))))
add(case("inverse_nonsquare", lambda T, m: T.inverse(m), A("f64", 2, 3)))
add(case("inverse_int_err", lambda T, m: T.inverse(m), np.eye(2, dtype=np.int64)))
add(case("det", lambda T, m: T.det(m), SQ))
add(case("det_batched", lambda T, m: m.det(), np.stack([SQ, SQ.T])))
add(case("slogdet", lambda T, m: T.slogdet(m), SQ))
add(case("linalg_slogdet", lambda T, m: T.linalg.slogdet(m), -SQ))
add(case("linalg_inv", lambda T, m: T.linalg.inv(m), SQ))
add(case("linalg_det", lambda T, m: T.linalg.det(m), SQ))
add(case("linalg_solve", lambda T, m, b: T.linalg.solve(m, b), SQ, A("f64", 3, 2)))
add(case("linalg_solve_vec", lambda T, m, b: T.linalg.solve(m, b), SQ, A("f64", 3)))
add(case("linalg_norm", lambda T, m: T.linalg.norm(m), A("f32", 3, 4)))
add(case("linalg_norm_ord", lambda T, m: T.linalg.norm(m, 1, dim=1), A("f64", 3, 4)))
add(case("linalg_vector_norm", lambda T, m: T.linalg.vector_norm(m, 3, dim=(0, 1)), A("f64", 3, 4)))
add(case("linalg_vector_norm_inf", lambda T, m: T.linalg.vector_norm(m, float("inf")), A("f64", 3, 4)))
add(case("linalg_matrix_norm", lambda T, m: T.linalg.matrix_norm(m), A("f64", 2, 3, 4)))
add(case("linalg_matrix_norm_nuc", lambda T, m: T.linalg.matrix_norm(m, "nuc"), A("f64", 3, 4)))
add(case("linalg_matrix_norm_2", lambda T, m: T.linalg.matrix_norm(m, 2), A("f64", 3, 4)))
add(case("linalg_matrix_norm_1", lambda T, m: T.linalg.matrix_norm(m, 1), A("f64", 3, 4)))
add(case("linalg_norm_int_err", lambda T, m: T.linalg.norm(m), A("i64", 3)))
add(case("linalg_matmul", lambda T, a, b: T.linalg.matmul(a, b), A("f64", 2, 3), A("f64", 3)))


# -- matrix helpers ----------------------------------------------------------------------------------
M = A("f64", 3, 3) + 3 * np.eye(3)
MAT = {
    "trace": lambda T, m, v: T.trace(m), "trace_method": lambda T, m, v: m[:, :2].trace(),
    "kron": lambda T, m, v: T.kron(m[:2], v[:2]), "kron_2d": lambda T, m, v: T.kron(m[:2, :2], m), "inner": lambda T, m, v: T.inner(m, m[:2]),
    "inner_vec": lambda T, m, v: T.inner(v, v), "addmv": lambda T, m, v: T.addmv(v, m, v, beta=0.5, alpha=2),
    "addr": lambda T, m, v: T.addr(m, v, v * 2, alpha=3), "matrix_power_3": lambda T, m, v: T.matrix_power(m, 3),
    "matrix_power_0": lambda T, m, v: T.matrix_power(m, 0), "matrix_power_neg": lambda T, m, v: T.matrix_power(m, -2),
    "matrix_power_1": lambda T, m, v: m.matrix_power(1), "logdet": lambda T, m, v: T.logdet(m),
    "logdet_neg": lambda T, m, v: T.logdet(-m), "block_diag": lambda T, m, v: T.block_diag(m, v, v[0], m[:1, :2]),
    "chain_matmul": lambda T, m, v: T.chain_matmul(m, m, m[:, :2]), "dist": lambda T, m, v: T.dist(m, m.T),
    "dist_p1": lambda T, m, v: T.dist(v, v * 0, 1), "cov": lambda T, m, v: T.cov(m), "cov_1d": lambda T, m, v: T.cov(v),
    "cov_corr0": lambda T, m, v: T.cov(m, correction=0), "corrcoef": lambda T, m, v: T.corrcoef(m),
    "cov_fw": lambda T, m, v: T.cov(m, fweights=T.tensor([1, 2, 1])),
    "cov_aw": lambda T, m, v: T.cov(m, aweights=v.abs()), "trace_3d_err": lambda T, m, v: T.trace(m.reshape(1, 3, 3)),
}
for name, fn in MAT.items():
    add(case(name, fn, M, A("f64", 3)))
add(case("trace_int", lambda T, m: T.trace(m), A("i32", 3, 3)))
add(case("kron_int", lambda T, a, b: T.kron(a, b), A("i64", 2, 2), A("i64", 3)))
add(case("block_diag_mixed", lambda T, a, b: T.block_diag(a, b), A("i64", 2, 2), A("f32", 1, 3)))
add(case("addbmm", lambda T, c, a, b: T.addbmm(c, a, b, beta=0.5), A("f32", 2, 4), A("f32", 3, 2, 3), A("f32", 3, 3, 4), tol=TOL))
add(case("cov_int", lambda T, x: T.cov(x), A("i64", 2, 5)))
