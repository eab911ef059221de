"""Single-step recurrent cells RNNCell, LSTMCell, GRUCell (composed of recorded ops).

rnn.py re-exports them: `torch.nn.modules.rnn` is PyTorch's path for the cells too.
"""
import math
from typing import Optional

from ... import _creation
from ..parameter import Parameter
from .. import init
from ..._tensor import Tensor
from .module import Module

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


def _reset_recurrent(module: Module) -> None:
    """PyTorch's init of the recurrent layers and cells (shared with rnn.py): every weight and
    bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
    stdv = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
    for w in module.parameters():
        init.uniform_(w, -stdv, stdv)


class RNNCellBase(Module):
    """Shared base of the single-step cells: holds weight_ih (G * hidden_size, input_size),
    weight_hh (G * hidden_size, hidden_size) and the biases, for G gate blocks.

    Example::

        >>> cell = torch.nn.RNNCellBase(3, 4, bias=True, num_chunks=2)
        >>> cell.weight_ih.shape, cell.weight_hh.shape
        (torch.Size([8, 3]), torch.Size([8, 4]))
    """

    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(_creation.empty((num_chunks * hidden_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(_creation.empty((num_chunks * hidden_size, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(_creation.empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(_creation.empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_recurrent(self)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.bias is not True:
            s += ", bias={bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def _lin(self, x, h):
        gi = x @ self.weight_ih.t()
        gh = h @ self.weight_hh.t()
        if self.bias:
            gi = gi + self.bias_ih
            gh = gh + self.bias_hh
        return gi, gh

    def _prep(self, input, hx):
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected {self.input_size}")
        unbatched = input.dim() == 1
        x = input.unsqueeze(0) if unbatched else input
        if hx is None:
            hx = _creation.zeros((x.shape[0], self.hidden_size), dtype=x.dtype)
        elif unbatched:
            hx = hx.unsqueeze(0)
        return x, hx, unbatched


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu).

    Input (N, input_size) or (input_size,), hidden state and output (N, hidden_size).

    Example::

        >>> cell = torch.nn.RNNCell(3, 4)
        >>> h = cell(torch.zeros(2, 3))
        >>> cell(torch.zeros(2, 3), h).shape
        torch.Size([2, 4])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None):
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:
        """Returns the next hidden state (zeros stand in for a missing `hx`)."""
        x, h, unb = self._prep(input, hx)
        gi, gh = self._lin(x, h)
        out = (gi + gh).tanh() if self.nonlinearity == "tanh" else (gi + gh).relu()
        return out.squeeze(0) if unb else out


class LSTMCell(RNNCellBase):
    """One step of an LSTM: from x and (h, c) computes the gates and returns (h', c').

    Input (N, input_size) or (input_size,); h and c (N, hidden_size).

    Example::

        >>> cell = torch.nn.LSTMCell(3, 4)
        >>> h, c = cell(torch.zeros(2, 3))
        >>> h.shape, c.shape
        (torch.Size([2, 4]), torch.Size([2, 4]))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: Optional[tuple[Tensor, Tensor]] = None
                ) -> tuple[Tensor, Tensor]:
        """Returns the next (h, c) (zeros stand in for a missing `hx`)."""
        unb = input.dim() == 1
        if hx is None:
            x, h, _ = self._prep(input, None)
            c = _creation.zeros_like(h)
        else:
            x, h, _ = self._prep(input, hx[0])
            c = hx[1].unsqueeze(0) if unb else hx[1]
        gi, gh = self._lin(x, h)
        i, f, g, o = (gi + gh).chunk(4, 1)
        c2 = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h2 = o.sigmoid() * c2.tanh()
        return (h2.squeeze(0), c2.squeeze(0)) if unb else (h2, c2)


class GRUCell(RNNCellBase):
    """One step of a GRU: from x and h computes reset and update gates and returns h'.

    Input (N, input_size) or (input_size,), hidden state and output (N, hidden_size).

    Example::

        >>> cell = torch.nn.GRUCell(3, 4)
        >>> cell(torch.zeros(3)).shape
        torch.Size([4])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:
        """Returns the next hidden state (zeros stand in for a missing `hx`)."""
        x, h, unb = self._prep(input, hx)
        gi, gh = self._lin(x, h)
        ir, iz, inn = gi.chunk(3, 1)
        hr, hz, hn = gh.chunk(3, 1)
        r = (ir + hr).sigmoid()
        z = (iz + hz).sigmoid()
        n = (inn + r * hn).tanh()
        out = (1 - z) * n + z * h
        return out.squeeze(0) if unb else out
