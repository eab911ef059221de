"""Parity sweep of shape, joining and indexing ops (see parity_helpers): views, cat/stack with
mixed dtypes, split/chunk, advanced indexing and setitem, gather/scatter, masked ops, with
gradients and error classes."""
import numpy as np
import pytest

from parity_helpers import A, case, params, run_case

torch = pytest.importorskip("torch")

CASES = []
add = CASES.append
X = A("f32", 2, 3, 4)

# -- views and reshapes ----------------------------------------------------------------------------
SHAPE_OPS = {
    "reshape": lambda T, x: x.reshape(6, 4), "reshape_neg": lambda T, x: T.reshape(x, (-1, 2)),
    "reshape_bad": lambda T, x: x.reshape(5, 5), "reshape_two_neg": lambda T, x: x.reshape(-1, -1),
    "view": lambda T, x: x.view(2, 12), "view_tuple": lambda T, x: x.view((4, -1)),
    "view_dtype_same": lambda T, x: x.view(T.float32), "permute": lambda T, x: x.permute(2, 0, 1),
    "permute_fn": lambda T, x: T.permute(x, (1, 2, 0)), "permute_bad": lambda T, x: x.permute(0, 1),
    "permute_dup": lambda T, x: x.permute(0, 0, 1), "transpose": lambda T, x: x.transpose(0, 2),
    "transpose_neg": lambda T, x: T.transpose(x, -1, -2), "swapaxes": lambda T, x: T.swapaxes(x, 0, 1),
    "mT": lambda T, x: x.mT, "squeeze_none": lambda T, x: x.unsqueeze(1).squeeze(),
    "squeeze_dim": lambda T, x: x.unsqueeze(0).squeeze(0), "squeeze_nonone": lambda T, x: x.squeeze(1),
    "squeeze_tuple": lambda T, x: x[:, :1, :1].squeeze((1, 2)), "unsqueeze_neg": lambda T, x: x.unsqueeze(-1),
    "unsqueeze_end": lambda T, x: T.unsqueeze(x, 3), "unsqueeze_bad": lambda T, x: x.unsqueeze(5),
    "flatten": lambda T, x: x.flatten(), "flatten_range": lambda T, x: T.flatten(x, 1),
    "flatten_mid": lambda T, x: x.flatten(0, 1), "unflatten": lambda T, x: x.unflatten(2, (2, 2)),
    "unflatten_neg": lambda T, x: T.unflatten(x, -1, (2, -1)), "ravel": lambda T, x: T.ravel(x),
    "expand": lambda T, x: x[:, :1].expand(2, 5, 4), "expand_neg": lambda T, x: x.expand(3, -1, -1, -1),
    "expand_bad": lambda T, x: x.expand(3, 3, 4), "expand_as": lambda T, x: x[0].expand_as(x),
    "broadcast_to": lambda T, x: T.broadcast_to(x[:, :1], (2, 3, 4)), "repeat": lambda T, x: x.repeat(2, 1, 1, 2),
    "repeat_tuple": lambda T, x: x.repeat((1, 2, 1)), "repeat_few": lambda T, x: x.repeat(2, 1),
    "tile": lambda T, x: T.tile(x, (2,)), "tile_method": lambda T, x: x.tile(1, 2, 1, 1),
    "flip": lambda T, x: x.flip(0, 2), "flip_fn": lambda T, x: T.flip(x, [-1]),
    "fliplr": lambda T, x: T.fliplr(x), "flipud": lambda T, x: x.flipud(), "roll": lambda T, x: x.roll(1, 2),
    "roll_multi": lambda T, x: T.roll(x, (1, -2), (0, 2)), "roll_flat": lambda T, x: T.roll(x, 5),
    "movedim": lambda T, x: T.movedim(x, 0, -1), "movedim_multi": lambda T, x: x.movedim((0, 1), (2, 0)),
    "moveaxis": lambda T, x: T.moveaxis(x, 2, 0), "narrow": lambda T, x: x.narrow(2, 1, 2),
    "narrow_fn": lambda T, x: T.narrow(x, -1, 0, 4), "narrow_bad": lambda T, x: x.narrow(2, 3, 2),
    "select": lambda T, x: x.select(1, -1), "select_bad": lambda T, x: x.select(1, 3),
    "split_int": lambda T, x: x.split(2, 2), "split_uneven": lambda T, x: T.split(x, 3, dim=2),
    "split_list": lambda T, x: x.split([1, 3], -1), "split_bad": lambda T, x: x.split([1, 2], 2),
    "chunk": lambda T, x: x.chunk(3, 2), "chunk_more": lambda T, x: T.chunk(x, 5, 1),
    "unbind": lambda T, x: x.unbind(1), "unbind_fn": lambda T, x: T.unbind(x),
    "tril": lambda T, x: x.tril(), "triu_k": lambda T, x: T.triu(x, 1), "tril_neg": lambda T, x: x.tril(-1),
    "diagonal": lambda T, x: x.diagonal(), "diagonal_off": lambda T, x: T.diagonal(x, 1, 1, 2),
    "diagonal_neg": lambda T, x: x.diagonal(-1, -1, -2), "T_2d": lambda T, x: x[0].T,
    "t_2d": lambda T, x: x[0].t(), "t_3d_err": lambda T, x: x.t(), "unfold": lambda T, x: x.unfold(2, 2, 1),
    "view_as": lambda T, x: x.reshape(24).view_as(x), "reshape_as": lambda T, x: x.reshape_as(x[0].reshape(4, 3, 1).expand(4, 3, 2)),
    "contiguous": lambda T, x: x.transpose(0, 1).contiguous(), "size_neg": lambda T, x: x.size(-1),
    "size": lambda T, x: x.size(), "shape": lambda T, x: x.shape, "dim": lambda T, x: x.dim(),
    "numel": lambda T, x: x.numel(), "nelement": lambda T, x: x.nelement(), "stride": lambda T, x: x.stride(),
    "is_contiguous_t": lambda T, x: x.transpose(0, 1).is_contiguous(), "atleast_2d": lambda T, x: T.atleast_2d(x[0, 0]),
    "atleast_3d": lambda T, x: T.atleast_3d(x[0]), "atleast_1d_0d": lambda T, x: T.atleast_1d(x[0, 0, 0]),
    "sum_to_size": lambda T, x: x.sum_to_size(1, 3, 1), "item_err": lambda T, x: x.item(),
    "tolist": lambda T, x: x.tolist(), "len": lambda T, x: len(x), "view_noncontig_err": lambda T, x: x.transpose(0, 2).view(-1),
}
for name, fn in SHAPE_OPS.items():
    add(case(name, fn, X))
