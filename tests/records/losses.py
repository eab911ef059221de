"""Op records: the losses of torch.nn.functional.

The common losses are call records with NumPy references (checked without torch too); the
expression samples after them are the parity sweep's cases (reductions, weights, ignore_index,
label smoothing, probability targets, errors), kept under their sweep names (see
tests/records/_names.py)."""
import numpy as np

from dygrad.testing import OpRecord, RecordSet, S
from dygrad.testing._samples import array, rng_for
from dygrad.testing.parity import A
from tests.records._names import folder

R = RecordSet()
TOL = (1e-5, 1e-5)
case, add = folder(R)


def F(T):
    return T.nn.functional


# -- losses as call records ---------------------------------------------------------------------------
def _red(v, reduction="mean"):
    return v.mean() if reduction == "mean" else (v.sum() if reduction == "sum" else v)


def _log(x):
    return np.maximum(np.log(x), -100)  # PyTorch clamps BCE's logs at -100


def _smooth(d, beta):
    return np.where(np.abs(d) < beta, 0.5 * d * d / beta, np.abs(d) - 0.5 * beta)


LOSSES = {  # name: (reference of (x, y, **kw) before reduction, input domain, target domain, target grad)
    "mse_loss": (lambda x, y: (x - y) ** 2, {}, {}, True),
    "l1_loss": (lambda x, y: np.abs(x - y), {}, {}, True),
    "smooth_l1_loss": (lambda x, y, beta=1.0: _smooth(x - y, beta), {}, {}, True),
    "huber_loss": (lambda x, y, delta=1.0: delta * _smooth(x - y, delta), {}, {}, True),
    "binary_cross_entropy": (lambda x, y: -(y * _log(x) + (1 - y) * _log(1 - x)),
                             dict(lo=0.05, hi=0.95), dict(lo=0.0, hi=1.0), False),
    "binary_cross_entropy_with_logits": (lambda x, y: np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x))),
                                         {}, dict(lo=0.0, hi=1.0), True),
    "soft_margin_loss": (lambda x, y: np.log1p(np.exp(-y * x)), {}, {}, False),  # target: no grad (PyTorch)
    "kl_div": (lambda x, y: np.where(y > 0, y * (np.log(np.where(y > 0, y, 1)) - x), 0.0),
               {}, dict(lo=0.0, hi=1.0), True),
}
for name, (ref, xdom, ydom, ygrad) in LOSSES.items():
    g = rng_for(f"nn.functional.{name}")
    samples = [S(array(g, dt, (3, 4), **xdom), array(g, dt, (3, 4), **ydom), reduction=r, _grad=(True, ygrad),
                 _label=f"{name}_{dt}_{r}") for dt in ("f32", "f64") for r in ("mean", "sum", "none")]
    samples.append(S(array(g, "f64", (), **xdom), array(g, "f64", (), **ydom), _grad=(True, ygrad), _label=f"{name}_0d"))
    if name in ("smooth_l1_loss", "huber_loss"):
        samples.append(S(array(g, "f64", (5,)), array(g, "f64", (5,)), **{"beta" if "l1" in name else "delta": 0.4},
                         _label=f"{name}_param"))
    R.add(OpRecord(f"nn.functional.{name}", samples, tol=TOL, gradgrad=name not in ("l1_loss",),
                   ref=lambda x, y, reduction="mean", f=ref, **kw: _red(f(x, y, **kw), reduction)))


def _pick(x, t):
    return x[np.arange(len(t)), t]


def _ls(x):
    z = x - x.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))


g = rng_for("nn.functional.cross_entropy")
CE = [S(array(g, dt, (5, 4)), g.integers(0, 4, 5), reduction=r, _label=f"ce_{dt}_{r}")
      for dt in ("f32", "f64") for r in ("mean", "sum", "none")]
CE.append(S(array(g, "f32", (5, 4)), np.array([0, 4, 1, 1, 1]), _label="ce_bad_target", _raises=IndexError))
R.add(OpRecord("nn.functional.cross_entropy", CE, tol=TOL, gradgrad=True,
               ref=lambda x, t, reduction="mean": _red(-_pick(_ls(x), t), reduction)))
R.add(OpRecord("nn.functional.nll_loss", [S(_ls(array(g, dt, (5, 4))), g.integers(0, 4, 5), reduction=r,
                                            _label=f"nll_{dt}_{r}") for dt in ("f32", "f64") for r in ("mean", "sum")],
               tol=TOL, gradgrad=True, ref=lambda x, t, reduction="mean": _red(-_pick(x, t), reduction)))

