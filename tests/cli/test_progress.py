"""Progress display: a live bar on a terminal with tqdm/rich, plain lines otherwise."""
import importlib.util
import io

import pytest

from dygrad.cli import main
from dygrad.cli import progress as progress_mod
from dygrad.cli.progress import EpochProgress, choose_mode, format_duration


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


class FakeClock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_not_a_terminal_gives_plain_lines():
    assert choose_mode(io.StringIO()) == ("plain", None)


def test_disabled_gives_nothing():
    assert choose_mode(FakeTTY(), enabled=False) == ("off", None)


def test_terminal_without_the_extras_degrades_with_a_note(monkeypatch):
    monkeypatch.setattr(progress_mod, "_have", lambda name: False)
    mode, note = choose_mode(FakeTTY())
    assert mode == "plain" and "tqdm not installed" in note


def test_terminal_prefers_tqdm_then_rich(monkeypatch):
    monkeypatch.setattr(progress_mod, "_have", lambda name: True)
    assert choose_mode(FakeTTY()) == ("tqdm", None)
    monkeypatch.setattr(progress_mod, "_have", lambda name: name == "rich")
    assert choose_mode(FakeTTY()) == ("rich", None)


def test_plain_lines_every_fifth_of_an_epoch():
    out, clock = io.StringIO(), FakeClock()
    bar = EpochProgress(1000, "epoch 1/3", "plain", stream=out, clock=clock)
    for i in range(10):
        clock.t += 0.5
        bar.update(100, loss=2.0 - 0.1 * i, acc=0.1 * i)
    bar.close()
    lines = out.getvalue().splitlines()
    # at 20/40/60/80%; the end of the epoch is reported by the epoch summary line instead
    assert [line.split("]")[0] for line in lines] == [
        "epoch 1/3 [  200/1,000  20%", "epoch 1/3 [  400/1,000  40%",
        "epoch 1/3 [  600/1,000  60%", "epoch 1/3 [  800/1,000  80%"]
    assert "loss 1.9000 acc 10.00%  200 img/s  ETA 0:04" in lines[0]
    assert "\r" not in out.getvalue()


def test_plain_lines_with_batches_larger_than_a_fifth():
    out = io.StringIO()
    bar = EpochProgress(100, "e", "plain", stream=out, clock=FakeClock())
    for _ in range(2):
        bar.update(50, 1.0, 0.5)
    # 50% passes both the 20% and 40% marks at once: one line, not two
    assert len(out.getvalue().splitlines()) == 1


def test_off_prints_nothing():
    out = io.StringIO()
    bar = EpochProgress(10, "e", "off", stream=out)
    bar.update(10, 1.0, 0.5)
    bar.close()
    assert out.getvalue() == ""


def test_tqdm_bar_on_a_terminal():
    pytest.importorskip("tqdm")
    out = FakeTTY()
    bar = EpochProgress(256, "epoch 2/4", "tqdm", stream=out)
    for _ in range(4):
        bar.update(64, 0.5, 0.875)
    bar.close()
    text = out.getvalue()
    assert "epoch 2/4" in text and "256/256" in text and "img/s" in text
    assert "loss 0.5000 acc 87.50%" in text


def test_rich_bar_on_a_terminal():
    pytest.importorskip("rich")
    out = FakeTTY()
    bar = EpochProgress(256, "epoch 2/4", "rich", stream=out)
    bar.update(256, 0.5, 0.875)
    bar.close()
    assert "epoch 2/4" in out.getvalue() and "256/256" in out.getvalue()


def test_format_duration():
    assert format_duration(0) == "0:00"
    assert format_duration(59.6) == "1:00"
    assert format_duration(3725) == "1:02:05"


def test_train_output_is_plain_when_not_a_terminal(tmp_path, capsys):
    assert main(["train", "--model", "mlp", "--epochs", "1", "--limit-train", "640",
                 "--limit-eval", "64", "--output-dir", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    progress_lines = [line for line in out.splitlines() if line.startswith("epoch 1/1 [")]
    assert len(progress_lines) == 4
    assert all("img/s" in line and "ETA" in line for line in progress_lines)
    assert "\r" not in out and "\x1b[" not in out
    if importlib.util.find_spec("tqdm") is None:
        assert "progress bar" not in out  # not a terminal: no bar to miss, no note about it
