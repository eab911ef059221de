"""Op records: indexing, setitem, gather/scatter and masked ops.

The index/mask-taking functions are call records with NumPy references (checked without torch
too); the expression samples after them are the parity sweep's cases, kept under their sweep
names (see tests/records/_names.py)."""
import numpy as np

from dygrad.testing import OpRecord, RecordSet, S
from dygrad.testing._samples import array, rng_for
from dygrad.testing.parity import A
from tests.records._names import folder

R = RecordSet()
TOL = (1e-5, 1e-5)
case, add = folder(R)


def _rec(name, ref, make, **opts):
    """A record whose samples `make(rng)` builds from the op's own seeded generator."""
    return R.add(OpRecord(name, make(rng_for(name)), ref=ref, **opts))


I64 = np.int64
_rec("index_select", lambda x, dim, index: np.take(x, index, axis=dim), lambda g: [
    S(array(g, "f32", (3, 4)), 1, np.array([2, 0, 2], I64), _label="index_select_dup"),
    S(array(g, "f64", (3, 4)), 0, np.array([], I64), _label="index_select_empty"),
    S(array(g, "i64", (3,)), -1, np.array([1], I64), _label="index_select_int"),
    S(array(g, "f32", (3, 4)), 0, np.array([3], I64), _label="index_select_oob", _raises=IndexError)],
    gradgrad=True, supports_out=True)
_rec("gather", lambda x, dim, index: np.take_along_axis(x, index, axis=dim), lambda g: [
    S(array(g, "f32", (3, 4)), 1, np.array([[0, 0], [3, 1], [2, 2]], I64), _label="gather_dup"),
    S(array(g, "f64", (3, 4)), 0, np.array([[2, 1, 0, 0]], I64), _label="gather_dim0"),
    S(array(g, "f32", (3, 4)), 1, np.array([[4]], I64), _label="gather_oob", _raises=RuntimeError)],
    gradgrad=True, supports_out=True)
_rec("take", lambda x, index: np.take(x.ravel(), index), lambda g: [
    S(array(g, "f32", (3, 4)), np.array([[0, 11], [5, 5]], I64), _label="take_2d"),
    S(array(g, "f64", (3, 4)), np.array([-1, -12], I64), _label="take_neg"),
    S(array(g, "f32", (2,)), np.array([2], I64), _label="take_oob", _raises=IndexError)],
    gradgrad=True, supports_out=True)
_rec("masked_fill", lambda x, mask, value: np.where(mask, value, x), lambda g: [
    S(array(g, "f32", (3, 4)), array(g, "b", (3, 4)), 0.5, _label="masked_fill"),
    S(array(g, "f64", (3, 4)), array(g, "b", (4,)), -1.0, _label="masked_fill_bcast"),
    S(array(g, "i64", (5,)), array(g, "b", (5,)), 7, _label="masked_fill_int"),
    S(array(g, "f32", (3,)), array(g, "b", (3,)), np.asarray(2.0, np.float32), _label="masked_fill_0d_value")],
    gradgrad=True)
_rec("where", np.where, lambda g: [
    S(array(g, "b", (3, 4)), array(g, "f32", (3, 4)), array(g, "f32", (4,)), _label="where_bcast"),
    # PyTorch's where takes out= only with tensor input and other (dygrad takes numbers too)
    S(array(g, "b", (3,)), array(g, "f64", (3,)), 0.0, _label="where_scalar", _variants=()),
    S(array(g, "b", (0, 2)), array(g, "f32", (0, 2)), array(g, "f32", (2,)), _label="where_empty"),
    S(array(g, "i64", (3,)), array(g, "f32", (3,)), array(g, "f32", (3,)), _label="where_int_cond",
      _raises=RuntimeError)],
    gradgrad=True, supports_out=True, method=False)
_rec("masked_select", lambda x, mask: np.broadcast_to(x, np.broadcast_shapes(x.shape, mask.shape))[
    np.broadcast_to(mask, np.broadcast_shapes(x.shape, mask.shape))], lambda g: [
    S(array(g, "f32", (3, 4)), array(g, "b", (3, 4)), _label="masked_select"),
    S(array(g, "f64", (3, 4)), array(g, "b", (4,)), _label="masked_select_bcast")],
    gradgrad=True, supports_out=True)
_rec("nonzero", lambda x, as_tuple=False: np.nonzero(x) if as_tuple else np.argwhere(x), lambda g: [
    S(array(g, "f32", (3, 4)) * array(g, "b", (3, 4)), _label="nonzero_2d"),
    S(array(g, "i64", (5,)), _label="nonzero_int"), S(np.zeros((0, 3), np.float32), _label="nonzero_empty"),
    # as_tuple: one index tensor per dim (PyTorch takes no out= with it)
    S(array(g, "b", (3, 4)), as_tuple=True, _label="nonzero_as_tuple", _variants=("method",))],
    differentiable=False, supports_out=True)



