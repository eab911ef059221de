"""The torch.* spellings of nn ops (torch.selu, torch.conv2d, torch.batch_norm, torch.embedding,
...), declared here with PyTorch's own signatures; nn.functional keeps its own.

They are ops of their own rather than declarations on the nn.functional implementations because
their signatures differ from nn.functional's in PyTorch itself (torch.batch_norm takes weight and
bias before the running stats and every argument positionally, torch.embedding takes the weight
first, the pools' stride defaults to (), the activations have no `inplace`), and because the
layer-level op modules load on first use so that `import dygrad` stays short: each body imports
its family when first called, then finds it in sys.modules.
"""
import sys
from importlib import import_module

from ._registry import op

_X = "torch.tensor([-2.0, -0.25, 0.5, 3.0])"
_SIGNAL = "torch.tensor([[[1.0, -2.0, 3.0, 0.5, -1.0, 2.0]]])"  # (batch, channels, length)
_IMAGE = "torch.arange(16.0).reshape(1, 1, 4, 4)"
_BATCH = "torch.tensor([[1.0, -1.0], [3.0, 1.0]])"


def _ops(family):
    """The dygrad.ops module of an op family: imported on the first call, then looked up."""
    name = "dygrad.ops." + family
    mod = sys.modules.get(name)
    return mod if mod is not None else import_module(name)


# -- activations ------------------------------------------------------------------------------------
@op(method=False, inplace_function=True, example=_X,
    summary="Scaled ELU with the self-normalizing constants (alpha ~1.6733, scale ~1.0507).")
def selu(input):
    return _ops("activations").selu(input)


@op(method=False, inplace_function=True, example=_X,
    summary="max(0, x) + min(0, alpha * (exp(x / alpha) - 1)), elementwise.")
def celu(input, alpha=1.0):
    return _ops("activations").celu(input, alpha)


@op(method=False, inplace_function=True, example=_X + ", 0.0, -1.0",
    summary="x where x > threshold, value elsewhere.")
def threshold(input, threshold, value):
    return _ops("activations").threshold(input, threshold, value)


@op(out=True, out_dtype="same", example=_X, summary="x where |x| > lambd, 0 elsewhere.")
def hardshrink(input, lambd=0.5):
    return _ops("activations_hard").hardshrink(input, lambd)


@op(example="torch.tensor([[-2.0, 1.0], [0.5, -4.0]]), torch.tensor([0.25])",
    summary="max(0, x) + weight * min(0, x), weight broadcast along the channel dim (dim 1).")
def prelu(input, weight):
    return _ops("activations").prelu(input, weight)


@op(method=False, inplace_function=True, example=_X,
    summary="Leaky ReLU with random slopes in [lower, upper] when training, their mean otherwise.")
def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return _ops("activations").rrelu(input, lower, upper, training)


# -- convolutions -----------------------------------------------------------------------------------
@op(method=False, example=_SIGNAL + ", torch.tensor([[[1.0, 0.0, -1.0]]])",
    summary="1-D convolution (cross-correlation) of (N, C, L) input with (out, C/groups, k) weight.")
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _ops("conv").conv1d(input, weight, bias, stride, padding, dilation, groups)


@op(method=False, example=_IMAGE + ", torch.ones(1, 1, 2, 2)",
    summary="2-D convolution (cross-correlation) of (N, C, H, W) input with (out, C/groups, kH, kW) "
            "weight.")
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _ops("conv").conv2d(input, weight, bias, stride, padding, dilation, groups)


@op(method=False, example="torch.tensor([[[1.0, 2.0, 3.0]]]), torch.tensor([[[1.0, -1.0]]])",
    summary="1-D transposed convolution (the gradient of conv1d with respect to its input).")
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _ops("conv").conv_transpose1d(input, weight, bias, stride, padding, output_padding,
                                         groups, dilation)


@op(method=False, example="torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]), torch.ones(1, 1, 2, 2)",
    summary="2-D transposed convolution (the gradient of conv2d with respect to its input).")
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _ops("conv").conv_transpose2d(input, weight, bias, stride, padding, output_padding,
                                         groups, dilation)


# -- normalization (torch.* argument order: weight and bias before the running statistics) --------
@op(method=False, example=_BATCH + ", None, None, None, None, True, 0.1, 1e-05, False",
    summary="Batch normalization over dim 1 (batch statistics when training, else the running ones).")
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled=True):
    return _ops("norm").batch_norm(input, running_mean, running_var, weight, bias, training,
                                   momentum, eps)


@op(method=False, example=_BATCH + ", [2]",
    summary="Normalizes over the trailing normalized_shape dims, then scales by weight and adds bias.")
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    return _ops("norm").layer_norm(input, normalized_shape, weight, bias, eps)


@op(method=False, example="torch.arange(8.0).reshape(1, 4, 2), 2",
    summary="Normalizes each group of num_groups channels, then scales by weight and adds bias.")
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True):
    return _ops("norm").group_norm(input, num_groups, weight, bias, eps)


@op(method=False, example="torch.arange(6.0).reshape(1, 2, 3), None, None, None, None, True, 0.1, "
                          "1e-05, False",
    summary="Normalizes each channel of each sample over its spatial dims.")
