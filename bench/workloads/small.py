"""(1) (a*b + a).sum() fwd+bwd on 4x4 leaves, (2) relu(x@W1)@W2 summed, fwd+bwd, 64x64.

Both are dominated by per-op overhead, not arithmetic: they measure what the framework adds on
top of NumPy for each op and each backward node. Gradients are reset to None every call (as
optimizer.zero_grad() does) so nothing accumulates across calls.
"""
import numpy as np

from ..numpy_floor.small import ElementwiseFloor, MatmulReluFloor
from ._common import Runner, Workload, normal


class Elementwise(Workload):
    name = "elementwise"
    title = "(a*b + a).sum() fwd+bwd, 4x4"
    target_torch = 0.5
    requires = ("tensor", "Tensor.backward", "Tensor.sum")

    def make_data(self, seed=0):
        rng = np.random.default_rng(seed)
        return {"a": normal(rng, (4, 4)), "b": normal(rng, (4, 4))}

    def build(self, torch, data):
        a = torch.tensor(data["a"], requires_grad=True)
        b = torch.tensor(data["b"], requires_grad=True)

        def step():
            a.grad = None
            b.grad = None
            loss = (a * b + a).sum()
            loss.backward()
            return loss

        return Runner(step, {"a": a, "b": b})

    def floor(self, data):
        return ElementwiseFloor(data)


class MatmulRelu(Workload):
    name = "matmul_relu"
    title = "relu(x@W1)@W2 .sum() fwd+bwd, 64x64"
    target_torch = 1.0
    requires = ("tensor", "relu", "Tensor.backward", "Tensor.sum", "Tensor.__matmul__")

    def make_data(self, seed=0):
        rng = np.random.default_rng(seed)
        return {"x": normal(rng, (64, 64)),
                "W1": normal(rng, (64, 64)) / 8, "W2": normal(rng, (64, 64)) / 8}

    def build(self, torch, data):
        x = torch.tensor(data["x"])
        w1 = torch.tensor(data["W1"], requires_grad=True)
        w2 = torch.tensor(data["W2"], requires_grad=True)

        def step():
            w1.grad = None
            w2.grad = None
            loss = (torch.relu(x @ w1) @ w2).sum()
            loss.backward()
            return loss

        return Runner(step, {"W1": w1, "W2": w2})

    def floor(self, data):
        return MatmulReluFloor(data)
