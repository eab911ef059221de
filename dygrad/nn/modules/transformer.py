"""nn.Transformer, and PyTorch's class path of the transformer layers: MultiheadAttention,
TransformerEncoder(Layer) and TransformerDecoder(Layer) live in their own files and are importable
from here, as from torch.nn.modules.transformer."""
from typing import Any, Callable, Optional

from ... import _creation, _dtype
from ...device import check_device
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from .module import Module
from .linear import NonDynamicallyQuantizableLinear  # noqa: F401  (its former home)
from .normalization import LayerNorm
from .multihead_attention import MultiheadAttention  # noqa: F401
from .transformer_encoder import TransformerEncoderLayer, TransformerEncoder
from .transformer_decoder import TransformerDecoderLayer, TransformerDecoder

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer", "MultiheadAttention"]


class Transformer(Module):
    """The encoder-decoder transformer of "Attention Is All You Need": a TransformerEncoder of
    num_encoder_layers layers and a TransformerDecoder of num_decoder_layers layers, each ending
    in a LayerNorm (or custom_encoder / custom_decoder in their place). Every parameter of more
    than one dimension is re-initialised with xavier_uniform_.

    src (S, N, d_model) and tgt (T, N, d_model) ((N, S, d_model) and (N, T, d_model) with
    batch_first, or unbatched (S, d_model) and (T, d_model)); the output is shaped as tgt. The
    masks are those of TransformerEncoder (src_*) and TransformerDecoder (tgt_*, memory_*).

    Example::

        >>> _ = torch.manual_seed(0)
        >>> model = torch.nn.Transformer(d_model=16, nhead=4, num_encoder_layers=2,
        ...                              num_decoder_layers=2, dim_feedforward=32, batch_first=True)
        >>> src, tgt = torch.rand(2, 7, 16), torch.rand(2, 5, 16)
        >>> mask = torch.nn.Transformer.generate_square_subsequent_mask(5)
        >>> model(src, tgt, tgt_mask=mask, tgt_is_causal=True).shape
        torch.Size([2, 5, 16])
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu,
                 custom_encoder: Optional[Any] = None, custom_decoder: Optional[Any] = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False, norm_first: bool = False,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        fk = dict(device=device, dtype=dtype)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
                                            layer_norm_eps, batch_first, norm_first, bias, **fk)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **fk)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
                                            layer_norm_eps, batch_first, norm_first, bias, **fk)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **fk)
            self.decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Optional[Tensor] = None,
                tgt_mask: Optional[Tensor] = None, memory_mask: Optional[Tensor] = None,
                src_key_padding_mask: Optional[Tensor] = None,
                tgt_key_padding_mask: Optional[Tensor] = None,
                memory_key_padding_mask: Optional[Tensor] = None,
                src_is_causal: Optional[bool] = None, tgt_is_causal: Optional[bool] = None,
                memory_is_causal: bool = False) -> Tensor:
        """Encodes `src` into the memory, then decodes `tgt` attending over it."""
        batched = src.dim() == 3
        if batched:
            b = 0 if self.batch_first else 1
            if tgt.dim() != 3 or src.shape[b] != tgt.shape[b]:
                raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
        """The (sz, sz) causal mask: -inf above the diagonal (the future), 0 elsewhere, of dtype
        `dtype` (default: the default float dtype).

        Example::

            >>> torch.nn.Transformer.generate_square_subsequent_mask(3)
            tensor([[0., -inf, -inf],
                    [0., 0., -inf],
                    [0., 0., 0.]])
        """
        check_device(device, "generate_square_subsequent_mask")
        dt = _dtype.as_dtype(dtype) if dtype is not None else None
        return _creation.full((sz, sz), float("-inf"), dtype=dt).triu(1)

    def _reset_parameters(self):
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)
