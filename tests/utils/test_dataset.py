import warnings

import numpy as np
import pytest

import dygrad
from dygrad.utils.data import (ChainDataset, ConcatDataset, Dataset, IterableDataset,
                               StackDataset, Subset, TensorDataset, random_split)


class Squares(Dataset[int]):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i


class Count(IterableDataset):
    def __init__(self, start, stop):
        self.start, self.stop = start, stop

    def __iter__(self):
        return iter(range(self.start, self.stop))

    def __len__(self):
        return self.stop - self.start


def test_base_dataset():
    with pytest.raises(NotImplementedError, match="Subclasses of Dataset should implement"):
        Dataset()[0]
    both = Squares(2) + Squares(3)
    assert isinstance(both, ConcatDataset) and [both[i] for i in range(5)] == [0, 1, 0, 1, 4]
    chained = Count(0, 2) + Count(5, 7)
    assert isinstance(chained, ChainDataset) and list(chained) == [0, 1, 5, 6]


def test_tensor_dataset():
    x = dygrad.arange(12).reshape(4, 3)
    y = dygrad.tensor([0, 1, 0, 1])
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    a, b = ds[2]
    assert a.tolist() == [6, 7, 8] and b.item() == 0
    sl = ds[1:3]
    assert sl[0].shape == (2, 3) and sl[1].tolist() == [1, 0]
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(x, dygrad.zeros(3))


def test_concat_dataset():
    ds = ConcatDataset([Squares(2), Squares(0), Squares(3)])
    assert len(ds) == 5
    assert ds.cumulative_sizes == [2, 2, 5]
    assert [ds[i] for i in range(5)] == [0, 1, 0, 1, 4]
    assert ds[-1] == 4 and ds[-5] == 0
    with pytest.raises(ValueError, match="absolute value of index should not exceed"):
        ds[-6]
    with pytest.raises(IndexError):
        ds[5]
    with pytest.warns(FutureWarning, match="renamed to `cumulative_sizes`"):
        assert ds.cummulative_sizes == [2, 2, 5]
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        ConcatDataset([Squares(1), Count(0, 1)])


def test_chain_dataset():
    ds = ChainDataset([Count(0, 3), Count(10, 12)])
    assert list(ds) == [0, 1, 2, 10, 11]
    assert len(ds) == 5
    bad = ChainDataset([Count(0, 1), Squares(2)])
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(bad)
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        len(bad)


def test_subset():
    base = Squares(10)
    sub = Subset(base, [7, 2, 5])
    assert len(sub) == 3
    assert [sub[i] for i in range(3)] == [49, 4, 25]
    assert sub.__getitems__([2, 0]) == [25, 49]

    class ListIndexed(Dataset):
        def __getitem__(self, idx):
            return ("many", idx) if isinstance(idx, list) else ("one", idx)

        def __getitems__(self, idx):
            return [("batch", i) for i in idx]

    sub2 = Subset(ListIndexed(), [4, 3, 9])
    assert sub2[[0, 2]] == ("many", [4, 9])
    assert sub2.__getitems__([1]) == [("batch", 3)]


def test_subset_subclass_must_override_getitems():
    class Doubled(Subset):
        def __getitem__(self, idx):
            return 2 * super().__getitem__(idx)

    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
        Doubled(Squares(3), [0, 1])

    class DoubledOk(Doubled):
        def __getitems__(self, indices):
            return [self[i] for i in indices]

    assert DoubledOk(Squares(3), [2]).__getitems__([0]) == [8]


def test_stack_dataset():
    a, b = Squares(4), Subset(Squares(10), [9, 8, 7, 6])
    tup = StackDataset(a, b)
    assert len(tup) == 4 and tup[1] == (1, 64)
    assert tup.__getitems__([0, 3]) == [(0, 81), (9, 36)]
    named = StackDataset(x=a, y=b)
    assert named[2] == {"x": 4, "y": 49}
    assert named.__getitems__([3]) == [{"x": 9, "y": 36}]
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(a, Squares(3))
    with pytest.raises(ValueError, match="but both types are given"):
        StackDataset(a, y=b)
    with pytest.raises(ValueError, match="At least one dataset should be passed"):
        StackDataset()


def _split(n, lengths, seed):
    g = dygrad.Generator().manual_seed(seed)
    return [list(s.indices) for s in random_split(Squares(n), lengths, generator=g)]


def test_random_split_lengths_and_partition():
    parts = _split(10, [3, 7], 0)
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0] + parts[1]) == list(range(10))
    subsets = random_split(Squares(10), [3, 7], generator=dygrad.Generator().manual_seed(0))
    assert all(isinstance(s, Subset) for s in subsets)
    assert [subsets[0][i] for i in range(3)] == [i * i for i in parts[0]]


@pytest.mark.parametrize("n, fractions", [
    (10, [0.3, 0.7]), (10, [1 / 3] * 3), (7, [0.5, 0.5]), (5, [0.2] * 5), (11, [0.25, 0.75]),
])
def test_random_split_fraction_lengths_match_torch(n, fractions):
    parts = _split(n, fractions, 1)
    assert sorted(sum(parts, [])) == list(range(n))
    torch = pytest.importorskip("torch")
    theirs = torch.utils.data.random_split(range(n), fractions)
    assert [len(p) for p in parts] == [len(s) for s in theirs]


def test_random_split_deterministic_for_a_seed():
    assert _split(20, [5, 5, 10], 3) == _split(20, [5, 5, 10], 3)
    assert _split(20, [5, 5, 10], 3) != _split(20, [5, 5, 10], 4)
    dygrad.manual_seed(7)
    first = [list(s.indices) for s in random_split(Squares(20), [0.5, 0.5])]
    dygrad.manual_seed(7)
    again = [list(s.indices) for s in random_split(Squares(20), [0.5, 0.5])]
    assert first == again


def test_random_split_errors():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length"):
        random_split(Squares(5), [2, 2])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(Squares(5), [1.2, -0.2])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        parts = random_split(Squares(3), [0.1, 0.1, 0.8])
    assert [len(p) for p in parts] == [1, 0, 2]


def test_random_split_of_numpy_backed_dataset():
    data = TensorDataset(dygrad.from_numpy(np.arange(8.0)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a, b = random_split(data, [0.5, 0.5], generator=dygrad.Generator().manual_seed(0))
    values = sorted(a[i][0].item() for i in range(4)) + sorted(b[i][0].item() for i in range(4))
    assert sorted(values) == list(np.arange(8.0))
