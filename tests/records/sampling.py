"""Op records: random sampling (bernoulli, multinomial, poisson) and the random in-place fills
(Tensor.uniform_, normal_, random_, exponential_, cauchy_, log_normal_, geometric_).

dygrad's random numbers are not PyTorch's, so the samples are draws whose result is certain
(probabilities 0 and 1, a zero rate, a zero-width range, p = 1) plus PyTorch's argument and
dtype errors; the expression samples check what holds for any draw (range, support, dtype)."""
import numpy as np

from dygrad.testing import OpRecord, RecordSet, S
from dygrad.testing.parity import A
from tests.records._names import folder

R = RecordSet()
case, add = folder(R)
P01 = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
ZEROS = np.zeros((2, 3))

R.add(OpRecord("bernoulli", [
    S(P01, _label="bernoulli_probs", _gradcheck=False),
    # the p overload: no out= and no derivative in PyTorch (backward raises)
    S(P01.astype(np.float32), 1.0, _label="bernoulli_p1", _gradcheck=False, _variants=("method",)),
    S(P01, 0.0, _label="bernoulli_p0", _gradcheck=False, _variants=("method",)),
    S(np.array([0, 1]), _label="bernoulli_int", _raises=NotImplementedError),
    S(np.array([0.5, 1.5]), _label="bernoulli_bad_prob", _raises=RuntimeError),
    S(P01, 2.0, _label="bernoulli_bad_p", _raises=RuntimeError)],
    ref=lambda x, p=None: x if p is None else np.full_like(x, p), supports_out=True,
    inplace=False))  # bernoulli_(p) fills with p (0.5 by default): its own record below
R.add(OpRecord("Tensor.bernoulli_", [
    S(ZEROS, 1.0, _label="bernoulli__p1", _grad=False),
    S(ZEROS.astype(np.float32), 0.0, _label="bernoulli__p0", _grad=False),
    S(ZEROS, 1.5, _label="bernoulli__bad_p", _grad=False, _raises=RuntimeError)],
    ref=lambda x, p: np.full_like(x, p), differentiable=False))
R.add(OpRecord("multinomial", [
    S(np.array([0.0, 2.0, 0.0]), 3, True, _label="multinomial_certain"),
    S(P01[:, :2], 1, _label="multinomial_rows"),
    S(np.array([0.0, 1.0]), 3, _label="multinomial_too_many", _raises=RuntimeError),
    S(np.array([1, 2]), 1, _label="multinomial_int", _raises=RuntimeError),
    S(np.ones((2, 2, 2)), 1, _label="multinomial_3d", _raises=RuntimeError)],
    ref=lambda x, n, replacement=False: np.repeat(np.argmax(x, -1)[..., None], n, -1),
    differentiable=False, supports_out=True))
R.add(OpRecord("poisson", [
    S(ZEROS, _label="poisson_zero_rate", _gradcheck=False),
    S(np.array([-1.0]), _label="poisson_negative", _raises=RuntimeError),
    S(np.array([1, 2]), _label="poisson_int", _raises=NotImplementedError)],
    ref=np.zeros_like, method=False))

# the in-place fills: a certain draw where the distribution allows one, else a bad argument
FILLS = {
    "uniform_": ([(2.0, 2.0)], lambda x, a, b: np.full_like(x, a), (3.0, 1.0), NotImplementedError),
    "normal_": ([(1.5, 0.0)], lambda x, m, s: np.full_like(x, m), (0.0, -1.0), NotImplementedError),
    "random_": ([(3, 4)], lambda x, a, b: np.full_like(x, a), (5, 2), None),
    "exponential_": ([], None, (-1.0,), RuntimeError),
    "cauchy_": ([], None, (0.0, -1.0), RuntimeError),
    "log_normal_": ([], None, (1.0, 0.0), NotImplementedError),
    "geometric_": ([], None, (1.0,), None),
}
for name, (certain, ref, bad, int_error) in FILLS.items():
    samples = [S(ZEROS, *a, _label=f"{name}_certain{i}", _grad=False) for i, a in enumerate(certain)]
    samples.append(S(ZEROS, *bad, _label=f"{name}_bad_arg", _grad=False, _raises=RuntimeError))
    if int_error is not None:
        samples.append(S(np.zeros(3, np.int64), _label=f"{name}_int", _raises=int_error))
    R.add(OpRecord(f"Tensor.{name}", samples, ref=ref, differentiable=False))

