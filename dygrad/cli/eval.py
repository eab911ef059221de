"""`dygrad eval CHECKPOINT`: accuracy and confusion matrix of a trained model (a checkpoint, or
a file `dygrad export` wrote: ONNX or a traced model).

Also home of the checkpoint helpers `dygrad train` shares (finding, loading, rebuilding the
model and loading its weights with errors that say which model a checkpoint belongs to).
"""
import json
import os

import numpy as np

from . import CLIError, add_data_arguments, model_names, positive_int
from .data import load_data, passthrough_collate
from .report import atomic_write_text, format_confusion, have_matplotlib, plot_confusion

__all__ = ["add_parser", "run", "CHECKPOINT_KIND", "resolve_checkpoint_path", "load_checkpoint",
           "build_model", "load_model_state", "make_loader", "evaluate"]

CHECKPOINT_KIND = "dygrad.cli.train_checkpoint"
EVAL_BATCH = 500


# -- checkpoints --------------------------------------------------------------------------------
def resolve_checkpoint_path(path, prefer, purpose):
    """The checkpoint file to use: `path` itself, or inside a run directory `prefer` (best.ckpt
    for evaluation, last.ckpt for resuming), else the other one."""
    if not os.path.exists(path):
        raise CLIError(f"checkpoint {path} does not exist. Fix: pass the path of a .ckpt file or "
                       "of a run's output directory (e.g. runs/NAME, which holds last.ckpt and "
                       "best.ckpt)")
    if not os.path.isdir(path):
        return path
    names = [prefer] + [n for n in ("best.ckpt", "last.ckpt") if n != prefer]
    for name in names:
        candidate = os.path.join(path, name)
        if os.path.isfile(candidate):
            return candidate
    raise CLIError(f"{path} holds no checkpoint to {purpose} (no last.ckpt or best.ckpt: did its "
                   "run finish an epoch?). Fix: pass a run directory that has them, or a .ckpt "
                   "file")


def load_checkpoint(path):
    from ..serialization import load
    try:
        obj = load(path)
    except (OSError, RuntimeError, ValueError, TypeError) as exc:
        raise CLIError(f"cannot read checkpoint {path}: {exc}. Fix: use another checkpoint (a "
                       "run keeps best.ckpt and last.ckpt side by side)") from None
    if not isinstance(obj, dict):
        raise CLIError(f"{path} holds a {type(obj).__name__}, not a checkpoint dict or a "
                       "state_dict. Fix: save model.state_dict() (or use dygrad train's "
                       "checkpoints)")
    return obj


def _is_train_checkpoint(obj):
    return obj.get("kind") == CHECKPOINT_KIND and "model_state_dict" in obj


def build_model(cfg):
    from ..vision.models import get_model
    c, h, _ = cfg["image_shape"]
    return get_model(cfg["model"], num_classes=cfg["num_classes"], in_channels=c, image_size=h)


def _shapes(state):
    return {k: tuple(v.shape) for k, v in state.items() if hasattr(v, "shape")}


def guess_model(state, cfg):
    """Names of the registered models whose state_dict has these keys and shapes."""
    from ..vision.models import trainer_models
    wanted = _shapes(state)
    found = []
    for name in trainer_models():
        try:
            model = build_model(dict(cfg, model=name))
        except Exception:  # noqa: BLE001 - a model that can't take this input shape isn't it
            continue
        if _shapes(model.state_dict()) == wanted:
            found.append(name)
    return found


def load_model_state(model, ckpt, path, requested_model, cfg=None):
    """Loads the checkpoint's weights into model, explaining a mismatch."""
    state = ckpt["model_state_dict"] if _is_train_checkpoint(ckpt) else ckpt
    try:
        model.load_state_dict(state)
    except (RuntimeError, KeyError, ValueError, TypeError) as exc:
        trained = ckpt["config"]["model"] if _is_train_checkpoint(ckpt) else None
        detail = str(exc).splitlines()[0]
        if trained is not None and trained != requested_model:
            raise CLIError(f"{path} was trained with model '{trained}', so its weights don't fit "
                           f"'{requested_model}' ({detail}). Fix: drop --model (or pass --model "
                           f"{trained})") from None
        if trained is not None:  # same model name, other input shape or classes
            raise CLIError(f"the weights in {path} don't fit {trained} built for this data "
                           f"({detail}). Fix: evaluate on the dataset it was trained on "
                           "(drop --dataset)") from None
        guesses = guess_model(state, cfg) if cfg else []
        hint = (f"its weights match model '{guesses[0]}'. Fix: pass --model {guesses[0]}"
                if guesses else "Fix: pass the --model it was trained with")
        raise CLIError(f"the state_dict in {path} doesn't fit model '{requested_model}' "
                       f"({detail}); {hint}") from None


