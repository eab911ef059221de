"""Floor for the LeNet-5 training step: im2col convolutions, SGD with momentum.

Activations are kept channel-major, (C, N, H, W), inside. Then im2col is one contiguous
slice copy per kernel offset, the weight (Cout, C*k*k) times the columns (C*k*k, N*Ho*Wo)
lands directly in the same layout, and 2x2 pooling is three np.maximum calls on strided
slices. The only layout changes are at the input (free for one channel) and at flatten,
where PyTorch's per-sample (C, H, W) feature order must be matched.
"""
import numpy as np

from ._common import SGDMomentum, cross_entropy

# state_dict names of the nn.Sequential LeNet in bench/workloads/lenet.py
FC = ("7", "9", "11")


def im2col(x, k):
    """(C, N, H, W) -> columns (C*k*k, N*Ho*Wo), rows ordered (C, kh, kw) like a weight row."""
    c, n, h, w = x.shape
    ho, wo = h - k + 1, w - k + 1
    cols = np.empty((c, k, k, n, ho, wo), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, i, j] = x[:, :, i:i + ho, j:j + wo]
    return cols.reshape(c * k * k, n * ho * wo)


def col2im(dcols, shape, k):
    """Adjoint of im2col: scatter-add column gradients back to a (C, N, H, W) array."""
    c, n, h, w = shape
    ho, wo = h - k + 1, w - k + 1
    dcols = dcols.reshape(c, k, k, n, ho, wo)
    dx = np.zeros(shape, dtype=dcols.dtype)
    for i in range(k):
        for j in range(k):
            dx[:, :, i:i + ho, j:j + wo] += dcols[:, i, j]
    return dx


QUADRANTS = ((0, 0), (0, 1), (1, 0), (1, 1))


def pool_forward(x):
    """2x2 max pool, stride 2, over the last two axes."""
    return np.maximum(np.maximum(x[..., 0::2, 0::2], x[..., 0::2, 1::2]),
                      np.maximum(x[..., 1::2, 0::2], x[..., 1::2, 1::2]))


def pool_relu_backward(r, pooled, dpooled):
    """Gradient through max pool and the ReLU before it, given r = relu output.

    Ties in a pooling window only happen between zeros from the ReLU (floats never tie
    otherwise), and a zero maximum passes no gradient through the ReLU, so masking with
    pooled > 0 once replaces PyTorch's first-index tie rule.
    """
    g = dpooled * (pooled > 0)
    dr = np.empty_like(r)
    for di, dj in QUADRANTS:
        np.multiply(r[..., di::2, dj::2] == pooled, g, out=dr[..., di::2, dj::2])
    return dr


class LeNetFloor:
    def __init__(self, data, lr=0.01, momentum=0.9):
        self.x, self.y = data["x"].copy(), data["y"].copy()
        self.params = {k: v.copy() for k, v in data["params"].items()}
        self.opt = SGDMomentum(self.params, lr=lr, momentum=momentum)

    def loss_and_grads(self):
        p = self.params
        n = self.x.shape[0]
        # (N, 1, H, W) -> (1, N, H, W) is a reshape for a single channel
        x = np.pad(self.x.reshape(1, n, 28, 28), ((0, 0), (0, 0), (2, 2), (2, 2)))
        w1 = p["0.weight"].reshape(6, -1)
        cols1 = im2col(x, 5)
        r1 = w1 @ cols1
        r1 += p["0.bias"][:, None]
        r1 = np.maximum(r1, 0, out=r1).reshape(6, n, 28, 28)
        p1 = pool_forward(r1)
        w2 = p["3.weight"].reshape(16, -1)
        cols2 = im2col(p1, 5)
        r2 = w2 @ cols2
        r2 += p["3.bias"][:, None]
        r2 = np.maximum(r2, 0, out=r2).reshape(16, n, 10, 10)
        p2 = pool_forward(r2)
        a = p2.transpose(1, 0, 2, 3).reshape(n, 400)

        acts, pre = [a], []
        for i, name in enumerate(FC):
            h = a @ p[name + ".weight"].T
            h += p[name + ".bias"]
            if i < len(FC) - 1:
                pre.append(h)
                a = np.maximum(h, 0)
                acts.append(a)
            else:
                a = h
        loss, d = cross_entropy(a, self.y)

        g = {}
        for i in reversed(range(len(FC))):
            name = FC[i]
            g[name + ".weight"] = d.T @ acts[i]
            g[name + ".bias"] = d.sum(axis=0)
            d = d @ p[name + ".weight"]
            if i:
                d *= pre[i - 1] > 0
        dp2 = d.reshape(n, 16, 5, 5).transpose(1, 0, 2, 3)
        dr2 = pool_relu_backward(r2, p2, dp2).reshape(16, -1)
        g["3.weight"] = (dr2 @ cols2.T).reshape(p["3.weight"].shape)
        g["3.bias"] = dr2.sum(axis=1)
        dp1 = col2im(w2.T @ dr2, p1.shape, 5)
        dr1 = pool_relu_backward(r1, p1, dp1).reshape(6, -1)
        g["0.weight"] = (dr1 @ cols1.T).reshape(p["0.weight"].shape)
        g["0.bias"] = dr1.sum(axis=1)
        return loss, g

    def step(self):
        loss, grads = self.loss_and_grads()
        self.opt.update(grads)
        return loss
