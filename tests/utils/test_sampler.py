import collections

import numpy as np
import pytest

import dygrad
from dygrad.utils.data import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                               SubsetRandomSampler, WeightedRandomSampler)


def _gen(seed):
    return dygrad.Generator().manual_seed(seed)


def test_sampler_base():
    with pytest.raises(NotImplementedError):
        iter(Sampler())

    class Evens(Sampler[int]):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(0, self.n, 2))

    assert list(Evens(7)) == [0, 2, 4, 6]


def test_sequential_sampler():
    s = SequentialSampler(range(5))
    assert list(s) == [0, 1, 2, 3, 4] and len(s) == 5
    assert list(SequentialSampler([])) == []


def test_random_sampler_is_a_permutation():
    s = RandomSampler(range(50), generator=_gen(0))
    order = list(s)
    assert sorted(order) == list(range(50)) and len(s) == 50
    assert order != list(range(50))
    # a generator keeps advancing, so the next epoch is shuffled differently
    assert list(s) != order


def test_random_sampler_reproducible():
    assert list(RandomSampler(range(30), generator=_gen(5))) == \
        list(RandomSampler(range(30), generator=_gen(5)))
    dygrad.manual_seed(11)
    first = list(RandomSampler(range(30)))
    dygrad.manual_seed(11)
    assert list(RandomSampler(range(30))) == first


def test_random_sampler_num_samples_without_replacement():
    s = RandomSampler(range(4), num_samples=10, generator=_gen(1))
    order = list(s)
    assert len(order) == len(s) == 10
    # whole permutations first, then the start of one more
    assert sorted(order[:4]) == sorted(order[4:8]) == [0, 1, 2, 3]
    assert len(set(order[8:])) == 2


def test_random_sampler_with_replacement():
    s = RandomSampler(range(3), replacement=True, num_samples=70, generator=_gen(2))
    order = list(s)
    assert len(order) == len(s) == 70 and set(order) == {0, 1, 2}
    assert len(list(RandomSampler(range(3), replacement=True, generator=_gen(2)))) == 3


@pytest.mark.parametrize("kwargs, err", [
    (dict(replacement=1), TypeError),
    (dict(num_samples=0), ValueError),
    (dict(num_samples=2.0), ValueError),
])
def test_random_sampler_errors_match_torch(kwargs, err):
    with pytest.raises(err) as ours:
        RandomSampler(range(3), **kwargs)
    torch = pytest.importorskip("torch")
    with pytest.raises(err) as theirs:
        torch.utils.data.RandomSampler(range(3), **kwargs)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler([])


def test_subset_random_sampler():
    idx = [10, 3, 7, 42]
    s = SubsetRandomSampler(idx, generator=_gen(0))
    order = list(s)
    assert sorted(order) == sorted(idx) and len(s) == 4
    assert list(SubsetRandomSampler(idx, generator=_gen(0))) == order


def test_weighted_sampler_frequencies_follow_weights():
    weights = [1.0, 2.0, 7.0, 0.0]
    n = 20000
    s = WeightedRandomSampler(weights, n, generator=_gen(0))
    counts = collections.Counter(s)
    assert len(s) == n and counts[3] == 0
    freq = np.array([counts[i] for i in range(3)]) / n
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.02)
    assert list(WeightedRandomSampler(weights, 50, generator=_gen(3))) == \
        list(WeightedRandomSampler(weights, 50, generator=_gen(3)))


def test_weighted_sampler_without_replacement():
    s = WeightedRandomSampler([0.9, 0.4, 0.05, 0.2, 0.3, 0.1], 6, replacement=False,
                              generator=_gen(0))
    order = list(s)
    assert sorted(order) == list(range(6))
    assert s.weights.dtype == dygrad.float64 and s.weights.tolist()[0] == 0.9
    # a zero weight is never drawn, even without replacement
    assert set(WeightedRandomSampler([1.0, 0.0, 1.0], 2, replacement=False)) == {0, 2}


@pytest.mark.parametrize("args", [([1.0, 2.0], 1.0), ([1.0, 2.0], 0), ([1.0, 2.0], True),
                                  ([1.0, 2.0], 3, "x"), ([[1.0, 2.0]], 2)])
def test_weighted_sampler_errors_match_torch(args):
    with pytest.raises(ValueError) as ours:
        WeightedRandomSampler(*args)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.WeightedRandomSampler(*args)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("n", [0, 1, 9, 10, 11])
@pytest.mark.parametrize("batch_size", [1, 3, 10])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(n, batch_size, drop_last):
    s = BatchSampler(SequentialSampler(range(n)), batch_size, drop_last)
    batches = list(s)
    assert len(batches) == len(s)
    assert all(len(b) == batch_size for b in batches[:-1])
    torch = pytest.importorskip("torch")
    theirs = torch.utils.data.BatchSampler(range(n), batch_size, drop_last)
    assert batches == list(theirs) and len(s) == len(theirs)


def test_batch_sampler_takes_any_iterable():
    assert list(BatchSampler(iter([5, 6, 7]), 2, False)) == [[5, 6], [7]]
    s = BatchSampler(RandomSampler(range(7), generator=_gen(0)), 3, drop_last=True)
    batches = list(s)
    assert [len(b) for b in batches] == [3, 3] and len(set(sum(batches, []))) == 6


@pytest.mark.parametrize("args", [(0, False), (True, False), (2, 1)])
def test_batch_sampler_errors_match_torch(args):
    with pytest.raises(ValueError) as ours:
        BatchSampler(range(3), *args)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.BatchSampler(range(3), *args)
    assert str(ours.value) == str(theirs.value)
