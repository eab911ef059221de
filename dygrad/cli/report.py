"""What a run leaves behind besides checkpoints: tables, metrics files, plots, TensorBoard logs.

Files are replaced atomically (written to a temporary name, then renamed), so an interrupted run
never leaves a half-written metrics file or image. Plots need matplotlib and TensorBoard logs need
tensorboardX or tensorboard; without them those artifacts are skipped.
"""
import csv
import io
import json
import os
import secrets

__all__ = ["atomic_write_bytes", "atomic_write_text", "write_metrics", "format_history_table",
           "have_matplotlib", "plot_curves", "TensorBoardLogger", "format_confusion",
           "plot_confusion", "EXTRAS_HINT"]

EXTRAS_HINT = "pip install 'dygrad[train]'"
METRIC_FIELDS = ("epoch", "step", "train_loss", "train_acc", "val_loss", "val_acc", "lr",
                 "time_s", "samples_per_s")


def atomic_write_bytes(path, data):
    """Writes path through a temporary file in the same folder, then renames it into place."""
    folder = os.path.dirname(os.path.abspath(path))
    while True:
        tmp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
        try:
            # mode 0o666 less the umask, as a plain open() would give
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path, text):
    atomic_write_bytes(path, text.encode("utf-8"))


def write_metrics(out_dir, history):
    """metrics.jsonl (one JSON record per epoch) and metrics.csv, rewritten from the history."""
    atomic_write_text(os.path.join(out_dir, "metrics.jsonl"),
                      "".join(json.dumps(rec) + "\n" for rec in history))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=METRIC_FIELDS, extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    atomic_write_text(os.path.join(out_dir, "metrics.csv"), buf.getvalue())


def _table(headers, rows, align):
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(c.rjust(w) if a == ">" else c.ljust(w)
                         for c, w, a in zip(cells, widths, align)).rstrip()
    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), sep] + [line(r) for r in rows])


def format_history_table(history, best_epoch=None):
    """The end-of-run summary: one row per epoch, the best one marked with '*'."""
    headers = ["epoch", "train loss", "train acc", "val loss", "val acc", "lr", "time"]
    rows = []
    for rec in history:
        mark = "*" if rec["epoch"] == best_epoch else " "
        rows.append([f"{rec['epoch']}{mark}", f"{rec['train_loss']:.4f}", f"{rec['train_acc']:.2%}",
                     f"{rec['val_loss']:.4f}", f"{rec['val_acc']:.2%}", f"{rec['lr']:.3g}",
                     f"{rec['time_s']:.1f}s"])
    return _table(headers, rows, ">" * len(headers))


def have_matplotlib():
    import importlib.util
    return importlib.util.find_spec("matplotlib") is not None


def _new_figure(figsize):
    # Figure + Agg canvas directly: no pyplot, so no global backend is chosen for the process
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save_png(fig, path):
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    atomic_write_bytes(path, buf.getvalue())


def plot_curves(path, history, title):
    """Loss and accuracy per epoch (train and val) side by side, as a PNG."""
    fig = _new_figure((10, 4))
    epochs = [r["epoch"] for r in history]
    ax_loss, ax_acc = fig.subplots(1, 2)
    for ax, key, label in ((ax_loss, "loss", "loss"), (ax_acc, "acc", "accuracy (%)")):
        scale = 100 if key == "acc" else 1
        ax.plot(epochs, [r[f"train_{key}"] * scale for r in history], "o-", label="train")
        ax.plot(epochs, [r[f"val_{key}"] * scale for r in history], "s-", label="val")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        ax.legend()
        if len(epochs) < 15:
            ax.set_xticks(epochs)
    fig.suptitle(title)
    fig.tight_layout()
    _save_png(fig, path)


class TensorBoardLogger:
    """Scalars for TensorBoard through tensorboardX's SummaryWriter or, without it, dygrad's own
    (dygrad.utils.tensorboard, on the tensorboard package's event file writer).

    purge_step: when resuming, TensorBoard hides events of the earlier attempt from this step on.
    `backend` is None when neither library is installed (then nothing is written).
    """

    def __init__(self, logdir, purge_step=None):
        self.backend = None
        self._writer = None
        import importlib.util
        if importlib.util.find_spec("tensorboardX") is not None:
            from tensorboardX import SummaryWriter
            self.backend = "tensorboardX"
        elif importlib.util.find_spec("tensorboard") is not None:
            from ..utils.tensorboard import SummaryWriter
            self.backend = "tensorboard"
        else:
            return
        self._writer = SummaryWriter(logdir, purge_step=purge_step)

    def add_scalar(self, tag, value, step):
        if self.backend is not None:
            self._writer.add_scalar(tag, value, step)

    def flush(self):
        if self.backend is not None:
            self._writer.flush()

    def close(self):
        if self.backend is not None:
            self._writer.close()
        self.backend = None


def format_confusion(cm, classes):
    """Rows are true classes, columns predicted; class names that aren't short get a legend."""
    n = len(cm)
    short = all(len(c) <= 3 for c in classes)
    labels = list(classes) if short else [str(i) for i in range(n)]
    headers = ["true\\pred"] + labels + ["recall"]
    rows = []
    for i in range(n):
        total = sum(cm[i])
        recall = f"{cm[i][i] / total:.1%}" if total else "-"
        rows.append([labels[i]] + [str(v) for v in cm[i]] + [recall])
    text = _table(headers, rows, "<" + ">" * (n + 1))
    if not short:
        text += "\nclasses: " + ", ".join(f"{i}={c}" for i, c in enumerate(classes))
    return text


def plot_confusion(path, cm, classes, title):
    import numpy as np
    cm = np.asarray(cm)
    n = len(cm)
    side = max(5.0, 0.55 * n + 2)
    fig = _new_figure((side + 1, side))
    ax = fig.subplots()
    im = ax.imshow(cm, cmap="Blues")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(n), classes, rotation=45 if max(map(len, classes)) > 3 else 0, ha="right"
                  if max(map(len, classes)) > 3 else "center")
    ax.set_yticks(range(n), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    threshold = cm.max() / 2 if cm.size else 0
    for i in range(n):
        for j in range(n):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if cm[i, j] > threshold else "black")
    ax.set_title(title)
    fig.tight_layout()
    _save_png(fig, path)
