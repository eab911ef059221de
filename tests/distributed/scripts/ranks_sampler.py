"""DistributedSampler taking rank and world size from dygrad.distributed: every epoch is split
exactly across the ranks."""
import sys

import dygrad.distributed as dist
from dygrad.utils.data import DataLoader, DistributedSampler
from _checks import Checks, expect


def main(out_dir):
    dist.init_process_group()
    r, w = dist.get_rank(), dist.get_world_size()
    check = Checks(out_dir, r)
    for n in (12, 13):
        for shuffle in (False, True):
            with check(f"partition_n{n}_shuffle{shuffle}"):
                sampler = DistributedSampler(range(n), shuffle=shuffle, seed=3)
                expect(sampler.num_replicas == w and sampler.rank == r)
                orders = []
                for epoch in range(3):
                    sampler.set_epoch(epoch)
                    mine = list(sampler)
                    explicit = DistributedSampler(range(n), num_replicas=w, rank=r,
                                                  shuffle=shuffle, seed=3)
                    explicit.set_epoch(epoch)
                    expect(mine == list(explicit), "differs from explicit rank/num_replicas")
                    shards = [None] * w
                    dist.all_gather_object(shards, mine)
                    flat = sum(shards, [])
                    expect(len({len(s) for s in shards}) == 1, f"uneven shards {shards}")
                    expect(set(flat) == set(range(n)), f"epoch {epoch} misses indices: {shards}")
                    if n % w == 0:
                        expect(sorted(flat) == list(range(n)), f"overlapping shards {shards}")
                    else:
                        expect(len(flat) == w * -(-n // w), f"bad padding {shards}")
                    orders.append(flat)
                if shuffle:
                    expect(orders[0] != orders[1], "the shuffle did not change with the epoch")
    for workers in (0, 2):  # worker processes are forked from an MPI process
        with check(f"dataloader_epochs_workers{workers}"):
            data = list(range(20))
            sampler = DistributedSampler(data, shuffle=True, seed=1)
            loader = DataLoader(data, batch_size=3, sampler=sampler, num_workers=workers)
            for epoch in range(2):
                sampler.set_epoch(epoch)
                seen = [int(v) for batch in loader for v in batch]
                everyone = [None] * w
                dist.all_gather_object(everyone, seen)
                expect(sorted(sum(everyone, [])) == data, f"epoch {epoch}: {everyone}")
    check.save()


if __name__ == "__main__":
    main(sys.argv[1])