add(case("diag_1d", lambda T, v: T.diag(v), A("f32", 3)))
add(case("diag_1d_k", lambda T, v: T.diag(v, -1), A("f32", 3)))
add(case("diag_2d", lambda T, m: m.diag(1), A("f32", 3, 4)))
add(case("diag_embed", lambda T, v: T.diag_embed(v), A("f32", 2, 3)))
add(case("squeeze_0d", lambda T, x: x.squeeze(0), np.asarray(np.float32(1.5))))
add(case("unsqueeze_0d", lambda T, x: x.unsqueeze(0), np.asarray(np.float32(1.5))))
add(case("flatten_0d", lambda T, x: x.flatten(), np.asarray(np.float32(1.5))))
add(case("reshape_0d", lambda T, x: x.reshape(1, 1), np.asarray(np.float32(1.5))))
add(case("item_0d", lambda T, x: x.item(), np.asarray(np.float32(1.5)), grad=False))
add(case("item_int", lambda T, x: x.item(), np.asarray(np.int64(3))))
add(case("item_bool", lambda T, x: x.item(), np.asarray(True)))
add(case("tolist_int", lambda T, x: x.tolist(), A("i64", 2, 2)))
add(case("float_of", lambda T, x: float(x), np.asarray(np.float64(2.5)), grad=False))
add(case("int_of_float", lambda T, x: int(x), np.asarray(np.float32(-2.7))))
add(case("bool_of_multi_err", lambda T, x: bool(x), A("f32", 2)))
add(case("expand_0d", lambda T, x: x.expand(3, 2), np.asarray(np.float32(1.5))))

