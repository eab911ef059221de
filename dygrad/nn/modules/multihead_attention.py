"""nn.MultiheadAttention (PyTorch's structure, parameter names, init and forward semantics); its
class path is also dygrad.nn.modules.activation, as PyTorch's."""
from typing import Optional

from ... import _creation
from ...autograd.grad_mode import is_grad_enabled
from ...device import check_device
from ..parameter import Parameter
from .. import init
from ...ops.attention import multi_head_attention_forward
from ..._tensor import Tensor
from .module import Module
from .linear import NonDynamicallyQuantizableLinear

__all__ = ["MultiheadAttention"]


class MultiheadAttention(Module):
    """Multi-head scaled dot-product attention: projects query, key and value, attends in
    `num_heads` heads of size embed_dim // num_heads, and projects the concatenated result.

    query (L, N, E), key (S, N, kdim) and value (S, N, vdim) ((N, L, E) ... with batch_first, or
    unbatched (L, E)); kdim/vdim other than embed_dim give separate q/k/v_proj_weight instead of
    one in_proj_weight. add_bias_kv appends a learned key and value, add_zero_attn a zero one.
    Masks: key_padding_mask (N, S), attn_mask (L, S) or (N * num_heads, L, S); bool True marks a
    position that may not be attended, float masks are added to the scores; is_causal is a hint
    that attn_mask is the causal mask. Returns the output (L, N, E) and the attention weights
    (N, L, S), averaged over the heads unless average_attn_weights=False (None with
    need_weights=False).

    Example::

        >>> mha = torch.nn.MultiheadAttention(embed_dim=8, num_heads=2, batch_first=True)
        >>> q, kv = torch.ones(3, 5, 8), torch.ones(3, 7, 8)
        >>> out, weights = mha(q, kv, kv)
        >>> out.shape, weights.shape
        (torch.Size([3, 5, 8]), torch.Size([3, 5, 7]))
        >>> weights[0, 0].detach()  # equal keys get equal weight
        tensor([0.1429, 0.1429, 0.1429, 0.1429, 0.1429, 0.1429, 0.1429])
    """

    __constants__ = ["batch_first"]

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: Optional[int] = None,
                 vdim: Optional[int] = None, batch_first: bool = False, device=None, dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                             f"and num_heads={num_heads} instead")
        check_device(device, "MultiheadAttention")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(_creation.empty((embed_dim, embed_dim), dtype=dtype))
            self.k_proj_weight = Parameter(_creation.empty((embed_dim, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(_creation.empty((embed_dim, self.vdim), dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(_creation.empty((3 * embed_dim, embed_dim), dtype=dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(_creation.empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(_creation.empty((1, 1, embed_dim), dtype=dtype))
            self.bias_v = Parameter(_creation.empty((1, 1, embed_dim), dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Optional[Tensor] = None, need_weights: bool = True,
                attn_mask: Optional[Tensor] = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Optional[Tensor]]:
        """Attends from `query` over `key`/`value`; returns (output, attention weights or None)."""
        batched = query.dim() == 3
        # PyTorch's fused inference kernel gives NaN (not 0) to a query that may attend to
        # nothing, and reads attn_mask whatever is_causal says: the attention that computes
        # the weights does the same (per head, so no reduction is added)
        plain = need_weights or ((attn_mask is not None or key_padding_mask is not None)
                                 and self._fused(query, key, value, attn_mask, key_padding_mask))
        if self.batch_first and batched:
            query, key, value = (x.transpose(0, 1) for x in (query, key, value))
        out, w = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=plain, attn_mask=attn_mask,
            use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights and need_weights, is_causal=is_causal)
        if self.batch_first and batched:
            out = out.transpose(0, 1)
        return out, (w if need_weights else None)

    def _fused(self, query, key, value, attn_mask, key_padding_mask):
        """Whether PyTorch would run this call with its fused inference kernel: self-attention
        (one tensor as query, key and value), batched and batch_first, in eval mode with no
        gradient to record, an even number of heads, packed projections with biases, no
        bias_k/bias_v/zero attention, and no float mask."""
        w, b = self.in_proj_weight, self.in_proj_bias
        if (attn_mask is not None and attn_mask.is_floating_point()) or \
                (key_padding_mask is not None and key_padding_mask.is_floating_point()):
            return False
        if self.training or query.dim() != 3 or query is not key or key is not value or \
                not self.batch_first or w is None or b is None or self.num_heads % 2 or \
                self.bias_k is not None or self.add_zero_attn or query.dtype != w.dtype:
            return False
        return not (is_grad_enabled() and any(
            t.requires_grad for t in (query, w, b, self.out_proj.weight, self.out_proj.bias)))