# -- losses ----------------------------------------------------------------------------------------
N, C = 5, 4
LOGITS, TGT = A("f32", N, C), np.array([0, 3, 1, 3, 2], np.int64)
TGT_IGN = np.array([0, -100, 1, 3, -100], np.int64)
W = np.array([0.5, 1.0, 2.0, 0.1], np.float32)
PROBS = np.abs(A("f32", N, C))
PROBS /= PROBS.sum(1, keepdims=True)
for red in ("mean", "sum", "none"):
    add(case(f"F.cross_entropy_{red}", lambda T, x, t, r=red: F(T).cross_entropy(x, t, reduction=r), LOGITS, TGT, tol=TOL))
    add(case(f"F.cross_entropy_w_{red}", lambda T, x, t, w, r=red: F(T).cross_entropy(x, t, w, reduction=r), LOGITS, TGT, W, tol=TOL))
    add(case(f"F.cross_entropy_ign_{red}", lambda T, x, t, r=red: F(T).cross_entropy(x, t, reduction=r), LOGITS, TGT_IGN, tol=TOL))
    add(case(f"F.cross_entropy_ign_w_{red}", lambda T, x, t, w, r=red: F(T).cross_entropy(x, t, weight=w, reduction=r),
             LOGITS, TGT_IGN, W, tol=TOL))
    add(case(f"F.cross_entropy_ls_{red}", lambda T, x, t, r=red: F(T).cross_entropy(x, t, reduction=r, label_smoothing=0.1),
             LOGITS, TGT, tol=TOL))
    add(case(f"F.cross_entropy_ls_w_ign_{red}", lambda T, x, t, w, r=red: F(T).cross_entropy(
        x, t, w, ignore_index=1, reduction=r, label_smoothing=0.2), LOGITS, TGT, W, tol=TOL))
    add(case(f"F.cross_entropy_probs_{red}", lambda T, x, p, r=red: F(T).cross_entropy(x, p, reduction=r), LOGITS, PROBS, tol=TOL))
    add(case(f"F.cross_entropy_probs_ls_w_{red}", lambda T, x, p, w, r=red: F(T).cross_entropy(
        x, p, w, reduction=r, label_smoothing=0.1), LOGITS, PROBS, W, tol=TOL, grad=(True, True, False)))
    add(case(f"F.nll_loss_{red}", lambda T, x, t, r=red: F(T).nll_loss(F(T).log_softmax(x, 1), t, reduction=r), LOGITS, TGT_IGN, tol=TOL))
    add(case(f"F.nll_loss_w_{red}", lambda T, x, t, w, r=red: F(T).nll_loss(x, t, w, reduction=r), LOGITS, TGT, W, tol=TOL))
    add(case(f"F.cross_entropy_2d_{red}", lambda T, x, t, r=red: F(T).cross_entropy(x, t, reduction=r),
             A("f32", 2, C, 3, 2), np.array([[[0, 1], [3, -100], [2, 2]], [[1, 1], [0, 3], [3, 0]]], np.int64), tol=TOL))
    for loss in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "soft_margin_loss"):
        add(case(f"F.{loss}_{red}", lambda T, x, y, f=loss, r=red: getattr(F(T), f)(x, y, reduction=r), A("f32", 3, 4), A("f32", 3, 4), tol=TOL))
    add(case(f"F.bce_{red}", lambda T, x, y, r=red: F(T).binary_cross_entropy(x, y, reduction=r),
            A("f32", 3, 4, lo=0.05, hi=0.95), A("f32", 3, 4, lo=0, hi=1), tol=TOL))
    add(case(f"F.bce_w_{red}", lambda T, x, y, w, r=red: F(T).binary_cross_entropy(x, y, w, reduction=r),
            A("f32", 3, 4, lo=0.05, hi=0.95), A("f32", 3, 4, lo=0, hi=1), A("f32", 4, lo=0.1, hi=2), tol=TOL))
    add(case(f"F.bce_logits_{red}", lambda T, x, y, r=red: F(T).binary_cross_entropy_with_logits(x, y, reduction=r),
             A("f32", 3, 4) * 5, A("f32", 3, 4, lo=0, hi=1), tol=TOL))
    add(case(f"F.bce_logits_pw_{red}", lambda T, x, y, w, r=red: F(T).binary_cross_entropy_with_logits(x, y, pos_weight=w, reduction=r),
             A("f32", 3, 4), A("f32", 3, 4, lo=0, hi=1), A("f32", 4, lo=0.1, hi=3), tol=TOL))
    add(case(f"F.kl_div_{red}", lambda T, x, y, r=red: F(T).kl_div(x, y, reduction=r), A("f32", 3, 4), A("f32", 3, 4, lo=0, hi=1), tol=TOL))
    add(case(f"F.margin_ranking_{red}", lambda T, a, b, y, r=red: F(T).margin_ranking_loss(a, b, y, margin=0.1, reduction=r),
             A("f32", 5), A("f32", 5), np.array([1, -1, 1, 1, -1], np.float32), tol=TOL))
    add(case(f"F.cosine_embedding_{red}", lambda T, a, b, y, r=red: F(T).cosine_embedding_loss(a, b, y, reduction=r),
             A("f32", 3, 4), A("f32", 3, 4), np.array([1, -1, 1], np.int64), tol=TOL))
