"""Recurrent layers RNN, LSTM, GRU (fused per direction and layer); the single-step cells live in
rnn_cell.py and are re-exported here."""
from typing import Optional

from ... import _creation
from ...ops import rnn as _rnn, rnn_gru as _rnn_gru
from ...ops.dropout import dropout as _dropout
from ...ops.shape import cat, stack
from ..parameter import Parameter
from ..._tensor import Tensor
from ..utils.rnn import PackedSequence, packed_rows, pad_rows
from .module import Module
from .rnn_cell import _reset_recurrent
from .rnn_cell import RNNCellBase, RNNCell, LSTMCell, GRUCell  # noqa: F401  (PyTorch's path)
from ...amp._state import STATE as _autocast_state

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """Shared base of RNN, LSTM and GRU: stacks `num_layers` recurrent layers over a sequence,
    optionally bidirectional, with dropout between layers; `mode` is 'RNN_TANH', 'RNN_RELU',
    'LSTM' or 'GRU'.

    Input (L, N, input_size) ((N, L, input_size) with batch_first, (L, input_size) unbatched);
    output (L, N, D * hidden_size) with D = 2 if bidirectional else 1, and the final hidden
    state (D * num_layers, N, hidden_size). A PackedSequence input (nn.utils.rnn; batch_first
    does not apply) gives a PackedSequence output and each sequence's final state at its own
    last step, in the input's original batch order.

    Example::

        >>> m = torch.nn.RNNBase('GRU', input_size=3, hidden_size=4)
        >>> [name for name, _ in m.named_parameters()]
        ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
        >>> m.weight_ih_l0.shape  # the 3 gates of a GRU stacked
        torch.Size([12, 3])
    """

    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                     "dropout", "bidirectional", "proj_size"]

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None):
        super().__init__()
        if not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError("hidden_size must be a positive integer" if isinstance(hidden_size, int)
                             else f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than or equal to 1")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        dirs = 2 if bidirectional else 1
        g = _GATES[mode] * hidden_size
        real = proj_size or hidden_size  # the size of h (LSTM projections shrink it)
        self._flat_weights_names = []
        for layer in range(num_layers):
            for d in range(dirs):
                in_size = input_size if layer == 0 else real * dirs
                sfx = f"_l{layer}" + ("_reverse" if d == 1 else "")
                names = [f"weight_ih{sfx}", f"weight_hh{sfx}"]
                shapes = [(g, in_size), (g, real)]
                if bias:
                    names += [f"bias_ih{sfx}", f"bias_hh{sfx}"]
                    shapes += [(g,), (g,)]
                if proj_size:
                    names.append(f"weight_hr{sfx}")
                    shapes.append((proj_size, hidden_size))
                for n, s in zip(names, shapes):
                    setattr(self, n, Parameter(_creation.empty(s, dtype=dtype)))
                    self._flat_weights_names.append(n)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        per = (4 if self.bias else 2) + (1 if self.proj_size else 0)
        w = self._flat_weights
        return [w[i:i + per] for i in range(0, len(w), per)]

    def reset_parameters(self):
        _reset_recurrent(self)

    def flatten_parameters(self):
        """cuDNN weight packing in PyTorch; nothing to do on dygrad."""

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    def _check_input(self, x):
        if x.dim() not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {x.dim()}D "
                             f"tensor of shape {list(x.shape)}")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {x.shape[-1]}")
        w = self.weight_ih_l0
        if x.dtype != w.dtype and not _autocast_state.on:  # (an autocast region casts them;
            # outside one the fused layers would otherwise promote silently)
            raise ValueError(f"RNN input dtype ({x.dtype}) does not match weight dtype ({w.dtype}). "
                             f"Convert input: input.to({w.dtype}), or convert model: "
                             f"model.to({x.dtype})")

    def _hidden(self, hx, batch, unbatched, x, size=None):
        dirs = 2 if self.bidirectional else 1
        expect = (self.num_layers * dirs, batch, size or self.hidden_size)
        if hx is None:  # zeros: the fused layers make them (no tensor, nothing to record)
            return _creation.zeros(expect, dtype=x.dtype) if self.proj_size else None
        h = hx.unsqueeze(1) if unbatched else hx
        if tuple(h.shape) != expect:
            raise RuntimeError(f"Expected hidden size {expect}, got {list(hx.shape)}")
        if h.dtype != x.dtype:
            raise RuntimeError(f"{type(self).__name__}: the initial state's dtype ({h.dtype}) "
                               f"does not match the input's ({x.dtype})")
        return h

    def _run(self, x, hx, cx, sizes=None):
        """The layers over x (T, B, I) from the states hx, cx (or None: zeros); `sizes`: for a
        packed input padded to x, how many sequences run at each step (see ops/rnn.py)."""
        dirs = 2 if self.bidirectional else 1
        layer_in = x
        hn, cn = [], []
        ws = self._flat_weights
        per = (4 if self.bias else 2) + (1 if self.proj_size else 0)
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                idx = layer * dirs + d
                w = ws[idx * per:(idx + 1) * per]
                b = (w[2], w[3]) if self.bias else (None, None)
                rev = d == 1
                h0 = None if hx is None else hx[idx]
                c0 = None if cx is None else cx[idx]
                if self.proj_size:
                    o, h, c = _lstm_projected(layer_in, h0, c0, w[0], w[1], b[0], b[1],
                                              w[-1], rev, sizes)
                    cn.append(c)
                elif self.mode == "LSTM":
                    o, h, c = _rnn.lstm_layer(layer_in, h0, c0, w[0], w[1], b[0], b[1], rev,
                                              sizes)
                    cn.append(c)
                elif self.mode == "GRU":
                    o, h = _rnn_gru.gru_layer(layer_in, h0, w[0], w[1], b[0], b[1], rev, sizes)
                else:
                    nl = "tanh" if self.mode == "RNN_TANH" else "relu"
                    o, h = _rnn.rnn_layer(layer_in, h0, w[0], w[1], b[0], b[1], nl, rev, sizes)
                outs.append(o)
                hn.append(h)
            layer_in = outs[0] if dirs == 1 else cat(outs, 2)
            if layer < self.num_layers - 1:
                layer_in = _dropout(layer_in, self.dropout, self.training)
        return layer_in, stack(hn, 0), (stack(cn, 0) if cn else None)

    def forward(self, input: Tensor, hx: Optional[Tensor | tuple[Tensor, Tensor]] = None
                ) -> tuple[Tensor, Tensor | tuple[Tensor, Tensor]]:
        """Runs the layers over the sequence `input` from the initial state `hx` (zeros when None);
        returns (output, h_n), or (output, (h_n, c_n)) for LSTM. A PackedSequence input gives a
        PackedSequence output and each sequence's state at its own last step."""
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        self._check_input(input)
        unbatched = input.dim() == 2
        x = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if self.batch_first else input)
        batch = x.shape[1]
        if self.mode == "LSTM":
            real = self.proj_size or self.hidden_size
            if hx is None:
                h0 = self._hidden(None, batch, unbatched, x, real)
                c0 = self._hidden(None, batch, unbatched, x)
            else:
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise RuntimeError("LSTM expects hx as a tuple (h_0, c_0)")
                h0 = self._hidden(hx[0], batch, unbatched, x, real)
                c0 = self._hidden(hx[1], batch, unbatched, x)
            out, hn, cn = self._run(x, h0, c0)
        else:
            h0 = self._hidden(hx, batch, unbatched, x)
            out, hn, cn = self._run(x, h0, None)
        if unbatched:
            out = out.squeeze(1)
            hn = hn.squeeze(1)
            cn = cn.squeeze(1) if cn is not None else None
        elif self.batch_first:
            out = out.transpose(0, 1)
        return (out, (hn, cn)) if self.mode == "LSTM" else (out, hn)

    def _forward_packed(self, seq, hx):
        """The layers over a PackedSequence: its data padded to (T, B, I) (one gather), each step
        running only the sequences not yet ended (`sizes`), the output packed back (one
        gather); the initial and final states in the caller's batch order, as PyTorch's."""
        data, batch_sizes, sorted_indices, unsorted_indices = seq
        if data.dim() != 2:
            raise RuntimeError(f"input must have 2 dimensions, got {data.dim()}")
        self._check_input(data)
        sizes = tuple(int(n) for n in batch_sizes.tolist())
        if (not sizes or sizes[-1] <= 0 or any(a < b for a, b in zip(sizes, sizes[1:]))
                or sum(sizes) != data.shape[0]):
            raise RuntimeError(f"{type(self).__name__}: the PackedSequence's batch_sizes "
                               f"{list(sizes)} must be positive, non-increasing and sum to its "
                               f"data's {data.shape[0]} rows")
        B = sizes[0]
        if self.mode == "LSTM":
            if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
                raise RuntimeError("LSTM expects hx as a tuple (h_0, c_0)")
            h0 = self._hidden(None if hx is None else hx[0], B, False, data,
                              self.proj_size or self.hidden_size)
            c0 = self._hidden(None if hx is None else hx[1], B, False, data)
        else:
            h0, c0 = self._hidden(hx, B, False, data), None
        if hx is not None and sorted_indices is not None:  # into the packed (sorted) order
            h0 = h0.index_select(1, sorted_indices)
            c0 = None if c0 is None else c0.index_select(1, sorted_indices)
        idx = pad_rows(sizes, B).flatten()
        x = data if idx.numel() == data.shape[0] else cat([data, data.new_zeros((1, data.shape[1]))])
        x = x.index_select(0, idx).reshape(len(sizes), B, data.shape[1])
        out, hn, cn = self._run(x, h0, c0, sizes)
        out = out.reshape(len(sizes) * B, out.shape[2]).index_select(0, packed_rows(sizes, B))
        if unsorted_indices is not None:  # back to the caller's order
            hn = hn.index_select(1, unsorted_indices)
            cn = None if cn is None else cn.index_select(1, unsorted_indices)
        out = PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices)
        return (out, (hn, cn)) if self.mode == "LSTM" else (out, hn)


