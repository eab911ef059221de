"""Differential fuzzer: random small programs run on dygrad and on PyTorch, compared.

    from dygrad.testing.fuzz import generate, run_case, FAMILIES
    prog = generate("binary", seed=0, case=17)   # Program: source text + tags
    res = run_case(prog)                          # Result: outcome, kind, detail
    print(case_script(prog, res))                 # a standalone reproduction script

See docs/fuzzing.md. `python -m bench.fuzz` runs the big sweep; tests/fuzz runs a CI slice.
"""
from .core import FAILURES, OUTCOMES, Program, Result, compare_arrays, run_program
from .families import FAMILIES, generate
from .known import KNOWN_GAPS, known_gap
from .runner import case_script, libraries, run_case, run_source

__all__ = ["FAILURES", "FAMILIES", "KNOWN_GAPS", "OUTCOMES", "Program", "Result", "case_script",
           "compare_arrays", "generate", "known_gap", "libraries", "run_case", "run_program",
           "run_source"]
