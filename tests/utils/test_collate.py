import collections

import numpy as np
import pytest

import dygrad
from dygrad.utils.data import default_collate, default_convert
from dygrad.utils.data._collate import collate, default_collate_fn_map

Point = collections.namedtuple("Point", "x y")


def _to_torch(obj, torch):
    """The same sample built for torch: dygrad tensors become torch tensors."""
    if isinstance(obj, dygrad.Tensor):
        return torch.from_numpy(obj.numpy().copy())
    if isinstance(obj, Point):
        return Point(*(_to_torch(v, torch) for v in obj))
    if isinstance(obj, dict):
        out = obj.copy()
        out.update({k: _to_torch(v, torch) for k, v in obj.items()})
        return out
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_torch(v, torch) for v in obj)
    return obj


def _assert_same(ours, theirs, torch):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, dygrad.Tensor), type(ours)
        assert str(ours.dtype) == str(theirs.dtype)
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        return
    assert type(ours) is type(theirs), (type(ours), type(theirs))
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs)
        for k in theirs:
            _assert_same(ours[k], theirs[k], torch)
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _assert_same(a, b, torch)
    elif isinstance(theirs, np.ndarray):
        np.testing.assert_array_equal(ours, theirs)
    else:
        assert ours == theirs


BATCHES = {
    "tensors": [dygrad.tensor([1.0, 2.0]), dygrad.tensor([3.0, 4.0])],
    "int_tensors_0d": [dygrad.tensor(1), dygrad.tensor(2), dygrad.tensor(3)],
    "half_tensors": [dygrad.tensor([1.5], dtype=dygrad.float16)] * 2,
    "arrays": [np.arange(6, dtype=np.float32).reshape(2, 3), np.ones((2, 3), np.float32)],
    "int8_arrays": [np.array([1, 2], np.int8), np.array([3, 4], np.int8)],
    "array_0d": [np.array(1.5), np.array(2.5)],
    "np_scalars_f32": [np.float32(1), np.float32(2)],
    "np_scalars_i32": [np.int32(1), np.int32(2)],
    "np_scalars_mixed": [np.float32(1), np.float64(2)],
    "np_bools": [np.bool_(True), np.bool_(False)],
    "floats": [1.5, 2.5, -3.0],
    "ints": [1, 2, 3],
    "bools": [True, False],
    "int_then_float": [1, 2.5],
    "float_then_int": [2.5, 1],
    "strings": ["a", "bc"],
    "bytes": [b"a", b"b"],
    "dicts": [{"x": 1.0, "y": "s"}, {"x": 2.0, "y": "t"}],
    "ordered_dicts": [collections.OrderedDict(b=1, a=2), collections.OrderedDict(b=3, a=4)],
    "default_dicts": [collections.defaultdict(list, a=1), collections.defaultdict(list, a=2)],
    "tuples": [(np.ones(2, np.float32), 0), (np.zeros(2, np.float32), 1)],
    "lists": [[1, "x", 1.5], [2, "y", 2.5]],
    "named_tuples": [Point(1, "s"), Point(2, "t")],
    "nested": [{"img": dygrad.tensor([[1, 2]]), "meta": (3, {"k": 1.0})},
               {"img": dygrad.tensor([[5, 6]]), "meta": (4, {"k": 2.0})}],
}


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_default_collate_matches_torch(name):
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate
    batch = BATCHES[name]
    _assert_same(default_collate(batch), torch_collate(_to_torch(batch, torch)), torch)


def test_default_collate_dtypes():
    assert default_collate([1.0, 2.0]).dtype == dygrad.float64
    assert default_collate([1, 2]).dtype == dygrad.int64
    assert default_collate([True, False]).dtype == dygrad.bool
    out = default_collate([np.zeros((2, 2), np.float32)] * 3)
    assert out.dtype == dygrad.float32 and tuple(out.shape) == (3, 2, 2)


def test_default_collate_keeps_container_types():
    out = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(out, Point)
    assert out.x.tolist() == [1, 3] and out.y.tolist() == [2.0, 4.0]
    pairs = default_collate([(1, "a"), (2, "b")])
    assert isinstance(pairs, list) and pairs[1] == ("a", "b")
    dd = default_collate([collections.defaultdict(int, a=1)])
    assert isinstance(dd, collections.defaultdict) and dd.default_factory is int


@pytest.mark.parametrize("batch, err, msg", [
    ([np.array(["a"]), np.array(["b"])], TypeError,
     "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
     "found <U1"),
    ([object(), object()], TypeError,
     "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
     "found <class 'object'>"),
    ([[1, 2], [3]], RuntimeError, "each element in list of batch should be of equal size"),
])
def test_default_collate_errors_match_torch(batch, err, msg):
    with pytest.raises(err) as ours:
        default_collate(batch)
    assert str(ours.value) == msg
    torch = pytest.importorskip("torch")
    with pytest.raises(err) as theirs:
        torch.utils.data.default_collate(batch)
    assert str(theirs.value) == msg


def test_collate_with_custom_map():
    class Box:
        def __init__(self, v):
            self.v = v

    def collate_box(batch, *, collate_fn_map=None):
        return sum(b.v for b in batch)

    fn_map = {**default_collate_fn_map, Box: collate_box}
    out = collate([{"b": Box(1), "n": 1}, {"b": Box(2), "n": 2}], collate_fn_map=fn_map)
    assert out["b"] == 3 and out["n"].tolist() == [1, 2]
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([Box(1)])


CONVERT = {
    "array": np.arange(3.0),
    "np_scalar": np.float32(2),
    "string_array": np.array(["a", "b"]),
    "np_str": np.str_("x"),
    "string": "abc",
    "int": 3,
    "tuple": (1, np.float32(2)),
    "list": [np.ones(2), "s"],
    "dict": {"a": np.zeros(2, np.int32), "b": 1.5},
    "named_tuple": Point(np.ones(1), 2),
    "tensor": dygrad.tensor([1, 2]),
}


@pytest.mark.parametrize("name", sorted(CONVERT))
def test_default_convert_matches_torch(name):
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_convert as torch_convert
    data = CONVERT[name]
    _assert_same(default_convert(data), torch_convert(_to_torch(data, torch)), torch)


def test_default_convert_shares_numpy_memory():
    a = np.zeros(3)
    t = default_convert(a)
    a[0] = 5.0
    assert t[0].item() == 5.0
