"""What each rank of `dygrad run` executes, under `python -m mpi4py -m` (which aborts the whole
job when this raises): torchrun's variables from MPI, then the user's script or module."""
import os
import sys


def _set_rank_env():
    from mpi4py import MPI
    world = MPI.COMM_WORLD
    rank, size = world.Get_rank(), world.Get_size()
    node = world.Split_type(MPI.COMM_TYPE_SHARED, key=rank)  # the ranks sharing this machine
    local_rank, local_size = node.Get_rank(), node.Get_size()
    node.Free()
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(size), LOCAL_RANK=str(local_rank),
                      LOCAL_WORLD_SIZE=str(local_size))


def _hide_launcher_frames(kind, exc, tb):
    """Prints a failing rank's traceback from the user's code down, without the frames of
    runpy, mpi4py's runner and this module above it."""
    import mpi4py
    ours = (os.path.dirname(mpi4py.__file__), __file__, "<frozen runpy>")
    start = tb
    while start is not None and start.tb_frame.f_code.co_filename.startswith(ours):
        start = start.tb_next
    if start is not None and exc is not None:
        exc = exc.with_traceback(start)
    print(f"[rank {os.environ.get('RANK', '?')}] failed; ending the whole job:", file=sys.stderr)
    sys.__excepthook__(kind, exc, start or tb)


def main(argv):
    if not argv:
        raise SystemExit("usage: python -m mpi4py -m dygrad.distributed._rank_entry "
                         "(script.py | -m module) [args]")
    _set_rank_env()
    sys.excepthook = _hide_launcher_frames
    from mpi4py.run import run_command_line
    run_command_line(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
