"""Batch normalisation layers with running statistics (PyTorch's buffers, momentum and eval)."""
import functools
import warnings
from typing import Optional

from ... import _creation
from ... import _dtype
from ...autograd.grad_mode import STATE, no_grad
from ...ops import norm as _norm
from ..._tensor import Tensor
from .normalization import _AffineNorm

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d"]


class _NormBase(_AffineNorm):
    __constants__ = ["track_running_stats", "momentum", "eps", "num_features", "affine"]

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Optional[float] = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None, dtype=None,
                 *, bias: bool = True):
        super().__init__()
        self.num_features = num_features
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if track_running_stats:
            self.register_buffer("running_mean", _creation.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", _creation.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", _creation.tensor(0, dtype=_dtype.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self._init_affine(affine, bias, num_features, eps, dtype)

    def reset_running_stats(self):
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        super().reset_parameters()

    def _check_input_dim(self, input):
        raise NotImplementedError

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


def _count_batch(nbt):
    nbt._data += 1
    nbt._vc[0] += 1


class _BatchNorm(_NormBase):
    _input_dims: tuple[int, ...] = ()  # the input ranks the layer accepts

    def _check_input_dim(self, input):
        if input.dim() not in self._input_dims:
            want = " or ".join(f"{d}D" for d in self._input_dims)
            raise ValueError(f"expected {want} input (got {input.dim()}D input)")

    def forward(self, input: Tensor) -> Tensor:
        """Normalizes `input` per channel (batch statistics in training, running ones in eval)."""
        self._check_input_dim(input)
        if self.momentum is None:
            factor = 0.0
        else:
            factor = self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            nbt = self.num_batches_tracked
            if STATE.trace is None:
                _count_batch(nbt)
            else:  # a replay of dygrad.jit counts the batch again
                STATE.trace.effect(functools.partial(_count_batch, nbt), [nbt],
                                   "num_batches_tracked += 1")
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        rm = self.running_mean if not self.training or self.track_running_stats else None
        rv = self.running_var if not self.training or self.track_running_stats else None
        return _norm.batch_norm(input, rm, rv, self.weight, self.bias, use_batch_stats, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalization: each channel is standardized over the batch (and length) with the
    batch mean and (biased) variance in training, with the running estimates in eval mode, then
    scaled by `weight` and shifted by `bias`.

    Input (N, C) or (N, C, L), same shape out.

    Example::

        >>> m = torch.nn.BatchNorm1d(2)
        >>> y = m(torch.tensor([[1.0, 10.0], [3.0, 30.0]]))
        >>> y.detach()
        tensor([[-1.0000, -1.0000],
                [ 1.0000,  1.0000]])
        >>> m.running_mean
        tensor([0.2000, 2.0000])
    """

    _input_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization: each channel is standardized over the batch and spatial positions
    with the batch mean and (biased) variance in training, with the running estimates in eval
    mode, then scaled by `weight` and shifted by `bias`.

    Input (N, C, H, W), same shape out.

    Example::

        >>> m = torch.nn.BatchNorm2d(2)
        >>> m(torch.arange(8.0).reshape(1, 2, 2, 2)).shape
        torch.Size([1, 2, 2, 2])
        >>> m.running_mean, m.num_batches_tracked
        (tensor([0.1500, 0.5500]), tensor(1))
    """

    _input_dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalization: each channel is standardized over the batch and spatial positions
    with the batch mean and (biased) variance in training, with the running estimates in eval
    mode, then scaled by `weight` and shifted by `bias`.

    Input (N, C, D, H, W), same shape out.

    Example::

        >>> m = torch.nn.BatchNorm3d(2)
        >>> m.eval()(torch.ones(1, 2, 1, 1, 2)).detach().flatten()  # running stats still 0 and 1
        tensor([1.0000, 1.0000, 1.0000, 1.0000])
    """

    _input_dims = (5,)


class _InstanceNorm(_NormBase):
    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Optional[float] = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None, dtype=None,
                 *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    def forward(self, input: Tensor) -> Tensor:
        """Normalizes each channel of each sample of `input` over its spatial positions."""
        if input.dim() not in (self._nd + 1, self._nd + 2):
            raise ValueError(f"expected {self._nd + 1}D or {self._nd + 2}D input (got {input.dim()}D input)")
        unbatched = input.dim() == self._nd + 1
        feature_dim = input.dim() - self._nd - 1
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match num_features "
                                 f"({self.num_features}), but got: {input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can "
                          "silence this warning by not passing in num_features, which is not used "
                          "because affine=False")
        x = input.unsqueeze(0) if unbatched else input
        use_stats = self.training or not self.track_running_stats
        # momentum=None means no update here (PyTorch has no cumulative average for instance norm)
        out = _norm.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                                  use_stats, self.momentum if self.momentum is not None else 0.0,
                                  self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization: each channel of each sample is standardized over its length
    (no learned affine map and no running statistics by default).

    Input (N, C, L) or (C, L), same shape out.

    Example::

        >>> m = torch.nn.InstanceNorm1d(2)
        >>> m(torch.tensor([[[1.0, 3.0], [0.0, 10.0]]]))
        tensor([[[-1.0000,  1.0000],
                 [-1.0000,  1.0000]]])
    """

    _nd = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization: each channel of each sample is standardized over its spatial
    positions (no learned affine map and no running statistics by default).

    Input (N, C, H, W) or (C, H, W), same shape out.

    Example::

        >>> m = torch.nn.InstanceNorm2d(3, affine=True)
        >>> m(torch.ones(2, 3, 4, 4)).shape
        torch.Size([2, 3, 4, 4])
    """

    _nd = 2
