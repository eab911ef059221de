"""TransformerEncoderLayer and TransformerEncoder (PyTorch's structure, parameter names, init and
forward semantics), and the helpers the decoder shares with them."""
import copy
import warnings
from typing import Callable, Optional

from ...ops.attention import _additive_mask
from ..._tensor import Tensor
from .. import functional as F
from .module import Module
from .container import ModuleList
from .linear import Linear
from .dropout import Dropout
from .normalization import LayerNorm
from .multihead_attention import MultiheadAttention

__all__ = ["TransformerEncoderLayer", "TransformerEncoder"]


def _get_activation(activation):
    """The activation function of a layer given "relu", "gelu" or a callable."""
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    if callable(activation):
        return activation
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


def _relu_or_gelu(activation):
    """PyTorch's activation_relu_or_gelu attribute: 1 for ReLU, 2 for GELU, 0 for others."""
    from .activation import ReLU, GELU
    if activation == "relu" or activation is F.relu or isinstance(activation, ReLU):
        return 1
    if activation == "gelu" or activation is F.gelu or isinstance(activation, GELU):
        return 2
    return 0


def _same_kind_masks(kpm, kpm_name, mask, mask_name, dtype):
    """A bool and a float mask given together: PyTorch's deprecation warning (with the names the
    caller uses), then both in additive float form, so that the attention below does not warn
    again. Masks of one kind are returned as they are."""
    if kpm is None or mask is None or (kpm.dtype == mask.dtype) or \
            (kpm.is_floating_point() and mask.is_floating_point()):
        return kpm, mask
    warnings.warn(f"Support for mismatched {kpm_name} and {mask_name} is deprecated. Use same "
                  "type for both instead.", UserWarning, stacklevel=4)
    return _additive_mask(kpm, dtype.np), _additive_mask(mask, dtype.np)


class TransformerEncoderLayer(Module):
    """One transformer encoder block: self-attention then a two-layer feed-forward network, each
    with dropout, a residual connection and LayerNorm (applied before each part with
    norm_first=True, after it by default).

    src (S, N, d_model) ((N, S, d_model) with batch_first), same shape out. src_mask (S, S) or
    (N * nhead, S, S) and src_key_padding_mask (N, S) as in nn.MultiheadAttention; is_causal is
    a hint that src_mask is the causal mask.

    Example::

        >>> layer = torch.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16)
        >>> layer(torch.ones(5, 3, 8)).shape
        torch.Size([5, 3, 8])
    """

    __constants__ = ["norm_first"]

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False, norm_first: bool = False,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        fk = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **fk)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **fk)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **fk)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **fk)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **fk)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation_relu_or_gelu = _relu_or_gelu(activation)
        self.activation = _get_activation(activation)

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)

    def forward(self, src: Tensor, src_mask: Optional[Tensor] = None,
                src_key_padding_mask: Optional[Tensor] = None, is_causal: bool = False) -> Tensor:
        """Applies the self-attention and feed-forward blocks to `src`."""
        src_key_padding_mask, src_mask = _same_kind_masks(
            src_key_padding_mask, "src_key_padding_mask", src_mask, "src_mask", src.dtype)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x


class TransformerEncoder(Module):
    """A stack of `num_layers` deep copies of `encoder_layer`, with an optional final `norm`.

    src (S, N, d_model) ((N, S, d_model) with batch_first), same shape out; the masks go to
    every layer. enable_nested_tensor and mask_check are accepted for PyTorch's signature (dygrad
    has no nested-tensor fast path; the results are the same).

    Example::

        >>> layer = torch.nn.TransformerEncoderLayer(d_model=8, nhead=2, batch_first=True)
        >>> enc = torch.nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        >>> enc(torch.ones(3, 5, 8)).shape, len(enc.layers)
        (torch.Size([3, 5, 8]), 2)
    """

    __constants__ = ["norm"]

    def __init__(self, encoder_layer: "TransformerEncoderLayer", num_layers: int,
                 norm: Optional[Module] = None, enable_nested_tensor: bool = True,
                 mask_check: bool = True):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = False
        self.mask_check = mask_check

    def forward(self, src: Tensor, mask: Optional[Tensor] = None,
                src_key_padding_mask: Optional[Tensor] = None,
                is_causal: Optional[bool] = None) -> Tensor:
        """Runs `src` through every layer (and `norm`), passing the masks to each layer.

        is_causal None (PyTorch's "detect") runs the masks as given, which gives what PyTorch's
        detection gives: the causal hint only replaces a mask equal to the causal one."""
        src_key_padding_mask, mask = _same_kind_masks(
            src_key_padding_mask, "src_key_padding_mask", mask, "mask", src.dtype)
        out = src
        for mod in self.layers:
            out = mod(out, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        if self.norm is not None:
            out = self.norm(out)
        return out
