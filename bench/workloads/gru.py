"""(5) nn.GRU(32, 128), sequence 35, batch 32: forward + backward of output.sum()."""
import numpy as np

from ..numpy_floor.gru import GRUFloor
from ._common import Runner, Workload, normal, uniform

SEQ, BATCH, N_IN, HIDDEN = 35, 32, 32, 128


class GRU(Workload):
    name = "gru"
    title = f"GRU {N_IN}->{HIDDEN}, seq {SEQ}, batch {BATCH}, fwd+bwd"
    target_torch = 1.0
    requires = ("nn.GRU", "from_numpy", "no_grad", "Tensor.copy_", "Tensor.backward")

    def make_data(self, seed=0):
        rng = np.random.default_rng(seed)
        params = {  # PyTorch's GRU init: every weight U(-1/sqrt(hidden), 1/sqrt(hidden))
            "weight_ih_l0": uniform(rng, (3 * HIDDEN, N_IN), HIDDEN),
            "weight_hh_l0": uniform(rng, (3 * HIDDEN, HIDDEN), HIDDEN),
            "bias_ih_l0": uniform(rng, (3 * HIDDEN,), HIDDEN),
            "bias_hh_l0": uniform(rng, (3 * HIDDEN,), HIDDEN),
        }
        return {"params": params, "x": normal(rng, (SEQ, BATCH, N_IN))}

    def build(self, torch, data):
        from ..frameworks import load_params
        model = torch.nn.GRU(N_IN, HIDDEN)
        load_params(torch, model, data["params"])
        x = torch.from_numpy(data["x"].copy())

        def step():
            model.zero_grad()
            out, _ = model(x)
            loss = out.sum()
            loss.backward()
            return loss

        return Runner(step, dict(model.named_parameters()))

    def floor(self, data):
        return GRUFloor(data)
