"""torch.* spellings of nn.functional ops (torch.selu, torch.conv2d, torch.embedding, ...).

The layer-level op modules load on first use (import time stays short), so each function
imports its family from dygrad.ops when called. Where torch.* orders the arguments differently
from torch.nn.functional (batch_norm, embedding, layer_norm, ...), the torch.* order is kept here.
"""
import sys
from importlib import import_module


def _ops(family):
    """The dygrad.ops module of an op family: imported on the first call, then looked up."""
    name = "dygrad.ops." + family
    mod = sys.modules.get(name)
    return mod if mod is not None else import_module(name)


def selu(input):
    return _ops("activations").selu(input)


def celu(input, alpha=1.0):
    return _ops("activations").celu(input, alpha)


def threshold(input, threshold, value):
    return _ops("activations").threshold(input, threshold, value)


def hardshrink(input, lambd=0.5):
    return _ops("activations_hard").hardshrink(input, lambd)


def prelu(input, weight):
    return _ops("activations").prelu(input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return _ops("activations").rrelu(input, lower, upper, training)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _ops("conv").conv1d(input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _ops("conv").conv2d(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _ops("conv").conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _ops("conv").conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled=True):
    return _ops("norm").batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    return _ops("norm").layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True):
    return _ops("norm").group_norm(input, num_groups, weight, bias, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,
                  cudnn_enabled=True):
    return _ops("norm").instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                              momentum, eps)


def embedding(weight, input, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    return _ops("linear").embedding(input, weight, None if padding_idx == -1 else padding_idx,
                          scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def pixel_shuffle(input, upscale_factor):
    return _ops("layer_shape").pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    return _ops("layer_shape").pixel_unshuffle(input, downscale_factor)


def channel_shuffle(input, groups):
    return _ops("layer_shape").channel_shuffle(input, groups)


native_channel_shuffle = channel_shuffle


def pdist(input, p=2):
    return _ops("distance").pdist(input, p)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    return _ops("distance").cosine_similarity(x1, x2, dim, eps)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return _ops("distance").pairwise_distance(x1, x2, p, eps, keepdim)


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _ops("pool").max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _ops("pool").max_pool2d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False, count_include_pad=True):
    return _ops("pool").avg_pool1d(input, kernel_size, stride or None, padding, ceil_mode, count_include_pad)


def adaptive_avg_pool1d(input, output_size):
    return _ops("pool_adaptive").adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input, output_size):
    return _ops("pool_adaptive").adaptive_max_pool1d(input, output_size, True)


def alpha_dropout(input, p, train):
    return _ops("dropout").alpha_dropout(input, p, train)


def feature_dropout(input, p, train):
    return _ops("dropout").dropout2d(input, p, train) if input.dim() != 3 else _ops("dropout").dropout1d(input, p, train)


def bilinear(input1, input2, weight, bias=None):
    return _ops("linear").bilinear(input1, input2, weight, bias)
