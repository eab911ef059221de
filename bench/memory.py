"""(8) Peak resident memory of training workloads, each framework in its own fresh process.

The parent runs `python -m bench.memory --child FRAMEWORK WORKLOAD STEPS THREADS IMAGES`,
which imports only that framework, builds the workload and runs STEPS steps, then prints one
JSON line with:
  peak_kb     the process's lifetime peak RSS (VmHWM), import included: the number the target
              compares (dygrad <= torch);
  baseline_kb VmRSS after import and data generation, just before the model is built;
  workload_peak_kb / workload_peak_delta_kb  VmHWM after resetting it at that point (Linux
              /proc/self/clear_refs), i.e. the peak while building and training, and that
              peak minus the baseline: the memory the framework itself needs for the workload;
  maxrss_kb   getrusage ru_maxrss, for reference only: Linux carries the parent's peak over
              into a child started with vfork+exec (as subprocess does), so under bench.run it
              reads as the parent's size, not the child's.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOADS = ("mlp_b64", "mlp_b512", "lenet", "mnist_epoch", "gpt", "resnet18_1x28", "lstm_lm",
             "transformer_cls")
# the models people train: a few steps reach the peak (each step takes 0.1-0.3 s)
REAL = ("gpt", "gpt_sdpa", "resnet18_1x28", "resnet18_3x32", "lstm_lm", "transformer_cls")
TARGET = 1.0  # dygrad peak / torch peak


def _proc_status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def _reset_hwm():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def child(fw_name, workload_name, steps, threads, mnist_images):
    import gc
    import resource

    from bench import frameworks
    from bench.workloads import by_name

    mod, err = frameworks.load(fw_name, threads)
    w = by_name(workload_name, mnist_images=mnist_images)
    reason = frameworks.na_reason(mod, err, w.requires)
    if reason:
        return {"status": reason}
    data = w.make_data()
    gc.collect()
    baseline = _proc_status_kb("VmRSS")
    setup_peak = _proc_status_kb("VmHWM")
    reset = _reset_hwm()
    try:
        runner = w.build(mod, data)
        for _ in range(steps):
            runner.step()
    except Exception as exc:
        return {"status": f"n/a (error: {type(exc).__name__}: {exc})".splitlines()[0][:300]}
    hwm = _proc_status_kb("VmHWM")
    out = {"status": "ok", "steps": steps, "peak_kb": max(setup_peak, hwm),
           "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
           "baseline_kb": baseline, "setup_peak_kb": setup_peak, "hwm_reset": reset}
    if reset:
        out["workload_peak_kb"] = hwm
        out["workload_peak_delta_kb"] = hwm - baseline
    return out


def run_child(fw_name, workload_name, steps, threads, mnist_images, timeout=600):
    cmd = [sys.executable, "-m", "bench.memory", "--child", fw_name, workload_name, str(steps),
           str(threads), str(mnist_images)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"status": f"n/a (child failed, rc={proc.returncode}: {tail[:200]})"}
    return json.loads(lines[-1])


def measure(names, threads, quick=False, mnist_images=10_000):
    """Peak memory records for the named workloads, both frameworks, one process each."""
    records = []
    for name in names:
        if name == "mnist_epoch":
            steps = 1  # one step of this workload is the whole epoch
        elif name in REAL:
            steps = 3 if quick else 5
        else:
            steps = 5 if quick else 20
        rec = {"name": name, "steps": steps, "target": TARGET, "frameworks": {}}
        if name == "mnist_epoch":
            rec["mnist_images"] = mnist_images
        for fw in ("dygrad", "torch"):
            rec["frameworks"][fw] = run_child(fw, name, steps, threads, mnist_images)
        d = rec["frameworks"]["dygrad"].get("peak_kb")
        t = rec["frameworks"]["torch"].get("peak_kb")
        rec["ratio"] = d / t if d is not None and t else None
        rec["verdict"] = "n/a" if rec["ratio"] is None else (
            "met" if rec["ratio"] <= TARGET else "missed")
        records.append(rec)
    return records


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "--child":
        fw_name, wl = sys.argv[2], sys.argv[3]
        steps, threads, images = (int(a) for a in sys.argv[4:7])
        sys.path.insert(0, ROOT)
        print(json.dumps(child(fw_name, wl, steps, threads, images)))
    else:
        sys.exit("usage: python -m bench.memory --child FRAMEWORK WORKLOAD STEPS THREADS "
                 "MNIST_IMAGES  (normally started by bench.run)")
