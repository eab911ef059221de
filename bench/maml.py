"""MAML on sine regression (Finn et al. 2017), second order, written with torch.func: the same
program runs on PyTorch and on dygrad, with the same tasks (drawn with NumPy) and the same
initial weights (drawn with NumPy and loaded into both models).

    python -m bench.maml [--iters 300] [--dtype float32] [--frameworks torch,dygrad]

Each meta-iteration adapts a 1-40-40-1 MLP to a batch of tasks (y = A sin(x - phase), K
support points each) with `inner_steps` SGD steps taken through `functional_call` and
`torch.func.grad` -- the inner gradients keep their graph to the meta-parameters, so the meta
gradient is second order -- and updates the meta-parameters with Adam on the query loss. It
then reports the loss on held-out tasks before adaptation and after 1 and 10 adaptation steps
(the post-adaptation loss), and the gap between the frameworks.
"""
import argparse
import json
import math
import time

import numpy as np

K = 10          # support / query points per task
META_BATCH = 5  # tasks per meta-iteration
INNER_LR = 0.01
META_LR = 0.01
HIDDEN = 40


def make_tasks(rng, n):
    """n sine tasks: (amplitude, phase, support x, support y, query x, query y)."""
    amp = rng.uniform(0.1, 5.0, n)
    phase = rng.uniform(0.0, math.pi, n)
    xs = rng.uniform(-5.0, 5.0, (n, 2 * K, 1))
    ys = amp[:, None, None] * np.sin(xs - phase[:, None, None])
    return xs[:, :K], ys[:, :K], xs[:, K:], ys[:, K:]


def init_weights(rng):
    """PyTorch's default Linear init (uniform in +-1/sqrt(fan_in)), drawn with NumPy."""
    state = {}
    for i, (fan_in, fan_out) in enumerate([(1, HIDDEN), (HIDDEN, HIDDEN), (HIDDEN, 1)]):
        bound = 1 / math.sqrt(fan_in)
        state[f"{2 * i}.weight"] = rng.uniform(-bound, bound, (fan_out, fan_in))
        state[f"{2 * i}.bias"] = rng.uniform(-bound, bound, fan_out)
    return state


def run(fw, iters, dtype, seed=0, inner_steps=1, eval_tasks=100):
    """Meta-trains on framework `fw` (the torch module or dygrad); returns the losses."""
    nn, F = fw.nn, fw.func
    rng = np.random.default_rng(seed)
    state = init_weights(rng)
    train = [make_tasks(rng, META_BATCH) for _ in range(iters)]
    test = make_tasks(rng, eval_tasks)
    model = nn.Sequential(nn.Linear(1, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(),
                          nn.Linear(HIDDEN, 1))
    model.load_state_dict({k: fw.tensor(v) for k, v in state.items()})
    model.to(getattr(fw, dtype))
    meta = dict(model.named_parameters())
    opt = fw.optim.Adam(model.parameters(), lr=META_LR)

    def t(a):
        return fw.tensor(a.astype(dtype))

    def loss_fn(params, x, y):
        return ((F.functional_call(model, params, (x,)) - y) ** 2).mean()

    def adapt(params, x, y, steps):
        for _ in range(steps):
            g = F.grad(loss_fn)(params, x, y)
            params = {k: params[k] - INNER_LR * g[k] for k in params}
        return params

    start = time.perf_counter()
    for xs, ys, xq, yq in train:
        opt.zero_grad()
        outer = 0
        for i in range(META_BATCH):
            fast = adapt(meta, t(xs[i]), t(ys[i]), inner_steps)
            outer = outer + loss_fn(fast, t(xq[i]), t(yq[i]))
        (outer / META_BATCH).backward()
        opt.step()
    train_s = time.perf_counter() - start

    def evaluate(steps):
        total = 0.0
        frozen = {k: v.detach() for k, v in meta.items()}
        for i in range(eval_tasks):
            xs, ys, xq, yq = (t(a[i]) for a in test)
            fast = adapt(frozen, xs, ys, steps)
            total += float(loss_fn(fast, xq, yq))
        return total / eval_tasks

    return {"pre": evaluate(0), "post_1": evaluate(1), "post_10": evaluate(10),
            "train_s": round(train_s, 2)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iters", type=int, default=300)
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--frameworks", default="torch,dygrad")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    args = p.parse_args(argv)
    results = {}
    for name in args.frameworks.split(","):
        fw = __import__(name)
        if name == "torch":
            fw.set_num_threads(1)
        results[name] = run(fw, args.iters, args.dtype, args.seed)
    if "torch" in results and "dygrad" in results:
        d, tr = results["dygrad"], results["torch"]
        results["rel_gap_post_10"] = abs(d["post_10"] - tr["post_10"]) / tr["post_10"]
        results["rel_gap_post_1"] = abs(d["post_1"] - tr["post_1"]) / tr["post_1"]
    if args.json:
        print(json.dumps(results))
        return results
    print(f"MAML sine regression, {args.iters} meta-iterations x {META_BATCH} tasks, "
          f"K={K}, {args.dtype}, seed {args.seed}")
    print(f"{'framework':10} {'pre-adapt':>10} {'1 step':>10} {'10 steps':>10} {'train s':>8}")
    for name in args.frameworks.split(","):
        r = results[name]
        print(f"{name:10} {r['pre']:10.6f} {r['post_1']:10.6f} {r['post_10']:10.6f} "
              f"{r['train_s']:8.2f}")
    if "rel_gap_post_10" in results:
        print(f"post-adaptation loss, relative gap dygrad vs torch: "
              f"{results['rel_gap_post_10']:.2e} after 10 steps, "
              f"{results['rel_gap_post_1']:.2e} after 1 step (target < 1e-2)")
    return results


if __name__ == "__main__":
    main()
