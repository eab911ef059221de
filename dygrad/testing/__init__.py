"""Testing helpers: `assert_close` (PyTorch's torch.testing.assert_close), op-test harnesses and
the per-op test records.

`OpRecord` declares one public op's samples, NumPy reference and flags; the generic checks in
`check_record` run them (PyTorch parity when torch is importable, the reference, float64
gradcheck/gradgradcheck, method / in-place / out= spellings). `check_op` runs one call through
dygrad and PyTorch and compares values, dtypes, shapes and gradients; `check_raises` compares
the error; `gradcheck_op` runs float64 finite-difference checks. `parity` holds the expression
cases (`case`, `run_case`). The PyTorch-parity helpers skip the calling test when torch is not
installed.
"""
from ._docs import check_doc_examples
from ._op_test import assert_close, check_op, check_raises, gradcheck_op
from ._record_checks import applicable, check_record, record_params
from ._records import E, OpRecord, RecordSet, S, Sample

__all__ = ["assert_close", "check_op", "check_raises", "gradcheck_op", "OpRecord", "RecordSet",
           "Sample", "S", "E", "applicable", "check_record", "record_params", "check_doc_examples"]
