"""SummaryWriter: TensorBoard logs with PyTorch's torch.utils.tensorboard API and folder layout.

Events go through the tensorboard package's own EventFileWriter (the `train` extra), so
TensorBoard reads them as it reads PyTorch's. Layout, as PyTorch's:

* `log_dir` defaults to `runs/<Mon><DD>_<HH>-<MM>-<SS>_<hostname><comment>`;
* add_scalars writes each series to its own writer in `<log_dir>/<main_tag>_<key>` (slashes of
  main_tag become `_`) under the tag `main_tag`, so TensorBoard draws them in one chart;
* add_hparams writes to a sub-run `<log_dir>/<run_name>` (default: the current time.time()).
"""
import os
import socket
import time
from datetime import datetime

from tensorboard.compat.proto.event_pb2 import Event, SessionLog, TaggedRunMetadata
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from . import summary as S

__all__ = ["SummaryWriter", "FileWriter"]


class FileWriter:
    """One event file in one directory (the tensorboard package's EventFileWriter)."""

    def __init__(self, log_dir, max_queue=10, flush_secs=120, filename_suffix=""):
        self._log_dir = str(log_dir)
        self.event_writer = EventFileWriter(self._log_dir, max_queue, flush_secs,
                                            filename_suffix)

    def get_logdir(self):
        return self._log_dir

    def add_event(self, event, step=None, walltime=None):
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_summary(self, summary, global_step=None, walltime=None):
        self.add_event(Event(summary=summary), global_step, walltime)

    def add_graph(self, graph_def, run_metadata=None, walltime=None):
        self.add_event(Event(graph_def=graph_def.SerializeToString()), None, walltime)
        if run_metadata is not None:
            tagged = TaggedRunMetadata(tag="step1",
                                       run_metadata=run_metadata.SerializeToString())
            self.add_event(Event(tagged_run_metadata=tagged), None, walltime)

    def flush(self):
        self.event_writer.flush()

    def close(self):
        self.event_writer.close()


class SummaryWriter:
    """Writes TensorBoard event files: scalars, histograms, images, text, hparams, graphs.

    Example::

        from dygrad.utils.tensorboard import SummaryWriter   # torch.utils.tensorboard
        with SummaryWriter(comment="_lr0.1") as writer:      # runs/Dec06_15-20-06_host_lr0.1
            for step in range(100):
                writer.add_scalar("loss/train", 1.0 / (step + 1), step)
            writer.add_histogram("fc.weight", model.fc.weight, step)

    purge_step: on resuming a crashed run, TensorBoard hides this log_dir's earlier events at
    and after this step. max_queue / flush_secs: events are written to disk when that many are
    pending or that often (and on flush/close).
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10,
                 flush_secs=120, filename_suffix=""):
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = log_dir
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = self.all_writers = None
        self._get_file_writer()

    def _new_writer(self, log_dir):
        return FileWriter(log_dir, self.max_queue, self.flush_secs, self.filename_suffix)

    def _get_file_writer(self):
        """The writer of log_dir, (re)opened after close() as PyTorch's is."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = self._new_writer(self.log_dir)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                step, self.purge_step = self.purge_step, None
                self.file_writer.add_event(Event(file_version="brain.Event:2"), step)
                self.file_writer.add_event(
                    Event(session_log=SessionLog(status=SessionLog.START)), step)
        return self.file_writer

    def get_logdir(self):
        """The directory the event files are written to."""
        return self.log_dir

    # -- summaries -----------------------------------------------------------------------------
    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """One number (a Python number, NumPy scalar or one-element tensor) at global_step."""
        self._get_file_writer().add_summary(
            S.scalar(tag, scalar_value, new_style, double_precision), global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Several series in one chart: each key is written to `<log_dir>/<main_tag>_<key>`."""
        walltime = time.time() if walltime is None else walltime
        fw_logdir = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            path = os.path.join(fw_logdir, main_tag.replace("/", "_") + "_" + tag)
            writer = self.all_writers.get(path)
            if writer is None:
                writer = self.all_writers[path] = self._new_writer(path)
            writer.add_summary(S.scalar(main_tag, value), global_step, walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None,
                      max_bins=None):
        """A histogram of values (any shape); bins 'tensorflow', a count, or a NumPy estimator."""
        self._get_file_writer().add_summary(S.histogram(tag, values, bins, max_bins),
                                            global_step, walltime)

    def add_histogram_raw(self, tag, min, max, num, sum, sum_squares, bucket_limits,
                          bucket_counts, global_step=None, walltime=None):
        """A histogram from statistics computed elsewhere (bucket right edges and counts)."""
        self._get_file_writer().add_summary(
            S.histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts),
            global_step, walltime)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """One image: floats in [0, 1] or uint8; dataformats 'CHW', 'HWC', 'HW', ..."""
        self._get_file_writer().add_summary(S.image(tag, img_tensor, dataformats),
                                            global_step, walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """A batch of images, shown as one grid of up to 8 per row."""
        self._get_file_writer().add_summary(S.image(tag, img_tensor, dataformats),
                                            global_step, walltime)

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """Text (rendered as Markdown) under the tag `<tag>/text_summary`."""
        self._get_file_writer().add_summary(S.text(tag, text_string), global_step, walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None):
        """One trial for the HParams dashboard, in the sub-run `<log_dir>/<run_name>`.

        The metrics are written there as scalars too, so the dashboard can show them.
        """
        if run_name is None:
            run_name = str(time.time())
        logdir = os.path.join(self._get_file_writer().get_logdir(), run_name)
        with SummaryWriter(log_dir=logdir) as w:
            for s in S.hparams(hparam_dict, metric_dict, hparam_domain_discrete):
                w.file_writer.add_summary(s)
            for k, v in metric_dict.items():
                w.add_scalar(k, v, global_step)

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """The graph of model(input_to_model) recorded with dygrad.jit.trace."""
        from ._graph import graph
        if input_to_model is None:
            raise ValueError("add_graph: input_to_model is needed to trace the model (a tensor "
                             "or a tuple of its forward's arguments)")
        graph_def, meta = graph(model, input_to_model)
        if verbose:
            print(graph_def)
        self._get_file_writer().add_graph(graph_def, meta)

    # -- lifetime ------------------------------------------------------------------------------
    def flush(self):
        """Writes pending events of this writer and its add_scalars sub-writers to disk."""
        for w in (self.all_writers or {}).values():
            w.flush()

    def close(self):
        """Flushes and closes every event file; a later add_* opens a new one."""
        for w in (self.all_writers or {}).values():
            w.flush()
            w.close()
        self.file_writer = self.all_writers = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()
