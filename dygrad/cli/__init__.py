"""The `dygrad` command: `dygrad train`, `dygrad eval`, `dygrad export` and `dygrad run` (also
`python -m dygrad ...`).

Expected problems (bad options, missing or corrupt data, unusable checkpoints) end with one
message naming the problem and the fix, and exit status 2; only real bugs show a traceback.
"""
import argparse
import math
import sys

__all__ = ["main", "build_parser", "CLIError"]


class CLIError(Exception):
    """A problem with the user's input: printed as one message (problem and fix), exit status 2.
    `reported` is set when the message was already printed (by rank 0 of a distributed run)."""
    reported = False


# -- option helpers shared by the subcommands ----------------------------------------------------
def _number(kind, ok, what):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or not ok(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value
    return parse


positive_int = _number(int, lambda v: v >= 1, "a positive integer")
nonneg_int = _number(int, lambda v: v >= 0, "an integer >= 0")
positive_float = _number(float, lambda v: v > 0, "a positive number")
nonneg_float = _number(float, lambda v: v >= 0, "a number >= 0")


def model_names():
    from ..vision.models import trainer_models
    return trainer_models()


def add_data_arguments(p, default_note):
    from .data import DATASETS
    p.add_argument("--dataset", type=str.lower, choices=list(DATASETS),
                   help=f"dataset {default_note}")
    p.add_argument("--data-dir", metavar="DIR",
                   help="folder with the dataset files (for MNIST: the four official .gz files, "
                        "directly or in torchvision's MNIST/raw layout); implies --dataset mnist")
    p.add_argument("--download", action="store_true",
                   help="download the dataset (checksum-verified) into --data-dir (default ./data)")
    p.add_argument("--workers", type=nonneg_int, metavar="N",
                   help="DataLoader worker processes (default 0: load in the main process)")


# -- entry point ---------------------------------------------------------------------------------


def build_parser():
    from . import eval as eval_cmd
    from . import export as export_cmd  # deploy-export
    from . import train as train_cmd
    parser = argparse.ArgumentParser(
        prog="dygrad", description="Train and evaluate image classifiers with dygrad, offline.",
        epilog="Run 'dygrad train' with no options to train LeNet-5 on the MNIST images shipped "
               "with dygrad (a couple of minutes on a laptop CPU).")
    from .. import __version__
    parser.add_argument("--version", action="version", version=f"dygrad {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    train_cmd.add_parser(sub)
    eval_cmd.add_parser(sub)
    export_cmd.add_parser(sub)  # deploy-export
    # main() hands `dygrad run ...` to the launcher before parsing; listed here for --help
    run = sub.add_parser("run", add_help=False,
                         help="run a Python program as an N-process MPI job, like torchrun: "
                              "dygrad run -n N script.py [args] (see dygrad run --help)")
    run.add_argument("launch_args", nargs=argparse.REMAINDER)
    run.set_defaults(run=lambda args: _launch(args.launch_args))
    torch = sub.add_parser("torch", add_help=False,
                           help="run an unmodified PyTorch program on dygrad: "
                                "dygrad torch script.py [args] or dygrad torch -m module [args]")
    torch.add_argument("program_args", nargs=argparse.REMAINDER)
    torch.set_defaults(run=lambda args: _run_torch(args.program_args))
    return parser


TORCH_USAGE = """usage: dygrad torch script.py [args ...]
       dygrad torch -m module [args ...]

Run an unmodified PyTorch program with dygrad standing in for PyTorch: in that process
`import torch` and `import torchvision` (and their submodules) resolve to dygrad. The program
sees sys.argv, __main__ and its folder on sys.path as under `python script.py`. A torch module
dygrad does not provide fails at its import with an error that names it."""


def _run_torch(argv):
    from .. import compat
    if not argv or argv[0] in ("-h", "--help"):
        print(TORCH_USAGE, file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    if argv[0] == "-m":
        if len(argv) < 2:
            raise CLIError("-m needs a module name: dygrad torch -m module [args]")
        compat.run_module(argv[1], argv[2:])
        return 0
    if argv[0].startswith("-"):
        raise CLIError(f"unknown option {argv[0]!r}; usage: dygrad torch script.py [args]")
    if not __import__("os").path.isfile(argv[0]):
        raise CLIError(f"can't open file {argv[0]!r}: no such file")
    compat.run_path(argv[0], argv[1:])
    return 0


def _launch(argv):
    from ..distributed.launch import main as launch_main
    return launch_main(argv, prog="dygrad run")


def main(argv=None):
    """Entry point of the `dygrad` script; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["run"]:  # its options and the program's arguments go to the launcher as is
        return _launch(argv[1:])
    if argv[:1] == ["torch"]:  # the program's own arguments must not meet our parser
        try:
            return _run_torch(argv[1:])
        except CLIError as exc:
            print(f"dygrad torch: error: {exc}", file=sys.stderr)
            return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    args.argv = argv[argv.index(args.command) + 1:]  # for `dygrad train --nproc` to relaunch
    try:
        return args.run(args) or 0
    except CLIError as exc:
        sys.stdout.flush()
        if not exc.reported:
            rank = getattr(args, "rank", 0)
            where = f" (rank {rank})" if rank else ""
            print(f"dygrad {args.command}{where}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader went away (`dygrad train | head`): stop quietly, like other command-line tools
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        sys.stdout.flush()
        if getattr(args, "rank", 0):  # rank 0 of a distributed run speaks for the job
            return 130
        hint = getattr(args, "interrupt_hint", None)
        print(f"\ndygrad {args.command}: interrupted" + (f"; {hint}" if hint else ""),
              file=sys.stderr)
        return 130
