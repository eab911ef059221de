"""The compatibility corpus: pytorch/examples' programs, unchanged, under PyTorch and dygrad.

    python -m bench.corpus --examples PATH [--only NAME,...] [--timeout S] [--write]

PATH is a snapshot of the public pytorch/examples repository: a checkout, or a bare git
directory (its HEAD is extracted with `git archive`). Nothing of it is committed here: the
programs are copied into a temporary folder at run time, one fresh copy per program, and run
with their own flags (`--dry-run`, `--epochs 1`, fake datasets) as the repository's
run_python_examples.sh runs them, on one thread, without network. MNIST programs get the four
official files from ../shared/data/mnist (or $DYGRAD_MNIST_DIR) in torchvision's
`../data/MNIST/raw` layout, so no download is attempted. PyTorch's runs use torchvision 0.28
(installed with --no-deps; bench/torchvision_cpu lets its CUDA wheel import on the CPU torch).

Each program runs twice: `python script.py args` (PyTorch, where it imports) and
`python -m dygrad torch script.py args` (dygrad standing in for torch and torchvision). The
table says pass/fail under each, the times, dygrad/torch, and for each failure the last line of
its error. `--write` saves bench/results/corpus.json and the table to bench/corpus.md.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results", "corpus.json")
TABLE = os.path.join(ROOT, "bench", "corpus.md")

# files a stored snapshot may lack (too large), and the file of the same kind that replaces them
STAND_INS = {"word_language_model/data/wikitext-2/train.txt":
             "word_language_model/data/wikitext-2/valid.txt"}

FX_ISSUE = "waits for torch.fx (issue: program transformations)"
ONNX_ISSUE = "imports torch.onnx at the top: waits for torch.onnx (issue: deployment)"


@dataclass
class Program:
    """One corpus entry: commands run in order in a fresh copy of `folder` (a later command
    runs only when the earlier ones passed), or `skip` saying why it is not run at all."""
    name: str
    folder: str
    commands: List[List[str]] = field(default_factory=list)
    needs_mnist: bool = False
    mnist_root: str = "../data"     # where the program's MNIST(root=...) looks, from its folder
    skip: Optional[str] = None      # not run under either framework, and why
    waits: Optional[str] = None     # run, but expected to fail under dygrad until that work lands


def _programs() -> List[Program]:
    mnist = dict(needs_mnist=True)
    progs = [
        Program("dcgan", "dcgan", [["main.py", "--dataset", "fake", "--dry-run"]]),
        Program("mnist", "mnist", [["main.py", "--epochs", "1", "--dry-run"]], **mnist),
        Program("mnist_forward_forward", "mnist_forward_forward",
                [["main.py", "--epochs", "1", "--no_accel"]], mnist_root="data", **mnist),
        Program("mnist_hogwild", "mnist_hogwild", [["main.py", "--epochs", "1", "--dry-run"]],
                **mnist),
        Program("mnist_rnn", "mnist_rnn", [["main.py", "--epochs", "1", "--dry-run"]], **mnist),
        Program("regression", "regression", [["main.py", "--epochs", "1"]]),
        Program("siamese_network", "siamese_network",
                [["main.py", "--epochs", "1", "--dry-run"]], **mnist),
        Program("reinforce", "reinforcement_learning", [["reinforce.py"]]),
        Program("actor_critic", "reinforcement_learning", [["actor_critic.py"]]),
        Program("time_sequence_prediction", "time_sequence_prediction",
                [["generate_sine_wave.py"], ["train.py", "--steps", "2"]]),
        Program("vae", "vae", [["main.py", "--epochs", "1"]], **mnist),
        Program("word_language_model", "word_language_model",
                [["main.py", "--epochs", "1", "--dry-run"], ["generate.py"]], waits=ONNX_ISSUE),
    ]
    for model in ("RNN_TANH", "RNN_RELU", "LSTM", "GRU", "Transformer"):
        progs.append(Program(f"word_language_model[{model}]", "word_language_model",
                             [["main.py", "--model", model, "--epochs", "1", "--dry-run"],
                              ["generate.py"]], waits=ONNX_ISSUE))
    for script in ("invert", "module_tracer", "primitive_library", "profiling_tracer",
                   "replace_op", "subgraph_rewriter_basic_use", "wrap_output_dynamically"):
        progs.append(Program(f"fx/{script}", "fx", [[f"{script}.py"]], waits=FX_ISSUE))
    progs += [
        Program("gcn", "gcn", skip="downloads the Cora dataset from the network"),
        Program("gat", "gat", skip="downloads the Cora dataset from the network"),
        Program("imagenet", "imagenet", skip="needs ImageNet-style image folders (the "
                "upstream script downloads a sample image) and days of CPU for --dummy"),
        Program("fast_neural_style", "fast_neural_style",
                skip="needs pretrained models downloaded from the network"),
        Program("super_resolution", "super_resolution",
                skip="downloads BSDS300 (and the upstream script marks it flaky)"),
        Program("language_translation", "language_translation",
                skip="needs spaCy language models downloaded from the network"),
        Program("snli", "legacy/snli", skip="needs torchtext and spaCy downloads (legacy)"),
        Program("vision_transformer", "vision_transformer",
                skip="broken upstream (run_python_examples.sh leaves it out)"),
        Program("distributed/*", "distributed",
                skip="launched by torchrun with several processes (upstream's "
                     "run_distributed_examples.sh); most need CUDA/NCCL: outside this corpus"),
    ]
    return progs


# -- running ---------------------------------------------------------------------------------

def _mnist_dir():
    env = os.environ.get("DYGRAD_MNIST_DIR")
    if env:
        return env
    return os.path.join(os.path.dirname(ROOT), "shared", "data", "mnist")


def extract(examples: str, dest: str) -> List[str]:
    """Copy the snapshot's files (a checkout, or a git directory's HEAD) into `dest`; returns
    the paths whose contents the snapshot lacks (stored snapshots may leave out large files)."""
    if not (os.path.isdir(os.path.join(examples, "objects"))
            and os.path.isfile(os.path.join(examples, "HEAD"))):
        shutil.copytree(examples, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git"))
        return []
    git = ["git", "--git-dir", examples]
    listing = subprocess.run(git + ["ls-tree", "-r", "-z", "HEAD"], check=True,
                             capture_output=True).stdout.decode()
    entries = []
    for item in filter(None, listing.split("\0")):
        meta, path = item.split("\t", 1)
        mode, kind, sha = meta.split()
        if kind == "blob":
            entries.append((mode, sha, path))
    batch = subprocess.run(git + ["cat-file", "--batch"], check=True, capture_output=True,
                           input="".join(f"{sha}\n" for _, sha, _ in entries).encode()).stdout
    missing, pos = [], 0
    for mode, sha, path in entries:
        end = batch.index(b"\n", pos)
        header = batch[pos:end].decode().split()
        pos = end + 1
        if header[-1] == "missing":
            missing.append(path)
            continue
        size = int(header[2])
        data, pos = batch[pos:pos + size], pos + size + 1
        target = os.path.join(dest, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if mode == "120000":
            continue  # symbolic links: none of the programs needs one
        with open(target, "wb") as f:
            f.write(data)
    return missing


def _prepare(prog: Program, src: str, work: str) -> str:
    """A fresh copy of the program's folder (and `../data` for MNIST) under `work`."""
    dest = os.path.join(work, prog.folder)
    shutil.copytree(os.path.join(src, prog.folder), dest)
    if prog.needs_mnist:
        raw = os.path.normpath(os.path.join(dest, prog.mnist_root, "MNIST", "raw"))
        os.makedirs(raw, exist_ok=True)
        mdir = _mnist_dir()
        for f in os.listdir(mdir):
            if f.endswith(".gz"):
                shutil.copy(os.path.join(mdir, f), raw)
    return dest


