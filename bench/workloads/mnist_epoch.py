"""(7) One epoch of LeNet-5 on MNIST through TensorDataset + DataLoader (batch 64).

Default subset: the first 10,000 images of the MNIST training set (157 batches, the last one
of 16), so the epoch fits the time budget on a 2-core machine; `bench.run --quick` uses the
first 2,000 and --full all 60,000.
shuffle=False so both frameworks see the same batches in the same order and their losses can
be compared; shuffling would add one permutation per epoch, which is negligible.
"""
import numpy as np

from .. import mnist
from ._common import Runner, Workload
from .lenet import LENET_REQUIRES, build_lenet, lenet_params

SUBSET = 10_000
BATCH = 64


class EpochRunner(Runner):
    def __init__(self, torch, model, opt, loader):
        F = torch.nn.functional

        def train_batch(xb, yb):
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            return loss

        def epoch():
            for xb, yb in loader:
                loss = train_batch(xb, yb)
            return loss

        super().__init__(epoch, dict(model.named_parameters()))
        self.loader = loader
        self.train_batch = train_batch

    def losses(self, n):
        """Losses of the first n batches of an epoch (an epoch is too long to check whole)."""
        out = []
        for xb, yb in self.loader:
            out.append(float(self.train_batch(xb, yb).item()))
            if len(out) == n:
                break
        return out


class MnistEpoch(Workload):
    target_torch = 1.5
    target_floor = None
    check_steps = 3
    requires = LENET_REQUIRES + ("utils.data.TensorDataset", "utils.data.DataLoader")

    def __init__(self, n_images=SUBSET):
        self.n_images = n_images
        self.name = "mnist_epoch"
        self.title = f"LeNet-5 epoch, MNIST train[:{n_images}], DataLoader batch {BATCH}"

    def make_data(self, seed=0):
        x, y = mnist.load_train(self.n_images)
        return {"params": lenet_params(np.random.default_rng(seed)), "x": x, "y": y}

    def build(self, torch, data):
        data_mod = torch.utils.data
        model, opt = build_lenet(torch, data["params"])
        ds = data_mod.TensorDataset(torch.from_numpy(data["x"].copy()),
                                    torch.from_numpy(data["y"].copy()))
        loader = data_mod.DataLoader(ds, batch_size=BATCH, shuffle=False)
        return EpochRunner(torch, model, opt, loader)
