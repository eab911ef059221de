"""(4) LeNet-5 on 1x28x28, batch 64, SGD momentum 0.9: one full training step.

conv 1->6 5x5 pad 2, relu, maxpool 2, conv 6->16 5x5, relu, maxpool 2, flatten,
400-120-84-10 with ReLU. The same model is trained for an epoch in mnist_epoch.py.
"""
import numpy as np

from ..numpy_floor.lenet import LeNetFloor
from ._common import Workload, conv_params, labels, linear_params, normal, train_runner

LENET_REQUIRES = ("nn.Sequential", "nn.Conv2d", "nn.ReLU", "nn.MaxPool2d", "nn.Flatten",
                  "nn.Linear", "nn.functional.cross_entropy", "optim.SGD", "from_numpy",
                  "no_grad", "Tensor.copy_")


def lenet_params(rng):
    params = conv_params(rng, "0", 1, 6, 5)
    params.update(conv_params(rng, "3", 6, 16, 5))
    for name, (n_in, n_out) in zip(("7", "9", "11"), ((400, 120), (120, 84), (84, 10))):
        params.update(linear_params(rng, name, n_in, n_out))
    return params


def build_lenet(torch, params):
    """LeNet-5 with the given weights, plus its SGD optimizer."""
    from ..frameworks import load_params
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    load_params(torch, model, params)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return model, opt


class LeNet(Workload):
    name = "lenet"
    title = "LeNet-5 SGD-momentum step, batch 64"
    target_torch = 1.5
    requires = LENET_REQUIRES

    def make_data(self, seed=0):
        rng = np.random.default_rng(seed)
        return {"params": lenet_params(rng), "x": normal(rng, (64, 1, 28, 28)),
                "y": labels(rng, 64)}

    def build(self, torch, data):
        model, opt = build_lenet(torch, data["params"])
        x = torch.from_numpy(data["x"].copy())
        y = torch.from_numpy(data["y"].copy())
        return train_runner(torch, model, opt, x, y)

    def floor(self, data):
        return LeNetFloor(data)
