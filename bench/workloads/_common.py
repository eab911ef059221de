"""What every workload shares: the Workload description, runners, NumPy weight init.

Framework code receives the framework module as `torch` and uses only the PyTorch API, so one
definition runs under both frameworks. All data and weights are made by NumPy from a seed and
copied into each framework, so both start from bit-identical numbers.
"""
import math

import numpy as np


class Workload:
    name = ""
    title = ""
    target_torch = None     # ratio dygrad/torch at or under which the target is met
    target_floor = 1.2      # ratio dygrad/floor target (None: no NumPy floor)
    requires = ()           # API paths under the framework module, e.g. "nn.GRU"
    check_steps = 2         # steps whose losses must agree between frameworks
    rtol = 1e-4             # float32 agreement of those losses

    def make_data(self, seed=0):
        """NumPy inputs and weights (dict), identical for every framework and the floor."""
        raise NotImplementedError

    def build(self, torch, data):
        """A Runner for framework module `torch` (dygrad or PyTorch) on `data`."""
        raise NotImplementedError

    def floor(self, data):
        """The hand-written NumPy version (None when there is none)."""
        return None


class Runner:
    """step() is the timed unit and returns the loss tensor.

    fwd_bwd() (default: step) computes loss and gradients without any optimizer update, for
    checking gradients against other implementations; params maps state_dict names to the
    framework's parameter tensors.
    """

    def __init__(self, step, params, fwd_bwd=None):
        self.step = step
        self.params = params
        self.fwd_bwd = fwd_bwd or step

    def loss_and_grads(self):
        loss = self.fwd_bwd()
        grads = {k: p.grad.detach().numpy().copy() for k, p in self.params.items()}
        return float(loss.item()), grads

    def param_values(self):
        return {k: p.detach().numpy().copy() for k, p in self.params.items()}

    def losses(self, n):
        return [float(self.step().item()) for _ in range(n)]


def train_runner(torch, model, opt, x, y):
    """Full training step: zero_grad, forward, cross-entropy loss, backward, optimizer step."""
    F = torch.nn.functional

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    def fwd_bwd():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        return loss

    return Runner(step, dict(model.named_parameters()), fwd_bwd)


def floor_losses(floor, n):
    return [float(floor.step()) for _ in range(n)]


# -- NumPy weight init (PyTorch's default ranges: U(-1/sqrt(fan_in), 1/sqrt(fan_in))) ---------

def uniform(rng, shape, fan_in):
    bound = 1.0 / math.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape).astype(np.float32)


def linear_params(rng, prefix, n_in, n_out):
    return {f"{prefix}.weight": uniform(rng, (n_out, n_in), n_in),
            f"{prefix}.bias": uniform(rng, (n_out,), n_in)}


def conv_params(rng, prefix, c_in, c_out, k, bias=True):
    fan_in = c_in * k * k
    out = {f"{prefix}.weight": uniform(rng, (c_out, c_in, k, k), fan_in)}
    if bias:
        out[f"{prefix}.bias"] = uniform(rng, (c_out,), fan_in)
    return out


def batchnorm_params(prefix, c):
    return {f"{prefix}.weight": np.ones(c, np.float32), f"{prefix}.bias": np.zeros(c, np.float32)}


def normal(rng, shape):
    return rng.standard_normal(shape).astype(np.float32)


def labels(rng, n, classes=10):
    return rng.integers(0, classes, size=n).astype(np.int64)
