"""Writes what each rank of `dygrad run` sees (variables, argv, __name__) to out_dir."""
import json
import os
import sys

import dygrad.distributed as dist

NAMES = ["RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "OPENBLAS_NUM_THREADS",
         "OMP_NUM_THREADS", "MKL_NUM_THREADS"]

if __name__ == "__main__":
    out_dir = sys.argv[1]
    seen = {n: os.environ.get(n) for n in NAMES}
    seen["argv"] = sys.argv[1:]
    seen["path0"] = sys.path[0]
    seen["torchelastic"] = dist.is_torchelastic_launched()
    dist.init_process_group()
    seen["rank"], seen["world_size"] = dist.get_rank(), dist.get_world_size()
    with open(os.path.join(out_dir, f"env{seen['rank']}.json"), "w") as f:
        json.dump(seen, f)
