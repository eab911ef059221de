"""`dygrad export CHECKPOINT --format onnx|dygrad`: a trained model as a deployable file.

`--format onnx` writes an ONNX file (`dygrad.onnx.export`, batch axis dynamic) and checks it
with onnx.checker and onnxruntime against the dygrad model on held-out images; `--format dygrad`
writes a traced model (`dygrad.jit.trace` + `dygrad.jit.save`: loads with `dygrad.jit.load`
without the model's class) and checks the loaded file against the model. Both files carry the
training configuration (dataset, image shape, classes), so `dygrad eval` takes them as it takes
checkpoints; `load_exported` is how it tells them apart: by content, not by extension.
"""
import json
import os
import time

import numpy as np

from . import CLIError, positive_int

__all__ = ["add_parser", "run", "load_exported", "CONFIG_KEY"]

CONFIG_KEY = "dygrad.config"   # ONNX metadata key / jit extra file holding the training config
CHECK_IMAGES = 256
ONNX_TOLERANCE = 1e-4          # float32 arithmetic in another order: ~1e-6 on LeNet's logits
_CFG_FIELDS = ("model", "dataset", "data_dir", "image_shape", "num_classes", "data_description")


def add_parser(sub):
    p = sub.add_parser(
        "export", help="write a trained model as an ONNX file or a traced dygrad model",
        description="Turn a checkpoint of `dygrad train` into a file that runs without the "
                    "training code: ONNX (for onnxruntime) or a traced dygrad model "
                    "(dygrad.jit.load), and check the file against the model.")
    p.add_argument("checkpoint", metavar="CHECKPOINT",
                   help="a .ckpt file, or a run directory (meaning its best.ckpt)")
    p.add_argument("--format", choices=("onnx", "dygrad"), default="onnx",
                   help="onnx (default): an ONNX file; dygrad: a traced model for "
                        "dygrad.jit.load")
    p.add_argument("--batch", type=positive_int, default=1, metavar="N",
                   help="batch size of the example input the model is exported with (default 1; "
                        "the file runs at other batch sizes too)")
    p.add_argument("--out", metavar="PATH",
                   help="output file (default: next to the checkpoint, NAME.onnx or NAME.pt)")
    p.add_argument("--opset", type=positive_int, default=17, metavar="N",
                   help="ONNX opset version (13 to 21, default 17)")
    p.add_argument("--check-images", type=positive_int, default=CHECK_IMAGES, metavar="N",
                   help=f"held-out images the file is checked on (default {CHECK_IMAGES})")
    p.set_defaults(run=run)
    return p


# -- the command ----------------------------------------------------------------------------------
def run(args):
    from .eval import (build_model, load_checkpoint, load_model_state, resolve_checkpoint_path,
                       _is_train_checkpoint)
    if args.format == "onnx":
        _onnx_modules()  # fail before any work when the packages are missing
    path = resolve_checkpoint_path(args.checkpoint, prefer="best.ckpt", purpose="export")
    ckpt = load_checkpoint(path)
    if not _is_train_checkpoint(ckpt):
        raise CLIError(f"{path} is not a checkpoint of dygrad train (it has no training config "
                       "saying which model and input shape to export). Fix: pass a best.ckpt/"
                       "last.ckpt or a run directory")
    cfg = ckpt["config"]
    model = build_model(cfg)
    load_model_state(model, ckpt, path, cfg["model"], cfg)
    model.eval()
    images, source = _check_images(cfg, max(args.check_images, args.batch))
    example = images[: args.batch]
    out = args.out or os.path.splitext(path)[0] + (".onnx" if args.format == "onnx" else ".pt")
    meta = json.dumps({k: cfg.get(k) for k in _CFG_FIELDS})
    print(f"checkpoint  {path} ({cfg['model']}, epoch {ckpt.get('epoch')})")
    start = time.perf_counter()
    if args.format == "onnx":
        _export_onnx(model, example, out, args.opset, meta)
    else:
        _export_traced(model, example, out, meta)
    took = time.perf_counter() - start
    size = os.path.getsize(out)
    if args.format == "onnx":
        opset = args.opset
        kind = f"ONNX, opset {opset}"
    else:
        kind = "traced dygrad model (dygrad.jit.load), no opset"
    print(f"exported    {out} ({kind}, {_size(size)}, batch {args.batch}, {took:.2f} s)")
    if args.format == "onnx":
        got, how, shown = _run_onnx(out, images), "onnxruntime", "onnx.checker: ok; "
        chunk = len(images)
    else:  # a file of one batch size runs in pieces of it: so does the model it is held to
        (got, chunk, images), how, shown = _run_traced(out, images), "the loaded file", ""
    with _no_grad():
        want = np.concatenate([model(_tensor(images[i:i + chunk])).numpy()
                               for i in range(0, len(images), chunk)])
    diff = float(np.max(np.abs(got.astype(np.float64) - want))) if got.size else 0.0
    agree = int((got.argmax(1) == want.argmax(1)).sum())
    print(f"checked     {shown}{how} vs dygrad on {len(images)} {source}: max |difference| "
          f"{diff:.3g}, predictions agree on {agree}/{len(images)}")
    limit = ONNX_TOLERANCE if args.format == "onnx" else 0.0
    if not diff <= limit:  # nan fails too
        print(f"FAILED      the file's outputs differ from the model's by more than {limit:g}")
        return 1
    return 0


