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


# -- the deep MLP of issue 16: plain vs checkpointed step, dygrad vs torch ---------------------
DEEP = {"layers": 16, "width": 1024, "batch": 256, "p": 0.1}


def _deep_model(mod, fw_name, mode):
    """The deep MLP and its forward: plain, or every layer checkpointed (non-reentrant)."""
    nn = mod.nn
    mod.manual_seed(0)
    layers = [nn.Sequential(nn.Linear(DEEP["width"], DEEP["width"]), nn.LayerNorm(DEEP["width"]),
                            nn.GELU(), nn.Dropout(DEEP["p"])) for _ in range(DEEP["layers"])]
    model = nn.Sequential(*layers)
    if mode != "checkpoint":
        return model, model
    ck = __import__(fw_name + ".utils.checkpoint", fromlist=["checkpoint"]).checkpoint

    def forward(h):
        for blk in layers:
            h = ck(blk, h, use_reentrant=False)
        return h
    return model, forward


def _import(fw_name):
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    mod = __import__(fw_name)
    if fw_name == "torch":
        mod.set_num_threads(1)
    return mod


def deep_mlp_child(fw_name, mode, grads, steps=3):
    """One process, one framework: the peak RSS of fwd+bwd steps of the deep MLP.

    mode: "plain" or "checkpoint" (every layer checkpointed, non-reentrant). grads: "none"
    (each step starts from zero_grad(), grads set to None as PyTorch's default: the step makes
    them) or "kept" (one step before the baseline made them; zero_grad(set_to_none=False)).
    The baseline is VmRSS once the model and the batch exist, after glibc's malloc_trim (so
    that freed heap pages left by building the model do not hide the step's needs); then
    VmHWM is reset and `steps` steps run. step_peak_kb: VmHWM after them minus the baseline:
    what the steps needed at their peak (activations, gradients, temporaries, and what the
    allocators keep). A later step alone would read 0: both frameworks' allocators keep the
    first step's memory for reuse.
    """
    import gc
    mod = _import(fw_name)
    model, forward = _deep_model(mod, fw_name, mode)
    x = mod.randn(DEEP["batch"], DEEP["width"])
    kept = grads == "kept"

    def step():
        model.zero_grad(set_to_none=not kept)
        forward(x).pow(2).mean().backward()

    if kept:
        step()
    gc.collect()
    _malloc_trim()
    before = _proc_status_kb("VmRSS")
    if not _reset_hwm():
        return {"status": "n/a (no /proc/self/clear_refs: Linux only)"}
    for _ in range(steps):
        step()
    return {"status": "ok", "step_peak_kb": _proc_status_kb("VmHWM") - before,
            "baseline_kb": before, "peak_kb": _proc_status_kb("VmHWM")}


def deep_time_child(fw_name, rounds=8):
    """Seconds of a plain and a checkpointed step, interleaved in one process (the VM's speed
    drifts; runs in different processes would not compare): the fastest of `rounds` each.
    Also the forwards alone (grad on, no_grad, checkpointed), which give the floor of the
    checkpointed step: a no_grad forward plus the plain step (the recomputation is a grad-mode
    forward, the backward the plain one), i.e. ratio >= (F_nograd + F + B) / (F + B)."""
    import time
    mod = _import(fw_name)
    x = mod.randn(DEEP["batch"], DEEP["width"])
    runs = {m: _deep_model(mod, fw_name, m) for m in ("plain", "checkpoint")}

    def step(m):
        model, forward = runs[m]
        model.zero_grad()
        forward(x).pow(2).mean().backward()

    def fwd_nograd():
        with mod.no_grad():
            runs["plain"][1](x)
    work = {"plain": lambda: step("plain"), "checkpoint": lambda: step("checkpoint"),
            "fwd": lambda: runs["plain"][1](x), "fwd_nograd": fwd_nograd,
            "fwd_checkpoint": lambda: runs["checkpoint"][1](x)}
    best = {m: float("inf") for m in work}
    for r in range(rounds + 1):
        for m, f in work.items():
            t = time.perf_counter()
            f()
            if r:   # the first round warms up
                best[m] = min(best[m], time.perf_counter() - t)
    return {"status": "ok", "plain_s": best["plain"], "checkpoint_s": best["checkpoint"],
            "fwd_s": best["fwd"], "fwd_nograd_s": best["fwd_nograd"],
            "fwd_checkpoint_s": best["fwd_checkpoint"]}


