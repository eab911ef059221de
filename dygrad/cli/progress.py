"""Per-epoch progress: a live bar (tqdm, else rich) on a terminal, plain log lines otherwise.

The bar needs an interactive stream and one of the optional libraries; without them progress
degrades to a few plain lines per epoch, which read well in log files and CI output.
"""
import sys
import time

__all__ = ["choose_mode", "EpochProgress", "format_duration"]

PLAIN_LINES_PER_EPOCH = 5


def _have(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None


def _is_tty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def choose_mode(stream=None, enabled=True):
    """(mode, note): mode is 'tqdm', 'rich', 'plain' or 'off'; note names a missing extra that
    would have given a live bar (None when nothing is missing)."""
    stream = sys.stdout if stream is None else stream
    if not enabled:
        return "off", None
    if not _is_tty(stream):
        return "plain", None
    if _have("tqdm"):
        return "tqdm", None
    if _have("rich"):
        return "rich", None
    return "plain", "progress bar (tqdm not installed)"


def format_duration(seconds):
    seconds = max(0, int(round(seconds)))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class EpochProgress:
    """Progress over one epoch of `total` samples.

    update(n, loss, acc) is called after each batch with the batch size and the running mean loss
    and accuracy of the epoch so far.
    """

    def __init__(self, total, desc, mode="plain", stream=None, clock=time.perf_counter):
        self.total = total
        self.desc = desc
        self.mode = mode
        self.stream = sys.stdout if stream is None else stream
        self.clock = clock
        self.done = 0
        self.start = clock()
        self._bar = self._rich = None
        # plain mode: a line each time another 1/PLAIN_LINES_PER_EPOCH of the epoch is done,
        # except at the very end, which the epoch summary line reports
        self._next_line = 1
        if mode == "tqdm":
            from tqdm import tqdm
            self._bar = tqdm(total=total, desc=desc, unit="img", file=self.stream,
                             dynamic_ncols=True, leave=True)
        elif mode == "rich":
            self._start_rich()

    def _start_rich(self):
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)
        self._rich = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                              TextColumn("{task.fields[stats]}"), TimeElapsedColumn(),
                              TextColumn("ETA"), TimeRemainingColumn(),
                              console=Console(file=self.stream))
        self._rich.start()
        self._task = self._rich.add_task(self.desc, total=self.total, stats="")

    def rate(self):
        elapsed = self.clock() - self.start
        return self.done / elapsed if elapsed > 0 else 0.0

    def update(self, n, loss, acc):
        self.done += n
        stats = f"loss {loss:.4f} acc {acc:.2%}"
        if self._bar is not None:
            self._bar.set_postfix_str(stats, refresh=False)
            self._bar.update(n)
        elif self._rich is not None:
            self._rich.update(self._task, advance=n, stats=stats + f" {self.rate():,.0f} img/s")
        elif self.mode == "plain":
            crossed = False
            while (self._next_line < PLAIN_LINES_PER_EPOCH
                   and self.done * PLAIN_LINES_PER_EPOCH >= self._next_line * self.total):
                self._next_line += 1
                crossed = True
            if crossed and self.done < self.total:
                self._line(stats)

    def _line(self, stats):
        rate = self.rate()
        eta = format_duration((self.total - self.done) / rate) if rate > 0 else "?"
        width = len(f"{self.total:,}")
        print(f"{self.desc} [{self.done:>{width},}/{self.total:,} {self.done / self.total:4.0%}] "
              f"{stats}  {rate:,.0f} img/s  ETA {eta}", file=self.stream, flush=True)

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._rich is not None:
            self._rich.stop()
            self._rich = None