# -- joining ---------------------------------------------------------------------------------------
a, b, c = A("f32", 2, 3), A("f32", 2, 3), A("f32", 1, 3)
JOIN = {
    "cat0": lambda T, a, b, c: T.cat([a, b, c]), "cat1": lambda T, a, b, c: T.cat((a, b), 1),
    "cat_neg": lambda T, a, b, c: T.cat([a, b], dim=-1), "cat_bad": lambda T, a, b, c: T.cat([a, c], 1),
    "concat": lambda T, a, b, c: T.concat([a, b]), "concatenate": lambda T, a, b, c: T.concatenate([a, c], 0),
    "stack": lambda T, a, b, c: T.stack([a, b]), "stack_last": lambda T, a, b, c: T.stack((a, b), -1),
    "stack_bad": lambda T, a, b, c: T.stack([a, c]), "hstack": lambda T, a, b, c: T.hstack([a, b]),
    "vstack": lambda T, a, b, c: T.vstack([a, b, c]), "dstack": lambda T, a, b, c: T.dstack([a, b]),
    "row_stack": lambda T, a, b, c: T.row_stack([a, c]), "cat_one": lambda T, a, b, c: T.cat([a]),
    "cat_empty_list": lambda T, a, b, c: T.cat([]), "stack_dim_bad": lambda T, a, b, c: T.stack([a, b], 3),
    "meshgrid_ij": lambda T, a, b, c: T.meshgrid(a[0], c[0], indexing="ij"),
    "meshgrid_xy": lambda T, a, b, c: T.meshgrid(a[0], b[1, :2], indexing="xy"),
    "broadcast_tensors": lambda T, a, b, c: T.broadcast_tensors(a, c),
}
for name, fn in JOIN.items():
    add(case(name, fn, a, b, c))
for da, db in (("f32", "i64"), ("i32", "i64"), ("b", "i64"), ("f32", "f64"), ("u8", "i8"), ("b", "f16")):
    add(case(f"cat_mixed_{da}_{db}", lambda T, x, y: T.cat([x, y]), A(da, 2, 3), A(db, 1, 3)))
    add(case(f"stack_mixed_{da}_{db}", lambda T, x, y: T.stack([x, y], 1), A(da, 2, 3), A(db, 2, 3)))
add(case("cat_with_empty_1d", lambda T, x, e: T.cat([x, e]), A("f32", 2, 3), np.zeros((0,), np.float32)))
add(case("cat_0d_err", lambda T, x: T.cat([x, x]), np.asarray(np.float32(1))))
add(case("stack_0d", lambda T, x, y: T.stack([x, y]), np.asarray(np.float32(1)), np.asarray(np.float32(2))))

# -- indexing --------------------------------------------------------------------------------------
Y = A("f32", 4, 5)
IDX = {
    "int": lambda T, x: x[1], "neg_int": lambda T, x: x[-1, -2], "slice": lambda T, x: x[1:3],
    "slice_step": lambda T, x: x[::2, 1::2], "slice_neg": lambda T, x: x[-3:-1], "slice_oob": lambda T, x: x[2:10],
    "ellipsis": lambda T, x: x[..., 1], "none": lambda T, x: x[None, :, None], "int_oob": lambda T, x: x[4],
    "list": lambda T, x: x[[0, 2, 2]], "list_2d": lambda T, x: x[[0, 1], [2, 3]], "tuple_slices": lambda T, x: x[(slice(1, 3), 2)],
    "bool_list": lambda T, x: x[[True, False, True, False]], "neg_step_err": lambda T, x: x[::-1],
    "tensor_idx": lambda T, x: x[T.tensor([3, 0])], "tensor_2d_idx": lambda T, x: x[T.tensor([[0, 1], [2, 3]])],
    "mask": lambda T, x: x[x > 0], "row_mask": lambda T, x: x[T.tensor([True, False, True, True])],
    "adv_slice": lambda T, x: x[1:, [0, 4]], "adv_sep": lambda T, x: x[None, [1, 2], :, None],
    "adv_broadcast": lambda T, x: x[T.tensor([[0], [3]]), T.tensor([1, 2])], "zero_dim_idx": lambda T, x: x[T.tensor(2)],
    "bool_scalar": lambda T, x: x[True], "int_tensor_oob": lambda T, x: x[T.tensor([4])],
    "float_idx_err": lambda T, x: x[1.0], "float_tensor_idx_err": lambda T, x: x[T.tensor([1.0])],
    "dup_idx_grad": lambda T, x: x[[1, 1, 1]], "idx_ellipsis_adv": lambda T, x: x[..., [0, 0, 2]],
    "int32_idx": lambda T, x: x[T.tensor([1, 2], dtype=T.int32)], "uint8_mask": lambda T, x: x[T.tensor([1, 0, 1, 0], dtype=T.uint8)] if False else x[(x > 1)],
}
for name, fn in IDX.items():
    add(case(f"getitem_{name}", fn, Y))


