"""Every op record (tests/records) replays under dygrad.jit.trace: a function of the op on its
first differentiable sample is captured, then replayed on fresh leaves, and its result and
gradients equal eager's bit for bit. The few ops that still run eagerly say why."""
import importlib
import warnings

import pytest

import dygrad
from dygrad.testing import RecordSet
from dygrad.testing._record_checks import _build, applicable

FAMILIES = ("unary", "binary", "creation", "reduce", "shape", "indexing", "linalg",
            "nn_functional", "losses", "linalg_ns", "sampling")
RECORDS = RecordSet.merge(*(importlib.import_module(f"tests.records.{f}").R for f in FAMILIES))
# ops whose capture falls back to eager (with a reason), for now
EAGER = {
    "special.log_ndtr": "composite of ops without a public re-callable form",
    "combinations": "computes its result from an intermediate it does not return",
    "slogdet": "a node of two differentiable outputs",
    "linalg.matrix_power": "composite of ops without a public re-callable form",
}


def _first_sample(rec):
    for sample in rec.samples:
        if getattr(sample, "raises", None) is None and "gradcheck" in applicable(rec, sample):
            return sample
    return None


CASES = [(rec, s) for rec in RECORDS for s in (_first_sample(rec),) if s is not None]


# ops whose later tensor operands take no gradient (a target)
FIRST_ONLY = {"nn.functional.soft_margin_loss"}


def _leaves(args, grad, first_only=False):
    def mk(a, g):
        if isinstance(a, dygrad.Tensor):
            a = a.detach().clone()
            return a.requires_grad_(g and a.dtype.is_floating_point)
        if isinstance(a, (list, tuple)):
            return type(a)(mk(x, g) for x in a)
        return a
    return [mk(a, grad and (k == 0 or not first_only)) for k, a in enumerate(args)]


def _tensors(args):
    for a in args:
        if isinstance(a, dygrad.Tensor):
            yield a
        elif isinstance(a, (list, tuple)):
            yield from _tensors(a)


@pytest.mark.filterwarnings("ignore::UserWarning")  # an op's own advice, e.g. kl_div's
@pytest.mark.parametrize("rec,sample", CASES, ids=[r.name for r, _ in CASES])
def test_op_replays_bit_for_bit(rec, sample):
    args = _build(dygrad, sample.args, False)[0]
    grad = sample.grad is not False
    first = rec.name in FIRST_ONLY

    def fn(*a):
        out = rec.call(dygrad, sample, a)
        total = None
        for o in out if isinstance(out, (tuple, list)) else (out,):
            if isinstance(o, dygrad.Tensor) and o.dtype.is_floating_point:
                s = (o * o).sum()
                total = s if total is None else total + s
        return total

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dygrad.jit.TracerWarning)
        traced = dygrad.jit.trace(fn, tuple(_leaves(args, grad, first)))
    if rec.name in EAGER:
        assert traced.reasons, f"{rec.name} replays now: remove it from EAGER"
        return
    assert traced.reasons == []
    a, b = _leaves(args, grad, first), _leaves(args, grad, first)
    ya, yb = traced(*a), fn(*b)
    assert dygrad.equal(ya, yb)
    if ya.requires_grad:
        ya.backward()
        yb.backward()
    for x, z in zip(_tensors(a), _tensors(b)):
        assert (x.grad is None) == (z.grad is None)
        if x.grad is not None:
            assert dygrad.equal(x.grad, z.grad), rec.name
