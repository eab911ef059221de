"""Layer classes of dygrad.nn, importable from their PyTorch module paths."""
from .module import Module  # noqa: F401
from .container import (Container, Sequential, ModuleList, ModuleDict, ParameterList,  # noqa: F401
                        ParameterDict)
from .linear import Identity, Linear, Bilinear  # noqa: F401
from .activation import (Threshold, ReLU, RReLU, Hardtanh, ReLU6, Sigmoid, Hardsigmoid,  # noqa: F401
                         Tanh, SiLU, Mish, Hardswish, ELU, CELU, SELU, GLU, GELU, Hardshrink,
                         LeakyReLU, LogSigmoid, Softplus, Softshrink, PReLU, Softsign, Tanhshrink,
                         Softmin, Softmax, Softmax2d, LogSoftmax)
from .loss import (L1Loss, NLLLoss, NLLLoss2d, PoissonNLLLoss, GaussianNLLLoss, KLDivLoss,  # noqa: F401
                   MSELoss, BCELoss, BCEWithLogitsLoss, HingeEmbeddingLoss,
                   MultiLabelSoftMarginLoss, SmoothL1Loss, HuberLoss, SoftMarginLoss,
                   CrossEntropyLoss, CosineEmbeddingLoss, MarginRankingLoss, MultiMarginLoss,
                   TripletMarginLoss, TripletMarginWithDistanceLoss)
from .flatten import Flatten, Unflatten  # noqa: F401
from .dropout import (Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout,  # noqa: F401
                      FeatureAlphaDropout)
from .sparse import Embedding  # noqa: F401
from .padding import (ZeroPad1d, ZeroPad2d, ZeroPad3d, ConstantPad1d, ConstantPad2d,  # noqa: F401
                      ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
                      ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, CircularPad1d,
                      CircularPad2d, CircularPad3d)
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d  # noqa: F401
from .pooling import (MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d,  # noqa: F401
                      AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, LPPool2d)
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d  # noqa: F401
from .normalization import LayerNorm, GroupNorm, LocalResponseNorm, RMSNorm  # noqa: F401
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell  # noqa: F401
from .transformer import (MultiheadAttention, TransformerEncoderLayer,  # noqa: F401
                          TransformerEncoder)
from .upsampling import Upsample, UpsamplingNearest2d, UpsamplingBilinear2d  # noqa: F401
from .pixelshuffle import PixelShuffle, PixelUnshuffle, ChannelShuffle, Unfold, Fold  # noqa: F401
from .distance import CosineSimilarity, PairwiseDistance  # noqa: F401
