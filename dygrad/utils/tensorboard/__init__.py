"""dygrad.utils.tensorboard: TensorBoard logging, as torch.utils.tensorboard.

Needs the `tensorboard` package (the `train` extra: pip install 'dygrad[train]'), whose event
file writer and protos write the files; see docs/tensorboard.md.
"""
try:
    import tensorboard  # noqa: F401
    from tensorboard.summary.writer.event_file_writer import EventFileWriter  # noqa: F401
except ImportError as exc:
    raise ImportError(
        "TensorBoard logging requires TensorBoard: dygrad.utils.tensorboard (torch.utils."
        "tensorboard) writes through the tensorboard package, which is not installed. Install "
        "dygrad's train extra (pip install 'dygrad[train]') or pip install tensorboard.") from exc

from .writer import FileWriter, SummaryWriter

__all__ = ["SummaryWriter", "FileWriter"]
