"""TransformerDecoderLayer and TransformerDecoder (PyTorch's structure, parameter names, init
and forward semantics)."""
import copy
from typing import Callable, Optional

from ..._tensor import Tensor
from .. import functional as F
from .module import Module
from .container import ModuleList
from .linear import Linear
from .dropout import Dropout
from .normalization import LayerNorm
from .multihead_attention import MultiheadAttention
from .transformer_encoder import _get_activation

__all__ = ["TransformerDecoderLayer", "TransformerDecoder"]


class TransformerDecoderLayer(Module):
    """One transformer decoder block: self-attention over the target, attention from the target
    over the encoder's output (`memory`), then a two-layer feed-forward network; each part with
    dropout, a residual connection and LayerNorm (before each part with norm_first=True, after
    it by default).

    tgt (T, N, d_model) and memory (S, N, d_model) ((N, T, d_model) and (N, S, d_model) with
    batch_first), output shaped as tgt. tgt_mask (T, T) and memory_mask (T, S) (or per head,
    (N * nhead, ...)), tgt_key_padding_mask (N, T), memory_key_padding_mask (N, S): as the
    masks of nn.MultiheadAttention. tgt_is_causal / memory_is_causal are hints that the mask is
    the causal one.

    Example::

        >>> layer = torch.nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16)
        >>> tgt, memory = torch.ones(4, 3, 8), torch.ones(6, 3, 8)
        >>> mask = torch.nn.Transformer.generate_square_subsequent_mask(4)
        >>> layer(tgt, memory, tgt_mask=mask).shape
        torch.Size([4, 3, 8])
    """

    __constants__ = ["norm_first"]

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False, norm_first: bool = False,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        fk = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first,
                                            bias=bias, **fk)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                                 batch_first=batch_first, bias=bias, **fk)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **fk)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **fk)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **fk)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **fk)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **fk)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _get_activation(activation)

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           is_causal=is_causal, need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, is_causal=is_causal,
                                need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Optional[Tensor] = None,
                memory_mask: Optional[Tensor] = None,
                tgt_key_padding_mask: Optional[Tensor] = None,
                memory_key_padding_mask: Optional[Tensor] = None,
                tgt_is_causal: bool = False, memory_is_causal: bool = False) -> Tensor:
        """Applies the self-attention, memory attention and feed-forward blocks to `tgt`."""
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask,
                                    memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                               memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x


class TransformerDecoder(Module):
    """A stack of `num_layers` deep copies of `decoder_layer`, with an optional final `norm`.

    tgt (T, N, d_model) and memory (S, N, d_model) ((N, ...) first with batch_first); the masks
    go to every layer. tgt_is_causal None (PyTorch's "detect") runs tgt_mask as given, which
    gives what PyTorch's detection gives.

    Example::

        >>> layer = torch.nn.TransformerDecoderLayer(d_model=8, nhead=2, batch_first=True)
        >>> dec = torch.nn.TransformerDecoder(layer, num_layers=2, norm=torch.nn.LayerNorm(8))
        >>> dec(torch.ones(3, 4, 8), torch.ones(3, 6, 8)).shape, len(dec.layers)
        (torch.Size([3, 4, 8]), 2)
    """

    __constants__ = ["norm"]

    def __init__(self, decoder_layer: "TransformerDecoderLayer", num_layers: int,
                 norm: Optional[Module] = None):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Optional[Tensor] = None,
                memory_mask: Optional[Tensor] = None,
                tgt_key_padding_mask: Optional[Tensor] = None,
                memory_key_padding_mask: Optional[Tensor] = None,
                tgt_is_causal: Optional[bool] = None, memory_is_causal: bool = False) -> Tensor:
        """Runs `tgt` through every layer (attending over `memory`), then `norm`."""
        out = tgt
        for mod in self.layers:
            out = mod(out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        if self.norm is not None:
            out = self.norm(out)
        return out
