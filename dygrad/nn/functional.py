"""torch.nn.functional: stateless layers, activations and losses.

The implementations live in dygrad/nn/_functional/; this module gathers their public names.
"""
from ._functional.activations import (  # noqa: F401
    relu, relu_, relu6, leaky_relu, leaky_relu_, elu, elu_, selu, selu_, celu, celu_, sigmoid, tanh,
    hardtanh, hardtanh_, hardsigmoid, hardswish, softsign, threshold, threshold_, tanhshrink,
    softshrink, hardshrink, prelu, rrelu, rrelu_)
from ._functional.activations_smooth import gelu, silu, mish, softplus, logsigmoid  # noqa: F401
from ._functional.linear import linear, bilinear, embedding  # noqa: F401
from ._functional.misc import (  # noqa: F401
    softmax, log_softmax, softmin, glu, gumbel_softmax, dropout, dropout1d, dropout2d, dropout3d,
    alpha_dropout, feature_alpha_dropout, one_hot, pad, normalize, cosine_similarity,
    pairwise_distance)
from ._functional.losses import cross_entropy, nll_loss, mse_loss  # noqa: F401
from ._functional.losses_binary import (  # noqa: F401
    binary_cross_entropy, binary_cross_entropy_with_logits, kl_div, soft_margin_loss,
    multilabel_soft_margin_loss, poisson_nll_loss, gaussian_nll_loss)
from ._functional.losses_margin import (  # noqa: F401
    l1_loss, smooth_l1_loss, huber_loss, hinge_embedding_loss, margin_ranking_loss,
    cosine_embedding_loss, triplet_margin_loss, triplet_margin_with_distance_loss,
    multi_margin_loss)
from ._functional.conv import (  # noqa: F401,E402
    conv1d, conv2d, conv_transpose1d, conv_transpose2d, max_pool1d, max_pool2d, avg_pool1d,
    avg_pool2d, adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d,
    lp_pool1d, lp_pool2d, batch_norm, layer_norm, group_norm, instance_norm, interpolate, upsample,
    local_response_norm)
from ._functional.attention import scaled_dot_product_attention, multi_head_attention_forward  # noqa: F401,E402
from ._functional.reshaping import (pixel_shuffle, pixel_unshuffle, channel_shuffle,  # noqa: F401,E402
                                     native_channel_shuffle, pdist, rms_norm, unfold, fold)