add(case("F.kl_div_batchmean", lambda T, x, y: F(T).kl_div(x, y, reduction="batchmean"), A("f32", 3, 4), A("f32", 3, 4, lo=0, hi=1), tol=TOL))
add(case("F.kl_div_log_target", lambda T, x, y: F(T).kl_div(x, y, reduction="sum", log_target=True), A("f32", 3, 4), A("f32", 3, 4), tol=TOL))
add(case("F.smooth_l1_beta", lambda T, x, y: F(T).smooth_l1_loss(x, y, beta=0.5), A("f32", 3, 4), A("f32", 3, 4), tol=TOL))
add(case("F.huber_delta", lambda T, x, y: F(T).huber_loss(x, y, delta=0.3), A("f32", 3, 4), A("f32", 3, 4), tol=TOL))
add(case("F.l1_ties", lambda T, x, y: F(T).l1_loss(x, y), np.array([1.0, 2.0]), np.array([1.0, 0.0])))
add(case("F.mse_bcast", lambda T, x, y: F(T).mse_loss(x, y), A("f32", 3, 4), A("f32", 4), tol=TOL))
add(case("F.cross_entropy_1d", lambda T, x, t: F(T).cross_entropy(x, t), A("f32", 4), np.asarray(np.int64(2)), tol=TOL))
add(case("F.cross_entropy_bad_target", lambda T, x, t: F(T).cross_entropy(x, t), LOGITS, np.array([0, 4, 1, 1, 1], np.int64)))
add(case("F.cross_entropy_float_target_shape_err", lambda T, x, t: F(T).cross_entropy(x, t), LOGITS, A("f32", N)))
add(case("F.cross_entropy_int32_target", lambda T, x, t: F(T).cross_entropy(x, t), LOGITS, TGT.astype(np.int32)))
add(case("F.cross_entropy_all_ignored", lambda T, x, t: F(T).cross_entropy(x, t), LOGITS, np.full(N, -100, np.int64)))
add(case("F.nll_bad_reduction", lambda T, x, t: F(T).nll_loss(x, t, reduction="avg"), LOGITS, TGT))
add(case("F.bce_out_of_range", lambda T, x, y: F(T).binary_cross_entropy(x, y), np.array([1.5, 0.5], np.float32), np.array([1.0, 0.0], np.float32)))
add(case("F.bce_zero_one", lambda T, x, y: F(T).binary_cross_entropy(x, y), np.array([0.0, 1.0, 0.5], np.float32),
         np.array([1.0, 0.0, 1.0], np.float32), check_grad=False))
add(case("F.poisson_nll", lambda T, x, y: F(T).poisson_nll_loss(x, y), A("f32", 3, 4), A("f32", 3, 4, lo=0, hi=3), tol=TOL))
add(case("F.gaussian_nll", lambda T, x, y, v: F(T).gaussian_nll_loss(x, y, v), A("f32", 3, 4), A("f32", 3, 4), A("f32", 3, 4, lo=0.1, hi=2), tol=TOL))
add(case("F.hinge_embedding", lambda T, x, y: F(T).hinge_embedding_loss(x, y), A("f32", 3, 4), np.sign(A("f32", 3, 4)), tol=TOL))
add(case("F.multi_margin", lambda T, x, t: F(T).multi_margin_loss(x, t), LOGITS, TGT, tol=TOL))
add(case("F.multilabel_soft_margin", lambda T, x, y: F(T).multilabel_soft_margin_loss(x, y), LOGITS, (PROBS > 0.25).astype(np.float32), tol=TOL))
add(case("F.triplet_margin", lambda T, a, p, n: F(T).triplet_margin_loss(a, p, n), A("f32", 3, 4), A("f32", 3, 4), A("f32", 3, 4), tol=TOL))
