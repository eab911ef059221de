"""Identity, Linear and Bilinear layers (PyTorch's default initialisation)."""
import math

from ... import _dtype
from ..._creation import empty
from ...device import check_device
from .. import init
from .. import functional as F
from ..parameter import Parameter
from ..._tensor import Tensor
from .module import Module

__all__ = ["Identity", "Linear", "Bilinear"]


def _factory(device, dtype, what):
    check_device(device, what)
    return _dtype.as_dtype(dtype) if dtype is not None else None


class _WeightBiasLayer(Module):
    """Base of the layers with a learned `weight` and an optional `bias` (Linear, Bilinear, the
    convolutions): creates both, and gives PyTorch's default initialisation of them."""

    def _init_weight_bias(self, weight_shape: tuple, bias_size: int, bias: bool, dtype) -> None:
        self.weight = Parameter(empty(weight_shape, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(bias_size, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        # kaiming_uniform_ with a=sqrt(5) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as in PyTorch;
        # the bias gets the same bound (zero when there is no fan-in)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)


class Identity(Module):
    """Returns its input unchanged (a placeholder layer); any constructor arguments are ignored.

    Example::

        >>> m = torch.nn.Identity(54, unused='ignored')
        >>> m(torch.tensor([1.0, 2.0]))
        tensor([1., 2.])
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """Returns `input` itself."""
        return input


class Linear(_WeightBiasLayer):
    """Affine map y = x @ weight.T + bias with weight (out_features, in_features).

    Input (*, in_features), output (*, out_features).

    Example::

        >>> _ = torch.manual_seed(0)
        >>> m = torch.nn.Linear(3, 2)
        >>> m(torch.ones(4, 3)).shape
        torch.Size([4, 2])
        >>> m.weight.shape, m.bias.shape
        (torch.Size([2, 3]), torch.Size([2]))
    """

    __constants__ = ["in_features", "out_features"]

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__()
        dt = _factory(device, dtype, "Linear")
        self.in_features = in_features
        self.out_features = out_features
        self._init_weight_bias((out_features, in_features), out_features, bias, dt)

    def forward(self, input: Tensor) -> Tensor:
        """Applies the affine map to the last dimension of `input`."""
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, " \
               f"bias={self.bias is not None}"


class NonDynamicallyQuantizableLinear(Linear):
    """The Linear layer nn.MultiheadAttention uses as `out_proj`: Linear's math under PyTorch's
    name and class path for it (so reprs, type checks and saved class references match). Not
    exported by dygrad.nn, as in PyTorch.

    Example::

        >>> torch.nn.MultiheadAttention(4, 2).out_proj
        NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)
    """


class Bilinear(_WeightBiasLayer):
    """Bilinear map y[k] = x1 @ weight[k] @ x2 + bias[k] with weight (out_features, in1_features,
    in2_features).

    Inputs (*, in1_features) and (*, in2_features), output (*, out_features).

    Example::

        >>> m = torch.nn.Bilinear(3, 4, 2)
        >>> m(torch.ones(5, 3), torch.ones(5, 4)).shape
        torch.Size([5, 2])
    """

    __constants__ = ["in1_features", "in2_features", "out_features"]

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        dt = _factory(device, dtype, "Bilinear")
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self._init_weight_bias((out_features, in1_features, in2_features), out_features, bias, dt)

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        """Applies the bilinear map to `input1` and `input2`."""
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return f"in1_features={self.in1_features}, in2_features={self.in2_features}, " \
               f"out_features={self.out_features}, bias={self.bias is not None}"