TV_CPU = os.path.join(ROOT, "bench", "torchvision_cpu")


def _env(framework="dygrad"):
    env = dict(os.environ)
    # one thread each, as every benchmark here; no network for either framework
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONUNBUFFERED="1", MPLBACKEND="Agg", NO_PROXY="*",
               HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9")
    # PyTorch's runs get torchvision's Python parts on the CPU torch (see bench/torchvision_cpu)
    extra = (TV_CPU,) if framework == "torch" else ()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (*extra, ROOT, env.get("PYTHONPATH")) if p)
    return env


def _last_error(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    for ln in reversed(lines):
        if "Error" in ln or "error" in ln or "Exception" in ln:
            return ln[:240]
    return lines[-1][:240] if lines else ""


def run_one(prog: Program, src: str, framework: str, timeout: float) -> dict:
    """Run `prog` under 'torch' or 'dygrad' in a fresh copy; returns status, seconds, error."""
    with tempfile.TemporaryDirectory(prefix=f"corpus-{framework}-") as work:
        cwd = _prepare(prog, src, work)
        total = 0.0
        for cmd in prog.commands:
            head = [sys.executable] + (["-m", "dygrad", "torch"] if framework == "dygrad" else [])
            t0 = time.perf_counter()
            try:
                r = subprocess.run(head + cmd, cwd=cwd, env=_env(framework), capture_output=True,
                                   text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                return {"status": "timeout", "seconds": None,
                        "error": f"{' '.join(cmd)}: no result in {timeout:.0f} s"}
            total += time.perf_counter() - t0
            if r.returncode != 0:
                return {"status": "fail", "seconds": None,
                        "error": f"{' '.join(cmd)}: {_last_error(r.stderr or r.stdout)}",
                        "tail": (r.stderr or r.stdout)[-3000:]}
        return {"status": "pass", "seconds": round(total, 2), "error": ""}


def _torch_available() -> Tuple[bool, str]:
    r = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True, text=True)
    return r.returncode == 0, _last_error(r.stderr)


def run_corpus(examples: str, only=None, timeout: float = 900.0, frameworks=("torch", "dygrad"),
               progress=print, programs=None) -> List[dict]:
    rows = []
    have_torch, why = _torch_available() if "torch" in frameworks else (False, "")
    with tempfile.TemporaryDirectory(prefix="corpus-src-") as src:
        missing = extract(examples, src)
        for path, stand_in in STAND_INS.items():
            if path in missing and os.path.exists(os.path.join(src, stand_in)):
                shutil.copy(os.path.join(src, stand_in), os.path.join(src, path))
                progress(f"[corpus] {path} is absent from the snapshot; {stand_in} stands in")
        for prog in (programs if programs is not None else _programs()):
            if only and prog.name not in only and prog.folder not in only:
                continue
            row = {"name": prog.name, "command": " ; ".join(" ".join(c) for c in prog.commands),
                   "skip": prog.skip, "waits": prog.waits, "results": {}}
            if prog.skip is None:
                for fw in frameworks:
                    if fw == "torch" and not have_torch:
                        row["results"][fw] = {"status": "n/a", "seconds": None,
                                              "error": f"PyTorch not importable: {why}"}
                        continue
                    res = row["results"][fw] = run_one(prog, src, fw, timeout)
                    progress(f"[corpus] {prog.name} under {fw}: {_cell(res)} {res['error']}")
            rows.append(row)
    return rows


# -- report ----------------------------------------------------------------------------------

def _cell(res):
    if res is None:
        return "-"
    if res["status"] == "pass":
        return f"pass {res['seconds']:.1f}s"
    return res["status"]


def table(rows) -> str:
    out = ["| program | PyTorch | dygrad | dygrad/torch | note |", "|---|---|---|---|---|"]
    for row in rows:
        t, d = row["results"].get("torch"), row["results"].get("dygrad")
        ratio = "-"
        if t and d and t["status"] == d["status"] == "pass" and t["seconds"]:
            ratio = f"{d['seconds'] / t['seconds']:.2f}"
        note = row["skip"] or ""
        if not note:
            errs = []
            if d and d["status"] != "pass":
                errs.append(f"dygrad: {d['error']}")
            if t and t["status"] != "pass":
                errs.append(f"torch: {t['error']}")
            note = "; ".join(errs)
            if row["waits"] and d and d["status"] != "pass":
                note = f"{row['waits']}. {note}"
        note = note.replace("|", "/")
        out.append(f"| {row['name']} | {_cell(t)} | {_cell(d)} | {ratio} | {note} |")
    return "\n".join(out)


def summary(rows) -> str:
    ran = [r for r in rows if not r["skip"]]
    both = [r for r in ran if r["results"].get("torch", {}).get("status") == "pass"]
    ok = [r for r in both if r["results"].get("dygrad", {}).get("status") == "pass"]
    d_only = [r for r in ran if r["results"].get("dygrad", {}).get("status") == "pass"]
    waiting = [r for r in both if r not in ok and r["waits"]]
    others = len(both) - len(ok) - len(waiting)
    text = (f"{len(ran)} programs run ({len(rows) - len(ran)} not runnable offline/CPU); "
            f"{len(both)} pass under PyTorch, {len(ok)} of them under dygrad too")
    if waiting:
        mods = sorted({m for r in waiting for m in ("torch.fx", "torch.onnx") if m in r["waits"]})
        text += f", {len(waiting)} wait for {' and '.join(mods)}, still to be built"
    if others:
        text += f", {others} fail under dygrad"
    return text + f"; {len(d_only)} pass under dygrad in all"


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__.split("\n")[0])
    p.add_argument("--examples", default=os.environ.get("DYGRAD_EXAMPLES"),
                   help="pytorch/examples snapshot: a checkout or a git directory "
                        "(default $DYGRAD_EXAMPLES)")
    p.add_argument("--only", help="comma-separated program names or folders")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds per command")
    p.add_argument("--frameworks", default="torch,dygrad")
    p.add_argument("--report", action="store_true",
                   help="rewrite bench/corpus.md from bench/results/corpus.json without running")
    p.add_argument("--write", action="store_true",
                   help="save bench/results/corpus.json and bench/corpus.md (with --only: update "
                        "those programs' rows of the saved results)")
    args = p.parse_args(argv)
    if args.report:  # the table again from the saved results, nothing run
        with open(RESULTS) as f:
            rows = json.load(f)["rows"]
        _write(rows)
        print(table(rows) + "\n\n" + summary(rows))
        return 0
    if not args.examples or not os.path.isdir(args.examples):
        p.error("--examples must name a pytorch/examples snapshot folder (or set DYGRAD_EXAMPLES)")
    only = set(args.only.split(",")) if args.only else None
    rows = run_corpus(args.examples, only, args.timeout, tuple(args.frameworks.split(",")),
                      progress=lambda m: print(m, file=sys.stderr, flush=True))
    if args.write and only and os.path.exists(RESULTS):
        # a partial run updates its rows of the saved table and keeps the others
        with open(RESULTS) as f:
            saved = {r["name"]: r for r in json.load(f)["rows"]}
        for r in rows:  # results of frameworks not run this time are kept
            if r["name"] in saved:
                r["results"] = {**saved[r["name"]]["results"], **r["results"]}
            saved[r["name"]] = r
        order = [p.name for p in _programs()]
        rows = [saved[n] for n in order if n in saved]
    text = table(rows)
    print(text)
    print()
    print(summary(rows))
    if args.write:
        _write(rows)
    return 0


def _write(rows):
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    tmp = RESULTS + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"rows": rows, "summary": summary(rows)}, f, indent=1)
    os.replace(tmp, RESULTS)
    with open(TABLE + ".tmp", "w") as f:
        f.write("# pytorch/examples on dygrad (`python -m bench.corpus --write`)\n\n"
                "Each program unchanged, one thread, under PyTorch 2.13 (`python script.py`) and "
                "under dygrad (`dygrad torch script.py`); times are whole-program wall times on "
                "a shared 2-core machine, so ratios are rough.\n\n"
                f"{summary(rows)}.\n\n{table(rows)}\n")
    os.replace(TABLE + ".tmp", TABLE)


if __name__ == "__main__":
    sys.exit(main())
