"""Parity sweep of matmul-family ops, einsum equations and linear algebra (see parity_helpers),
over the 1-d/2-d/batched shape rules, dtype mixes and errors."""
import numpy as np
import pytest

from parity_helpers import A, case, params, run_case

torch = pytest.importorskip("torch")

CASES = []
add = CASES.append
TOL = (1e-5, 1e-5)

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


@pytest.mark.parametrize("c", params(CASES))
def test_parity(c):
    run_case(c, torch)
