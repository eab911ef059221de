"""The op-record harness itself: each generic check passes a correct op and catches the fault it
is for (a wrong value, a wrong gradient, a method or out= that disagrees, an error not raised).
Runs without torch except the parity part."""
import numpy as np
import pytest

import dygrad
from dygrad.testing import E, OpRecord, RecordSet, S, applicable, check_record, record_params


def test_sinc_record_passes_every_check():
    rec = OpRecord("sinc", [S(np.linspace(-2, 2, 4)), S(np.zeros((0, 3), np.float32)),
                            S(np.arange(4)), S(np.array([0.0, 1.0]), _gradcheck="first")],
                   ref=np.sinc, gradgrad=True, supports_out=True)
    checks = applicable(rec, rec.samples[0])
    assert {"reference", "gradcheck", "gradgradcheck", "method", "inplace", "out"} <= set(checks)
    assert "gradgradcheck" not in applicable(rec, rec.samples[3])
    assert "gradcheck" not in applicable(rec, rec.samples[2])  # integer input
    for s in rec.samples:
        for c in applicable(rec, s):
            if c != "parity":
                check_record(rec, s, c)


def test_reference_catches_a_wrong_value():
    rec = OpRecord("sin", [S(np.linspace(-1, 1, 4))], ref=np.cos)
    with pytest.raises(AssertionError, match="NumPy reference"):
        check_record(rec, rec.samples[0], "reference")


def test_gradcheck_catches_a_wrong_gradient(monkeypatch):
    # an op whose backward is wrong: forward x * 2, gradient of x * 3
    def bad(x):
        return x.detach() * 2 + (x - x.detach()) * 3
    monkeypatch.setattr(dygrad, "_bad_op_for_test", bad, raising=False)
    rec = OpRecord("_bad_op_for_test", [S(np.array([1.0, 2.0]))])
    with pytest.raises(Exception, match="(?i)jacobian|gradcheck"):
        check_record(rec, rec.samples[0], "gradcheck")


def test_raises_check(monkeypatch):
    rec = OpRecord("add", [S(np.ones(3), np.ones(4), _raises=RuntimeError)])
    assert applicable(rec, rec.samples[0])[-1] == "raises"
    check_record(rec, rec.samples[0], "raises")
    wrong = OpRecord("add", [S(np.ones(3), np.ones(4), _raises=TypeError)])
    with pytest.raises(AssertionError, match="expected TypeError"):
        check_record(wrong, wrong.samples[0], "raises")
    quiet = OpRecord("add", [S(np.ones(3), np.ones(3), _raises=RuntimeError)])
    with pytest.raises(AssertionError, match="did not raise"):
        check_record(quiet, quiet.samples[0], "raises")


def test_out_check_catches_rebinding(monkeypatch):
    # an out= that rebinds the output's array instead of writing into it: a view does not see it
    def rebinding(x, *, out=None):
        r = dygrad.neg(x)
        if out is None:
            return r
        out._data = r._data.copy()
        return out
    monkeypatch.setattr(dygrad, "_rebinding_for_test", rebinding, raising=False)
    rec = OpRecord("_rebinding_for_test", [S(np.arange(4.0))], method=False, inplace=False,
                   supports_out=True)
    with pytest.raises(AssertionError, match="view of out"):
        check_record(rec, rec.samples[0], "out")


def test_method_check_catches_a_disagreeing_method(monkeypatch):
    monkeypatch.setattr(dygrad.Tensor, "_odd_for_test", lambda self: self * 2, raising=False)
    monkeypatch.setattr(dygrad, "_odd_for_test", lambda x: x * 3, raising=False)
    rec = OpRecord("_odd_for_test", [S(np.arange(3.0))], method=True, inplace=False)
    with pytest.raises(AssertionError, match="method != function"):
        check_record(rec, rec.samples[0], "method")


def test_inplace_check_expects_an_error_when_the_result_does_not_fit():
    # exp of an integer tensor is float: exp_ in place must raise (PyTorch: RuntimeError)
    rec = OpRecord("exp", [S(np.arange(3))], method=False, inplace=True)
    check_record(rec, rec.samples[0], "inplace")


def test_record_set_merges_by_name_and_records_resolve_namespaces():
    a, b = RecordSet(), RecordSet()
    a.case("sum", "sum_expr", lambda T, x: x.sum(), np.ones(3))
    b.add(OpRecord("sum", [S(np.ones(3))], ref=np.sum))
    merged = RecordSet.merge(a, b)
    assert len(merged.records["sum"].samples) == 2 and merged.records["sum"].ref is np.sum
    assert len(a.records["sum"].samples) == 1  # the families' records stay as declared
    with pytest.raises(ValueError, match="declared twice"):
        b.add(OpRecord("sum"))
    assert OpRecord("nn.functional.gelu").function(dygrad) is dygrad.nn.functional.gelu
    assert OpRecord("linalg.norm").method_name() is None
    assert OpRecord("Tensor.view").method_name() == "view"


def test_record_params_ids_and_strict_xfails():
    rec = OpRecord("exp", [S(np.ones(2)), S(np.ones(2), _xfails={"reference": "known"})],
                   ref=np.exp)
    params = record_params([rec], "reference")
    assert [p.id for p in params] == ["exp-0", "exp-1"]
    assert not params[0].marks and params[1].marks[0].kwargs == {"strict": True, "reason": "known"}


def test_parity_of_call_and_expression_samples():
    pytest.importorskip("torch")
    rec = OpRecord("sinc", [S(np.linspace(-2, 2, 5)), E("sinc_method", lambda T, x: x.sinc(), np.ones(3)),
                            S(np.ones(3), np.ones(2), _raises=TypeError)])
    for s in rec.samples[:2]:
        check_record(rec, s, "parity")
    check_record(rec, rec.samples[2], "parity")
    wrong = OpRecord("sinc", [S(np.ones(3), _raises=TypeError)])
    with pytest.raises(AssertionError, match="torch does not raise"):
        check_record(wrong, wrong.samples[0], "parity")
    missing = OpRecord("_no_such_op", [S(np.ones(3))])
    with pytest.raises(AssertionError, match="torch has no _no_such_op"):
        check_record(missing, missing.samples[0], "parity")
