"""Rank 1 fails (how: argv[1]) while rank 0 waits in a collective that can never finish."""
import os
import signal
import sys

import dygrad
import dygrad.distributed as dist


def main(how):
    dist.init_process_group()
    dist.barrier()
    if dist.get_rank() == 1:
        if how == "raise":
            raise ValueError("deliberate failure on rank 1")
        if how == "exit":
            sys.exit(3)
        os.kill(os.getpid(), signal.SIGKILL)
    dist.all_reduce(dygrad.ones(4))  # rank 1 never joins
    print("rank 0 was not stopped", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