def _size(n):
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024.0


def _tensor(a):
    from .._tensor import _wrap
    return _wrap(np.ascontiguousarray(a))


def _no_grad():
    from .. import no_grad
    return no_grad()


def _check_images(cfg, n):
    """(float32 images as the model takes them, what they are), from the held-out split of the
    training dataset; random images of the trained shape when that dataset is not at hand."""
    from .data import load_data
    try:
        data = load_data(cfg["dataset"], cfg.get("data_dir"), False, roles=("eval",),
                         limit_eval=n)
    except CLIError as exc:
        print(f"note        checking on random images: {str(exc).split('. Fix')[0]}")
        rng = np.random.default_rng(0)
        return rng.standard_normal((n,) + tuple(cfg["image_shape"])).astype(np.float32), \
            "random images"
    x, _ = data.eval.__getitems__(range(len(data.eval)))
    return x.numpy(), f"held-out {data.title} images"


# -- ONNX -----------------------------------------------------------------------------------------
def _onnx_modules():
    try:
        import onnx
        import onnxruntime
    except ImportError as exc:
        raise CLIError(f"--format onnx needs the onnx and onnxruntime packages ({exc}). Fix: pip "
                       "install 'dygrad[onnx]', or use --format dygrad") from None
    return onnx, onnxruntime


def _export_onnx(model, example, out, opset, meta):
    from .. import onnx as donnx
    from ..serialization import _atomic_write  # checkpoints' writer: exclusive temp, fsync
    onnx, _ = _onnx_modules()
    import io
    buf = io.BytesIO()
    try:
        donnx.export(model, (_tensor(example),), buf, input_names=["input"],
                     output_names=["logits"], opset_version=opset,
                     dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    except (donnx.OnnxExporterError, ValueError) as exc:
        raise CLIError(f"the model cannot be exported to ONNX: {exc}. Fix: use --format "
                       "dygrad") from None
    proto = onnx.load_from_string(buf.getvalue())
    entry = proto.metadata_props.add()
    entry.key, entry.value = CONFIG_KEY, meta
    onnx.checker.check_model(proto)
    data = proto.SerializeToString()
    _atomic_write(os.fsdecode(out), lambda fh: fh.write(data))


def _ort_session(path):
    _, ort = _onnx_modules()
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def _run_onnx(path, images):
    onnx, _ = _onnx_modules()
    onnx.checker.check_model(path)
    sess = _ort_session(path)
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(None, {name: images[i:i + 64]})[0]
                           for i in range(0, len(images), 64)])


# -- traced dygrad models -----------------------------------------------------------------------
def _export_traced(model, example, out, meta):
    from .. import jit
    with _no_grad():
        traced = jit.trace(model, _tensor(example))
        try:
            jit.save(traced, out, _extra_files={CONFIG_KEY: meta})
        except RuntimeError as exc:
            raise CLIError(f"the traced model cannot be saved: {exc}") from None


