"""Deployment numbers for LeNet-5 (the MNIST model of `dygrad train`), one thread each.

    python -m bench.deploy [--quick] [--out PATH]

Measures the export time (`torch.onnx.export` and `torch.jit.trace` + `torch.jit.save`, to
memory) and the inference latency at batch 1 and 64 of: onnxruntime on the exported file
(SessionOptions intra_op_num_threads=1), dygrad eager (no_grad), the model `torch.jit.load`
reads back, and PyTorch eager with the same weights for reference. Every candidate of one batch
size is timed in alternating rounds (bench/harness.py), so the machine's drift lands on all of
them alike; numbers are medians. Writes the markdown table the README's Deploy section quotes
(default bench/results/deploy.md) and prints it.
"""
import os
import sys

if __name__ == "__main__":
    if __package__ in (None, ""):
        sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from bench.frameworks import set_thread_env  # imports no numpy
    set_thread_env("1")

import argparse  # noqa: E402
import io  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "deploy.md")


def _export_times(model, x, repeats):
    """Median seconds of an ONNX export and of a trace + jit.save, both to memory."""
    import dygrad as torch
    times, bufs = {"onnx": [], "jit": []}, {}
    for _ in range(repeats):
        for kind in ("onnx", "jit"):
            buf = io.BytesIO()
            t0 = time.perf_counter()
            if kind == "onnx":
                torch.onnx.export(model, (x,), buf, input_names=["input"],
                                  output_names=["logits"],
                                  dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
            else:
                with torch.no_grad():
                    torch.jit.save(torch.jit.trace(model, x), buf)
            times[kind].append(time.perf_counter() - t0)
            bufs[kind] = buf
    return {k: statistics.median(v) for k, v in times.items()}, bufs["onnx"]


def _torch_lenet(model):
    """PyTorch's own LeNet-5 with the dygrad model's weights (same layer names)."""
    import torch
    nn = torch.nn
    ref = nn.Sequential()
    ref.features = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
    ref.classifier = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.ReLU(),
                                   nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    ref.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                         for k, v in model.state_dict().items()})
    return ref.eval()


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.deploy", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    p.add_argument("--out", default=OUT, help=f"markdown file to write (default {OUT})")
    args = p.parse_args(argv)

    import numpy as np
    import onnxruntime as ort
    import dygrad as torch
    from dygrad.vision.models import get_model
    from bench.harness import DEFAULT, QUICK, time_alternating

    torch.manual_seed(0)
    model = get_model("lenet5").eval()
    x1 = torch.randn(1, 1, 28, 28)
    export, onnx_buf = _export_times(model, x1, 3 if args.quick else 7)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(onnx_buf.getvalue(), opts, providers=["CPUExecutionProvider"])
    jbuf = io.BytesIO()
    with torch.no_grad():
        torch.jit.save(torch.jit.trace(model, x1), jbuf)
    jbuf.seek(0)
    loaded = torch.jit.load(jbuf)
    try:
        import torch as pt
        pt.set_num_threads(1)
        ref = _torch_lenet(model)
    except ImportError:
        pt = ref = None

    settings = QUICK if args.quick else DEFAULT
    rows = {}
    for batch in (1, 64):
        xb = torch.randn(batch, 1, 28, 28)
        xn = xb.numpy()
        with torch.no_grad():
            want = model(xb).numpy()
        # every candidate computes the same logits (checked before timing)
        assert np.allclose(sess.run(None, {"input": xn})[0], want, rtol=1e-4, atol=1e-5)
        assert loaded(xb).numpy().tobytes() == want.tobytes()

        def eager():
            with torch.no_grad():
                model(xb)

        cands = {"onnxruntime": lambda: sess.run(None, {"input": xn}), "dygrad eager": eager,
                 "dygrad jit.load": lambda: loaded(xb)}
        if ref is not None:
            xt = pt.from_numpy(xn.copy())
            assert np.allclose(ref(xt).detach().numpy(), want, rtol=1e-4, atol=1e-5)

            def torch_eager():
                with pt.no_grad():
                    ref(xt)

            cands["PyTorch eager"] = torch_eager
        res = time_alternating(cands, settings)
        rows[batch] = {n: r.stats().get("median_s") for n, r in res.items()}

    names = ["onnxruntime", "dygrad eager", "dygrad jit.load", "PyTorch eager"]
    lines = ["| LeNet-5 inference, one thread (median) | batch 1 | batch 64 |", "|---|---:|---:|"]
    for n in names:
        if all(rows[b].get(n) for b in rows):
            lines.append(f"| {n} | {rows[1][n] * 1e3:.3f} ms | {rows[64][n] * 1e3:.2f} ms |")
    versions = f"onnxruntime {ort.__version__}" + (f", PyTorch {pt.__version__}" if pt else "")
    note = (f"Export from a batch-1 example, median: `torch.onnx.export` {export['onnx'] * 1e3:.0f} "
            f"ms, `torch.jit.trace` + `torch.jit.save` {export['jit'] * 1e3:.0f} ms (the save "
            f"re-traces at two batch sizes to make the file batch-polymorphic). Measured by "
            f"`python -m bench.deploy` ({platform.machine()}, Python "
            f"{platform.python_version()}, NumPy {np.__version__}, {versions}).")
    table = "\n".join(lines) + "\n\n" + note + "\n"
    print(table)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as fh:
            fh.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