def _setitem(key, val):
    def f(T, x, v=None):
        y = x.clone()
        k = key(T, y) if callable(key) else key
        y[k] = val(T) if callable(val) else (v if v is not None else val)
        return y
    return f


SET = {
    "int_scalar": (1, 5.0, None), "slice_tensor": (slice(1, 3), None, A("f32", 2, 5)),
    "bcast_row": (slice(None), None, A("f32", 5)), "mask": (lambda T, y: y > 0, 0.0, None),
    "mask_tensor": (lambda T, y: y > 0, lambda T: T.tensor(-1.0), None),
    "list_dup": ([0, 0], None, A("f32", 2, 5)), "adv_pair": (([0, 1], [2, 3]), 7.0, None),
    "ellipsis": ((Ellipsis, 0), None, A("f32", 4)), "bad_shape": (slice(0, 2), None, A("f32", 3, 5)),
    "int_value_into_float": (0, lambda T: T.tensor([1, 2, 3, 4, 5]), None),
    "double_into_float": (0, None, A("f64", 5)),
}
for name, (key, val, arr) in SET.items():
    if arr is not None:
        add(case(f"setitem_{name}", _setitem(key, None), Y, arr))
    else:
        add(case(f"setitem_{name}", _setitem(key, val), Y))
add(case("setitem_int_tensor_float_val", _setitem(0, 2.7), A("i64", 3, 2)))
add(case("setitem_bool_tensor", _setitem(0, True), A("b", 3, 2)))
add(case("setitem_leaf_err", lambda T, x: x.__setitem__(0, 1.0), A("f32", 3)))

I = np.array([[0, 1, 1], [2, 0, 3]], np.int64)
Z = A("f32", 3, 4)
INDEX_OPS = {
    "gather": lambda T, x, i: T.gather(x, 1, i), "gather_m": lambda T, x, i: x.gather(0, i[:, :2] % 3),
    "gather_oob": lambda T, x, i: x.gather(1, i + 4), "gather_bad_dtype": lambda T, x, i: x.gather(1, i.int()),
    "scatter_src": lambda T, x, i: x.scatter(0, i[:, :2] % 3, x[:2, :2] * 2),
    "scatter_value": lambda T, x, i: T.scatter(x, 1, i, 0.5),
    "scatter_add": lambda T, x, i: x.scatter_add(1, i, x[:2, :3]),
    "scatter_reduce_sum": lambda T, x, i: x.scatter_reduce(1, i, x[:2, :3], "sum"),
    "scatter_reduce_amax": lambda T, x, i: x.scatter_reduce(1, i, x[:2, :3] * 3, "amax", include_self=False),
    "scatter_reduce_mean": lambda T, x, i: T.scatter_reduce(x, 1, i, x[:2, :3], reduce="mean"),
    "scatter_reduce_prod": lambda T, x, i: x.scatter_reduce(1, i, x[:2, :3], "prod"),
    "index_select": lambda T, x, i: T.index_select(x, 1, i[0]), "index_select_m": lambda T, x, i: x.index_select(0, i[1] % 3),
    "index_select_bad": lambda T, x, i: x.index_select(0, i[1] + 3),
    "index_add": lambda T, x, i: x.index_add(1, i[0], x[:, :3], alpha=2),
    "index_copy": lambda T, x, i: x.index_copy(1, i[0, [0, 1]], x[:, :2] * 3),
    "index_fill": lambda T, x, i: x.index_fill(1, i[0], -1.0),
    "masked_fill": lambda T, x, i: x.masked_fill(x > 0, 0.0), "masked_fill_bcast": lambda T, x, i: T.masked_fill(x, x[0] > 0, 1.5),
    "masked_fill_t": lambda T, x, i: x.masked_fill(x < 0, T.tensor(2.0)), "masked_fill_nonbool": lambda T, x, i: x.masked_fill(i[:1, :1].expand(3, 4), 1.0),
    "masked_select": lambda T, x, i: T.masked_select(x, x > 0.2), "masked_scatter": lambda T, x, i: x.masked_scatter(x > 0, x * 10),
    "take": lambda T, x, i: T.take(x, i), "take_neg": lambda T, x, i: x.take(-i - 1),
    "nonzero": lambda T, x, i: T.nonzero(x > 0), "nonzero_tuple": lambda T, x, i: T.nonzero(x > 0, as_tuple=True),
    "argwhere": lambda T, x, i: T.argwhere(i), "nonzero_0d": lambda T, x, i: T.nonzero(x[0, 0] > -10),
    "unique": lambda T, x, i: T.unique(i), "unique_all": lambda T, x, i: T.unique(i, return_inverse=True, return_counts=True),
    "unique_dim": lambda T, x, i: T.unique(T.cat([i, i]), dim=0), "unique_m": lambda T, x, i: i.unique(sorted=True),
    "index_put": lambda T, x, i: x.index_put((i[0, :2],), T.tensor(3.0)),
    "index_put_acc": lambda T, x, i: x.index_put((i[1] % 3, i[0]), x[0, :3], accumulate=True),
    "put": lambda T, x, i: x.put(i[0], x[0, :3] * 2),
}
for name, fn in INDEX_OPS.items():
    add(case(name, fn, Z, I))

