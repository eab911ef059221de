import pytest

import dygrad
from dygrad.utils.data import DataLoader, DistributedSampler

CASES = [(10, 2), (10, 3), (11, 4), (2, 5), (7, 7), (1, 3)]


def _shards(n, replicas, epoch=0, **kw):
    out = []
    for rank in range(replicas):
        s = DistributedSampler(range(n), num_replicas=replicas, rank=rank, **kw)
        s.set_epoch(epoch)
        out.append(list(s))
        assert len(s) == len(out[-1])
    return out


@pytest.mark.parametrize("n, replicas", CASES)
@pytest.mark.parametrize("shuffle", [False, True])
def test_every_epoch_partitions_the_dataset(n, replicas, shuffle):
    for epoch in range(3):
        shards = _shards(n, replicas, epoch, shuffle=shuffle, seed=5)
        flat = sum(shards, [])
        assert set(flat) == set(range(n))
        assert len({len(s) for s in shards}) == 1  # every replica runs the same number of steps
        if n % replicas == 0:
            assert sorted(flat) == list(range(n))  # disjoint
        else:
            assert len(flat) == replicas * -(-n // replicas)  # padded by repeating indices


@pytest.mark.parametrize("n, replicas", CASES)
@pytest.mark.parametrize("shuffle", [False, True])
def test_drop_last_is_disjoint(n, replicas, shuffle):
    shards = _shards(n, replicas, 1, shuffle=shuffle, drop_last=True)
    flat = sum(shards, [])
    assert len(flat) == len(set(flat)) == (n // replicas) * replicas
    assert len({len(s) for s in shards}) == 1


@pytest.mark.parametrize("n, replicas", CASES)
@pytest.mark.parametrize("drop_last", [False, True])
def test_unshuffled_shards_match_torch(n, replicas, drop_last):
    torch = pytest.importorskip("torch")
    ours = _shards(n, replicas, shuffle=False, drop_last=drop_last)
    theirs = [list(torch.utils.data.DistributedSampler(range(n), replicas, r, shuffle=False,
                                                       drop_last=drop_last))
              for r in range(replicas)]
    assert ours == theirs


def test_shuffle_is_deterministic_per_seed_and_epoch():
    a = _shards(20, 3, epoch=2, seed=7)
    assert a == _shards(20, 3, epoch=2, seed=7)
    assert a != _shards(20, 3, epoch=3, seed=7)
    assert a != _shards(20, 3, epoch=2, seed=8)
    # the global generator plays no part
    dygrad.manual_seed(0)
    b = _shards(20, 3, epoch=2, seed=7)
    dygrad.manual_seed(1)
    assert b == _shards(20, 3, epoch=2, seed=7) == a
    s = DistributedSampler(range(20), num_replicas=3, rank=0, seed=7)
    assert s.epoch == 0 and s.num_samples == 7 and s.total_size == 21
    s.set_epoch(2)
    assert s.epoch == 2 and list(s) == a[0]


@pytest.mark.parametrize("rank", [-1, 3])
def test_invalid_rank(rank):
    with pytest.raises(ValueError,
                       match=r"Invalid rank -?\d, rank should be in the interval \[0, 2\]"):
        DistributedSampler(range(5), num_replicas=3, rank=rank)


def test_missing_replicas_before_init_process_group():
    # like PyTorch: the sampler asks the (uninitialised) default process group
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(5))
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(5), num_replicas=2)


def test_with_dataloader():
    sampler = DistributedSampler(list(range(10)), num_replicas=2, rank=1, shuffle=False)
    batches = [b.tolist() for b in DataLoader(list(range(10)), batch_size=2, sampler=sampler)]
    assert batches == [[1, 3], [5, 7], [9]]
