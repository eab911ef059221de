"""DistributedSampler: gives each of ``num_replicas`` processes its own share of the dataset."""
import importlib
import math

from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _dist():
    try:
        dist = importlib.import_module("dygrad.distributed")
    except ImportError:
        dist = None
    if dist is None or not getattr(dist, "is_available", lambda: True)():
        raise RuntimeError(
            "Requires distributed package to be available (dygrad.distributed is not available "
            "here); pass num_replicas and rank to DistributedSampler explicitly")
    return dist


class DistributedSampler(Sampler):
    """Indices for replica ``rank`` of ``num_replicas``: the (shuffled) index list, padded by
    repeating its start to a multiple of num_replicas (or cut down to one with ``drop_last``),
    then every num_replicas-th index starting at rank. Call ``set_epoch`` each epoch so the
    shuffle changes; all replicas must use the same ``seed``."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None:
            num_replicas = _dist().get_world_size()
        if rank is None:
            rank = _dist().get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            # the largest share every replica can get without repeating an index
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            import dygrad
            g = dygrad.Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = dygrad.randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            missing = self.total_size - n
            if missing:
                indices += (indices * math.ceil(missing / n))[:missing]
        if len(indices) != self.total_size:
            raise AssertionError(f"Number of indices ({len(indices)}) does not match total_size "
                                 f"({self.total_size})")
        mine = indices[self.rank:self.total_size:self.num_replicas]
        if len(mine) != self.num_samples:
            raise AssertionError(f"Number of subsampled indices ({len(mine)}) does not match "
                                 f"num_samples ({self.num_samples})")
        return iter(mine)

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Sets the epoch mixed into the shuffle's seed, so each epoch has its own order."""
        self.epoch = epoch
