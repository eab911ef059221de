"""The test helpers themselves: assert_close's rules and messages, and that the harnesses catch
wrong values, dtypes, gradients and errors."""
import numpy as np
import pytest

import dygrad
from dygrad.testing import assert_close, check_op, check_raises, gradcheck_op


def test_assert_close_tolerances_and_messages():
    assert_close(dygrad.tensor([1.0, 2.0]), np.array([1.0, 2.0 + 1e-6], np.float32))
    with pytest.raises(AssertionError, match=r"Mismatched elements: 1 / 3 \(33.3%\)"):
        assert_close(dygrad.tensor([1., 2., 3.]), np.array([1., 2.5, 3.], np.float32))
    with pytest.raises(AssertionError, match="attribute 'dtype' do not match: torch.float32 != torch.float64"):
        assert_close(dygrad.tensor([1.]), np.array([1.]))
    assert_close(dygrad.tensor([1.]), np.array([1.]), check_dtype=False)
    with pytest.raises(AssertionError, match="attribute 'shape'"):
        assert_close(dygrad.zeros(2), np.zeros(3, np.float32))
    with pytest.raises(AssertionError, match="not equal"):
        assert_close(dygrad.tensor([1, 2]), np.array([1, 3]))
    with pytest.raises(AssertionError):
        assert_close(np.array([np.nan]), np.array([np.nan]))
    assert_close(np.array([np.nan]), np.array([np.nan]), equal_nan=True)
    assert_close((1, [dygrad.tensor(2.)]), (1, [np.array(2., np.float32)]))
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol'"):
        assert_close(1.0, 1.0, rtol=0.1)


def test_check_op_catches_wrong_results():
    pytest.importorskip("torch")
    x = np.arange(6.).reshape(2, 3)
    check_op(lambda t: t.sum(1), None, x)
    with pytest.raises(AssertionError, match="output"):
        check_op(lambda t: t.sum(1) + 1, lambda t: t.sum(1), x)
    with pytest.raises(AssertionError, match="dtype"):
        check_op(lambda t: t.float().sum(), lambda t: t.sum(), x, requires_grad=False)
    with pytest.raises(AssertionError, match="gradient of input 0"):
        check_op(lambda t: (t * t.detach()).sum(), lambda t: (t * t).sum(), x)
    with pytest.raises(AssertionError, match="requires_grad"):
        check_op(lambda t: t.detach().sum(), lambda t: t.sum(), x)


def test_check_raises_and_gradcheck_op():
    pytest.importorskip("torch")
    e = check_raises(lambda t: t.sum(5), None, np.zeros((2, 2)), match="Dimension out of range")
    assert isinstance(e, IndexError)
    with pytest.raises(AssertionError, match="torch did not raise"):
        check_raises(lambda t: t.sum(), None, np.zeros(2))
    gradcheck_op(lambda a, b: (a * b).sum(0), np.ones((2, 2)), np.arange(4.).reshape(2, 2),
                 gradgradcheck=True)
    gradcheck_op(lambda xs: xs[0] * xs[1], [np.ones(2), np.full(2, 3.)])
