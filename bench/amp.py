"""Graph memory under bfloat16 autocast: the saved bytes of a deep MLP's graph.

    python -m bench.amp [--quick] [--train]

The model is issue 16's deep MLP: 16 x [Linear(1024) -> LayerNorm -> GELU -> Dropout] on a
batch of 256. One forward is recorded in float32 and one under
`torch.autocast("cpu", dtype=torch.bfloat16)`, and `dygrad.autograd.graph.saved_bytes(loss)`
counts the distinct arrays each graph keeps for backward. Under autocast the Linear layers
run in bfloat16, so what the graph keeps (their inputs, the cast weights, LayerNorm's
input, GELU's input, Dropout's mask) is bfloat16 or boolean. The target is a ratio
of at most 0.55. Also reports the step time of both (forward + backward, best of 3).
--quick: width 256, batch 64 (same layers).
--train: also runs `dygrad train` (default recipe, MNIST-10k) in float32 and with
`--amp bf16`, and reports both final held-out accuracies (a few minutes).
"""
import os
import sys
import time

if __name__ == "__main__" and __package__ in (None, ""):
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

TARGET = 0.55


def deep_mlp(torch, width, depth=16, p=0.1):
    layers = []
    for _ in range(depth):
        layers += [torch.nn.Linear(width, width), torch.nn.LayerNorm(width), torch.nn.GELU(),
                   torch.nn.Dropout(p)]
    return torch.nn.Sequential(*layers)


def measure(width=1024, batch=256, depth=16):
    import dygrad as torch
    from dygrad.autograd.graph import saved_bytes
    torch.manual_seed(0)
    model = deep_mlp(torch, width, depth)
    x = torch.randn(batch, width)
    out = {}
    for name, enabled in (("float32", False), ("bf16_autocast", True)):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled):
            loss = model(x).float().pow(2).mean()
        out[name + "_saved_bytes"] = saved_bytes(loss)
        loss.backward()
        model.zero_grad(set_to_none=True)
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled):
                loss = model(x).float().pow(2).mean()
            loss.backward()
            best = min(best, time.perf_counter() - t0)
            model.zero_grad(set_to_none=True)
        out[name + "_step_s"] = best
    out["ratio"] = out["bf16_autocast_saved_bytes"] / out["float32_saved_bytes"]
    return out


def train_accuracies():
    """Final held-out accuracy of `dygrad train` with the default recipe, float32 and --amp bf16."""
    import tempfile
    from dygrad import load
    from dygrad.cli import main as cli
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in (("float32", []), ("bf16", ["--amp", "bf16"])):
            d = os.path.join(tmp, name)
            code = cli(["train", "--output-dir", d, "--quiet", "--no-progress", *extra])
            if code:
                raise SystemExit(f"dygrad train {' '.join(extra)} failed ({code})")
            out[name] = load(os.path.join(d, "last.ckpt"))["history"][-1]["val_acc"]
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    quick = "--quick" in argv
    width, batch = (256, 64) if quick else (1024, 256)
    r = measure(width, batch)
    mib = 1 << 20
    print(f"deep MLP 16 x [Linear({width}) -> LayerNorm -> GELU -> Dropout], batch {batch}")
    print(f"  graph saved bytes, float32:        {r['float32_saved_bytes'] / mib:8.1f} MiB"
          f"   (step {r['float32_step_s']:.2f} s)")
    print(f"  graph saved bytes, bf16 autocast:  {r['bf16_autocast_saved_bytes'] / mib:8.1f} MiB"
          f"   (step {r['bf16_autocast_step_s']:.2f} s)")
    print(f"  ratio {r['ratio']:.3f} (target <= {TARGET}): {'ok' if r['ratio'] <= TARGET else 'MISSED'}")
    if "--train" in argv:
        acc = train_accuracies()
        print(f"dygrad train (MNIST-10k, default recipe): held-out accuracy float32 "
              f"{acc['float32']:.2%}, --amp bf16 {acc['bf16']:.2%} "
              f"(difference {(acc['float32'] - acc['bf16']) * 100:+.2f} points; target within 0.3)")
        r.update(acc)
    return r


if __name__ == "__main__":
    main()
