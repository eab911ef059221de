"""Argument checks of scaled_dot_product_attention and multi_head_attention_forward: PyTorch's
error types, with messages that name the shapes and dtypes involved. They only read shapes and
dtypes (no array work), so they cost little on the hot path."""
import numpy as np

__all__ = ["check_sdpa", "check_mha_shapes", "check_mha_masks"]


def _shape(t):
    return tuple(t._data.shape)


def check_sdpa(query, key, value, attn_mask, is_causal, enable_gqa):
    """scaled_dot_product_attention's checks (RuntimeError, as PyTorch)."""
    qd, kd, vd = query._data, key._data, value._data
    if qd.ndim < 2 or kd.ndim < 2 or vd.ndim < 2:
        raise RuntimeError(
            "scaled_dot_product_attention: expected query, key and value to be at least 2-D, got "
            f"query {qd.ndim}-D, key {kd.ndim}-D and value {vd.ndim}-D")
    if not (qd.dtype == kd.dtype == vd.dtype):
        raise RuntimeError(
            "scaled_dot_product_attention: expected query, key and value of one dtype, got query "
            f"{query.dtype}, key {key.dtype} and value {value.dtype}")
    if qd.shape[-1] != kd.shape[-1]:
        raise RuntimeError(
            f"scaled_dot_product_attention: query of shape {_shape(query)} and key of shape "
            f"{_shape(key)} differ in their last (embedding) dimension")
    if kd.shape[-2] != vd.shape[-2]:
        raise RuntimeError(
            f"scaled_dot_product_attention: key of shape {_shape(key)} and value of shape "
            f"{_shape(value)} differ in their sequence length (dimension -2)")
    if enable_gqa and qd.ndim >= 3 and kd.ndim >= 3:
        hq, hk, hv = qd.shape[-3], kd.shape[-3], vd.shape[-3]
        if hk == 0 or hv == 0 or hq % hk or hq % hv:
            raise RuntimeError(
                f"scaled_dot_product_attention(enable_gqa=True): the number of heads of key ({hk}) "
                f"and value ({hv}) must divide the number of heads of query ({hq})")
    if attn_mask is None:
        return
    if is_causal:
        raise RuntimeError("scaled_dot_product_attention: an explicit attn_mask must not be given "
                           "with is_causal=True")
    md = attn_mask._data
    if md.dtype != np.bool_ and md.dtype != qd.dtype and md.dtype != np.float32:
        raise RuntimeError(
            "scaled_dot_product_attention: expected attn_mask of dtype torch.bool, torch.float32 "
            f"or the query's dtype {query.dtype}, got {attn_mask.dtype}")
    try:  # (the batch dims of query and key broadcast together; with GQA the query's count)
        batch = np.broadcast_shapes(qd.shape[:-2], kd.shape[:-2])
    except ValueError:
        batch = qd.shape[:-2]
    want = batch + (qd.shape[-2], kd.shape[-2])
    try:
        np.broadcast_shapes(md.shape, want)
    except ValueError:
        raise RuntimeError(
            f"scaled_dot_product_attention: attn_mask of shape {_shape(attn_mask)} does not "
            f"broadcast to the attention weights' shape {want} (query {_shape(query)}, key "
            f"{_shape(key)})") from None


def check_mha_shapes(query, key, value, key_padding_mask, attn_mask, num_heads):
    """The ranks of multi-head attention's inputs (AssertionError, as PyTorch); True when the
    query is batched (3-D)."""
    qn, kn, vn = query._data.ndim, key._data.ndim, value._data.ndim
    if qn == 3:
        if kn != 3 or vn != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D "
                                 f"but found {kn}-D and {vn}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask._data.ndim != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask._data.ndim}-D tensor "
                                 "instead")
        if attn_mask is not None and attn_mask._data.ndim not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, "
                                 f"2-D or 3-D but found {attn_mask._data.ndim}-D tensor instead")
        return True
    if qn == 2:
        if kn != 2 or vn != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be "
                                 f"2-D but found {kn}-D and {vn}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask._data.ndim != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 1-D but found {key_padding_mask._data.ndim}-D tensor "
                                 "instead")
        if attn_mask is not None:
            if attn_mask._data.ndim not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask._data.ndim}-D "
                                     "tensor instead")
            want = (num_heads, query._data.shape[0], key._data.shape[0])
            if attn_mask._data.ndim == 3 and attn_mask._data.shape != want:
                raise AssertionError(f"Expected `attn_mask` shape to be {want} but got "
                                     f"{_shape(attn_mask)}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {qn}-D "
                         "query tensor")


def _mask_dtype(mask, name, query, need_weights):
    kind = mask._data.dtype
    if kind == np.bool_:
        return True
    if kind.kind not in "fV":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    # PyTorch's fused attention (no weights asked for) also takes a float32 mask
    if kind != query._data.dtype and (need_weights or kind != np.float32):
        raise RuntimeError(f"multi_head_attention_forward: {name} of dtype {mask.dtype} does not "
                           f"match the query's dtype {query.dtype}"
                           + ("" if need_weights else " (nor is it torch.float32)"))
    return False


def check_mha_masks(query, key, value, key_padding_mask, attn_mask, num_heads, separate,
                    need_weights):
    """Shapes and dtypes of the (batched, sequence-first) inputs and masks of multi-head
    attention, against the query (L, N, E) and key (S, N, kdim)."""
    L, N, _ = query._data.shape
    S, NK = key._data.shape[:2]
    if separate:
        if key._data.shape[:2] != value._data.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {_shape(key)[:2]} do not match "
                                 f"value's {_shape(value)[:2]}")
    elif key._data.shape != value._data.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
    if NK != N:
        raise RuntimeError(f"multi_head_attention_forward: query of shape {_shape(query)} and key "
                           f"of shape {_shape(key)} have different batch sizes ({N} and {NK})")
    kb = ab = None
    if key_padding_mask is not None:
        kb = _mask_dtype(key_padding_mask, "key_padding_mask", query, need_weights)
        if key_padding_mask._data.shape != (N, S):
            raise AssertionError(f"key_padding_mask of shape {_shape(key_padding_mask)} should be "
                                 f"(batch size, source length) = {(N, S)}")
    if attn_mask is not None:
        ab = _mask_dtype(attn_mask, "attn_mask", query, need_weights)
        shape = _shape(attn_mask)
        if len(shape) == 2 and shape != (L, S):
            raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                               f"{(L, S)}.")
        if len(shape) == 3 and shape != (N * num_heads, L, S):
            raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                               f"{(N * num_heads, L, S)} (batch size * num_heads, target length, "
                               "source length).")
    return kb, ab
