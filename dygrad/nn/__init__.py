"""dygrad.nn: modules, parameters, initialisation and the functional API (torch.nn)."""
from .parameter import Parameter, Buffer  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import (module, container, linear, activation, loss, flatten, dropout,  # noqa: F401
                      sparse, padding, conv, pooling, batchnorm, normalization, rnn,
                      transformer, upsampling, pixelshuffle, distance)
from . import functional, init, utils, parallel  # noqa: F401
from .parallel import DataParallel  # noqa: F401
