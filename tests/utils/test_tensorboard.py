"""dygrad.utils.tensorboard.SummaryWriter: files TensorBoard reads, laid out as PyTorch's."""
import io
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dygrad
import dygrad.nn as nn

REPO = Path(dygrad.__file__).resolve().parents[1]


@pytest.fixture
def tb():
    pytest.importorskip("tensorboard")
    from dygrad.utils import tensorboard
    return tensorboard


def accumulate(path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    ea = EventAccumulator(str(path), size_guidance={"scalars": 0, "histograms": 0, "images": 0,
                                                    "tensors": 0})
    ea.Reload()
    return ea


def layout(root):
    """{folder relative to root: number of event files}."""
    out = {}
    for d, _, files in os.walk(root):
        ev = [f for f in files if f.startswith("events.out.tfevents.")]
        if ev:
            out[os.path.relpath(d, root)] = len(ev)
    return out


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.seq = nn.Sequential(nn.Linear(3, 2), nn.Tanh())

    def forward(self, x):
        return self.seq(self.act(self.fc1(x))) * 2


# -- without the tensorboard package ----------------------------------------------------------
def test_import_without_tensorboard_names_the_extra():
    code = ("import sys; sys.modules['tensorboard'] = None\n"
            "import dygrad\n"
            "try:\n"
            "    import dygrad.utils.tensorboard\n"
            "except ImportError as e:\n"
            "    print('IMPORTERROR', e)\n"
            "try:\n"
            "    dygrad.utils.tensorboard\n"
            "except ImportError as e:\n"
            "    print('ATTR', type(e).__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout
    assert "IMPORTERROR TensorBoard logging requires TensorBoard" in out
    assert "dygrad[train]" in out and "ATTR ImportError" in out


def test_import_dygrad_does_not_load_tensorboard():
    code = "import sys, dygrad; print('tensorboard' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


# -- layout and lifetime -----------------------------------------------------------------------
def test_default_log_dir_comment_and_suffix(tb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = tb.SummaryWriter(comment="_lr0.1", filename_suffix=".v1")
    host = re.escape(socket.gethostname())
    assert re.fullmatch(rf"runs/[A-Z][a-z]{{2}}\d\d_\d\d-\d\d-\d\d_{host}_lr0\.1", w.log_dir)
    assert w.get_logdir() == w.log_dir
    files = os.listdir(w.log_dir)  # created at once, as PyTorch's
    assert len(files) == 1 and files[0].startswith("events.out.tfevents.")
    assert files[0].endswith(".v1")
    w.close()
    w2 = tb.SummaryWriter(tmp_path / "given", comment="_ignored")
    assert w2.log_dir == tmp_path / "given" and os.listdir(tmp_path / "given")
    w2.close()


def test_flush_close_reopen_and_context_manager(tb, tmp_path):
    w = tb.SummaryWriter(tmp_path, flush_secs=10000, max_queue=1000)
    w.add_scalar("a", 1.0, 0)
    w.flush()
    assert [e.value for e in accumulate(tmp_path).Scalars("a")] == [1.0]
    w.close()
    w.add_scalar("a", 2.0, 1)  # a closed writer opens a new file, as PyTorch's
    w.close()
    assert len(os.listdir(tmp_path)) == 2
    with tb.SummaryWriter(tmp_path / "cm") as w3:
        w3.add_scalar("b", 3, 5)
    assert [(e.step, e.value) for e in accumulate(tmp_path / "cm").Scalars("b")] == [(5, 3.0)]


def test_purge_step_hides_later_events_of_an_earlier_run(tb, tmp_path):
    with tb.SummaryWriter(tmp_path) as w:
        for s in range(10):
            w.add_scalar("loss", float(s), s)
    with tb.SummaryWriter(tmp_path, purge_step=5) as w:
        for s in range(5, 8):
            w.add_scalar("loss", 100.0 + s, s)
    got = [(e.step, e.value) for e in accumulate(tmp_path).Scalars("loss")]
    assert got == [(s, float(s)) for s in range(5)] + [(s, 100.0 + s) for s in range(5, 8)]


# -- what TensorBoard reads back ---------------------------------------------------------------
def test_scalars_histograms_images_text(tb, tmp_path):
    rng = np.random.default_rng(0)
    vals = rng.standard_normal(1000).astype(np.float32)
    with tb.SummaryWriter(tmp_path) as w:
        for step in range(3):
            w.add_scalar("loss/train", dygrad.tensor(0.5 * step), step)
        w.add_scalar("np", np.float64(2.5), 7, new_style=True)
        w.add_histogram("w", dygrad.tensor(vals), 4)
        w.add_histogram("w10", vals, 4, bins=10)
        w.add_image("chw", rng.random((3, 6, 5)), 1)
        w.add_image("hwc", (rng.random((6, 5, 4)) * 255).astype(np.uint8), 1, dataformats="HWC")
        w.add_image("hw", rng.random((6, 5)), 1, dataformats="HW")
        w.add_images("batch", rng.random((10, 1, 6, 5)), 2)
        w.add_text("note", "**bold** text", 3)
    ea = accumulate(tmp_path)
    assert [(e.step, e.value) for e in ea.Scalars("loss/train")] == [(0, 0.0), (1, 0.5), (2, 1.0)]
    t = ea.Tensors("np")[0]
    assert t.step == 7 and t.tensor_proto.float_val == [2.5]
    h = ea.Histograms("w")[0]
    assert h.step == 4
    hv = h.histogram_value
    assert hv.num == 1000 and hv.min == vals.min() and hv.max == vals.max()
    assert hv.sum == pytest.approx(float(vals.astype(np.float64).sum()))
    assert sum(hv.bucket) == 1000 and hv.bucket[0] == 0
    assert list(hv.bucket_limit) == sorted(hv.bucket_limit)
    counts, edges = np.histogram(vals.astype(np.float64), bins=10)
    h10 = ea.Histograms("w10")[0].histogram_value
    assert list(h10.bucket_limit) == edges.tolist() and list(h10.bucket) == [0] + counts.tolist()
    dims = {tag: (ea.Images(tag)[0].height, ea.Images(tag)[0].width)
            for tag in ("chw", "hwc", "hw", "batch")}
    assert dims == {"chw": (6, 5), "hwc": (6, 5), "hw": (6, 5), "batch": (12, 40)}
    text = ea.Tensors("note/text_summary")[0]
    assert text.step == 3 and text.tensor_proto.string_val == [b"**bold** text"]
    assert ea.PluginTagToContent("text") == {"note/text_summary": b""}


def test_png_without_pillow_decodes_to_the_same_pixels(tb, monkeypatch):
    PIL = pytest.importorskip("PIL.Image")
    from dygrad.utils.tensorboard import _png
    img = np.random.default_rng(1).integers(0, 256, (7, 9, 3), dtype=np.uint8)
    for c in (3, 4, 1):
        x = np.ascontiguousarray(img[:, :, :1].repeat(c, 2) if c != 3 else img)
        decoded = np.asarray(PIL.open(io.BytesIO(_png.encode_plain(x))))
        np.testing.assert_array_equal(decoded.reshape(x.shape), x)
    monkeypatch.setitem(sys.modules, "PIL", None)  # as if Pillow were not installed
    assert _png.encode_png(img) == _png.encode_plain(img)


def test_hparams_sub_run_and_plugin_data(tb, tmp_path):
    from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2
    with tb.SummaryWriter(tmp_path) as w:
        w.add_hparams({"lr": 0.1, "bs": 4, "opt": "sgd", "flag": True, "t": dygrad.tensor(2.0)},
                      {"hparam/acc": 0.9}, run_name="trial1",
                      hparam_domain_discrete={"opt": ["sgd", "adam"]})
        w.add_hparams({"lr": 0.2}, {"hparam/acc": 0.8})
    runs = sorted(layout(tmp_path))
    assert runs[0] == "." and "trial1" in runs and len(runs) == 3
    other = next(r for r in runs if r not in (".", "trial1"))
    assert re.fullmatch(r"\d+\.\d+", other)  # time.time(), as PyTorch names it
    ea = accumulate(tmp_path / "trial1")
    content = ea.PluginTagToContent("hparams")
    assert set(content) == {"_hparams_/experiment", "_hparams_/session_start_info",
                            "_hparams_/session_end_info"}
    exp = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/experiment"]).experiment
    assert [(i.name, i.type) for i in exp.hparam_infos] == [
        ("lr", api_pb2.DATA_TYPE_FLOAT64), ("bs", api_pb2.DATA_TYPE_FLOAT64),
        ("opt", api_pb2.DATA_TYPE_STRING), ("flag", api_pb2.DATA_TYPE_FLOAT64),
        ("t", api_pb2.DATA_TYPE_FLOAT64)]
    assert list(exp.hparam_infos[2].domain_discrete) == ["sgd", "adam"]
    assert [m.name.tag for m in exp.metric_infos] == ["hparam/acc"]
    start = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/session_start_info"]).session_start_info
    assert start.hparams["lr"].number_value == 0.1 and start.hparams["opt"].string_value == "sgd"
    assert start.hparams["t"].number_value == 2.0
    end = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/session_end_info"]).session_end_info
    assert end.status == api_pb2.STATUS_SUCCESS
    assert [e.value for e in ea.Scalars("hparam/acc")] == [pytest.approx(0.9)]
    with pytest.raises(ValueError, match="'bad' is a list"):
        tb.SummaryWriter(tmp_path / "x").add_hparams({"bad": [1]}, {})


def test_add_graph_names_nodes_by_module_path(tb, tmp_path):
    net = Net()
    x = dygrad.randn(5, 4)
    before = net(x).detach().numpy()
    with tb.SummaryWriter(tmp_path) as w:
        w.add_graph(net, x)
    assert "forward" not in net.__dict__  # the wrappers are gone
    np.testing.assert_array_equal(net(x).detach().numpy(), before)
    g = accumulate(tmp_path).Graph()
    nodes = {n.name: n for n in g.node}
    assert nodes["input/x"].op == "IO Node"
    assert nodes["Net/Linear[fc1]/linear"].op == "dygrad::linear"
    assert list(nodes["Net/Linear[fc1]/linear"].input) == [
        "input/x", "Net/Linear[fc1]/weight", "Net/Linear[fc1]/bias"]
    assert nodes["Net/ReLU[act]/relu"].input == ["Net/Linear[fc1]/linear"]
    assert nodes["Net/Sequential[seq]/Tanh[1]/tanh"].op == "dygrad::tanh"
    assert nodes["Net/mul"].input[0] == "Net/Sequential[seq]/Tanh[1]/tanh"
    assert nodes["output/output.0"].input == ["Net/mul"]
    shape = nodes["Net/Sequential[seq]/Linear[0]/linear"].attr["_output_shapes"].list.shape[0]
    assert [d.size for d in shape.dim] == [5, 2]
    for n in g.node:  # every edge ends at a node of the graph
        assert all(i.split(":")[0] in nodes for i in n.input)


def test_add_graph_keeps_instance_forwards_and_takes_traced_modules(tb, tmp_path):
    net = Net()

    def double(x):
        return x * 2
    net.act.forward = double  # the user's own instance attribute survives add_graph
    x = dygrad.randn(5, 4)
    with tb.SummaryWriter(tmp_path) as w:
        w.add_graph(net, x)
    assert net.act.__dict__["forward"] is double
    assert "Net/ReLU[act]/mul" in {n.name for n in accumulate(tmp_path).Graph().node}
    with tb.SummaryWriter(tmp_path / "traced") as w:
        w.add_graph(dygrad.jit.trace(Net(), x), (x,))
    names = {n.name for n in accumulate(tmp_path / "traced").Graph().node}
    assert {"Net/Linear[fc1]/linear", "Net/Sequential[seq]/Tanh[1]/tanh"} <= names


def test_add_graph_requires_an_input(tb, tmp_path):
    with tb.SummaryWriter(tmp_path) as w, pytest.raises(ValueError, match="input_to_model"):
        w.add_graph(Net())


def test_reachable_as_torch_utils_tensorboard(tb):
    from dygrad.compat._finder import resolve
    assert resolve("torch.utils.tensorboard") is tb
    assert dygrad.utils.tensorboard.SummaryWriter is tb.SummaryWriter


def test_bad_inputs_raise_clear_errors(tb, tmp_path):
    with tb.SummaryWriter(tmp_path) as w:
        with pytest.raises(ValueError, match=r"single number.*shape \(2,\)"):
            w.add_scalar("a", dygrad.ones(2))
        with pytest.raises(ValueError, match="dataformats 'CHW'.*shape \\(4, 4\\)"):
            w.add_image("i", np.zeros((4, 4)))
        with pytest.raises(ValueError, match="1, 3 or 4 channels; got 2"):
            w.add_image("i", np.zeros((2, 4, 4)))
        with pytest.raises(ValueError, match="empty"):
            w.add_histogram("h", np.zeros(0))


# -- the same calls through torch.utils.tensorboard ---------------------------------------------
def _write_all(SummaryWriter, root, as_tensor, net=None, x=None):
    rng = np.random.default_rng(3)
    vals = rng.standard_normal(500)
    img = rng.random((3, 6, 5)).astype(np.float32)
    batch = rng.random((3, 1, 4, 5)).astype(np.float32)
    hwc = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
    with SummaryWriter(root, filename_suffix=".sfx") as w:
        for step in range(3):
            w.add_scalar("loss/train", as_tensor(np.float32(1.0 / (step + 1))), step)
            w.add_scalars("run/acc", {"train": 0.1 * step, "val/top1": 0.2 * step}, step)
        w.add_histogram("w", as_tensor(vals), 1)
        w.add_histogram("w_max_bins", as_tensor(vals), 1, max_bins=20)
        w.add_histogram("w_auto", vals, 1, bins="auto")
        w.add_histogram("single", np.array([5.0]), 1)
        w.add_image("img", as_tensor(img), 2)
        w.add_image("hwc", hwc, 2, dataformats="HWC")
        w.add_images("batch", as_tensor(batch), 2)
        w.add_text("note", "hello *world*", 3)
        w.add_hparams({"lr": 0.1, "bs": 4, "opt": "sgd", "flag": True}, {"hparam/acc": 0.9},
                      run_name="trial")
        if net is not None:
            w.add_graph(net, x)


def _content(root):
    from PIL import Image
    out = {}
    for run in layout(root):
        ea = accumulate(Path(root) / run)
        tags = ea.Tags()
        run_out = out[run] = {}
        for t in tags["scalars"]:
            run_out[t] = [(e.step, e.value) for e in ea.Scalars(t)]
        for t in tags["histograms"]:
            h = ea.Histograms(t)[0]
            hv = h.histogram_value
            run_out[t] = (h.step, hv.min, hv.max, hv.num, hv.sum, hv.sum_squares,
                          list(hv.bucket_limit), list(hv.bucket))
        for t in tags["images"]:
            e = ea.Images(t)[0]
            px = np.asarray(Image.open(io.BytesIO(e.encoded_image_string)))
            run_out[t] = (e.step, e.height, e.width, px.tolist())
        for t in tags["tensors"]:
            e = ea.Tensors(t)[0]
            run_out[t] = (e.step, list(e.tensor_proto.string_val))
        for plugin in ("hparams", "text"):
            try:
                run_out[plugin] = ea.PluginTagToContent(plugin)
            except KeyError:  # no summary of that plugin in this run
                run_out[plugin] = {}
        run_out["graph"] = tags["graph"]
    return out


@pytest.mark.filterwarnings("ignore:`torch.jit.trace:DeprecationWarning")
def test_same_layout_tags_and_values_as_torch(tb, tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("PIL")
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    torch.manual_seed(0)
    tnet = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
    dnet = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    _write_all(TorchWriter, tmp_path / "torch", torch.tensor, tnet, torch.randn(2, 4))
    _write_all(tb.SummaryWriter, tmp_path / "dygrad", dygrad.tensor, dnet, dygrad.randn(2, 4))
    assert layout(tmp_path / "dygrad") == layout(tmp_path / "torch")
    assert sorted(layout(tmp_path / "torch")) == [".", "run_acc_train", "run_acc_val/top1",
                                                  "trial"]
    for run in layout(tmp_path / "torch"):  # the suffix goes where PyTorch puts it
        for who in ("torch", "dygrad"):
            names = [n for n in os.listdir(tmp_path / who / run) if n.startswith("events.")]
            assert all(n.endswith(".sfx") for n in names) == (run != "trial"), (who, run)
    ours, theirs = _content(tmp_path / "dygrad"), _content(tmp_path / "torch")
    assert ours.keys() == theirs.keys()
    for run in theirs:
        assert ours[run].keys() == theirs[run].keys(), run
        for tag in theirs[run]:
            assert ours[run][tag] == theirs[run][tag], (run, tag)
