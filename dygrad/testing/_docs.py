"""Checking that the examples in docstrings are true."""
from __future__ import annotations

import doctest


def check_doc_examples(doc: str | None, globs: dict, name: str, rewrite=None) -> None:
    """Runs the `>>>` lines of `doc` with `globs` and raises AssertionError listing any example
    whose printed output differs (whitespace-normalised). `rewrite(example)` may edit each
    example's source first (e.g. to run the same lines under PyTorch).

    Example::

        >>> import dygrad
        >>> check_doc_examples(dygrad.sinc.__doc__, {"torch": dygrad}, "torch.sinc")
    """
    test = doctest.DocTestParser().get_doctest(doc or "", globs, name, None, 0)
    if rewrite is not None:
        for ex in test.examples:
            rewrite(ex)
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
