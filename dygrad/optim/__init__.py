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

__all__ = ["Adadelta", "Adagrad", "Adam", "Adamax", "AdamW", "ASGD", "LBFGS", "lr_scheduler",
           "NAdam", "Optimizer", "RAdam", "RMSprop", "Rprop", "SGD", "swa_utils"]


def __getattr__(name):
    # swa_utils needs dygrad.nn (AveragedModel is a Module), which imports after optim
    if name == "swa_utils":
        import importlib
        return importlib.import_module(__name__ + ".swa_utils")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