# -- evaluation --------------------------------------------------------------------------------
def make_loader(dataset, batch_size, workers, shuffle=False, seed=None):
    from ..random import Generator
    from ..utils.data import DataLoader
    generator = None
    if shuffle:
        generator = Generator()
        generator.manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator,
                      num_workers=workers, collate_fn=passthrough_collate)


def evaluate(model, dataset, num_classes, batch_size=EVAL_BATCH, workers=0):
    """(mean loss, accuracy, confusion matrix as an int64 array [true, predicted])."""
    from .. import no_grad
    from ..nn import functional as F
    model.eval()
    total_loss, cm = 0.0, np.zeros((num_classes, num_classes), np.int64)
    with no_grad():
        for x, y in make_loader(dataset, batch_size, workers):
            out = model(x)
            total_loss += F.cross_entropy(out, y, reduction="sum").item()
            pred = out.argmax(1)._data
            cm += np.bincount(y._data * num_classes + pred,
                              minlength=num_classes * num_classes).reshape(num_classes, num_classes)
    n = int(cm.sum())
    return total_loss / max(n, 1), float(np.trace(cm)) / max(n, 1), cm


# -- the command ----------------------------------------------------------------------------------
def add_parser(sub):
    p = sub.add_parser("eval", help="accuracy and confusion matrix of a checkpoint",
                       description="Evaluate a checkpoint on the held-out/test split of the "
                                   "dataset it was trained on (or another one).")
    p.add_argument("checkpoint", metavar="CHECKPOINT",
                   help="a .ckpt file, a run directory (meaning its best.ckpt), or a file of "
                        "dygrad export (ONNX or traced model)")
    add_data_arguments(p, "(default: the one recorded in the checkpoint)")
    p.add_argument("--split", choices=("test", "train"), default="test",
                   help="test (default) = the held-out/test split; train = the training split")
    p.add_argument("--model", type=str.lower, choices=model_names(),
                   help="model architecture (default: the one recorded in the checkpoint; needed "
                        "for a bare state_dict)")
    p.add_argument("--batch-size", type=positive_int, default=500, metavar="N",
                   help="evaluation batch size (default 500)")
    p.add_argument("--limit", type=positive_int, metavar="N",
                   help="evaluate on the first N images of the split only")
    p.add_argument("--output-dir", metavar="DIR",
                   help="where the confusion-matrix PNG and eval JSON go (default: next to "
                        "the checkpoint)")
    p.set_defaults(run=run)
    return p


def _eval_config(args, ckpt, path):
    """(config with model/dataset/data_dir/image geometry, the checkpoint's own config)."""
    if _is_train_checkpoint(ckpt):
        saved = ckpt["config"]
    elif ckpt and all(hasattr(v, "shape") for v in ckpt.values()):
        saved = {}
    else:
        raise CLIError(f"{path} is neither a dygrad train checkpoint nor a state_dict (its keys: "
                       f"{', '.join(map(str, list(ckpt)[:6]))}). Fix: pass a best.ckpt/last.ckpt, "
                       "or a file saved with dygrad.save(model.state_dict(), PATH)")
    model = args.model or saved.get("model")
    if model is None:
        raise CLIError(f"{path} is a bare state_dict that doesn't say which model it belongs to. "
                       f"Fix: pass --model (one of: {', '.join(model_names())})")
    dataset = args.dataset or ("mnist" if args.data_dir else saved.get("dataset", "mnist-embedded"))
    data_dir = args.data_dir
    if data_dir is None and dataset == saved.get("dataset"):
        data_dir = saved.get("data_dir")
    return {"model": model, "dataset": dataset, "data_dir": data_dir}, saved


