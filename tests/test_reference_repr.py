"""Tensor printing without the PyTorch oracle: PyTorch's own strings for a spread of cases (sci
mode, summarization, dtype suffix, empty, 0-dim, bool padding, nan/inf, grad suffixes), recorded so
repr is checked where torch is not installed (tests/test_repr.py compares against torch itself)."""
import pytest

import dygrad

REPRS = {
    "dygrad.tensor([1., 2., 3.])": "tensor([1., 2., 3.])",
    "dygrad.tensor([[1, 2], [3, 4]])": "tensor([[1, 2],\n        [3, 4]])",
    "dygrad.tensor([1., 2.], dtype=dygrad.float64)": "tensor([1., 2.], dtype=torch.float64)",
    "dygrad.tensor([1e-8, 1.])": "tensor([1.0000e-08, 1.0000e+00])",
    "dygrad.tensor([123456789., 1.])": "tensor([1.2346e+08, 1.0000e+00])",
    "dygrad.zeros(0, 3)": "tensor([], size=(0, 3))",
    "dygrad.tensor(2.5)": "tensor(2.5000)",
    "dygrad.tensor([True, False])": "tensor([ True, False])",
    "dygrad.tensor([1, 2], dtype=dygrad.uint8)": "tensor([1, 2], dtype=torch.uint8)",
    "dygrad.tensor([1, 2], dtype=dygrad.int32)": "tensor([1, 2], dtype=torch.int32)",
    "dygrad.tensor([float('nan'), float('inf'), -float('inf')])": "tensor([nan, inf, -inf])",
    "dygrad.tensor([1., 2.], requires_grad=True)": "tensor([1., 2.], requires_grad=True)",
    "dygrad.tensor([1., 2.], requires_grad=True) * 2": "tensor([2., 4.], grad_fn=<MulBackward0>)",
    "dygrad.tensor([0.1, 0.25], dtype=dygrad.float16)": "tensor([0.1000, 0.2500], dtype=torch.float16)",
    "dygrad.arange(2000.)": "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
                            "        1.9990e+03])",
    "dygrad.tensor([[1.5, -2.25], [100., 0.001]])": "tensor([[ 1.5000e+00, -2.2500e+00],\n"
                                                    "        [ 1.0000e+02,  1.0000e-03]])",
    "dygrad.nn.Parameter(dygrad.tensor([1., 2.]))": "Parameter containing:\ntensor([1., 2.], requires_grad=True)",
}


@pytest.mark.parametrize("expr", sorted(REPRS))
def test_repr_matches_pytorch_strings(expr):
    assert repr(eval(expr, {"dygrad": dygrad})) == REPRS[expr]