def _along(dim, index):
    """The full coordinates that an index (gather/scatter style) addresses along dim."""
    grid = list(np.indices(index.shape))
    grid[dim] = index
    return tuple(grid)


def _slices(dim, index):
    return (slice(None),) * dim + (index,)


def _copy_ref(update):
    """A reference computing on a copy of its first argument: update(copy, *rest) -> None."""
    def ref(x, *rest, **kw):
        o = x.copy()
        update(o, *rest, **kw)
        return o
    return ref


def _index_add(o, dim, index, source, alpha=1):
    np.add.at(o, _slices(dim, index), source * np.asarray(alpha, o.dtype))


def _put(o, index, source, accumulate=False):
    (np.add.at if accumulate else np.put)(o.reshape(-1), index.reshape(-1), source.reshape(-1))


def _scatter(o, dim, index, src):
    o[_along(dim, index)] = src[tuple(slice(0, n) for n in index.shape)] if np.ndim(src) else src


def _scatter_add(o, dim, index, src):
    np.add.at(o, _along(dim, index), src[tuple(slice(0, n) for n in index.shape)])


def _scatter_reduce(o, dim, index, src, reduce, include_self=True):
    at = _along(dim, index)
    if not include_self:
        o[at] = {"sum": 0, "prod": 1, "amax": -np.inf, "amin": np.inf}[reduce]
    ufunc = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce]
    ufunc.at(o, at, src[tuple(slice(0, n) for n in index.shape)])


def _index_put(o, indices, values, accumulate=False):
    if accumulate:
        np.add.at(o, tuple(indices), values)
    else:
        o[tuple(indices)] = values


def _masked_scatter(x, mask, source):
    o = np.array(np.broadcast_to(x, np.broadcast_shapes(x.shape, mask.shape)))
    m = np.broadcast_to(mask, o.shape)
    o[m] = source.reshape(-1)[:m.sum()]
    return o


def _unique(x, sorted=True, return_inverse=False, return_counts=False, dim=None):
    v, inv, cnt = np.unique(x, return_inverse=True, return_counts=True, axis=dim)
    extra = ([inv.reshape(x.shape if dim is None else -1)] if return_inverse else []) + (
        [cnt] if return_counts else [])
    return tuple([v] + extra) if extra else v


_rec("index_add", _copy_ref(_index_add), lambda g: [
    S(array(g, "f32", (3, 4)), 1, np.array([3, 0, 3], I64), array(g, "f32", (3, 3)), _label="index_add_dup"),
    S(array(g, "f64", (3, 4)), 0, np.array([2, 0], I64), array(g, "f64", (2, 4)), alpha=-2.0,
      _label="index_add_alpha"),
    S(array(g, "i64", (4,)), 0, np.array([1], I64), array(g, "i64", (1,)), _label="index_add_int"),
    S(array(g, "f32", (3,)), 0, np.array([0], I64), array(g, "f64", (1,)), _label="index_add_dtype_err",
      _raises=RuntimeError)],
    gradgrad=True, supports_out=True)
_rec("index_copy", _copy_ref(lambda o, dim, index, source: o.__setitem__(_slices(dim, index), source)),
     lambda g: [
    S(array(g, "f32", (3, 4)), 1, np.array([3, 0], I64), array(g, "f32", (3, 2)), _label="index_copy"),
    S(array(g, "f64", (3, 4)), -2, np.array([1], I64), array(g, "f64", (1, 4)), _label="index_copy_neg_dim"),
    S(array(g, "f32", (3, 4)), 0, np.array([3], I64), array(g, "f32", (1, 4)), _label="index_copy_oob",
      _raises=IndexError)],
    gradgrad=True, supports_out=True)
_rec("index_fill", _copy_ref(lambda o, dim, index, value: o.__setitem__(_slices(dim, index), value)),
     lambda g: [
    S(array(g, "f32", (3, 4)), 1, np.array([3, 0, 3], I64), -1.5, _label="index_fill_dup"),
    S(array(g, "f64", (3, 4)), 0, np.array([2], I64), np.asarray(2.0), _label="index_fill_0d_value"),
    S(array(g, "i64", (4,)), 0, np.array([0, 1], I64), 7, _label="index_fill_int"),
    S(array(g, "f32", (3,)), 0, np.array([0], np.int32), 1.0, _label="index_fill_int32_err",
      _raises=IndexError)],
    gradgrad=True)
_rec("put", _copy_ref(_put), lambda g: [
    S(array(g, "f32", (3, 4)), np.array([[11, 0], [5, -2]], I64), array(g, "f32", (2, 2)), _label="put_2d"),
    S(array(g, "f64", (3, 4)), np.array([1, 1, 7], I64), array(g, "f64", (3,)), accumulate=True,
      _label="put_accumulate"),
    S(array(g, "f32", (2,)), np.array([2], I64), array(g, "f32", (1,)), _label="put_oob", _raises=IndexError)],
    gradgrad=True)