def _run_traced(path, images):
    """(the loaded file's outputs, the batch size it ran at, the images it ran on: whole
    batches of a file that takes one batch size only)."""
    model = load_exported(path)[0]
    chunk = getattr(model, "fixed", None) or len(images)
    images = images[: max(len(images) // chunk, 1) * chunk]
    with _no_grad():
        return model(_tensor(images)).numpy(), chunk, images


# -- reading exported files (dygrad eval) ---------------------------------------------------------
class _Runner:
    """An exported model as `dygrad eval` calls it: eval(), then batches in, logits out; a file
    that takes one batch size only gets its batches in pieces of that size (the last padded)."""

    def __init__(self, fn, fixed=None):
        self.fn, self.fixed = fn, fixed

    def eval(self):
        return self

    def __call__(self, x):
        a = x.numpy() if hasattr(x, "numpy") else np.asarray(x)
        n = self.fixed
        if n is None:
            return _tensor(self.fn(a))
        outs = []
        for i in range(0, len(a), n):
            part = a[i:i + n]
            pad = n - len(part)
            if pad:
                part = np.concatenate([part, np.zeros((pad,) + part.shape[1:], part.dtype)])
            outs.append(self.fn(part)[: n - pad])
        return _tensor(np.concatenate(outs))


def _kind(path):
    with open(path, "rb") as fh:
        head = fh.read(16)
    from ..serialization import MAGIC
    if head.startswith(MAGIC):
        return "dygrad"
    # an ONNX ModelProto starts with field 1 (ir_version, a varint): the byte 0x08
    if head[:1] == b"\x08" and not head.startswith(b"PK"):
        return "onnx"
    return None


def load_exported(path):
    """(model runner, training config or {}) for an exported file, or None when `path` holds
    something else (a checkpoint)."""
    kind = _kind(path)
    if kind == "dygrad":
        from ..jit._save import from_root
        from ..serialization import CheckpointError, load
        try:
            root = load(path, weights_only=True)
        except (OSError, RuntimeError, ValueError, TypeError):
            return None  # load_checkpoint reports it
        if not (isinstance(root, dict) and root.get("format") == "dygrad.jit.traced"):
            return None
        extra = {CONFIG_KEY: ""}
        try:
            model = from_root(root, path, extra)
        except (CheckpointError, RuntimeError) as exc:
            raise CLIError(f"cannot read the traced model {path}: {exc}") from None
        model.eval()
        fixed = None
        progs = [p for p in model._programs if not p.training]
        if progs and all(p.batch is None for p in progs):
            fixed = progs[0].inputs[0][0][0]
        return _Runner(lambda a: model(_tensor(a)).numpy(), fixed) if fixed else model, \
            _config(extra[CONFIG_KEY])
    if kind == "onnx":
        onnx, _ = _onnx_modules()
        try:
            proto = onnx.load(path, load_external_data=False)
            if not proto.graph.node:
                raise ValueError("it has no graph")
            onnx.checker.check_model(proto)
        except Exception as exc:  # noqa: BLE001 - protobuf's DecodeError, the checker's errors
            raise CLIError(f"{path} is not a valid ONNX file (damaged or truncated?): "
                           f"{type(exc).__name__}: {str(exc).strip()[:300]}. Fix: export it "
                           "again with dygrad export") from None
        meta = {p.key: p.value for p in proto.metadata_props}
        sess = _ort_session(path)
        inp = sess.get_inputs()[0]
        dim0 = inp.shape[0] if inp.shape else None
        name = inp.name
        fixed = dim0 if isinstance(dim0, int) and dim0 > 0 else None

        def call(a):
            try:
                return sess.run(None, {name: a})[0]
            except Exception as exc:  # noqa: BLE001 - onnxruntime's own error types
                raise CLIError(f"onnxruntime cannot run {path} on {a.dtype.name} images of "
                               f"shape {list(a.shape)}: {exc}".strip()) from None

        return _Runner(call, fixed), _config(meta.get(CONFIG_KEY, ""))
    return None


def _config(text):
    text = text.decode() if isinstance(text, bytes) else text
    try:
        cfg = json.loads(text) if text else {}
    except ValueError:
        cfg = {}
    return cfg if isinstance(cfg, dict) else {}
