"""Op records: views, reshapes, joining and shape helpers.

The common shape ops are call records with NumPy references (checked without torch too); the
expression samples after them are the parity sweep's cases, kept under their sweep names (see
tests/records/_names.py)."""
import itertools

import numpy as np

from dygrad.testing import OpRecord, RecordSet, S
from dygrad.testing._samples import array, rng_for
from dygrad.testing.parity import A
from tests.records._names import folder

R = RecordSet()
TOL = (1e-5, 1e-5)
case, add = folder(R)


def _shape_record(name, ref, calls, *, dts=("f32", "i64"), shape=(2, 3, 4), **opts):
    """A record of `name` with one sample per (dtype, call) where call is (args after the input,
    kwargs); a call whose kwargs hold "_raises" must raise that class."""
    rng = rng_for(name)
    samples = []
    for dt in dts:
        for i, (args, kw) in enumerate(calls):
            kw = dict(kw)
            raises = kw.pop("_raises", None)
            samples.append(S(array(rng, dt, kw.pop("_shape", shape)), *args, **kw, _raises=raises,
                             _label=f"{name}_{dt}_{i}"))
    return R.add(OpRecord(name, samples, ref=ref, gradgrad=True, inplace_fits=_restrides, **opts))


def _restrides(result, self):
    # squeeze_/unsqueeze_/transpose_ change self's shape to the result's: any result fits
    return True


def _cat_ref(tensors, dim=0):
    return np.concatenate(tensors, axis=dim)


_shape_record("reshape", lambda x, shape: x.reshape(shape),
              [(((6, 4),), {}), (((-1, 2),), {}), (((24,),), {}), (((5, 5),), {"_raises": RuntimeError}),
               (((0, 2),), {"_shape": (0, 3)}), (((),), {"_shape": (1, 1)})])
_shape_record("permute", lambda x, dims: np.transpose(x, dims),
              [(((2, 0, 1),), {}), (((0, 1),), {"_raises": RuntimeError})])
_shape_record("transpose", lambda x, a, b: np.swapaxes(x, a, b), [((0, 2), {}), ((-1, -2), {}),
                                                                  ((0, 3), {"_raises": IndexError})])
_shape_record("flatten", lambda x, start_dim=0, end_dim=-1: x.reshape(
    x.shape[:start_dim % max(x.ndim, 1)] + (-1,) + x.shape[end_dim % max(x.ndim, 1) + 1:]) if x.ndim else x.reshape(1),
    [((), {}), ((1,), {}), ((0, 1), {}), ((), {"_shape": ()})])
_shape_record("squeeze", lambda x, dim=None: np.squeeze(x, axis=dim) if dim is None or x.shape[dim] == 1 else x,
              [((), {"_shape": (2, 1, 3, 1)}), ((1,), {"_shape": (2, 1, 3)}), ((0,), {})])
_shape_record("unsqueeze", lambda x, dim: np.expand_dims(x, dim),
              [((0,), {}), ((-1,), {}), ((3,), {}), ((5,), {"_raises": IndexError}), ((0,), {"_shape": ()})])
_shape_record("flip", lambda x, dims: np.flip(x, dims), [(((0, 2),), {}), (([-1],), {}), (((0,),), {"_shape": (0, 2)})])
_shape_record("roll", lambda x, shifts, dims=None: np.roll(x, shifts, dims),
              [((1, 2), {}), (((1, -2), (0, 2)), {}), ((5,), {})])
_shape_record("tril", lambda x, diagonal=0: np.tril(x, diagonal), [((), {}), ((-1,), {}), ((1,), {"_shape": (4, 3)})],
              supports_out=True)
_shape_record("triu", lambda x, diagonal=0: np.triu(x, diagonal), [((), {}), ((1,), {}), ((-2,), {"_shape": (4, 3)})],
              supports_out=True)