# a src larger than index: PyTorch's backward refuses it (src's gradient has index's shape), so
# those samples check the forward only
_rec("scatter", _copy_ref(_scatter), lambda g: [
    S(array(g, "f32", (3, 4)), 1, np.array([[3, 0], [1, 2]], I64), array(g, "f32", (2, 3)), _label="scatter_src",
      _gradcheck=False),
    S(array(g, "f64", (3, 4)), 0, np.array([[2, 0, 1, 1]], I64), array(g, "f64", (1, 4)), _label="scatter_dim0"),
    S(array(g, "f64", (3, 4)), 1, np.array([[3, 0], [1, 2]], I64), array(g, "f64", (2, 2)), _label="scatter_f64"),
    S(array(g, "f32", (3, 4)), 1, np.array([[2], [0]], I64), 0.5, _label="scatter_value"),
    S(array(g, "f32", (3, 4)), 1, np.array([[4]], I64), array(g, "f32", (1, 1)), _label="scatter_oob",
      _raises=RuntimeError)],
    gradgrad=True, supports_out=True)
_rec("scatter_add", _copy_ref(_scatter_add), lambda g: [
    S(array(g, "f32", (3, 4)), 1, np.array([[3, 3, 0], [1, 2, 1]], I64), array(g, "f32", (2, 3)),
      _label="scatter_add_dup"),
    S(array(g, "f64", (3, 4)), 0, np.array([[2, 0, 2, 1]], I64), array(g, "f64", (2, 4)), _label="scatter_add_small_index",
      _gradcheck=False),
    S(array(g, "i64", (5,)), 0, np.array([0, 0, 4], I64), array(g, "i64", (3,)), _label="scatter_add_int")],
    gradgrad=True, supports_out=True)
_rec("scatter_reduce", _copy_ref(_scatter_reduce), lambda g: [
    S(array(g, "f32", (3, 4)), 1, np.array([[3, 3, 0], [1, 2, 1]], I64), array(g, "f32", (2, 3)), "sum",
      _label="scatter_reduce_sum"),
    S(array(g, "f64", (3, 4)), 1, np.array([[3, 3, 0], [1, 2, 1]], I64), array(g, "f64", (2, 3)), "amax",
      include_self=False, _label="scatter_reduce_amax_noself"),
    S(array(g, "f64", (4,)), 0, np.array([1, 1, 2], I64), array(g, "f64", (3,)), "prod", _label="scatter_reduce_prod"),
    S(array(g, "f32", (4,)), 0, np.array([1], I64), array(g, "f32", (1,)), "max_", _label="scatter_reduce_bad",
      _raises=RuntimeError)],
    supports_out=True)
_rec("masked_scatter", _masked_scatter, lambda g: [
    S(array(g, "f32", (3, 4)), array(g, "b", (3, 4)), array(g, "f32", (12,)), _label="masked_scatter"),
    S(array(g, "f64", (3, 4)), array(g, "b", (4,)), array(g, "f64", (4, 4)), _label="masked_scatter_bcast"),
    S(array(g, "f32", (3,)), np.ones(3, bool), array(g, "f32", (2,)), _label="masked_scatter_short",
      _raises=RuntimeError)],
    gradgrad=True)
_rec("index_put", _copy_ref(_index_put), lambda g: [
    S(array(g, "f32", (3, 4)), (np.array([0, 2], I64),), array(g, "f32", (2, 4)), _label="index_put_rows"),
    S(array(g, "f64", (3, 4)), (np.array([1, 1, 2], I64), np.array([0, 0, 3], I64)), array(g, "f64", (3,)),
      accumulate=True, _label="index_put_acc_dup"),
    S(array(g, "f32", (3, 4)), (np.array([[True, False, True, False]] * 3),), np.asarray(1.5, np.float32),
      _label="index_put_mask"),
    S(array(g, "f32", (3,)), (np.array([3], I64),), array(g, "f32", (1,)), _label="index_put_oob",
      _raises=IndexError)],
    gradgrad=True)
_rec("argwhere", np.argwhere, lambda g: [
    S(array(g, "f32", (3, 4)) * array(g, "b", (3, 4)), _label="argwhere_2d"),
    S(np.asarray(0.0), _label="argwhere_0d_zero"), S(array(g, "b", (2, 2, 2)), _label="argwhere_3d")],
    differentiable=False)
_rec("unique", _unique, lambda g: [
    S(array(g, "i64", (3, 4)), _label="unique_int"),
    S(array(g, "f32", (7,)).round(), return_inverse=True, return_counts=True, _label="unique_all"),
    S(np.array([[1, 2], [0, 5], [1, 2]], I64), dim=0, return_inverse=True, _label="unique_dim")],
    differentiable=False)


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
