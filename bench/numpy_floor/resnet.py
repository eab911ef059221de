"""Floors for the ResNet training steps: the small ResNet of bench/workloads/resnet.py and
ResNet-18 in torchvision's layout (bench/workloads/real.py), each a full SGD-momentum step.

Forward, hand-written backward and update in NumPy float32, with the layers of _conv.py:
activations channel-major (C, N, H, W) so every convolution is im2col + one GEMM whose result
is already in that layout and BatchNorm reduces contiguous rows; BatchNorm in training mode
(batch statistics; running statistics updated as PyTorch does). The input is transposed to
channel-major once per step (it is small) and the head pools to (C, N), so the only other
layout change is the (C, N) -> (N, C) view the Linear layer reads. The SGD update runs in
cache-sized blocks (ResNet-18 has 11M parameters). The weight gradients of convolutions with
taps that only ever see padding are buffers that the next `loss_and_grads` overwrites.
"""
import numpy as np

from ._common import cross_entropy
from ._conv import BasicBlock, BatchNorm, Conv, MaxPool3s2, SGDMomentum


class _ResNetFloor:
    """Stem (subclass), residual blocks, global average pool, Linear, cross-entropy."""
    stem_names = ()  # (conv weight, bn prefix)

    def __init__(self, data, blocks, lr=0.01, momentum=0.9):
        self.x, self.y = data["x"].copy(), data["y"].copy()
        self.params = {k: v.copy() for k, v in data["params"].items()}
        self.blocks = blocks
        self.opt = SGDMomentum(self.params, lr=lr, momentum=momentum)

    def _stem(self, x):
        p, (w, bn) = self.params, self.stem_names
        self.stem_out = self.stem_bn.forward(self.stem_conv.forward(x, p[w]), p[bn + ".weight"],
                                             p[bn + ".bias"], relu=True)
        return self.stem_out

    def _stem_backward(self, d, grads, relu_done=False):
        w, bn = self.stem_names
        d, grads[bn + ".weight"], grads[bn + ".bias"] = self.stem_bn.backward(
            d, None if relu_done else self.stem_out)
        grads[w] = self.stem_conv.backward(d, self.params[w].shape, need_dx=False)[0]

    def loss_and_grads(self):
        p = self.params
        h = self._stem(np.ascontiguousarray(self.x.transpose(1, 0, 2, 3)))
        for b in self.blocks:
            h = b.forward(h, p)
        c, n, hh, ww = h.shape
        feat = h.reshape(c, n, hh * ww).mean(axis=2)  # (C, N)
        logits = feat.T @ p["fc.weight"].T
        logits += p["fc.bias"]
        loss, d = cross_entropy(logits, self.y)

        g = {"fc.weight": d.T @ feat.T, "fc.bias": d.sum(axis=0)}
        dfeat = (d @ p["fc.weight"]).T  # (C, N)
        dh = np.broadcast_to((dfeat * (1.0 / (hh * ww)))[:, :, None, None], h.shape)
        for b in reversed(self.blocks):
            dh = b.backward(dh, p, g)
        self._stem_backward(dh, g)
        return loss, g

    def buffers(self):
        """The BatchNorm running statistics, by state_dict name."""
        out = {}
        for name, bn in self._bns():
            out[name + ".running_mean"] = bn.running_mean
            out[name + ".running_var"] = bn.running_var
        return out

    def step(self):
        loss, grads = self.loss_and_grads()
        self.opt.update(grads)
        return loss


class SmallResNetFloor(_ResNetFloor):
    """bench/workloads/resnet.py: conv3x3 3->16 + BN + ReLU, blocks 16, 32/2, 64/2."""
    stem_names = ("stem.weight", "stem_bn")

    def __init__(self, data, stages=((16, 16, 1), (16, 32, 2), (32, 64, 2))):
        self.stem_conv, self.stem_bn = Conv(3, 1, 1), BatchNorm(16)
        super().__init__(data, [BasicBlock(f"blocks.{i}", *s, proj="proj")
                                for i, s in enumerate(stages)])

    def _bns(self):
        yield "stem_bn", self.stem_bn
        for b in self.blocks:
            yield from _block_bns(b)


class ResNet18Floor(_ResNetFloor):
    """torchvision's ResNet-18: conv7x7/2 + BN + ReLU + maxpool 3x3/2, 4 stages of 2 blocks."""
    stem_names = ("conv1.weight", "bn1")

    def __init__(self, data):
        self.stem_conv, self.stem_bn, self.pool = Conv(7, 2, 3), BatchNorm(64), MaxPool3s2()
        blocks, c_in = [], 64
        for i, c in enumerate((64, 128, 256, 512)):
            stride = 1 if i == 0 else 2
            blocks.append(BasicBlock(f"layer{i + 1}.0", c_in, c, stride, proj="downsample"))
            blocks.append(BasicBlock(f"layer{i + 1}.1", c, c, 1, proj="downsample"))
            c_in = c
        super().__init__(data, blocks)

    def _stem(self, x):
        return self.pool.forward(super()._stem(x))

    def _stem_backward(self, d, grads):
        # the pool's backward only reaches elements above zero: the ReLU passes all of it
        super()._stem_backward(self.pool.backward(d), grads, relu_done=True)

    def _bns(self):
        yield "bn1", self.stem_bn
        for b in self.blocks:
            yield from _block_bns(b)


def _block_bns(b):
    yield b.p + ".bn1", b.bn1
    yield b.p + ".bn2", b.bn2
    if b.proj is not None:
        yield b.proj + ".1", b.bnp