def _lstm_projected(x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr, reverse, sizes=None):
    """One LSTM layer with projections (h_t = W_hr (o_t * tanh(c_t))), built from recorded ops:
    the fused kernels carry no projection, and autograd gives its backward. With `sizes` (packed
    input) a step updates only the first sizes[t] rows, the others keeping their state."""
    gx = x.matmul(w_ih.t())
    if b_ih is not None:
        gx = gx + b_ih
    B = x.shape[1]
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    outs = [None] * x.shape[0]
    for t in steps:
        n = B if sizes is None else sizes[t]
        hr, cr = (h, c) if n == B else (h[:n], c[:n])
        gates = (gx[t] if n == B else gx[t, :n]) + hr.matmul(w_hh.t())
        if b_hh is not None:
            gates = gates + b_hh
        i, f, g, o = gates.chunk(4, -1)
        cr = f.sigmoid() * cr + i.sigmoid() * g.tanh()
        hr = (o.sigmoid() * cr.tanh()).matmul(w_hr.t())
        h, c = (hr, cr) if n == B else (cat([hr, h[n:]]), cat([cr, c[n:]]))
        outs[t] = h
    return stack(outs, 0), h, c


class RNN(RNNBase):
    """Elman recurrent network: h_t = tanh(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh) (or relu
    with nonlinearity='relu'), over `num_layers` layers.

    Input (L, N, input_size) ((N, L, input_size) with batch_first, (L, input_size) unbatched);
    output (L, N, D * hidden_size) with D = 2 if bidirectional else 1, and the final hidden
    state (D * num_layers, N, hidden_size).

    Example::

        >>> rnn = torch.nn.RNN(input_size=3, hidden_size=4, num_layers=2)
        >>> out, h_n = rnn(torch.zeros(5, 2, 3))
        >>> out.shape, h_n.shape
        (torch.Size([5, 2, 4]), torch.Size([2, 2, 4]))
    """

    def __init__(self, *args, **kwargs):
        nl = kwargs.pop("nonlinearity", "tanh")
        if len(args) > 3:
            nl = args[3]
            args = args[:3] + args[4:]
        if nl not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nl}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nl
        super().__init__("RNN_TANH" if nl == "tanh" else "RNN_RELU", *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory network: input, forget, cell and output gates update a cell state
    c_t and hidden state h_t at each step; proj_size > 0 projects h_t to that size.

    Input (L, N, input_size) ((N, L, input_size) with batch_first, (L, input_size) unbatched);
    output (L, N, D * hidden_size) with D = 2 if bidirectional else 1, and the final hidden
    state (D * num_layers, N, hidden_size). forward returns (output, (h_n, c_n)).

    Example::

        >>> lstm = torch.nn.LSTM(3, 4, batch_first=True, bidirectional=True)
        >>> out, (h_n, c_n) = lstm(torch.zeros(2, 5, 3))
        >>> out.shape, h_n.shape, c_n.shape
        (torch.Size([2, 5, 8]), torch.Size([2, 2, 4]), torch.Size([2, 2, 4]))
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit network: reset and update gates blend the previous hidden state with
    a candidate state at each step.

    Input (L, N, input_size) ((N, L, input_size) with batch_first, (L, input_size) unbatched);
    output (L, N, D * hidden_size) with D = 2 if bidirectional else 1, and the final hidden
    state (D * num_layers, N, hidden_size).

    Example::

        >>> gru = torch.nn.GRU(3, 4)
        >>> out, h_n = gru(torch.zeros(5, 3))  # unbatched
        >>> out.shape, h_n.shape
        (torch.Size([5, 4]), torch.Size([1, 4]))
    """

    def __init__(self, *args, **kwargs):
        super().__init__("GRU", *args, **kwargs)

