"""Padding layers (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad in 1-3 d)
over nn.functional.pad."""
from .. import functional as F
from ..._tensor import Tensor
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d"]


def _ntuple(padding, n):
    """An int pads every side; a tuple is taken as given (last dim first, as in F.pad)."""
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    return tuple(padding)


class _PadNd(Module):
    __constants__ = ["padding"]
    _mode = "constant"
    _n = 1

    def __init__(self, padding: int | tuple[int, ...]):
        super().__init__()
        self.padding = _ntuple(padding, self._n)

    def forward(self, input: Tensor) -> Tensor:
        """Pads the last dimensions of `input` by `padding`."""
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    __constants__ = ["padding", "value"]

    def __init__(self, padding: int | tuple[int, ...], value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        """Pads the last dimensions of `input` with `value`."""
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dimension with the constant `value`.

    `padding`: one int for every side, or (left, right).

    Example::

        >>> torch.nn.ConstantPad1d(1, 9.0)(torch.tensor([[[1.0, 2.0, 3.0]]]))
        tensor([[[9., 1., 2., 3., 9.]]])
    """

    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dimensions with the constant `value`.

    `padding`: one int for every side, or (left, right, top, bottom).

    Example::

        >>> torch.nn.ConstantPad2d(1, 9.0)(torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]))
        tensor([[[[9., 9., 9., 9.],
                  [9., 1., 2., 9.],
                  [9., 3., 4., 9.],
                  [9., 9., 9., 9.]]]])
    """

    _n = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three dimensions with the constant `value`.

    `padding`: one int for every side, or (left, right, top, bottom, front, back).

    Example::

        >>> torch.nn.ConstantPad3d(1, 9.0)(torch.ones(1, 1, 2, 2, 2)).shape
        torch.Size([1, 1, 4, 4, 4])
    """

    _n = 3


class _ZeroPad:
    """Mixed in before ConstantPad{1,2,3}d: the constant is 0 and the repr shows only padding."""

    def __init__(self, padding: int | tuple[int, ...]):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad1d(_ZeroPad, ConstantPad1d):
    """Pads the last dimension with zeros.

    `padding`: one int for every side, or (left, right).

    Example::

        >>> torch.nn.ZeroPad1d(1)(torch.tensor([[[1.0, 2.0, 3.0]]]))
        tensor([[[0., 1., 2., 3., 0.]]])
    """


class ZeroPad2d(_ZeroPad, ConstantPad2d):
    """Pads the last two dimensions with zeros.

    `padding`: one int for every side, or (left, right, top, bottom).

    Example::

        >>> torch.nn.ZeroPad2d(1)(torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]))
        tensor([[[[0., 0., 0., 0.],
                  [0., 1., 2., 0.],
                  [0., 3., 4., 0.],
                  [0., 0., 0., 0.]]]])
    """


class ZeroPad3d(_ZeroPad, ConstantPad3d):
    """Pads the last three dimensions with zeros.

    `padding`: one int for every side, or (left, right, top, bottom, front, back).

    Example::

        >>> torch.nn.ZeroPad3d(1)(torch.ones(1, 1, 2, 2, 2)).shape
        torch.Size([1, 1, 4, 4, 4])
    """


class _ReflectionPadNd(_PadNd):
    _mode = "reflect"


class ReflectionPad1d(_ReflectionPadNd):
    """Pads the last dimension by mirroring the input at its edges (edge not repeated).

    `padding`: one int for every side, or (left, right).

    Example::

        >>> torch.nn.ReflectionPad1d(1)(torch.tensor([[[1.0, 2.0, 3.0]]]))
        tensor([[[2., 1., 2., 3., 2.]]])
    """

    _n = 1


class ReflectionPad2d(_ReflectionPadNd):
    """Pads the last two dimensions by mirroring the input at its edges (edge not repeated).

    `padding`: one int for every side, or (left, right, top, bottom).

    Example::

        >>> torch.nn.ReflectionPad2d(1)(torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]))
        tensor([[[[4., 3., 4., 3.],
                  [2., 1., 2., 1.],
                  [4., 3., 4., 3.],
                  [2., 1., 2., 1.]]]])
    """

    _n = 2


class ReflectionPad3d(_ReflectionPadNd):
    """Pads the last three dimensions by mirroring the input at its edges (edge not repeated).

    `padding`: one int for every side, or (left, right, top, bottom, front, back).

    Example::

        >>> torch.nn.ReflectionPad3d(1)(torch.ones(1, 1, 2, 2, 2)).shape
        torch.Size([1, 1, 4, 4, 4])
    """

    _n = 3


class _ReplicationPadNd(_PadNd):
    _mode = "replicate"


class ReplicationPad1d(_ReplicationPadNd):
    """Pads the last dimension by repeating the edge values.

    `padding`: one int for every side, or (left, right).

    Example::

        >>> torch.nn.ReplicationPad1d(1)(torch.tensor([[[1.0, 2.0, 3.0]]]))
        tensor([[[1., 1., 2., 3., 3.]]])
    """

    _n = 1


class ReplicationPad2d(_ReplicationPadNd):
    """Pads the last two dimensions by repeating the edge values.

    `padding`: one int for every side, or (left, right, top, bottom).

    Example::

        >>> torch.nn.ReplicationPad2d(1)(torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]))
        tensor([[[[1., 1., 2., 2.],
                  [1., 1., 2., 2.],
                  [3., 3., 4., 4.],
                  [3., 3., 4., 4.]]]])
    """

    _n = 2


class ReplicationPad3d(_ReplicationPadNd):
    """Pads the last three dimensions by repeating the edge values.

    `padding`: one int for every side, or (left, right, top, bottom, front, back).

    Example::

        >>> torch.nn.ReplicationPad3d(1)(torch.ones(1, 1, 2, 2, 2)).shape
        torch.Size([1, 1, 4, 4, 4])
    """

    _n = 3


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        """Pads the last dimensions of `input` periodically."""
        n = self._n
        if input.dim() not in (n + 1, n + 2):
            raise ValueError(f"expected {n + 1}D or {n + 2}D input (got {input.dim()}D input)")
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Pads the last dimension by wrapping around (periodic padding).

    `padding`: one int for every side, or (left, right).

    Example::

        >>> torch.nn.CircularPad1d(1)(torch.tensor([[[1.0, 2.0, 3.0]]]))
        tensor([[[3., 1., 2., 3., 1.]]])
    """

    _n = 1


class CircularPad2d(_CircularPadNd):
    """Pads the last two dimensions by wrapping around (periodic padding).

    `padding`: one int for every side, or (left, right, top, bottom).

    Example::

        >>> torch.nn.CircularPad2d(1)(torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]))
        tensor([[[[4., 3., 4., 3.],
                  [2., 1., 2., 1.],
                  [4., 3., 4., 3.],
                  [2., 1., 2., 1.]]]])
    """

    _n = 2


class CircularPad3d(_CircularPadNd):
    """Pads the last three dimensions by wrapping around (periodic padding).

    `padding`: one int for every side, or (left, right, top, bottom, front, back).

    Example::

        >>> torch.nn.CircularPad3d(1)(torch.ones(1, 1, 2, 2, 2)).shape
        torch.Size([1, 1, 4, 4, 4])
    """

    _n = 3
