"""Per-sample gradients of an MLP: `vmap(grad(loss))` against the per-sample Python loop, on
dygrad and on PyTorch, one thread, the same weights and data (drawn with NumPy).

    python -m bench.vmap [--batch 64] [--reps 10] [--sizes 784,128,128,10 32,64,64,10]
                         [--frameworks dygrad,torch]

Each model is an MLP of the given layer sizes (Linear, ReLU, Linear, Tanh, Linear) with
cross-entropy; the per-sample gradient of every parameter is computed for a batch of `--batch`
samples (a differential-privacy training step's main cost). The MNIST-sized MLP is bound by
writing the per-sample weight gradients (64 x 128 x 784 floats); the small one by per-op work. The loop calls `grad(loss)` once per sample;
vmap batches the forward and the backward over the samples at once. Reported: the fastest of
`--reps` interleaved runs of each, their ratio, and the largest difference between the results.
"""
import os
import sys

if __name__ == "__main__":
    if __package__ in (None, ""):
        sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from bench.frameworks import set_thread_env  # imports no numpy
    set_thread_env("1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

SIZES = (784, 128, 128, 10)


def setup(fw, batch, seed=0, sizes=SIZES):
    rng = np.random.default_rng(seed)
    nn = fw.nn
    model = nn.Sequential(nn.Linear(sizes[0], sizes[1]), nn.ReLU(), nn.Linear(sizes[1], sizes[2]),
                          nn.Tanh(), nn.Linear(sizes[2], sizes[3]))
    state = {}
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        bound = 1 / np.sqrt(a)
        state[f"{2 * i}.weight"] = fw.tensor(rng.uniform(-bound, bound, (b, a)).astype(np.float32))
        state[f"{2 * i}.bias"] = fw.tensor(rng.uniform(-bound, bound, b).astype(np.float32))
    model.load_state_dict(state)
    x = fw.tensor(rng.standard_normal((batch, sizes[0])).astype(np.float32))
    y = fw.tensor(rng.integers(0, sizes[-1], batch))
    params = {k: v.detach() for k, v in model.named_parameters()}

    def loss(p, xi, yi):
        out = fw.func.functional_call(model, p, (xi.unsqueeze(0),))
        return fw.nn.functional.cross_entropy(out, yi.unsqueeze(0))

    def vmapped():
        return fw.func.vmap(fw.func.grad(loss), in_dims=(None, 0, 0))(params, x, y)

    def looped():
        g = fw.func.grad(loss)
        per = [g(params, x[i], y[i]) for i in range(batch)]
        return {k: fw.stack([p[k] for p in per]) for k in params}
    return vmapped, looped


def _once(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure(fw, batch, reps, sizes=SIZES):
    vmapped, looped = setup(fw, batch, sizes=sizes)
    a, b = vmapped(), looped()
    diff = max(float(np.abs(a[k].detach().numpy() - b[k].detach().numpy()).max()) for k in a)
    # interleaved, and the fastest run of each: other processes only ever add time, and the
    # machine's speed drifts between rounds
    tv, tl = [], []
    for _ in range(reps):
        tv.append(_once(vmapped))
        tl.append(_once(looped))
    tv, tl = min(tv), min(tl)
    return {"vmap_ms": tv * 1e3, "loop_ms": tl * 1e3, "speedup": tl / tv, "max_diff": diff}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.vmap", description=__doc__.split("\n")[0])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--frameworks", default="dygrad,torch")
    p.add_argument("--sizes", nargs="+", default=["784,128,128,10", "32,64,64,10"],
                   help="layer sizes of each MLP to time (four numbers each)")
    args = p.parse_args(argv)
    results = {}
    for spec in args.sizes:
        sizes = tuple(int(v) for v in spec.split(","))
        for name in args.frameworks.split(","):
            try:
                fw = __import__(name)
            except ImportError:
                print(f"{name}: not installed")
                continue
            if name == "torch":
                fw.set_num_threads(1)
            r = results[f"{name} {spec}"] = measure(fw, args.batch, args.reps, sizes)
            print(f"{name:7s} MLP {spec:15s} batch {args.batch}: vmap(grad) {r['vmap_ms']:8.2f} ms"
                  f"   loop {r['loop_ms']:8.2f} ms   speedup {r['speedup']:5.1f}x   "
                  f"max |vmap - loop| {r['max_diff']:.1e}")
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
