"""DistributedDataParallel on 2+ ranks against one process training on the whole batch."""
import json
import os
import sys

import numpy as np

import dygrad
import dygrad.distributed as dist
import dygrad.nn as nn
import dygrad.nn.functional as F
from dygrad.nn.parallel.distributed import DistributedDataParallel as DDP
from _checks import Checks, expect, raises, same

B, D_IN, D_OUT, STEPS = 4, 6, 3, 10
RTOL, ATOL = 1e-5, 1e-6


def mlp(seed):
    dygrad.manual_seed(seed)
    return nn.Sequential(nn.Linear(D_IN, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(),
                         nn.Linear(8, D_OUT))


def batches(world, steps=STEPS, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((steps, world * B, D_IN)).astype(np.float32)
    y = rng.standard_normal((steps, world * B, D_OUT)).astype(np.float32)
    return x, y


def optimizer(kind, params):
    if kind == "sgd":
        return dygrad.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-3)
    return dygrad.optim.Adam(params, lr=0.01)


def params_of(model):
    return [p.detach().numpy().copy() for p in model.parameters()]


def train(model, opt, xs, ys, set_to_none=True):
    for x, y in zip(xs, ys):
        opt.zero_grad(set_to_none=set_to_none)
        F.mse_loss(model(dygrad.from_numpy(x)), dygrad.from_numpy(y)).backward()
        opt.step()


def reference(kind, world, seed):
    """One process, the whole batch (world * B rows a step), from mlp(seed)'s weights."""
    model = mlp(seed)
    x, y = batches(world)
    train(model, optimizer(kind, model.parameters()), x, y)
    return params_of(model)


def backward(model, x, y):
    F.mse_loss(model(dygrad.from_numpy(x)), dygrad.from_numpy(y)).backward()


def grads(model):
    return [p.grad.numpy() for p in model.parameters()]


def mine(a, r):
    return a[:, r * B:(r + 1) * B]


def close_all(got, want):
    for g, w_ in zip(got, want):
        same(g, w_, rtol=RTOL, atol=ATOL)


class TwoHeads(nn.Module):
    """Head a is used by every rank, head b by the last rank only, head c by none."""

    def __init__(self):
        super().__init__()
        self.body = nn.Linear(D_IN, 8)
        self.a = nn.Linear(8, D_OUT)
        self.b = nn.Linear(8, D_OUT)
        self.c = nn.Linear(8, D_OUT)

    def forward(self, x, use_b):
        h = self.body(x).tanh()
        return self.a(h) + self.b(h) if use_b else self.a(h)


class Reordered(nn.Module):
    """Registered in the opposite order of use: `late` is applied last, so its gradients come
    first in backward, but it comes first in parameters()."""

    def __init__(self):
        super().__init__()
        self.late = nn.Linear(8, D_OUT)
        self.early = nn.Linear(D_IN, 8)

    def forward(self, x):
        return self.late(self.early(x).tanh())


def main(out_dir):
    dist.init_process_group()
    r, w = dist.get_rank(), dist.get_world_size()
    check = Checks(out_dir, r)
    report = {}

    with check("wrap_broadcasts_rank0_state"):
        model = mlp(100 + r)  # every rank starts from different weights
        bn = nn.BatchNorm1d(4)
        bn.running_mean.fill_(float(r))
        ddp = DDP(model)
        DDP(nn.Sequential(bn, nn.Linear(4, 1)))
        same(bn.running_mean, np.zeros(4, np.float32))
        everyone = [None] * w
        dist.all_gather_object(everyone, params_of(model))
        for k in range(w):
            close_all(everyone[k], params_of(mlp(100)))

    with check("state_dict_keys"):
        sd = ddp.state_dict()
        expect(list(sd) == ["module." + k for k in model.state_dict()], list(sd))
        expect(ddp.module is model)
        ddp.load_state_dict(sd)
        expect(list(dict(ddp.named_parameters())) == list(sd))

    with check("gradients_are_averaged"):
        x, y = batches(w, steps=1)
        ddp = DDP(mlp(0))
        backward(ddp, mine(x, r)[0], mine(y, r)[0])
        ref = mlp(0)
        backward(ref, x[0], y[0])
        close_all(grads(ddp), grads(ref))

    small = dict(bucket_cap_mb=0.0005)
    configs = {"sgd": ("sgd", {}, True), "adam": ("adam", {}, True),
               "sgd_small_buckets_grad_view": ("sgd", dict(small, gradient_as_bucket_view=True),
                                               True),
               "adam_grad_view_zeroed_in_place": ("adam", dict(small, gradient_as_bucket_view=True),
                                                  False),
               "adam_small_buckets": ("adam", small, True)}
    for name, (kind, kw, set_to_none) in configs.items():
        with check(f"parity_{name}"):
            ddp = DDP(mlp(100 + r), **kw)
            if kw:
                expect(len(ddp.reducer.buckets) > 1, "expected several buckets")
            x, y = batches(w)
            train(ddp, optimizer(kind, ddp.parameters()), mine(x, r), mine(y, r), set_to_none)
            if kw.get("gradient_as_bucket_view") and not set_to_none:
                views = [v for b in ddp.reducer.buckets for v in [b.flat]]
                expect(all(any(np.shares_memory(p.grad.numpy(), f) for f in views)
                           for p in ddp.parameters()), "gradients are not bucket views")
            close_all(params_of(ddp.module), reference(kind, w, seed=100))  # rank 0's start

    with check("no_sync_accumulation"):
        x, y = batches(w, steps=2 * 4)  # 4 optimizer steps of 2 micro-batches each
        runs = {}
        for mode in ("no_sync", "sync"):
            ddp = DDP(mlp(0))
            opt = optimizer("sgd", ddp.parameters())
            for s in range(4):
                opt.zero_grad()
                for micro in range(2):
                    xb = dygrad.from_numpy(mine(x, r)[2 * s + micro])
                    yb = dygrad.from_numpy(mine(y, r)[2 * s + micro])
                    if mode == "no_sync" and micro == 0:
                        with ddp.no_sync():
                            F.mse_loss(ddp(xb), yb).backward()
                        # nothing was averaged: the gradient is this rank's own
                        g = ddp.module[0].weight.grad.numpy()
                        gathered = [None] * w
                        dist.all_gather_object(gathered, g)
                        expect(not np.allclose(gathered[0], gathered[-1]), "no_sync averaged")
                    else:
                        F.mse_loss(ddp(xb), yb).backward()
                opt.step()
            runs[mode] = params_of(ddp.module)
        ref = mlp(0)
        opt = optimizer("sgd", ref.parameters())
        for s in range(4):
            opt.zero_grad()
            for micro in range(2):
                F.mse_loss(ref(dygrad.from_numpy(x[2 * s + micro])),
                           dygrad.from_numpy(y[2 * s + micro])).backward()
            opt.step()
        close_all(runs["no_sync"], runs["sync"])
        close_all(runs["no_sync"], params_of(ref))

    for name, kw in [("find_unused_parameters", dict(find_unused_parameters=True)),
                     ("static_graph", dict(static_graph=True))]:
        with check(name):
            x, y = batches(w, steps=3)
            dygrad.manual_seed(5)
            ddp = DDP(TwoHeads(), **kw)
            opt = dygrad.optim.SGD(ddp.parameters(), lr=0.1)
            dygrad.manual_seed(5)
            ref = TwoHeads()
            ref_opt = dygrad.optim.SGD(ref.parameters(), lr=0.1)
            for s in range(3):
                opt.zero_grad()
                F.mse_loss(ddp(dygrad.from_numpy(mine(x, r)[s]), use_b=r == w - 1),
                           dygrad.from_numpy(mine(y, r)[s])).backward()
                ref_opt.zero_grad()
                loss = sum(F.mse_loss(ref(dygrad.from_numpy(mine(x, k)[s]), use_b=k == w - 1),
                                      dygrad.from_numpy(mine(y, k)[s])) for k in range(w)) / w
                loss.backward()
                expect(ddp.module.c.weight.grad is None, "a parameter no rank used got a gradient")
                expect(ddp.module.b.weight.grad is not None, "b's gradient was not averaged in")
                close_all([p.grad.numpy() for n, p in ddp.module.named_parameters() if n[0] != "c"],
                          [p.grad.numpy() for n, p in ref.named_parameters() if n[0] != "c"])
                opt.step()
                ref_opt.step()

    with check("unused_parameter_without_find_raises"):
        ddp = DDP(TwoHeads())
        out = ddp(dygrad.ones(2, D_IN), use_b=False)
        out.sum().backward()
        raises(lambda: ddp(dygrad.ones(2, D_IN), use_b=False), RuntimeError,
               "Expected to have finished reduction in the prior iteration")
        del ddp

    with check("validation_forward_between_forward_and_backward"):
        x, y = batches(w, steps=1)
        ddp = DDP(mlp(0))
        loss = F.mse_loss(ddp(dygrad.from_numpy(mine(x, r)[0])), dygrad.from_numpy(mine(y, r)[0]))
        with dygrad.no_grad():
            ddp(dygrad.from_numpy(x[0]))  # e.g. a validation batch
        loss.backward()
        ref = mlp(0)
        backward(ref, x[0], y[0])
        close_all(grads(ddp), grads(ref))

    with check("buckets_rebuilt_in_gradient_order"):
        dygrad.manual_seed(0)
        ddp = DDP(Reordered(), bucket_cap_mb=0.00001)  # a bucket per parameter
        late = {0, 1}  # late.weight, late.bias
        expect(set(ddp.reducer.buckets[0].indices) <= {2, 3}, "initial: reverse order")
        opt = dygrad.optim.SGD(ddp.parameters(), lr=0.1)
        x, y = batches(w, steps=3)
        train(ddp, opt, mine(x, r), mine(y, r))
        expect(set(ddp.reducer.buckets[0].indices) <= late,
               f"not rebuilt: {[b.indices for b in ddp.reducer.buckets]}")
        dygrad.manual_seed(0)
        ref = Reordered()
        train(ref, dygrad.optim.SGD(ref.parameters(), lr=0.1), x, y)
        close_all(params_of(ddp.module), params_of(ref))

    with check("buffers_follow_rank0"):
        dygrad.manual_seed(0)
        net = nn.Sequential(nn.Linear(D_IN, 4), nn.BatchNorm1d(4))
        ddp = DDP(net)
        x, _ = batches(w, steps=1)
        ddp(dygrad.from_numpy(mine(x, r)[0])).sum().backward()
        mean = net[1].running_mean.numpy().copy()
        gathered = [None] * w
        dist.all_gather_object(gathered, mean)
        expect(not np.allclose(gathered[0], gathered[-1]), "per-rank statistics should differ")
        ddp.eval()
        ddp(dygrad.from_numpy(mine(x, r)[0]))  # broadcasts rank 0's buffers first
        same(net[1].running_mean, gathered[0])
        expect(int(net[1].num_batches_tracked.item()) == 1)

    with check("process_group_of_one"):
        groups = [dist.new_group([k]) for k in range(w)]
        ddp = DDP(mlp(100 + r), process_group=groups[r])
        x, y = batches(w, steps=1)
        backward(ddp, mine(x, r)[0], mine(y, r)[0])
        ref = mlp(100 + r)
        backward(ref, mine(x, r)[0], mine(y, r)[0])
        close_all(grads(ddp), grads(ref))  # a group of one: nothing to average

    with check("constructor_errors"):
        raises(lambda: DDP(mlp(0), device_ids=[0]), ValueError, "device_ids")
        frozen = mlp(0).requires_grad_(False)
        raises(lambda: DDP(frozen), RuntimeError, "doesn't have any parameter")
        raises(lambda: DDP(lambda x: x), TypeError, "nn.Module")

    with check("checkpoint_from_rank0"):
        ddp = DDP(mlp(100 + r))
        x, y = batches(w, steps=3)
        train(ddp, optimizer("adam", ddp.parameters()), mine(x, r), mine(y, r))
        path = os.path.join(out_dir, "model.dyg")
        if r == 0:
            dygrad.save(ddp.module.state_dict(), path)
            probe = dygrad.from_numpy(x[0])
            with dygrad.no_grad():
                report["probe_output"] = ddp.module(probe).numpy().tolist()
            report["probe_input"] = x[0].tolist()
        dist.barrier()
        expect(os.path.exists(path))

    if r == 0:
        with open(os.path.join(out_dir, "report.json"), "w") as f:
            json.dump(report, f)
    check.save()


if __name__ == "__main__":
    main(sys.argv[1])
