"""dygrad.nn.parallel: DataParallel as a single-process wrapper (dygrad runs on the CPU)."""
from .data_parallel import DataParallel, data_parallel  # noqa: F401
from .distributed import DistributedDataParallel  # noqa: F401,E402
