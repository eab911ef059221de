"""TransformerEncoderLayer and TransformerEncoder (PyTorch's structure, parameter names, init and
forward semantics), and the helpers the decoder shares with them."""
import copy
import warnings
from typing import Callable, Optional

import numpy as np

from ...autograd.grad_mode import is_grad_enabled
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


def _float_masks(kpm, kpm_name, mask, mask_name, dtype):
    """Both masks in additive float form (-inf where a bool mask is True), as PyTorch's encoder
    passes them on; a bool and a float mask together first get PyTorch's deprecation warning,
    with the names the caller uses."""
    if kpm is not None and mask is not None and kpm.dtype != mask.dtype:
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
        # PyTorch's fused inference kernel for this layer gives NaN (not 0) to a query that may
        # attend to nothing (the attention that returns weights, per head so no reduction is
        # added, does too), and it masks every position whose float mask entry is not 0 (it
        # does not add the value): both are kept, so that eval-mode results are PyTorch's
        plain = (attn_mask is not None or key_padding_mask is not None) and self._fused(x)
        if plain:
            attn_mask = None if attn_mask is None else attn_mask != 0
            key_padding_mask = None if key_padding_mask is None else key_padding_mask != 0
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=plain, average_attn_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _fused(self, x):
        """Whether PyTorch would run this call with its fused inference kernel (eval mode, no
        gradient to record, batch_first, no hooks, and a layer that kernel supports)."""
        sa = self.self_attn
        if self.training or x.dim() != 3 or not sa.batch_first or sa.in_proj_bias is None or \
                not sa._qkv_same_embed_dim or not self.activation_relu_or_gelu or \
                self.norm1.eps != self.norm2.eps or sa.num_heads % 2:
            return False
        if any(m._forward_hooks or m._forward_pre_hooks for m in self.modules()):
            return False
        return not (is_grad_enabled() and (
            x.requires_grad or any(p.requires_grad for p in self.parameters())))

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)

    def forward(self, src: Tensor, src_mask: Optional[Tensor] = None,
                src_key_padding_mask: Optional[Tensor] = None, is_causal: bool = False) -> Tensor:
        """Applies the self-attention and feed-forward blocks to `src`."""
        src_key_padding_mask, src_mask = _float_masks(
            src_key_padding_mask, "src_key_padding_mask", src_mask, "src_mask", src.dtype)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x


def _why_not_nested(layer):
    """Why PyTorch's TransformerEncoder would not take its nested-tensor path with `layer`
    ("" when it would), in PyTorch's words."""
    e = "encoder_layer"
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{e} was not TransformerEncoderLayer"
    if layer.norm_first:
        return f"{e}.norm_first was True"
    if not layer.self_attn.batch_first:
        return f"{e}.self_attn.batch_first was not True(use batch_first for better inference performance)"
    if not layer.self_attn._qkv_same_embed_dim:
        return f"{e}.self_attn._qkv_same_embed_dim was not True"
    if layer.self_attn.in_proj_bias is None:
        return f"{e}.self_attn was passed bias=False"
    if not layer.activation_relu_or_gelu:
        return f"{e}.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return f"{e}.norm1.eps was not equal to {e}.norm2.eps"
    if layer.self_attn.num_heads % 2 == 1:
        return f"{e}.self_attn.num_heads is odd"
    return ""


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
        why = _why_not_nested(encoder_layer)
        self.use_nested_tensor = enable_nested_tensor and not why
        if enable_nested_tensor and why:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False "
                          f"because {why}", stacklevel=2)
        self.mask_check = mask_check

    def forward(self, src: Tensor, mask: Optional[Tensor] = None,
                src_key_padding_mask: Optional[Tensor] = None,
                is_causal: Optional[bool] = None) -> Tensor:
        """Runs `src` through every layer (and `norm`), passing the masks to each layer.

        is_causal None (PyTorch's "detect") runs the masks as given, which gives what PyTorch's
        detection gives: the causal hint only replaces a mask equal to the causal one."""
        padding = src_key_padding_mask
        src_key_padding_mask, mask = _float_masks(
            src_key_padding_mask, "src_key_padding_mask", mask, "mask", src.dtype)
        out = src
        for mod in self.layers:
            out = mod(out, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        if self.use_nested_tensor and padding is not None and mask is None:
            padded = self._nested_padding(src, padding)
            if padded is not None:
                out = out.masked_fill(padded.unsqueeze(-1), 0.0)
        if self.norm is not None:
            out = self.norm(out)
        return out

    def _nested_padding(self, src, kpm):
        """The padded positions (bool (N, S)) when PyTorch would run this call on nested tensors
        (inference: eval mode, no gradient to record, a key padding mask padding each sequence
        at its end): PyTorch's output is then 0 at those positions (before `norm`); the other
        positions are what the masked layers give. None when it would not."""
        first = self.layers[0]
        if first.training or src.dim() != 3:
            return None
        if is_grad_enabled() and (src.requires_grad or any(p.requires_grad for p in first.parameters())):
            return None
        padded = kpm if kpm._data.dtype == np.bool_ else kpm != 0
        if self.mask_check:
            keep = ~padded._data
            if (keep[:, 1:] > keep[:, :-1]).any():  # a kept position after a padded one
                return None
        return padded