# what holds for any draw (filled into a copy: the input itself is compared after the call)
def holds(label, draw, check, x):
    """Files `check(draw(copy of x))` under the fill that `label` names ("uniform__range")."""
    add(case(label, lambda T, x: check(draw(x.detach().clone())), x),
        op="Tensor." + label.split("__")[0] + "_")


for dt in ("f32", "f64"):
    holds(f"uniform__range_{dt}", lambda y: y.uniform_(-2, 3), lambda y: ((y >= -2) & (y < 3)).all(), A(dt, 100))
    holds(f"exponential__support_{dt}", lambda y: y.exponential_(2.0), lambda y: (y >= 0).all(), A(dt, 100))
    holds(f"log_normal__support_{dt}", lambda y: y.log_normal_(), lambda y: (y > 0).all(), A(dt, 100))
    holds(f"geometric__support_{dt}", lambda y: y.geometric_(0.3), lambda y: ((y >= 1) & (y == y.round())).all(),
          A(dt, 100))
    holds(f"cauchy__dtype_{dt}", lambda y: y.cauchy_(), lambda y: y.dtype, A(dt, 4))
    holds(f"normal__dtype_{dt}", lambda y: y.normal_(), lambda y: y.dtype, A(dt, 4))
for dt in ("i64", "u8", "b"):
    holds(f"random__range_{dt}", lambda y: y.random_(0, 2), lambda y: ((y >= 0) & (y <= 1)).all(), A(dt, 50))
holds("random__int_to", lambda y: y.random_(7), lambda y: ((y >= 0) & (y < 7)).all(), A("i64", 50))
holds("random__bounds_err", lambda y: y.random_(0, 300), lambda y: y, A("u8", 3))
holds("geometric__int", lambda y: y.geometric_(0.5), lambda y: (y >= 1).all(), A("i64", 20))
holds("bernoulli__tensor_p", lambda y: y.bernoulli_(y.new_tensor([0.0, 1.0, 1.0])), lambda y: y, A("f32", 3))
holds("bernoulli__tensor_p_broadcast", lambda y: y.bernoulli_(y.new_tensor([0.0, 1.0, 1.0])), lambda y: y, A("f64", 2, 3))
holds("bernoulli__tensor_p_bigger_err", lambda y: y.bernoulli_(y.new_tensor([[0.0, 1.0]] * 2)), lambda y: y, A("f32", 2))
holds("bernoulli__tensor_p_size_err", lambda y: y.bernoulli_(y.new_tensor([0.0, 1.0, 1.0])), lambda y: y, A("f32", 2))
holds("bernoulli__default", lambda y: y.bernoulli_(), lambda y: ((y == 0) | (y == 1)).all(), A("f64", 50))
add(case("bernoulli_out_long", lambda T, x: T.bernoulli(x, out=T.empty(3, dtype=T.long)), np.array([0.0, 1.0, 1.0]),
         grad=False))
add(case("bernoulli_out_bool", lambda T, x: T.bernoulli(x, out=T.empty(0, dtype=T.bool)), np.array([1.0, 0.0]), grad=False))
add(case("multinomial_out_int_err", lambda T, x: T.multinomial(x, 1, out=T.empty(1, dtype=T.int32)), np.array([0.0, 1.0])))
add(case("bernoulli_out_grad_err", lambda T, x: T.bernoulli(x, out=T.empty(3)), np.array([0.0, 1.0, 1.0])))
add(case("multinomial_distinct", lambda T, x: x.multinomial(4).sort().values, A("f32", 4, lo=0.1, hi=1)))
add(case("multinomial_dtype", lambda T, x: T.multinomial(x, 2, True).dtype, A("f64", 2, 3, lo=0.1, hi=1)))
