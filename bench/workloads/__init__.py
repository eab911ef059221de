"""The benchmark workloads, in report order. Names are what --only accepts."""
from .gru import GRU
from .lenet import LeNet
from .mlp import Mlp
from .mnist_epoch import SUBSET, MnistEpoch
from .resnet import ResNet
from .real import Gpt, LstmLm, ResNet18, TransformerCls
from .small import Elementwise, MatmulRelu


def all_workloads(mnist_images=SUBSET):
    return [Elementwise(), MatmulRelu(), Mlp(64), Mlp(512), LeNet(), GRU(), ResNet(),
            MnistEpoch(n_images=mnist_images), Gpt(), Gpt(sdpa=True), ResNet18(1, 28),
            ResNet18(3, 32), LstmLm(), TransformerCls()]


def by_name(name, mnist_images=SUBSET):
    for w in all_workloads(mnist_images):
        if w.name == name:
            return w
    raise KeyError(f"unknown workload {name!r}; known: "
                   f"{', '.join(w.name for w in all_workloads())}")
