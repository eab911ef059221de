"""Floor for the MLP 784-256-128-10 training step (ReLU, cross-entropy, Adam)."""
import numpy as np

from ._common import Adam, cross_entropy

# state_dict names of nn.Sequential(Linear, ReLU, Linear, ReLU, Linear)
LAYERS = ("0", "2", "4")


class MlpFloor:
    def __init__(self, data, lr=1e-3):
        self.x, self.y = data["x"].copy(), data["y"].copy()
        self.params = {k: v.copy() for k, v in data["params"].items()}
        self.opt = Adam(self.params, lr=lr)

    def loss_and_grads(self):
        p = self.params
        acts = [self.x]
        pre = []
        a = self.x
        for i, name in enumerate(LAYERS):
            h = a @ p[name + ".weight"].T
            h += p[name + ".bias"]
            if i < len(LAYERS) - 1:
                pre.append(h)
                a = np.maximum(h, 0)
                acts.append(a)
            else:
                a = h
        loss, d = cross_entropy(a, self.y)
        grads = {}
        for i in reversed(range(len(LAYERS))):
            name = LAYERS[i]
            grads[name + ".weight"] = d.T @ acts[i]
            grads[name + ".bias"] = d.sum(axis=0)
            if i:
                d = d @ p[name + ".weight"]
                d *= pre[i - 1] > 0
        return loss, grads

    def step(self):
        loss, grads = self.loss_and_grads()
        self.opt.update(grads)
        return loss