_shape_record("diag", lambda x, diagonal=0: np.diag(x, diagonal),
              [((), {"_shape": (3,)}), ((-1,), {"_shape": (3,)}), ((1,), {"_shape": (3, 4)}),
               ((), {"_shape": (2, 3, 4), "_raises": RuntimeError})], supports_out=True)
_shape_record("diagonal", lambda x, offset=0, dim1=0, dim2=1: np.diagonal(x, offset, dim1, dim2).copy(),
              [((), {}), ((1, 1, 2), {}), ((-1, -1, -2), {})])
_shape_record("Tensor.expand", lambda x, *sizes: np.broadcast_to(x, tuple(
    x.shape[i - (len(sizes) - x.ndim)] if s == -1 else s for i, s in enumerate(sizes))),
    [((2, 5, 4), {"_shape": (2, 1, 4)}), ((3, -1, -1, -1), {}), ((3, 3, 4), {"_raises": RuntimeError})])
_I = np.zeros((6, 4), np.int64)  # the shape source of view_as/reshape_as (no gradient to check)


def _pieces(x, sizes, dim):
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=dim))


def _split_ref(x, s, dim=0):
    n = x.shape[dim]
    return _pieces(x, [s] * (n // s) + ([n % s] if n % s else []) if isinstance(s, int) else s, dim)


def _unfold_ref(x, dim, size, step):
    w = np.lib.stride_tricks.sliding_window_view(x, size, axis=dim)
    return w[(slice(None),) * (dim % x.ndim) + (slice(None, None, step),)].copy()


_shape_record("Tensor.view", lambda x, *s: x.reshape(s[0] if len(s) == 1 else s),
              [((6, 4), {}), ((-1, 2), {}), (((4, 6),), {}), ((5, 5), {"_raises": RuntimeError})])
_shape_record("Tensor.view_as", lambda x, o: x.reshape(o.shape), [((_I,), {})])
_shape_record("Tensor.reshape_as", lambda x, o: x.reshape(o.shape), [((_I,), {})])
_shape_record("Tensor.expand_as", lambda x, o: np.broadcast_to(x, o.shape), [((_I,), {"_shape": (1, 4)})])
_shape_record("broadcast_to", lambda x, size: np.broadcast_to(x, size),
              [(((2, 2, 3, 4),), {}), (((3, 4),), {"_shape": (4,)}), (((3, 3),), {"_raises": RuntimeError})])
_shape_record("unflatten", lambda x, dim, sizes: x.reshape(
    x.shape[:dim % x.ndim] + tuple(sizes) + x.shape[dim % x.ndim + 1:]),
    [((1, (3, 1)), {}), ((2, (2, 2)), {}), ((-1, (2, -1)), {}), ((1, (2, 2)), {"_raises": RuntimeError})])
_shape_record("ravel", np.ravel, [((), {}), ((), {"_shape": ()})])
_shape_record("movedim", lambda x, s, d: np.moveaxis(x, s, d),
              [((0, -1), {}), (((0, 1), (2, 0)), {}), ((1, 1), {}),
               (((0, 0), (1, 2)), {"_raises": RuntimeError})])
_shape_record("swapaxes", lambda x, a, b: np.swapaxes(x, a, b), [((0, 2), {}), ((-1, 0), {}), ((1, 1), {})])
_shape_record("t", lambda x: x.T, [((), {"_shape": (3, 4)}), ((), {"_shape": (4,)}), ((), {"_shape": ()}),
                                   ((), {"_raises": RuntimeError})])
_shape_record("split", _split_ref, [((2, 2), {}), (([1, 3], -1), {}), ((1,), {}),
                                   (([1, 2], 2), {"_raises": RuntimeError})])
_shape_record("chunk", lambda x, c, dim=0: _split_ref(x, -(-x.shape[dim] // c), dim),
              [((3, 2), {}), ((5, 1), {}), ((2,), {}), ((0,), {"_raises": RuntimeError})])
_shape_record("unbind", lambda x, dim=0: tuple(np.moveaxis(x, dim, 0)), [((), {}), ((1,), {}), ((-1,), {})])
_shape_record("narrow", lambda x, dim, start, length: np.take(
    x, range(start % x.shape[dim], start % x.shape[dim] + length), axis=dim),
    [((2, 1, 2), {}), ((-1, 0, 4), {}), ((0, -1, 1), {}), ((2, 3, 2), {"_raises": RuntimeError})])
_shape_record("select", lambda x, dim, index: np.take(x, index, axis=dim),
              [((1, -1), {}), ((0, 1), {}), ((1, 3), {"_raises": IndexError})])
_shape_record("Tensor.unfold", _unfold_ref, [((2, 2, 1), {}), ((0, 1, 1), {}), ((1, 3, 2), {}),
                                             ((2, 5, 1), {"_raises": RuntimeError})])
for name, ref in (("cat", _cat_ref), ("stack", lambda tensors, dim=0: np.stack(tensors, axis=dim))):
    rng = rng_for(name)
    samples = [S([array(rng, dt, (2, 3)), array(rng, dt, (2, 3))], *a, _label=f"{name}_{dt}_{i}")
               for dt in ("f32", "i64") for i, a in enumerate(((), (1,), (-1,)))]
    samples.append(S([array(rng, "f64", (0, 3)), array(rng, "f64", (0, 3))], _label=f"{name}_empty"))
    samples.append(S([array(rng, "f32", (2, 3)), array(rng, "f32", (3, 3))], 1, _label=f"{name}_bad",
                     _raises=RuntimeError))
    R.add(OpRecord(name, samples, ref=ref, gradgrad=True, supports_out=True))


def _cartesian_ref(*xs):
    return np.stack([g.reshape(-1) for g in np.meshgrid(*xs, indexing="ij")], 1)


def _combinations_ref(x, r=2, with_replacement=False):
    make = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    return np.array(list(make(x.tolist(), r)), x.dtype).reshape(-1, r)


_rng = rng_for("cartesian_prod")
R.add(OpRecord("cartesian_prod", [S(array(_rng, dt, (2,)), array(_rng, dt, (3,)), _label=f"cartesian_prod_{dt}")
                                  for dt in ("f32", "f64", "i64")], ref=_cartesian_ref, gradgrad=True))
_rng = rng_for("combinations")
R.add(OpRecord("combinations", [S(array(_rng, dt, (4,)), *a, _label=f"combinations_{dt}_{i}")
                                for dt in ("f64", "i64") for i, a in enumerate(((), (3,), (2, True)))],
               ref=_combinations_ref, gradgrad=True))
# hstack/vstack/dstack: 1-D and 2-D inputs (the 1-D ones join along dim 0, rows, depth)
for name, ref in (("hstack", np.hstack), ("vstack", np.vstack), ("dstack", np.dstack)):
    rng = rng_for(name)
    R.add(OpRecord(name, [S([array(rng, dt, shp), array(rng, dt, shp)], _label=f"{name}_{dt}_{len(shp)}d")
                          for dt in ("f32", "i64") for shp in ((3,), (2, 3))],
                   ref=ref, gradgrad=True, supports_out=True))


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


# -- shape helpers -----------------------------------------------------------------------------------
X = A("f32", 4, 6)
SHAPES = {
    "repeat_interleave_int": lambda T, x: x.repeat_interleave(2), "repeat_interleave_dim": lambda T, x: T.repeat_interleave(x, 3, dim=1),
    "repeat_interleave_tensor": lambda T, x: x.repeat_interleave(T.tensor([1, 0, 2, 1]), dim=0),
    "tensor_split_int": lambda T, x: T.tensor_split(x, 4, dim=1), "tensor_split_idx": lambda T, x: x.tensor_split([1, 4], 1),
    "tensor_split_more": lambda T, x: T.tensor_split(x, 6), "hsplit": lambda T, x: T.hsplit(x, 3), "hsplit_idx": lambda T, x: x.hsplit([2]),
    "vsplit": lambda T, x: T.vsplit(x, 2), "hsplit_uneven_err": lambda T, x: T.hsplit(x, 4), "dsplit_err": lambda T, x: T.dsplit(x, 2),
    "dsplit": lambda T, x: T.dsplit(x.reshape(2, 2, 6), 3), "rot90": lambda T, x: T.rot90(x), "rot90_k2": lambda T, x: x.rot90(2),
    "rot90_k3_dims": lambda T, x: T.rot90(x, 3, (1, 0)), "rot90_neg": lambda T, x: T.rot90(x, -1), "rot90_k0": lambda T, x: T.rot90(x, 0),
    "take_along_dim": lambda T, x: T.take_along_dim(x, x.argsort(1), 1), "take_along_dim_flat": lambda T, x: T.take_along_dim(x, T.tensor([0, 5, 23])),
    "take_along_dim_bcast": lambda T, x: x.take_along_dim(T.tensor([[0], [2]]).expand(2, 6)[:1], 0),
    "column_stack": lambda T, x: T.column_stack([x[0], x[1], x[:, :2].T.reshape(6, 2)]), "diagflat": lambda T, x: T.diagflat(x[0, :3]),
    "diagflat_off": lambda T, x: T.diagflat(x[:2, :2], -1), "narrow_copy": lambda T, x: T.narrow_copy(x, 1, 2, 3),
    "select_scatter": lambda T, x: T.select_scatter(x, x[0] * 2, 0, 1), "slice_scatter": lambda T, x: T.slice_scatter(x, x[:, :3] * 2, 1, 1, 6, 2),
    "diagonal_scatter": lambda T, x: T.diagonal_scatter(x, x[0, :4] * 3), "renorm": lambda T, x: T.renorm(x, 2, 0, 1.0),
    "renorm_p1_dim1": lambda T, x: x.renorm(1, 1, 0.5), "broadcast_shapes": lambda T, x: T.broadcast_shapes((2, 1), (3,), (1, 1, 1)),
    "broadcast_shapes_err": lambda T, x: T.broadcast_shapes((2,), (3,)),
}
for name, fn in SHAPES.items():
    add(case(name, fn, X))
add(case("repeat_interleave_repeats_only", lambda T, r: T.repeat_interleave(r), np.array([2, 0, 3], np.int64)))
# PyTorch's vander backward fails (an in-place write in its own formula): forward only
add(case("vander", lambda T, x: T.vander(x), A("f32", 4), grad=False))
add(case("vander_inc_N", lambda T, x: T.vander(x, N=3, increasing=True), A("f64", 3), grad=False))
add(case("vander_int", lambda T, x: T.vander(x), A("i64", 3)))
add(case("unique_consecutive", lambda T, x: T.unique_consecutive(x), np.array([1, 1, 2, 2, 3, 1, 1, 2])))
add(case("unique_consecutive_all", lambda T, x: T.unique_consecutive(x, return_inverse=True, return_counts=True),
         np.array([[1, 1, 2], [2, 3, 3]])))
add(case("unique_consecutive_dim", lambda T, x: T.unique_consecutive(x, return_counts=True, dim=0),
         np.array([[1, 2], [1, 2], [3, 4], [1, 2]])))
add(case("isin", lambda T, a, b: T.isin(a, b), A("i64", 3, 4), np.array([0, 2, 5])))
add(case("isin_invert", lambda T, a, b: T.isin(a, b, invert=True), A("i64", 5), np.array([0, 2])))
add(case("isin_scalar", lambda T, a: T.isin(a, 2), A("i64", 5)))
add(case("unravel_index", lambda T, i: T.unravel_index(i, (3, 4)), np.array([0, 5, 11, -1])))