# -- more indexing: 3-d advanced combinations, duplicates, augmented assignment ------------------------
V = A("f32", 3, 4, 5)
IDX3 = {
    "adv_first_last": lambda T, x: x[[0, 2], :, [1, 3]], "adv_mid": lambda T, x: x[:, [1, 1, 3]],
    "adv_two_adjacent": lambda T, x: x[:, [0, 1], [2, 3]], "adv_slice_between": lambda T, x: x[[0, 1], 1:3, [4, 0]],
    "adv_bcast_2d": lambda T, x: x[T.tensor([[0], [2]]), :, T.tensor([[1, 2, 3]])], "neg_tensor_idx": lambda T, x: x[T.tensor([-1, -3])],
    "empty_list": lambda T, x: x[[]], "empty_tensor_idx": lambda T, x: x[T.tensor([], dtype=T.int64)],
    "bool_0d_true": lambda T, x: x[T.tensor(True)], "bool_0d_false": lambda T, x: x[T.tensor(False)],
    "none_ellipsis_none": lambda T, x: x[None, ..., None], "int_none_slice": lambda T, x: x[1, None, 2:],
    "list_of_lists": lambda T, x: x[[[0, 1], [2, 2]]], "np_index": lambda T, x: x[np.array([2, 0])],
    "mask_2d_of_3d": lambda T, x: x[x[:, :, 0] > 0], "mask_and_slice": lambda T, x: x[x[:, 0, 0] > -10, 1:3],
    "mask_and_list": lambda T, x: x[T.tensor([True, False, True]), :, [0, 4]], "step_slices": lambda T, x: x[::2, 1::2, ::3],
    "ellipsis_middle": lambda T, x: x[1, ..., 2], "too_many_idx": lambda T, x: x[0, 0, 0, 0],
    "mask_shape_err": lambda T, x: x[T.tensor([True, False])], "idx_oob_neg": lambda T, x: x[-4],
}
for name, fn in IDX3.items():
    add(case(f"getitem3_{name}", fn, V))


def _aug(op):
    def f(T, x, v):
        y = x * 1
        op(T, y, v)
        return y
    return f


AUG = {
    "iadd_dup_idx": lambda T, y, v: y.__setitem__([0, 0, 1], y[[0, 0, 1]] + 1),
    "setitem_dup_tensor_vals": lambda T, y, v: y.__setitem__(T.tensor([1, 1]), v[:2]),
    "iadd_slice": lambda T, y, v: y[1:].__iadd__(v[0]),
    "setitem_bcast_col": lambda T, y, v: y.__setitem__((slice(None), 0), v[:, :1]),
    "setitem_mask_tensor_vals": lambda T, y, v: y.__setitem__(y[:, :, 0] > 0, v[0, 0]),
    "setitem_adv_pair_vals": lambda T, y, v: y.__setitem__(([0, 2], [1, 3]), v[0, :2]),
    "index_put_acc_dup": lambda T, y, v: y.index_put_((T.tensor([0, 0, 2]),), v[:3, 0], accumulate=True),
    "setitem_ellipsis_scalar_t": lambda T, y, v: y.__setitem__((Ellipsis, 1), v[0, 0, 0]),
    "setitem_none": lambda T, y, v: y.__setitem__((None, 0), v[0]),
    "setitem_int_into_view": lambda T, y, v: y[0].__setitem__(1, v[1, 1]),
}
for name, op in AUG.items():
    add(case(f"aug_{name}", _aug(op), V, A("f32", 3, 4, 5)))


@pytest.mark.parametrize("c", params(CASES))
def test_parity(c):
    run_case(c, torch)
