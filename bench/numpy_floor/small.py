"""Floors for the two tiny fwd+bwd workloads: (a*b + a).sum() and relu(x@W1)@W2 summed.

Each writes the backward the way a framework must execute it (the gradient of sum() is a
tensor of ones that flows back through every op), just without any graph bookkeeping.
"""
import numpy as np


class ElementwiseFloor:
    def __init__(self, data):
        self.params = {"a": data["a"].copy(), "b": data["b"].copy()}

    def loss_and_grads(self):
        a, b = self.params["a"], self.params["b"]
        y = a * b + a
        loss = y.sum()
        g = np.ones_like(y)
        return float(loss), {"a": g * b + g, "b": g * a}

    def step(self):
        return self.loss_and_grads()[0]


class MatmulReluFloor:
    def __init__(self, data):
        self.x = data["x"].copy()
        self.params = {"W1": data["W1"].copy(), "W2": data["W2"].copy()}

    def loss_and_grads(self):
        x, w1, w2 = self.x, self.params["W1"], self.params["W2"]
        h = x @ w1
        r = np.maximum(h, 0)
        y = r @ w2
        loss = y.sum()
        g = np.ones_like(y)
        gr = g @ w2.T
        gr *= h > 0
        return float(loss), {"W1": x.T @ gr, "W2": r.T @ g}

    def step(self):
        return self.loss_and_grads()[0]