def _malloc_trim():
    """Gives glibc's free heap memory back to the system, so that RSS is what is in use."""
    try:
        import ctypes
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _run_json(args):
    cmd = [sys.executable, "-m", "bench.memory"] + [str(a) for a in args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                                   MKL_NUM_THREADS="1"))
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"status": f"n/a (rc={proc.returncode}: {tail[:200]})"}
    return json.loads(lines[-1])


def deep_mlp(steps=3):
    """Memory records (dygrad/torch x plain/checkpoint x grads none/kept) and timings."""
    mem, times = {}, {}
    for fw in ("dygrad", "torch"):
        for grads in ("none", "kept"):
            for mode in ("plain", "checkpoint"):
                mem[fw, grads, mode] = _run_json(["--deep-child", fw, mode, grads, steps])
        times[fw] = _run_json(["--deep-time", fw])
    return mem, times


def deep_mlp_table(mem, times):
    """The results as Markdown: peaks, times, and the ratios the issue sets targets for."""
    rows = ["| framework | grads at step start | plain peak (MiB) | checkpointed peak (MiB) "
            "| plain step (s) | checkpointed step (s) |", "|---|---|---|---|---|---|"]

    def mib(r):
        return f"{r['step_peak_kb'] / 1024:.1f}" if r.get("status") == "ok" else r.get("status")
    for fw in ("dygrad", "torch"):
        t = times.get(fw, {})
        for grads in ("none", "kept"):
            ts = (f"{t['plain_s']:.3f} | {t['checkpoint_s']:.3f}" if t.get("status") == "ok"
                  and grads == "none" else " | ")
            rows.append(f"| {fw} | {'None (zero_grad())' if grads == 'none' else 'kept'} | "
                        f"{mib(mem[fw, grads, 'plain'])} | {mib(mem[fw, grads, 'checkpoint'])} "
                        f"| {ts} |")
    checks = []

    def kb(fw, grads, mode):
        return mem.get((fw, grads, mode), {}).get("step_peak_kb")
    for grads in ("none", "kept"):
        dp, tp, dc = kb("dygrad", grads, "plain"), kb("torch", grads, "plain"), \
            kb("dygrad", grads, "checkpoint")
        if dp and tp:
            checks.append((f"grads {grads}: dygrad plain peak / torch plain peak", dp / tp, 1.0))
        if dp and dc:
            checks.append((f"grads {grads}: dygrad checkpointed peak / dygrad plain peak",
                           dc / dp, 0.5))
    t = times.get("dygrad", {})
    if t.get("status") == "ok":
        checks.append(("dygrad checkpointed step time / plain step time",
                       t["checkpoint_s"] / t["plain_s"], 1.5))
    lines = ["\n".join(rows), ""]
    for fw in ("dygrad", "torch"):
        t = times.get(fw, {})
        if t.get("status") == "ok" and "fwd_s" in t:
            floor = (t["fwd_nograd_s"] + t["plain_s"]) / t["plain_s"]
            lines.append(f"- {fw} forward alone: grad on {t['fwd_s']:.3f} s, no_grad "
                         f"{t['fwd_nograd_s']:.3f} s, checkpointed {t['fwd_checkpoint_s']:.3f} s;"
                         f" checkpointed step / plain {t['checkpoint_s'] / t['plain_s']:.3f}, "
                         f"floor (F_nograd + plain) / plain {floor:.3f}")
    for what, ratio, target in checks:
        lines.append(f"- {what}: {ratio:.2f} (target <= {target}: "
                     f"{'met' if ratio <= target else 'missed'})")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "--child":
        fw_name, wl = sys.argv[2], sys.argv[3]
        steps, threads, images = (int(a) for a in sys.argv[4:7])
        sys.path.insert(0, ROOT)
        print(json.dumps(child(fw_name, wl, steps, threads, images)))
    elif len(sys.argv) == 6 and sys.argv[1] == "--deep-child":
        sys.path.insert(0, ROOT)
        print(json.dumps(deep_mlp_child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))))
    elif len(sys.argv) == 3 and sys.argv[1] == "--deep-time":
        sys.path.insert(0, ROOT)
        print(json.dumps(deep_time_child(sys.argv[2])))
    elif len(sys.argv) == 1:
        cfg = ", ".join(f"{k} {v}" for k, v in DEEP.items())
        print(f"deep MLP ({cfg}; Linear -> LayerNorm -> GELU -> Dropout), fwd+bwd, one thread, "
              "each run in its own process\n")
        print(deep_mlp_table(*deep_mlp()))
    else:
        sys.exit("usage: python -m bench.memory  (the deep-MLP table)\n"
                 "       python -m bench.memory --child FRAMEWORK WORKLOAD STEPS THREADS "
                 "MNIST_IMAGES  (normally started by bench.run)")
