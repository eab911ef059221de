"""dygrad.optim: optimizers and learning-rate schedulers with PyTorch's API and numbers."""
from . import lr_scheduler  # noqa: F401
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

# every algorithm imported above is exported: adding one is its import line, nothing else
__all__ = sorted([name for name, v in list(globals().items())
                  if isinstance(v, type) and issubclass(v, Optimizer)], key=str.lower) + [
    "lr_scheduler", "swa_utils"]


def __getattr__(name):
    # swa_utils needs dygrad.nn (AveragedModel is a Module), which imports after optim
    if name == "swa_utils":
        import importlib
        return importlib.import_module(__name__ + ".swa_utils")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
