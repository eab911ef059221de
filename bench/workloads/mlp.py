"""(3) MLP 784-256-128-10 with ReLU, cross-entropy and Adam: one full training step."""
import numpy as np

from ..numpy_floor.mlp import MlpFloor
from ._common import Workload, labels, linear_params, normal, train_runner


class Mlp(Workload):
    target_torch = 1.0
    requires = ("nn.Sequential", "nn.Linear", "nn.ReLU", "nn.functional.cross_entropy",
                "optim.Adam", "from_numpy", "no_grad", "Tensor.copy_")

    def __init__(self, batch):
        self.batch = batch
        self.name = f"mlp_b{batch}"
        self.title = f"MLP 784-256-128-10 Adam step, batch {batch}"

    def make_data(self, seed=0):
        rng = np.random.default_rng(seed)
        params = {}
        for name, (n_in, n_out) in zip(("0", "2", "4"), ((784, 256), (256, 128), (128, 10))):
            params.update(linear_params(rng, name, n_in, n_out))
        return {"params": params, "x": normal(rng, (self.batch, 784)),
                "y": labels(rng, self.batch)}

    def build(self, torch, data):
        from ..frameworks import load_params
        nn = torch.nn
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                              nn.Linear(128, 10))
        load_params(torch, model, data["params"])
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = torch.from_numpy(data["x"].copy())
        y = torch.from_numpy(data["y"].copy())
        return train_runner(torch, model, opt, x, y)

    def floor(self, data):
        return MlpFloor(data)
