"""torch.nn.functional: stateless layers, activations and losses.

The implementations live in dygrad/ops/ (one file per op family); this module only gathers their
public names, so `F.relu is dygrad.ops.activations.relu`.
"""
from ..ops.activations import (  # noqa: F401
    relu, relu_, leaky_relu, leaky_relu_, elu, elu_, selu, selu_, celu, celu_, sigmoid, tanh,
    softsign, threshold, threshold_, tanhshrink, prelu, rrelu, rrelu_)
from ..ops.activations_hard import (  # noqa: F401
    hardtanh, hardtanh_, relu6, hardsigmoid, hardswish, softshrink, hardshrink)
from ..ops.activations_smooth import gelu, silu, mish, softplus, logsigmoid  # noqa: F401
from ..ops.nn_ops import softmax, log_softmax, softmin, glu, gumbel_softmax  # noqa: F401
from ..ops.dropout import (  # noqa: F401
    dropout, dropout1d, dropout2d, dropout3d, alpha_dropout, feature_alpha_dropout)
from ..ops.linear import linear, bilinear, embedding, one_hot  # noqa: F401
from ..ops.pad import pad  # noqa: F401
from ..ops.distance import normalize, cosine_similarity, pairwise_distance, pdist  # noqa: F401
from ..ops.losses import cross_entropy, nll_loss  # noqa: F401
from ..ops.losses_pair import mse_loss  # noqa: F401
from ..ops.losses_binary import (  # noqa: F401
    binary_cross_entropy, binary_cross_entropy_with_logits, kl_div, soft_margin_loss,
    multilabel_soft_margin_loss, poisson_nll_loss, gaussian_nll_loss)
from ..ops.losses_margin import (  # noqa: F401
    l1_loss, smooth_l1_loss, huber_loss, hinge_embedding_loss, margin_ranking_loss,
    cosine_embedding_loss, triplet_margin_loss, triplet_margin_with_distance_loss,
    multi_margin_loss)
from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
from ..ops.pool import (  # noqa: F401
    max_pool1d, max_pool2d, avg_pool1d, avg_pool2d, lp_pool1d, lp_pool2d)
from ..ops.pool_adaptive import (  # noqa: F401
    adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d)
from ..ops.norm import (  # noqa: F401
    batch_norm, layer_norm, group_norm, instance_norm, local_response_norm, rms_norm)
from ..ops.interpolate import interpolate, upsample  # noqa: F401
from ..ops.attention import scaled_dot_product_attention, multi_head_attention_forward  # noqa: F401
from ..ops.layer_shape import (  # noqa: F401
    pixel_shuffle, pixel_unshuffle, channel_shuffle, native_channel_shuffle, unfold, fold)
