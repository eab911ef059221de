"""Testing helpers: `assert_close` (PyTorch's torch.testing.assert_close) and op-test harnesses.

`check_op` runs one call through dygrad and PyTorch and compares values, dtypes, shapes and
gradients; `check_raises` compares the error; `gradcheck_op` runs float64 finite-difference
checks. The PyTorch-parity helpers skip the calling test when torch is not installed.
"""
from ._op_test import assert_close, check_op, check_raises, gradcheck_op

__all__ = ["assert_close", "check_op", "check_raises", "gradcheck_op"]