def run(args):
    path = resolve_checkpoint_path(args.checkpoint, prefer="best.ckpt", purpose="evaluate")
    from .export import load_exported
    exported = load_exported(path)  # an ONNX file or a traced model, told apart by content
    if exported is not None:
        model, saved = exported
        ckpt = None
        cfg = _exported_config(args, saved)
    else:
        ckpt = load_checkpoint(path)
        cfg, saved = _eval_config(args, ckpt, path)
    role = "eval" if args.split == "test" else "train"
    limits = {"limit_eval": args.limit} if role == "eval" else {"limit_train": args.limit}
    data = load_data(cfg["dataset"], cfg["data_dir"], args.download, roles=(role,), **limits)
    dataset = data.eval if role == "eval" else data.train
    shape = list(data.image_shape)
    if saved and (saved["image_shape"] != shape or saved["num_classes"] != len(data.classes)):
        trained_on = _geometry(saved["image_shape"], saved["num_classes"])
        raise CLIError(f"{path} was trained on {saved['dataset']} ({trained_on}); "
                       f"{cfg['dataset']} has {_geometry(shape, len(data.classes))}. Fix: drop "
                       f"--dataset, or pass a dataset with the same image size")
    cfg.update(image_shape=shape, num_classes=len(data.classes))
    if exported is None:
        model = build_model(cfg)
        load_model_state(model, ckpt, path, cfg["model"], cfg)

    loss, acc, cm = evaluate(model, dataset, len(data.classes), args.batch_size, args.workers or 0)
    n = int(cm.sum())
    source = cfg["data_dir"] or ""
    split_desc = data.describe(source)
    split_label = data.eval_label if role == "eval" else "train"
    if exported is not None:
        trained = f"exported {cfg['model'] or 'model'}" + (
            f", trained on {saved['data_description']}" if saved.get("data_description") else "")
    elif saved:
        trained = (f"{saved['model']}, epoch {ckpt['epoch']}, trained on "
                   f"{saved['data_description']}")
    else:
        trained = f"state_dict for {cfg['model']}"
    print(f"checkpoint  {path} ({trained})")
    print(f"data        {split_desc}")
    for note in data.notes + _overlap_notes(saved, cfg, role):
        print(note)
    print(f"accuracy    {acc:.2%} ({int(cm.trace()):,} / {n:,} correct)   loss {loss:.4f}")
    print("")
    print("confusion matrix (rows: true class, columns: predicted class)")
    print(format_confusion(cm.tolist(), data.classes))

    out_dir = args.output_dir or os.path.dirname(os.path.abspath(path))
    stem = os.path.splitext(os.path.basename(path))[0]
    if exported is not None:  # best.onnx and best.pt sit beside best.ckpt: keep their results apart
        stem = os.path.basename(path).replace(".", "-")
    try:
        os.makedirs(out_dir, exist_ok=True)
        result = {"checkpoint": os.path.abspath(path), "model": cfg["model"],
                  "dataset": cfg["dataset"], "split": args.split, "data": split_desc,
                  "samples": n, "accuracy": acc, "loss": loss, "classes": list(data.classes),
                  "confusion_matrix": cm.tolist()}
        json_path = os.path.join(out_dir, f"{stem}-eval.json")
        atomic_write_text(json_path, json.dumps(result, indent=2) + "\n")
        saved_files = [json_path]
        if have_matplotlib():
            png = os.path.join(out_dir, f"{stem}-confusion.png")
            plot_confusion(png, cm, list(data.classes),
                           f"{cfg['model']} on {data.title} ({split_label}): {acc:.2%}")
            saved_files.append(png)
    except OSError as exc:
        raise CLIError(f"cannot write the results to {out_dir}: {exc}. Fix: pass a writable "
                       "--output-dir") from None
    print("")
    print(f"saved {', '.join(saved_files)}")
    if not have_matplotlib():
        print("skipping   confusion-matrix plot (matplotlib not installed): "
              "pip install 'dygrad[train]'")
    return 0


def _exported_config(args, saved):
    """The eval config of an exported file: its recorded training config (when it has one)
    with the command's overrides; an exported model has no architecture to choose."""
    if args.model:
        raise CLIError("--model does not apply to an exported file (it holds its model). Fix: "
                       "drop --model")
    dataset = args.dataset or ("mnist" if args.data_dir else saved.get("dataset",
                                                                      "mnist-embedded"))
    data_dir = args.data_dir
    if data_dir is None and dataset == saved.get("dataset"):
        data_dir = saved.get("data_dir")
    return {"model": saved.get("model"), "dataset": dataset, "data_dir": data_dir}


def _geometry(shape, classes):
    c, h, w = shape
    return f"{c} x {h} x {w} images, {classes} classes"


def _overlap_notes(saved, cfg, role):
    # The embedded MNIST-10k *is* the official test set: a model trained on its first 8,000
    # images has seen most of the official test split.
    if saved.get("dataset") == "mnist-embedded" and cfg["dataset"] == "mnist" and role == "eval":
        return ["note: this model was trained on the first 8,000 images of the official MNIST "
                "test set (the embedded MNIST-10k), so this is not a held-out accuracy; only the "
                "last 2,000 test images are unseen"]
    return []
