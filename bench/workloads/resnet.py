"""(6) A small ResNet (BatchNorm, residual blocks) on 3x32x32, batch 32: full SGD step.

stem conv3x3 3->16 + BN + ReLU, three basic blocks (16, 32 stride 2, 64 stride 2; a 1x1
conv + BN projection where the shape changes), global average pool, Linear 64->10.
The NumPy floor (bench/numpy_floor/resnet.py) has no target: it shows how much of the time
is NumPy's own arithmetic.
"""
import numpy as np

from ..numpy_floor.resnet import SmallResNetFloor
from ._common import (Workload, batchnorm_params, conv_params, labels, linear_params, normal,
                      train_runner)

STAGES = ((16, 16, 1), (16, 32, 2), (32, 64, 2))  # (in, out, stride) of each block


def resnet_params(rng):
    params = conv_params(rng, "stem", 3, 16, 3, bias=False)
    params.update(batchnorm_params("stem_bn", 16))
    for i, (c_in, c_out, stride) in enumerate(STAGES):
        p = f"blocks.{i}"
        params.update(conv_params(rng, f"{p}.conv1", c_in, c_out, 3, bias=False))
        params.update(batchnorm_params(f"{p}.bn1", c_out))
        params.update(conv_params(rng, f"{p}.conv2", c_out, c_out, 3, bias=False))
        params.update(batchnorm_params(f"{p}.bn2", c_out))
        if stride != 1 or c_in != c_out:
            params.update(conv_params(rng, f"{p}.proj.0", c_in, c_out, 1, bias=False))
            params.update(batchnorm_params(f"{p}.proj.1", c_out))
    params.update(linear_params(rng, "fc", 64, 10))
    return params


def build_resnet(torch):
    nn = torch.nn
    F = torch.nn.functional

    class Block(nn.Module):
        def __init__(self, c_in, c_out, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(c_out)
            self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(c_out)
            self.proj = None
            if stride != 1 or c_in != c_out:
                self.proj = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(c_out))

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return F.relu(out + (x if self.proj is None else self.proj(x)))

    class SmallResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 16, 3, padding=1, bias=False)
            self.stem_bn = nn.BatchNorm2d(16)
            self.blocks = nn.Sequential(*(Block(*s) for s in STAGES))
            self.fc = nn.Linear(64, 10)

        def forward(self, x):
            out = F.relu(self.stem_bn(self.stem(x)))
            out = self.blocks(out)
            return self.fc(out.mean((2, 3)))

    return SmallResNet()


class ResNet(Workload):
    name = "resnet"
    title = "small ResNet (BN, 3 blocks) SGD step, 3x32x32, batch 32"
    target_torch = 1.5
    target_floor = None
    requires = ("nn.Module", "nn.Sequential", "nn.Conv2d", "nn.BatchNorm2d", "nn.Linear",
                "nn.functional.relu", "nn.functional.cross_entropy", "optim.SGD", "from_numpy",
                "no_grad", "Tensor.copy_", "Tensor.mean")

    def make_data(self, seed=0):
        rng = np.random.default_rng(seed)
        return {"params": resnet_params(rng), "x": normal(rng, (32, 3, 32, 32)),
                "y": labels(rng, 32)}

    def build(self, torch, data):
        from ..frameworks import load_params
        model = build_resnet(torch)
        model.train()
        load_params(torch, model, data["params"])
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = torch.from_numpy(data["x"].copy())
        y = torch.from_numpy(data["y"].copy())
        return train_runner(torch, model, opt, x, y)

    def floor(self, data):
        return SmallResNetFloor(data)