def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,
                  cudnn_enabled=True):
    return _ops("norm").instance_norm(input, running_mean, running_var, weight, bias,
                                      use_input_stats, momentum, eps)


@op(method=False, example=_BATCH + ", [2]",
    summary="Divides by the root mean square over the trailing normalized_shape dims (plus eps), "
            "then scales by weight.")
def rms_norm(input, normalized_shape, weight=None, eps=None):
    return _ops("norm").rms_norm(input, normalized_shape, weight, eps)


# -- lookup, rearrangement, distances ------------------------------------------------------------
@op(method=False, example="torch.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]), torch.tensor([2, 0])",
    summary="Rows of weight picked by indices (padding_idx -1: none).")
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    return _ops("linear").embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                                    scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


@op(method=False, example="torch.arange(4.0).reshape(1, 4, 1, 1), 2",
    summary="(N, C*r*r, H, W) -> (N, C, H*r, W*r): channels rearranged into r x r blocks.")
def pixel_shuffle(input, upscale_factor):
    return _ops("layer_shape").pixel_shuffle(input, upscale_factor)


@op(method=False, example="torch.arange(4.0).reshape(1, 1, 2, 2), 2",
    summary="(N, C, H*r, W*r) -> (N, C*r*r, H, W): the inverse of pixel_shuffle.")
def pixel_unshuffle(input, downscale_factor):
    return _ops("layer_shape").pixel_unshuffle(input, downscale_factor)


@op(method=False, aliases=("native_channel_shuffle",), example="torch.arange(4.0).reshape(1, 4, 1), 2",
    summary="Splits the channels into groups and interleaves them.")
def channel_shuffle(input, groups):
    return _ops("layer_shape").channel_shuffle(input, groups)


@op(method=False, example="torch.tensor([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])",
    summary="p-norm distances between every pair of rows (the upper triangle, row by row).")
def pdist(input, p=2):
    return _ops("distance").pdist(input, p)


@op(method=False, example="torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 1.0]])",
    summary="Cosine of the angle between x1 and x2 along dim (norms clamped below by eps).")
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    return _ops("distance").cosine_similarity(x1, x2, dim, eps)


@op(method=False, example="torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]])",
    summary="p-norm of x1 - x2 + eps along the last dim.")
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return _ops("distance").pairwise_distance(x1, x2, p, eps, keepdim)


# -- pooling (stride () means stride = kernel_size) -----------------------------------------------
@op(method=False, example=_SIGNAL + ", 2",
    summary="1-D max pooling over (N, C, L) or (C, L) input.")
def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _ops("pool").max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


@op(method=False, example=_IMAGE + ", 2",
    summary="2-D max pooling over (N, C, H, W) or (C, H, W) input.")
def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _ops("pool").max_pool2d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


@op(method=False, example=_SIGNAL + ", 2",
    summary="1-D average pooling over (N, C, L) or (C, L) input.")
def avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False, count_include_pad=True):
    return _ops("pool").avg_pool1d(input, kernel_size, stride or None, padding, ceil_mode,
                                   count_include_pad)


@op(method=False, example=_SIGNAL + ", 3",
    summary="1-D average pooling to output_size bins of (nearly) equal width.")
def adaptive_avg_pool1d(input, output_size):
    return _ops("pool_adaptive").adaptive_avg_pool1d(input, output_size)


@op(method=False, example=_SIGNAL + ", 3",
    summary="(values, indices) of 1-D max pooling to output_size bins of (nearly) equal width.")
def adaptive_max_pool1d(input, output_size):
    return _ops("pool_adaptive").adaptive_max_pool1d(input, output_size, True)


# -- dropouts (train=False: the input unchanged) ------------------------------------------------------
@op(method=False, inplace_function=True, example=_X + ", 0.5, False",
    summary="Zeroes elements with probability p when train, scaling the rest by 1 / (1 - p).")
def dropout(input, p=0.5, train=True):
    return _ops("dropout").dropout(input, p, train)


@op(method=False, inplace_function=True, example=_X + ", 0.5, False",
    summary="Dropout that keeps SELU's self-normalizing mean and variance when train.")
def alpha_dropout(input, p, train):
    return _ops("dropout").alpha_dropout(input, p, train)


@op(method=False, inplace_function=True, example="torch.ones(1, 2, 3), 0.5, False",
    summary="Dropout of whole channels (feature maps) with probability p when train.")
def feature_dropout(input, p, train):
    drop = _ops("dropout")
    return drop.dropout2d(input, p, train) if input.dim() != 3 else drop.dropout1d(input, p, train)


@op(method=False, inplace_function=True, example="torch.ones(1, 2, 3), 0.5, False",
    summary="Alpha dropout of whole channels (feature maps) with probability p when train.")
def feature_alpha_dropout(input, p, train):
    return _ops("dropout").feature_alpha_dropout(input, p, train)


# -- bilinear -----------------------------------------------------------------------------------------
@op(method=False, example="torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0]]), torch.ones(1, 2, 1)",
    summary="y = x1^T A x2 + b for each output feature (weight A: (out, in1, in2)).")
def bilinear(input1, input2, weight, bias=None):
    return _ops("linear").bilinear(input1, input2, weight, bias)
